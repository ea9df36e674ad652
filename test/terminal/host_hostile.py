#!/usr/bin/env python3
"""The arbor tool against Host_terminal clients that break the stream's
protocol, TAP output: run in a tmux pane, test/terminal/host_hostile.xml has
four, each sending a good line and then an oversized message, one of an
unknown type, an empty one, or one carrying an fd. The tool drops each with
the reason, never installs the fd, lends the terminal to the next and gives it
back cooked when none is left; the run goes on.

Usage: host_hostile.py ARBOR SOURCE_DIR ROM_DIR (ROM_DIR holds host_hostile)."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from host_tmux import (Tap, Tmux, find_descendant, is_cooked, skip_without_tmux,  # noqa: E402
                       stty_flags, stty_in_pane, wait_for)

ATTACKS = {"oversized": "type 0x6f, length 4098", "type": "type 0x78, length 4",
           "empty": "type 0x6f, length 1", "fd": "type 0x6f, length 4"}


def main():
    skip_without_tmux()
    arbor, source, rom_dir = (os.path.abspath(a) for a in sys.argv[1:4])
    t = Tap()
    tmux = Tmux("host-hostile")
    try:
        tmux.start(["sh", "-c", 'trap : INT; "$@"; echo "arbor-exit=$?"; stty -a; '
                    'echo stty-done; exec sleep 600', "sh", arbor, "run",
                    os.path.join(source, "test/terminal/host_hostile.xml"), "--rom-dir", rom_dir,
                    "--timeout", "60"])
        for name, what in ATTACKS.items():
            t.ok(tmux.wait_text(f"arbor: 'init -> {name}' sent a malformed terminal message "
                                f"({what})\narbor: terminal detached from 'init -> {name}'"),
                 f"the tool drops '{name}' and says why", tmux.capture())
        screen = tmux.capture()
        for name in ATTACKS:
            t.ok(f"{name}: ready" in screen, f"'{name}''s good line reached the screen first",
                 screen)
        t.ok(len(re.findall("terminal attached to", screen)) == len(ATTACKS),
             "each got the terminal once", screen)
        tty = tmux.pane("#{pane_tty}")
        t.ok(wait_for(lambda: is_cooked(stty_flags(tty))), "the terminal is cooked again",
             " ".join(sorted(stty_flags(tty))))
        tool = find_descendant(int(tmux.pane("#{pane_pid}")), "arbor")
        fds = [os.readlink(f"/proc/{tool}/fd/{fd}") for fd in os.listdir(f"/proc/{tool}/fd")] \
            if tool else []
        t.ok(tool and not any("hostile-fd" in link for link in fds),
             "the fd sent along was never installed in the tool", "\n".join(fds))
        t.ok("arbor-exit=" not in tmux.capture(), "the run goes on", tmux.capture())
        tmux.send("C-c")
        t.ok(tmux.wait_text("stty-done"), "Ctrl-C stops the run", tmux.capture())
        screen = tmux.capture()
        t.ok("arbor-exit=0" in screen and is_cooked(stty_in_pane(screen, "arbor-exit=")),
             "stty -a in the pane shows icanon, echo and isig", screen)
    finally:
        tmux.close()
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
