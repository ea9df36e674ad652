#!/usr/bin/env python3
"""arbor attach, TAP output. run/terminal_echo.xml runs without a terminal (in
the background, its log in a file); `arbor attach terminal` in a tmux pane
brings the pane's terminal: keys reach the echo client and come back; a second
attach is refused with the reason, as is a label that matches nothing; Ctrl-]
detaches and the terminal is cooked again; the session takes the next attach;
when the run ends, the attached terminal comes back too.

Usage: host_attach.py ARBOR SOURCE_DIR ROM_DIR."""
import array
import os
import signal
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from host_tmux import (Tap, Tmux, alive, find_descendant, is_cooked, is_raw,  # noqa: E402
                       run_dir, skip_without_tmux, stty_flags, stty_in_pane, wait_for)


def attach_in(tmux, window, arbor, core, *label):
    tmux.start(["sh", "-c", '"$@"; echo "attach-exit=$?"; stty -a; echo stty-done; exec sleep 600',
                "sh", arbor, "attach", "--pid", str(core)] + list(label), window)


def ask(path, data, fds=()):
    """Send one request to core's attach socket; its answer (b"": none, it closed)."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        s.connect(path)            # blocking: waits while core's backlog is full
        s.settimeout(10)
        anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else []
        s.sendmsg([data], anc)
        return s.recv(4096)
    finally:
        s.close()


def hostile_requests(t, sock):
    """Malformed requests end their connection unanswered; core serves on."""
    t.ok(ask(sock, b"xterminal") == b"", "a request of an unknown type is not answered")
    t.ok(ask(sock, b"a" + b"y" * 3000) == b"", "an oversized request is not answered")
    t.ok(ask(sock, b"aterm\0inal") == b"", "a label holding a NUL is not answered")
    r, w = os.pipe()
    t.ok(ask(sock, b"aterminal", [r]) == b"", "a request carrying an fd is not answered")
    os.close(r)
    os.close(w)
    idle = []
    for _ in range(20):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        s.connect(sock)
        idle.append(s)
    answer = ask(sock, b"anosuch")
    t.ok(answer.startswith(b"eno Host_terminal session matches 'nosuch'"),
         "with 20 idle connections open, core still answers", repr(answer))
    for s in idle:
        s.close()


def log_has(path, text, count=1):
    with open(path, errors="replace") as f:
        return f.read().count(text) >= count


def main():
    skip_without_tmux()
    arbor, source = (os.path.abspath(a) for a in sys.argv[1:3])
    t = Tap()
    tmux = Tmux("host-attach")
    log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)
    run = subprocess.Popen([arbor, "run", os.path.join(source, "run/terminal_echo.xml"),
                            "--timeout", "60"], stdin=subprocess.DEVNULL, stdout=log,
                           stderr=subprocess.STDOUT, start_new_session=True)
    core = None
    try:
        core = wait_for(lambda: find_descendant(run.pid, "arbor-core"))
        sock = os.path.join(run_dir(core), "terminal.sock") if core else "/nonexistent"
        t.ok(wait_for(lambda: os.path.exists(sock)), "a run without a terminal waits for one "
             "(core listens for arbor attach)")
        t.ok(not log_has(log.name, "connected"), "... and its client is not connected")
        hostile_requests(t, sock)

        attach_in(tmux, "t", arbor, core, "terminal")
        t.ok(tmux.wait_text("arbor: terminal attached to 'init -> terminal'; Ctrl-] detaches"),
             "arbor attach terminal finds 'init -> terminal' and says how to detach",
             tmux.capture())
        t.ok(wait_for(lambda: log_has(log.name, "[init -> terminal_echo] connected")),
             "the echo client is connected")
        tty = tmux.pane("#{pane_tty}")
        t.ok(is_raw(stty_flags(tty)), "the attached terminal is raw")
        tmux.send_literal("hello")
        t.ok(tmux.wait_text("hello"), "keys reach the echo client and come back", tmux.capture())

        attach_in(tmux, "second", arbor, core, "terminal")
        t.ok(tmux.wait_text("attach-exit=1", "second"), "a second attach fails",
             tmux.capture("second"))
        t.ok("arbor attach: 'init -> terminal' already has a terminal" in tmux.capture("second"),
             "... saying that the session has a terminal", tmux.capture("second"))
        attach_in(tmux, "nosuch", arbor, core, "nosuch")
        t.ok(tmux.wait_text("attach-exit=1", "nosuch") and
             "no Host_terminal session matches 'nosuch'; there are: 'init -> terminal'"
             in tmux.capture("nosuch"), "a label that matches nothing is refused with the list",
             tmux.capture("nosuch"))

        tmux.send("C-]")
        t.ok(tmux.wait_text("stty-done"), "Ctrl-] detaches", tmux.capture())
        screen = tmux.capture()
        t.ok("attach-exit=0" in screen and is_cooked(stty_in_pane(screen, "attach-exit=")),
             "the terminal is cooked again (stty -a in the pane)", screen)
        t.ok(wait_for(lambda: log_has(log.name, "[init -> terminal_echo] disconnected")),
             "the echo client sees the terminal leave")
        t.ok(run.poll() is None, "the run goes on")

        attach_in(tmux, "again", arbor, core)
        t.ok(tmux.wait_text("terminal attached to 'init -> terminal'", "again") and
             wait_for(lambda: log_has(log.name, "[init -> terminal_echo] connected", 2)),
             "the session takes the next attach (no label: the only free session)",
             tmux.capture("again"))
        tmux.send_literal("again", window="again")
        t.ok(tmux.wait_text("\nagain", "again"), "... and echoes", tmux.capture("again"))
        run.send_signal(signal.SIGTERM)
        t.ok(tmux.wait_text("stty-done", "again"), "the run's end ends the attach",
             tmux.capture("again"))
        screen = tmux.capture("again")
        t.ok("attach-exit=0" in screen and is_cooked(stty_in_pane(screen, "attach-exit=")),
             "... and the terminal is cooked again", screen)
        t.ok(wait_for(lambda: run.poll() is not None), "the run ended")
    finally:
        # SIGTERM: arbor tears core down (core is in a process group of its own,
        # and a SIGKILLed arbor would leave it running)
        if run.poll() is None:
            run.terminate()
            try:
                run.wait(timeout=10)
            except subprocess.TimeoutExpired:
                if core and alive(core):
                    os.kill(core, signal.SIGKILL)
                run.kill()
        run.wait()
        tmux.close()
        log.close()
        if t.failed:
            with open(log.name, errors="replace") as f:
                for line in f.read().splitlines():
                    print(f"# log: {line}")
        os.unlink(log.name)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
