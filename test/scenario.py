#!/usr/bin/env python3
"""Run an Arbor scenario under core and check its log.

A scenario file holds one directive per line ('#' starts a comment):

  root: BINARY [ARG...]     the root component (a ROM module) and its arguments
  rom-dir: DIR              an extra ROM directory (the build's components come first);
                            @SCENARIO_DIR@ stands for the scenario file's directory
  file-dir: DIR             core's --file-dir, where Host_file sessions open files
                            (@SCENARIO_DIR@ as for rom-dir; default: the first rom-dir,
                            else the scenario file's directory)
  ram: SIZE                 the root's RAM quota (default 64M)
  timeout: SECONDS          give up after this long (default 60)
  expect: TEXT              TEXT must appear in a log line, after the previous expect of
                            the same component: expectations that begin with "[label]" are
                            ordered among those with the same label (each component's log is
                            ordered, different components run concurrently); the others are
                            ordered among themselves
  expect-re: REGEX          the same with a regular expression (its label is a leading \[label\])
  forbid: TEXT              TEXT must appear in no line
  once: TEXT                TEXT must appear in at most one line (e.g. a start not repeated)
  interrupt-after: TEXT     send SIGINT to core once TEXT appeared
  exit: CODE                core's expected exit status (default 0)
  leftovers: none           after core ended, none of its processes, cgroups or files remain
  tcp-listener: yes         listen on 127.0.0.1 (port substituted for {tcp_port} in root
                            arguments); fails if any component managed to connect
  skip-if: TEXT             a line holding TEXT means the host lacks what the scenario needs:
                            the scenario is skipped (exit 77) with that line as the reason
  user: NAME                run core as this user (root runs it through runuser; an ordinary
                            user runs it as itself, which is already unprivileged)
  fd-mark: TEXT             when TEXT appears, note how many fds core has open
  fd-check: TEXT            when TEXT appears, core must have no more fds open than at the
                            mark (fewer is fine: a client's idle connections may have closed)
  config: FILE              serve FILE (relative to the scenario file) as ROM "config" from a
                            private directory searched first, so that it can be replaced
  reconfigure: TEXT => FILE once TEXT appeared (after the previous reconfigure's), replace
                            the config with FILE: core sees a new version, init applies it

Environment: ARBOR_CORE (path of arbor-core), ARBOR_ROM_DIR (the build's components).
Exit status: 0 passed, 1 failed, 77 skipped.
"""
import os
import re
import select
import socket
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time


def parse(path):
    scn = {"root": None, "rom_dirs": [], "ram": "64M", "timeout": 60.0, "steps": [],
           "forbid": [], "interrupt": None, "exit": 0, "leftovers": False,
           "tcp": False, "fd_mark": None, "fd_check": None, "user": None,
           "skip_if": [], "once": [], "config": None, "reconfigure": [], "file_dir": None}
    with open(path) as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            key, sep, value = line.partition(":")
            value = value.strip()
            if not sep:
                sys.exit(f"{path}:{lineno}:1: expected 'key: value'")
            if key == "root":
                scn["root"] = shlex.split(value)
            elif key == "rom-dir":
                scn["rom_dirs"].append(value.replace("@SCENARIO_DIR@",
                                                     os.path.dirname(os.path.abspath(path))))
            elif key == "file-dir":
                scn["file_dir"] = value.replace("@SCENARIO_DIR@",
                                                os.path.dirname(os.path.abspath(path)))
            elif key == "ram":
                scn["ram"] = value
            elif key == "timeout":
                scn["timeout"] = float(value)
            elif key == "expect":
                scn["steps"].append(("text", value))
            elif key == "expect-re":
                scn["steps"].append(("re", re.compile(value)))
            elif key == "forbid":
                scn["forbid"].append(value)
            elif key == "once":
                scn["once"].append(value)
            elif key == "interrupt-after":
                scn["interrupt"] = value
            elif key == "exit":
                scn["exit"] = int(value)
            elif key == "leftovers":
                scn["leftovers"] = value == "none"
            elif key == "tcp-listener":
                scn["tcp"] = value == "yes"
            elif key == "skip-if":
                scn["skip_if"].append(value)
            elif key == "user":
                scn["user"] = value
            elif key == "fd-mark":
                scn["fd_mark"] = value
            elif key == "fd-check":
                scn["fd_check"] = value
            elif key == "config":
                scn["config"] = os.path.join(os.path.dirname(os.path.abspath(path)), value)
            elif key == "reconfigure":
                text, arrow, file = value.partition("=>")
                if not arrow:
                    sys.exit(f"{path}:{lineno}:1: expected 'reconfigure: TEXT => FILE'")
                scn["reconfigure"].append((text.strip(), os.path.join(
                    os.path.dirname(os.path.abspath(path)), file.strip())))
            else:
                sys.exit(f"{path}:{lineno}:1: unknown directive '{key}'")
    if not scn["root"]:
        sys.exit(f"{path}: no 'root:' directive")
    if not scn["file_dir"]:
        scn["file_dir"] = (scn["rom_dirs"][0] if scn["rom_dirs"]
                           else os.path.dirname(os.path.abspath(path)))
    return scn


