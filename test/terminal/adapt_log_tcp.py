#!/usr/bin/env python3
"""log_terminal over tcp_terminal, which logs through that same log_terminal.

The cycle a person builds to read a system's log with nc: ticker's and
tcp_terminal's LOG go to log_terminal, log_terminal's Terminal to
tcp_terminal. tcp_terminal logs while it signals its session connected and
disconnected; log_terminal must neither deadlock with it nor lose the lines
written while no peer was there:

  * the first peer gets what was logged before it came (ticker's first line,
    tcp_terminal's "listens on"), then tcp_terminal's line about this very
    peer, then ticks as they come;
  * a second peer, after the first left, gets tcp_terminal's "peer left",
    logged while nobody was connected, and the ticks go on.

Uses tcp_terminal_test.py's machinery (core under init on a free port, nc,
polling with timeouts). Environment: ARBOR_CORE, ARBOR_ROM_DIRS (init,
tcp_terminal, log_terminal, timer, ticker). Exit status: 0 passed, 1 failed,
77 skipped.
"""
import re
import shutil
import sys

from tcp_terminal_test import TIMEOUT, Core, Failed, Nc, free_ports, until


def arrived(nc, pattern, start=0):
    """Wait until nc printed a line matching pattern at or after byte start; its end."""
    def found():
        with nc.cond:
            m = re.search(pattern, nc.data[start:])
        return m and start + m.end()
    return until(found, TIMEOUT, f"/{pattern.decode()}/ at nc")


def listening(port):
    """Whether a socket listens on 127.0.0.1:port (without connecting, which a peer would)."""
    want = "0100007F:%04X" % port
    with open("/proc/net/tcp") as f:
        return any(fields[1] == want and fields[3] == "0A"
                   for fields in (line.split() for line in f.readlines()[1:]))


def main():
    if not shutil.which("nc"):
        print("SKIP: nc (netcat-openbsd) is missing")
        return 77
    (port,) = free_ports(1)
    core = Core(f"""<config>
	<parent-provides>
		<service name="ROM"/> <service name="PD"/> <service name="CPU"/> <service name="LOG"/>
		<service name="Host_tcp"/>
	</parent-provides>
	<default-route> <any-service> <parent/> <any-child/> </any-service> </default-route>
	<default caps="100" ram="1M"/>
	<start name="tcp_terminal" ram="2M">
		<provides> <service name="Terminal"/> </provides>
		<route>
			<service name="LOG"> <child name="log_terminal"/> </service>
			<any-service> <parent/> </any-service>
		</route>
		<config> <policy label="log_terminal" port="{port}"/> </config>
	</start>
	<start name="log_terminal">
		<provides> <service name="LOG"/> </provides>
		<route>
			<service name="Terminal"> <child name="tcp_terminal"/> </service>
			<any-service> <parent/> </any-service>
		</route>
	</start>
	<start name="timer"> <provides> <service name="Timer"/> </provides> </start>
	<start name="ticker">
		<config ticks="100000" period_ms="20"/>
		<route>
			<service name="LOG"> <child name="log_terminal"/> </service>
			<any-service> <parent/> <any-child/> </any-service>
		</route>
	</start>
</config>
""")
    try:
        # tcp_terminal says so only through log_terminal: look for the socket instead
        until(lambda: listening(port), TIMEOUT, f"a listener on 127.0.0.1:{port}")
        first = Nc(port)
        core.expect(r"\[init -> log_terminal\] terminal connected")
        arrived(first, rb"\[ticker\] ticking 100000 times every 20 ms\r\n")
        arrived(first, rb"\[tcp_terminal\] 'log_terminal' listens on 127\.0\.0\.1:%d\r\n" % port)
        end = arrived(first, rb"\[tcp_terminal\] 'log_terminal': peer 127\.0\.0\.1:\d+ "
                             rb"connected\r\n")
        ticks = arrived(first, rb"\[ticker\] tick \d+ at \d+ ms\r\n", end)
        arrived(first, rb"\[ticker\] tick \d+ at \d+ ms\r\n", ticks)
        print("+ the first peer got the backlog, tcp_terminal's line about it, then ticks",
              flush=True)
        first.close()
        core.expect(r"\[init -> log_terminal\] terminal disconnected")

        second = Nc(port)
        core.expect(r"\[init -> log_terminal\] terminal connected")
        end = arrived(second, rb"\[tcp_terminal\] 'log_terminal': peer left\r\n")
        arrived(second, rb"\[ticker\] tick \d+ at \d+ ms\r\n", end)
        print("+ the second peer got what was logged while nobody was there, and ticks go on",
              flush=True)
        second.close()
        if core.count(r"Error|dropped"):
            raise Failed("an error, or dropped lines, in the log")
    except Failed as e:
        print(f"FAILED: {e}", flush=True)
        return 1
    finally:
        core.stop()
    print("passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
