"""Helpers of the host terminal bridge's tests (test/terminal/host_*.py): a
private tmux server whose pane is the person's terminal, TAP output, waiting
for conditions with a deadline, and finding the processes of a run."""
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

WAIT_S = 15


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, what, diag=""):
        self.n += 1
        if not cond:
            self.failed += 1
        print(f"{'ok' if cond else 'not ok'} {self.n} - {what}", flush=True)
        if not cond and diag:
            for line in diag.rstrip().splitlines():
                print(f"# {line}", flush=True)
        return cond

    def done(self):
        print(f"1..{self.n}", flush=True)
        return 1 if self.failed else 0


def skip_without_tmux():
    if not shutil.which("tmux"):
        print("1..0 # SKIP tmux is not installed (apt-get install tmux)")
        sys.exit(0)


def wait_for(fn, timeout=WAIT_S, every=0.05):
    """Poll fn() until it returns something true; that, or None after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() >= deadline:
            return None
        time.sleep(every)


class Tmux:
    """A tmux server of our own (parallel tests do not meet), one session 't'."""

    def __init__(self, tag, width=100, height=30):
        # the server's socket and config in a directory of ours, removed afterwards
        self.dir = tempfile.mkdtemp(prefix=f"arbor-{tag}-")
        self.socket = os.path.join(self.dir, "tmux.sock")
        self.conf = os.path.join(self.dir, "tmux.conf")
        with open(self.conf, "w") as f:
            # no status line: the pane is the whole window, width x height
            f.write("set -g status off\nset -g remain-on-exit on\n")
        self.width, self.height = width, height
        self.env = dict(os.environ, TERM="xterm-256color")

    def tmux(self, *args, check=True):
        proc = subprocess.run(["tmux", "-S", self.socket, "-f", self.conf] + list(args),
                              capture_output=True, text=True, env=self.env, timeout=WAIT_S)
        if check and proc.returncode:
            raise RuntimeError(f"tmux {' '.join(args)}: {proc.stderr.strip()}")
        return proc.stdout

    def start(self, command, window="t"):
        """Run command (a list) in a new pane: the session's first window, or another one."""
        cmd = " ".join(shlex.quote(a) for a in command)
        if window == "t":
            self.tmux("new-session", "-d", "-s", "t", "-x", str(self.width), "-y",
                      str(self.height), cmd)
        else:
            self.tmux("new-window", "-d", "-t", "t:", "-n", window, cmd)

    def target(self, window):
        return "t" if window == "t" else f"t:{window}"

    def send(self, *keys, window="t"):
        self.tmux("send-keys", "-t", self.target(window), *keys)

    def send_literal(self, text, window="t"):
        self.tmux("send-keys", "-l", "-t", self.target(window), text)

    def capture(self, window="t"):
        return self.tmux("capture-pane", "-p", "-J", "-S", "-", "-t", self.target(window),
                         check=False)

    def wait_text(self, text, window="t", timeout=WAIT_S):
        """Wait until the pane shows text (a str, or a compiled regex)."""
        def seen():
            screen = self.capture(window)
            if isinstance(text, str):
                return text in screen
            return text.search(screen)
        return wait_for(seen, timeout)

    def pane(self, fmt, window="t"):
        return self.tmux("display-message", "-p", "-t", self.target(window), fmt).strip()

    def resize(self, width, height):
        self.tmux("resize-window", "-t", "t", "-x", str(width), "-y", str(height))

    def close(self):
        self.tmux("kill-server", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


def stty_flags(tty):
    """The termios flags of tty (its stty -a words), seen from outside the pane."""
    out = subprocess.run(["stty", "-a", "-F", tty], capture_output=True, text=True).stdout
    return set(re.split(r"[\s;]+", out))


def is_raw(flags):
    return {"-icanon", "-echo", "-isig", "-ixon", "-icrnl", "opost", "onlcr"} <= flags


def is_cooked(flags):
    return {"icanon", "echo", "isig"} <= flags


def stty_in_pane(screen, after):
    """The stty -a words the pane printed between the line holding after and 'stty-done'."""
    start = screen.rfind(after)
    end = screen.find("stty-done", start)
    if start < 0 or end < 0:
        return set()
    return set(re.split(r"[\s;]+", screen[start:end]))


def children(pid):
    """The processes whose parent is pid."""
    kids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        # the command may hold spaces and parentheses: the fields follow the last ')'
        fields = stat[stat.rfind(")") + 2:].split()
        if int(fields[1]) == pid:
            kids.append(int(entry))
    return kids


def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return ""


def find_descendant(pid, name):
    """The first process called name below pid, or None."""
    todo = [pid]
    while todo:
        p = todo.pop(0)
        for kid in children(p):
            if comm(kid) == name:
                return kid
            todo.append(kid)
    return None


def run_dir(core_pid):
    base = "/run/arbor" if os.geteuid() == 0 else (
        os.path.join(os.environ["XDG_RUNTIME_DIR"], "arbor") if os.environ.get("XDG_RUNTIME_DIR")
        else f"/tmp/arbor-{os.geteuid()}")
    return os.path.join(base, str(core_pid))


def component_pid(core_pid, label):
    """The pid of the component labelled label, from the tree core publishes."""
    try:
        with open(os.path.join(run_dir(core_pid), "tree.json")) as f:
            text = f.read()
    except OSError:
        return None
    m = re.search(r'"label": "' + re.escape(label) + r'", "pid": (\d+), "state": "running"', text)
    return int(m.group(1)) if m and int(m.group(1)) else None


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a zombie is not alive for our purposes
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