def group_of(step):
    kind, what = step
    text = what if kind == "text" else what.pattern.replace("\\[", "[", 1).replace("\\]", "]", 1)
    m = re.match(r"\[([^\]]*)\]", text)
    return m.group(1) if m else None


def matches(step, line):
    kind, what = step
    return what in line if kind == "text" else what.search(line) is not None


def descendants(pid):
    """All processes below pid (via /proc/<pid>/task/*/children)."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    kids = [int(k) for k in f.read().split()]
                found += kids
                todo += kids
        except OSError:
            pass
    return found


def alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def all_pids():
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def namespaces_of(pids):
    """The mount, pid, net, ipc, uts, user and cgroup namespaces of pids."""
    found = set()
    for pid in pids:
        for ns in ("mnt", "pid", "net", "ipc", "uts", "user", "cgroup"):
            try:
                found.add(os.readlink(f"/proc/{pid}/ns/{ns}"))
            except OSError:
                pass
    return found


def count_fds(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return -1


def cgroup_dirs(core_pid):
    hits = []
    for root, dirs, _ in os.walk("/sys/fs/cgroup"):
        for d in dirs:
            if d == f"arbor-{core_pid}" or d.startswith(f"arbor-{core_pid}."):
                hits.append(os.path.join(root, d))
        if root.count("/") > 8:
            dirs[:] = []
    return hits


def main():
    scn = parse(sys.argv[1])
    core = os.environ.get("ARBOR_CORE")
    rom = os.environ.get("ARBOR_ROM_DIR")
    if not core or not rom:
        sys.exit("ARBOR_CORE and ARBOR_ROM_DIR must be set")
    listener = None
    if scn["tcp"]:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        listener.setblocking(False)
        port = str(listener.getsockname()[1])
        scn["root"] = [a.replace("{tcp_port}", port) for a in scn["root"]]
    cmd = [core]
    if scn["config"]:
        scn["config_dir"] = tempfile.mkdtemp(prefix="arbor-scenario-")
        shutil.copyfile(scn["config"], os.path.join(scn["config_dir"], "config"))
        cmd += ["--rom-dir", scn["config_dir"]]
    cmd += ["--rom-dir", rom] + sum((["--rom-dir", d] for d in scn["rom_dirs"]), [])
    if os.path.isdir(scn["file_dir"]):
        cmd += ["--file-dir", scn["file_dir"]]
    cmd += ["--ram", scn["ram"], "--"] + scn["root"]
    if scn["user"] and os.geteuid() == 0:
        runuser = shutil.which("runuser")
        if not runuser:
            print("SKIP: runuser is missing, cannot drop to an unprivileged user")
            return 77
        probe = subprocess.run([runuser, "-u", scn["user"], "--", "test", "-x", core])
        if probe.returncode != 0:
            print(f"SKIP: {core} is not reachable for user {scn['user']} "
                  "(a parent directory is not world-searchable)")
            return 77
        cmd = [runuser, "-u", scn["user"], "--"] + cmd
    print("+ " + " ".join(shlex.quote(c) for c in cmd), flush=True)

    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        return watch(scn, proc, listener)
    finally:
        # whatever went wrong here, core must not outlive the runner
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        if listener:
            listener.close()
        if scn.get("config_dir"):
            shutil.rmtree(scn["config_dir"], ignore_errors=True)


def replace_config(scn, file):
    """Swap the served config for file, atomically: core sees one new version."""
    tmp = os.path.join(scn["config_dir"], ".config.new")
    shutil.copyfile(file, tmp)
    os.rename(tmp, os.path.join(scn["config_dir"], "config"))
    print(f"+ reconfigured with {os.path.basename(file)}", flush=True)


def watch(scn, proc, listener):
    """Follow core's log until it ends; check the scenario's expectations."""
    deadline = time.monotonic() + scn["timeout"]
    steps = scn["steps"]
    groups = {}
    for i, st in enumerate(steps):
        groups.setdefault(group_of(st), []).append(i)
    pos = {g: 0 for g in groups}
    failures, log = [], []
    interrupted, kids, namespaces = False, [], set()
    fds_at_mark = None
    skipped = None
    seen_once = {}

    out = proc.stdout.fileno()
    buf = ""
    eof = False
    while True:
        if time.monotonic() > deadline:
            waiting = [str(steps[idx[pos[g]]][1]) for g, idx in groups.items() if pos[g] < len(idx)]
            failures.append(f"timeout after {scn['timeout']:.0f} s"
                            + (f", waiting for: {'; '.join(waiting)}" if waiting else ""))
            proc.kill()
            break
        ready, _, _ = select.select([out], [], [], 0.1)
        chunk = os.read(out, 65536).decode("utf-8", "replace") if ready else ""
        if ready and not chunk:
            eof = True
        if chunk:
            buf += chunk
            *lines, buf = buf.split("\n")
            for line in lines:
                print(line, flush=True)
                log.append(line)
                for text in scn["skip_if"]:
                    if text in line and skipped is None:
                        skipped = line
                for f in scn["forbid"]:
                    if f in line:
                        failures.append(f"forbidden text in line: {line}")
                for o in scn["once"]:
                    if o in line:
                        seen_once[o] = seen_once.get(o, 0) + 1
                        if seen_once[o] == 2:
                            failures.append(f"seen a second time: {line}")
                for g, idx in groups.items():
                    if pos[g] < len(idx) and matches(steps[idx[pos[g]]], line):
                        pos[g] += 1
                if scn["fd_mark"] and scn["fd_mark"] in line:
                    fds_at_mark = count_fds(proc.pid)
                    print(f"+ core has {fds_at_mark} fds open", flush=True)
                if scn["fd_check"] and scn["fd_check"] in line:
                    now = count_fds(proc.pid)
                    print(f"+ core has {now} fds open", flush=True)
                    if fds_at_mark is None or now > fds_at_mark:
                        failures.append(f"core's fd count went from {fds_at_mark} to {now}")
                if scn["reconfigure"] and scn["reconfigure"][0][0] in line:
                    replace_config(scn, scn["reconfigure"].pop(0)[1])
                if scn["interrupt"] and not interrupted and scn["interrupt"] in line:
                    kids = descendants(proc.pid)
                    namespaces = namespaces_of(kids)
                    print(f"+ SIGINT to core ({len(kids)} processes below it)", flush=True)
                    proc.send_signal(signal.SIGINT)
                    interrupted = True
        elif eof:
            break
    if buf:
        print(buf)
        log.append(buf)
    code = proc.wait()

    for g, idx in groups.items():
        if pos[g] < len(idx):
            failures.append(f"expected line not seen: {steps[idx[pos[g]]][1]}")
    if code != scn["exit"] and not any(f.startswith("timeout") for f in failures):
        failures.append(f"core exited with {code}, expected {scn['exit']}")
    if scn["leftovers"]:
        time.sleep(0.2)
        left = [p for p in kids if alive(p)]
        if left:
            failures.append(f"processes left behind: {left}")
        dirs = cgroup_dirs(proc.pid)
        if dirs:
            failures.append(f"cgroups left behind: {dirs}")
        alive_ns = namespaces & namespaces_of(all_pids())
        if alive_ns:
            failures.append(f"namespaces (and their mounts) left behind: {sorted(alive_ns)}")
        if not kids:
            failures.append("no processes were seen below core before the interrupt")
        else:
            print(f"+ all {len(kids)} processes gone, with their {len(namespaces)} namespaces "
                  "and mounts; no cgroup directories left", flush=True)

    if skipped is not None:
        print(f"SKIP: the host cannot run this scenario: {skipped}")
        return 77

    if listener:
        try:
            conn, addr = listener.accept()
            failures.append(f"a component connected to the host's TCP listener from {addr}")
            conn.close()
        except BlockingIOError:
            print("+ nobody connected to the host's TCP listener", flush=True)
        listener.close()

    if failures:
        for f in failures:
            print(f"FAILED: {f}")
        return 1
    print(f"passed: {len(steps)} expected lines in order, exit {code}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
