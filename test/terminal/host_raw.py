#!/usr/bin/env python3
"""The host terminal bridge in raw mode, TAP output. `arbor run` runs in a tmux
pane, the person's terminal: keys reach the client at once, one by one, Ctrl-C
as the byte 0x03 rather than as a stop (host_keys logs each byte it gets); the
echo client's answer shows; a window resize reaches the client as
size_changed; Ctrl-] stops the run and the terminal is cooked again.

Usage: host_raw.py ARBOR SOURCE_DIR ROM_DIR (ROM_DIR holds host_keys)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from host_tmux import Tap, Tmux, is_cooked, is_raw, skip_without_tmux, stty_flags, stty_in_pane  # noqa: E402


def run_in_pane(tmux, arbor, config, rom_dir):
    tmux.start(["sh", "-c", '"$@"; echo "arbor-exit=$?"; stty -a; echo stty-done; exec sleep 600',
                "sh", arbor, "run", config, "--rom-dir", rom_dir, "--timeout", "60"])


def keys(t, arbor, source, rom_dir):
    tmux = Tmux("host-keys")
    try:
        run_in_pane(tmux, arbor, os.path.join(source, "test/terminal/host_keys.xml"), rom_dir)
        t.ok(tmux.wait_text("[init -> keys] connected"), "the client is connected to the pane's "
             "terminal", tmux.capture())
        t.ok("arbor: terminal attached to 'init -> terminal'; Ctrl-] stops" in tmux.capture(),
             "arbor run says where the terminal went and how to stop", tmux.capture())
        flags = stty_flags(tmux.pane("#{pane_tty}"))
        t.ok(is_raw(flags), "the terminal is raw while attached (output processing kept)",
             " ".join(sorted(flags)))
        tmux.send_literal("a")
        t.ok(tmux.wait_text("[init -> keys] key 0x61"), "a key reaches the client without Enter",
             tmux.capture())
        tmux.send("C-c")
        t.ok(tmux.wait_text("[init -> keys] key 0x03"), "Ctrl-C reaches the client as 0x03",
             tmux.capture())
        tmux.send_literal("z")
        t.ok(tmux.wait_text("[init -> keys] key 0x7a") and "arbor-exit=" not in tmux.capture(),
             "the run goes on after Ctrl-C", tmux.capture())
        tmux.send("C-]")
        t.ok(tmux.wait_text("stty-done"), "Ctrl-] stops the run", tmux.capture())
        screen = tmux.capture()
        t.ok("arbor-exit=0" in screen, "... with exit status 0", screen)
        t.ok(is_cooked(stty_in_pane(screen, "arbor-exit=")),
             "stty -a in the pane shows icanon, echo and isig again", screen)
    finally:
        tmux.close()


def echo(t, arbor, source, rom_dir):
    tmux = Tmux("host-echo", 100, 30)
    try:
        run_in_pane(tmux, arbor, os.path.join(source, "run/terminal_echo.xml"), rom_dir)
        t.ok(tmux.wait_text("[init -> terminal_echo] terminal size 100x30"),
             "run/terminal_echo.xml: the client learns the window's size", tmux.capture())
        tmux.send_literal("hello")
        t.ok(tmux.wait_text("\nhello"), "typed keys come back from the echo client",
             tmux.capture())
        tmux.send("Enter")
        tmux.send_literal("world")
        t.ok(tmux.wait_text("hello\nworld"), "Enter arrives as CR and comes back as a new line",
             tmux.capture())
        tmux.resize(120, 40)
        t.ok(tmux.wait_text("[init -> terminal_echo] terminal size 120x40"),
             "a window resize reaches the client as size_changed", tmux.capture())
        tmux.resize(80, 24)
        t.ok(tmux.wait_text("[init -> terminal_echo] terminal size 80x24"),
             "... and another one", tmux.capture())
        tmux.send("C-]")
        t.ok(tmux.wait_text("stty-done"), "Ctrl-] stops the run", tmux.capture())
        screen = tmux.capture()
        t.ok("arbor-exit=0" in screen and is_cooked(stty_in_pane(screen, "arbor-exit=")),
             "the terminal is cooked again afterwards", screen)
        t.ok(is_cooked(stty_flags(tmux.pane("#{pane_tty}"))), "... as stty -F sees it too")
    finally:
        tmux.close()


def main():
    skip_without_tmux()
    arbor, source, rom_dir = (os.path.abspath(a) for a in sys.argv[1:4])
    t = Tap()
    keys(t, arbor, source, rom_dir)
    echo(t, arbor, source, rom_dir)
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
