#!/usr/bin/env python3
"""The host terminal comes back however its session ends, TAP output:
`arbor run run/terminal_echo.xml` in a tmux pane, then the terminal component
is killed (the run goes on with the terminal cooked, so Ctrl-C stops it), or
core is killed with SIGKILL (arbor ends). Each time the pane's terminal must be
cooked again, as stty sees it from outside and as `stty -a` prints it inside.

Usage: host_crash.py ARBOR SOURCE_DIR ROM_DIR."""
import os
import shutil
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from host_tmux import (Tap, Tmux, alive, component_pid, find_descendant, is_cooked,  # noqa: E402
                       is_raw, run_dir, skip_without_tmux, stty_flags, stty_in_pane, wait_for)


def start(tmux, arbor, source):
    # the shell outlives a Ctrl-C, as an interactive one would (a trap, unlike an ignore, is not inherited)
    tmux.start(["sh", "-c", 'trap : INT; "$@"; echo "arbor-exit=$?"; stty -a; echo stty-done; '
                'exec sleep 600',
                "sh", arbor, "run", os.path.join(source, "run/terminal_echo.xml"),
                "--timeout", "60"])
    connected = tmux.wait_text("[init -> terminal_echo] connected")
    tty = tmux.pane("#{pane_tty}")
    core = wait_for(lambda: find_descendant(int(tmux.pane("#{pane_pid}")), "arbor-core"))
    return connected, tty, core


def component_killed(t, arbor, source):
    tmux = Tmux("host-crash")
    try:
        connected, tty, core = start(tmux, arbor, source)
        t.ok(connected and core and is_raw(stty_flags(tty)),
             "terminal killed: the echo client is connected, the terminal raw", tmux.capture())
        pid = wait_for(lambda: component_pid(core, "init -> terminal")) if core else None
        t.ok(pid, "the terminal component's pid is published")
        if pid:
            os.kill(pid, signal.SIGKILL)
        t.ok(tmux.wait_text("arbor: terminal detached from 'init -> terminal'"),
             "arbor says the terminal is back", tmux.capture())
        t.ok(wait_for(lambda: is_cooked(stty_flags(tty))),
             "the terminal is cooked while the run goes on", " ".join(sorted(stty_flags(tty))))
        t.ok("arbor-exit=" not in tmux.capture() and core and alive(core),
             "the run goes on", tmux.capture())
        tmux.send("C-c")
        t.ok(tmux.wait_text("stty-done"), "Ctrl-C (a signal again) stops the run", tmux.capture())
        screen = tmux.capture()
        t.ok(is_cooked(stty_in_pane(screen, "arbor-exit=")),
             "stty -a in the pane shows icanon, echo and isig", screen)
    finally:
        tmux.close()


def core_killed(t, arbor, source):
    tmux = Tmux("host-corekill")
    core = None
    try:
        connected, tty, core = start(tmux, arbor, source)
        t.ok(connected and core and is_raw(stty_flags(tty)),
             "core killed: the echo client is connected, the terminal raw", tmux.capture())
        if core:
            os.kill(core, signal.SIGKILL)
        t.ok(tmux.wait_text("stty-done"), "arbor ends when core is killed", tmux.capture())
        screen = tmux.capture()
        t.ok("arbor-exit=137" in screen, "... with status 128 + SIGKILL", screen)
        t.ok(is_cooked(stty_in_pane(screen, "arbor-exit=")),
             "stty -a in the pane shows icanon, echo and isig", screen)
        t.ok(is_cooked(stty_flags(tty)), "... as stty -F sees it too")
    finally:
        tmux.close()
        # a killed core leaves its run directory (arbor ps would clean it up)
        if core and not alive(core):
            shutil.rmtree(run_dir(core), ignore_errors=True)


def main():
    skip_without_tmux()
    arbor, source = (os.path.abspath(a) for a in sys.argv[1:3])
    t = Tap()
    component_killed(t, arbor, source)
    core_killed(t, arbor, source)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
