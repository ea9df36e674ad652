"""Core with init under a Python test: its command line, its log (read line by line
beside the test and polled with timeouts), its end, the case's file directory and the
test's main.

Used by test/storage/*_test.py and test/terminal/tcp_terminal_test.py (and the scripts
importing those); each passes what differs for it (RAM, --verbose, --file-dir, how
expect() looks for a line). Environment: ARBOR_CORE (arbor-core), ARBOR_ROM_DIRS (the ROM
directories, ':'-separated).
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time


class Failed(Exception):
    """A check failed: the test exits with 1."""


class Skipped(Exception):
    """The host lacks what the test needs: the test exits with 77."""


def until(cond, timeout, what):
    """Poll cond() until it is true (or an index, 0 included); Failed(what) after timeout s."""
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value is not None and value is not False:
            return value
        if time.monotonic() > deadline:
            raise Failed(f"timeout after {timeout:.0f} s waiting for {what}")
        time.sleep(0.02)


def environment():
    """ARBOR_CORE and the list of ARBOR_ROM_DIRS; exits when either is unset."""
    core = os.environ.get("ARBOR_CORE")
    dirs = [d for d in os.environ.get("ARBOR_ROM_DIRS", "").split(":") if d]
    if not core or not dirs:
        sys.exit("ARBOR_CORE and ARBOR_ROM_DIRS must be set")
    return core, dirs


def command(core, rom_dirs, ram, verbose=False, file_dir=None):
    """core's command line: init from rom_dirs (searched in order) with ram as its quota;
    Host_file sessions beneath file_dir if given."""
    cmd = [core] + (["--verbose"] if verbose else [])
    for d in rom_dirs:
        cmd += ["--rom-dir", d]
    if file_dir:
        cmd += ["--file-dir", file_dir]
    return cmd + ["--ram", ram, "--", "init"]


def start_core(cmd):
    """Start core (the command shown as "+ cmd"); its log, stderr included, on its stdout."""
    print("+ " + " ".join(cmd), flush=True)
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def stop_core(proc):
    """End core with SIGINT, as a person at its terminal does; SIGKILL if it takes 10 s."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class Core:
    """core running init with config_text as ROM "config" (from a private directory, named
    by prefix, searched before ARBOR_ROM_DIRS); its log, line by line, echoed as it comes.

    expect() waits timeout s unless told otherwise; in_order: for a line after the previous
    expectation's, else anywhere in the log. A line matching fail_on (a test component's
    failed check) ends any wait at once."""

    def __init__(self, config_text, prefix, ram, verbose=False, file_dir=None, timeout=10.0,
                 in_order=False, fail_on=None):
        core, dirs = environment()
        self.dir = tempfile.mkdtemp(prefix=prefix)
        with open(os.path.join(self.dir, "config"), "w") as f:
            f.write(config_text)
        self.timeout, self.in_order, self.fail_on = timeout, in_order, fail_on
        self.lines, self.cursor = [], 0
        self.cond = threading.Condition()
        self.proc = start_core(command(core, [self.dir] + dirs, ram, verbose, file_dir))
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            print(line, flush=True)
            with self.cond:
                self.lines.append(line)

    def find(self, pattern, start=0):
        """Index of the first line at or after start matching the regex, or None."""
        with self.cond:
            for i in range(start, len(self.lines)):
                if re.search(pattern, self.lines[i]):
                    return i
        return None

    def expect(self, pattern, timeout=None):
        """Wait for a line matching pattern (where: see the class); return its match."""
        def seen():
            if self.fail_on:
                failed = self.find(self.fail_on)
                if failed is not None:
                    raise Failed(self.lines[failed])
            return self.find(pattern, self.cursor)
        i = until(seen, self.timeout if timeout is None else timeout, f"log line /{pattern}/")
        if self.in_order:
            self.cursor = i + 1
        return re.search(pattern, self.lines[i])

    def all(self, pattern):
        with self.cond:
            return [m for m in (re.search(pattern, line) for line in self.lines) if m]

    def count(self, pattern):
        with self.cond:
            return sum(1 for line in self.lines if re.search(pattern, line))

    def pid_of(self, name):
        m = self.expect(rf'core: started "init -> {re.escape(name)}" as pid (\d+)')
        return int(m.group(1))

    def check_healthy(self, name):
        """No error, crash or unexpected exit of the component name in the log (a session
        its parent denied is lib/base's error line, Genode's, not a fault), and no
        donation it kept after closing a session."""
        bad = self.all(rf"\[init -> {re.escape(name)}\] Error: (?!stop because parent denied)|"
                       rf'child "{re.escape(name)}" (exited|crashed|was killed)|'
                       rf"{re.escape(name)}: keeps the donation")
        if bad:
            raise Failed(f"{name} did not stay healthy: {bad[0].string}")

    def stop(self):
        stop_core(self.proc)
        self.reader.join(timeout=5)
        shutil.rmtree(self.dir, ignore_errors=True)


class Files:
    """core's file directory (--file-dir) for one case: a new directory, named by prefix,
    beneath the directory in the environment variable base_env (the build's, on a disk file
    system), else beneath the system's temporary directory."""

    def __init__(self, prefix, base_env):
        self.dir = tempfile.mkdtemp(prefix=prefix, dir=os.environ.get(base_env) or None)

    def path(self, name):
        return os.path.join(self.dir, name)

    def read(self, name, offset, length):
        with open(self.path(name), "rb") as f:
            f.seek(offset)
            return f.read(length)

    def remove(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def main(cases, name=None, prepare=None):
    """A test's main: runs the case its one argument names (a key of cases) after
    prepare(), if given. Returns the exit status: 0 passed ("passed: NAME CASE", or
    "passed" without a name), 1 failed, 77 skipped (Skipped from prepare() or the case)."""
    if len(sys.argv) != 2 or sys.argv[1] not in cases:
        sys.exit(f"usage: {sys.argv[0]} {'|'.join(cases)}")
    try:
        if prepare:
            prepare()
        cases[sys.argv[1]]()
    except Skipped as e:
        print(f"SKIP: {e}", flush=True)
        return 77
    except Failed as e:
        print(f"FAILED: {e}", flush=True)
        return 1
    print(f"passed: {name} {sys.argv[1]}" if name else "passed", flush=True)
    return 0
