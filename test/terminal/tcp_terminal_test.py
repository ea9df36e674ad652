#!/usr/bin/env python3
"""tcp_terminal with nc (Debian's netcat-openbsd) as the peer.

Usage: tcp_terminal_test.py CASE, one of:

  echo           an echo client answers line by line; two clients on two ports at
                 once; the listeners are on 127.0.0.1 only
  reconnect      a second peer on a busy port is refused with a line and EOF, the
                 first goes on; the peer leaves and comes back (disconnected,
                 connected) and the echo works again
  bulk           1 MiB of base64 text through the echo client arrives intact
  write_only     a client that only writes (tcp_flood): 1 MiB arrives intact at each
                 peer; a peer that leaves unread input behind still frees the port
  policy         no policy, a policy without port and a taken port are denied with
                 tcp_terminal's warning, the server serves on; a bad config names
                 config:LINE:COL and tcp_terminal stops
  connect_out    a policy with ip= connects out, and again after the peer left or
                 was down (logging only the first failure)
  host_tcp_args  core denies Host_tcp sessions with bad arguments, with its warning

Each case starts core with init and a config of its own, on free ports (so
that cases and other suites run in parallel), and polls for every condition
with a timeout. Environment: ARBOR_CORE (arbor-core), ARBOR_ROM_DIRS (the ROM
directories, ':'-separated: init, tcp_terminal, terminal_echo, this test's
components). Exit status: 0 passed, 1 failed, 77 skipped.
"""
import base64
import hashlib
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time

# core under init, its log: test/core_runner.py
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import core_runner  # noqa: E402
from core_runner import Failed, Skipped, until  # noqa: E402

TIMEOUT = 10.0   # for any one thing to happen


def free_ports(n):
    """n distinct free TCP ports on 127.0.0.1 (held open together while picked)."""
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


class Core(core_runner.Core):
    """core running init with config_text as ROM "config"; expect() waits for a line after
    the previous expectation's line."""

    def __init__(self, config_text):
        super().__init__(config_text, "arbor-tcp-", "64M", timeout=TIMEOUT, in_order=True)


class Nc:
    """An nc process connected to 127.0.0.1:port; what it prints, collected. Debian's nc
    ends at the peer's end of stream only when it does not read stdin (-d)."""

    def __init__(self, port, host="127.0.0.1", flags=()):
        self.proc = subprocess.Popen(["nc", *flags, host, str(port)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.data, self.eof = b"", False
        self.cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        out = self.proc.stdout.fileno()
        while True:
            chunk = os.read(out, 65536)
            with self.cond:
                if not chunk:
                    self.eof = True
                    return
                self.data += chunk

    def send(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def expect(self, data, timeout=TIMEOUT):
        """Wait until what nc printed so far is data; then forget it."""
        def arrived():
            with self.cond:
                return len(self.data) >= len(data) or self.eof
        until(arrived, timeout, f"{data[:40]!r} from nc")
        with self.cond:
            got, self.data = self.data[:len(data)], self.data[len(data):]
        if got != data:
            raise Failed(f"nc received {got[:80]!r}, expected {data[:80]!r}")

    def expect_eof(self, timeout=TIMEOUT):
        until(lambda: self.eof, timeout, "end of stream at nc")
        if self.proc.wait(timeout) != 0:
            raise Failed(f"nc ended with {self.proc.returncode}")

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait()


def config(policies, starts, listen=None, extra=""):
    """An init config: tcp_terminal with policies, and start nodes."""
    listen_attr = f' listen="{listen}"' if listen else ""
    return f"""<config>
	<parent-provides>
		<service name="ROM"/> <service name="PD"/> <service name="CPU"/> <service name="LOG"/>
		<service name="Host_tcp"/>
	</parent-provides>
	<default-route>
		<service name="ROM"> <parent/> </service> <service name="PD"> <parent/> </service>
		<service name="CPU"> <parent/> </service> <service name="LOG"> <parent/> </service>
		<service name="Terminal"> <child name="tcp_terminal"/> </service>
	</default-route>
	<default caps="100" ram="1M"/>
	<start name="tcp_terminal" ram="2M">
		<provides> <service name="Terminal"/> </provides>
		<route>
			<service name="Host_tcp"> <parent/> </service>
			<any-service> <parent/> </any-service>
		</route>
		<config{listen_attr}>
{policies}
		</config>
	</start>
{starts}
{extra}
</config>
"""


def echo_start(name):
    return f'\t<start name="{name}"> <binary name="terminal_echo"/> </start>'


def echo_config(pairs, **kw):
    """tcp_terminal and one echo client per (name, port)."""
    policies = "\n".join(f'\t\t\t<policy label="{n}" port="{p}"/>' for n, p in pairs)
    return config(policies, "\n".join(echo_start(n) for n, _ in pairs), **kw)


def listening(core, name, port):
    core.expect(rf"\[init -> tcp_terminal\] '{name}' listens on 127\.0\.0\.1:{port}$")


# ---- the cases ----

def case_echo():
    p1, p2 = free_ports(2)
    core = Core(echo_config([("echo1", p1), ("echo2", p2)]))
    try:
        until(lambda: core.find(rf"'echo1' listens on 127\.0\.0\.1:{p1}$") is not None and
              core.find(rf"'echo2' listens on 127\.0\.0\.1:{p2}$") is not None,
              TIMEOUT, "both listeners")

        a = Nc(p1)
        core.expect(r"\[init -> echo1\] connected")
        a.send(b"hello\n")
        a.expect(b"hello\n")
        a.send(b"world\n")
        a.expect(b"world\n")
        print("+ echo over tcp_terminal answers line by line", flush=True)

        b = Nc(p2)
        until(lambda: core.find(r"\[init -> echo2\] connected") is not None, TIMEOUT,
              "echo2 connected")
        for i in range(20):
            a.send(b"to echo1 %d\n" % i)
            b.send(b"to echo2 %d\n" % i)
        for i in range(20):
            a.expect(b"to echo1 %d\n" % i)
            b.expect(b"to echo2 %d\n" % i)
        print("+ two clients on two ports at once", flush=True)

        # listening on the loopback address only: not on another local one, not on any
        for port in (p1, p2):
            probe = socket.socket()
            probe.settimeout(TIMEOUT)
            try:
                probe.connect(("127.0.0.2", port))
                raise Failed(f"port {port} answers on 127.0.0.2: not bound to 127.0.0.1 only")
            except ConnectionRefusedError:
                pass
            finally:
                probe.close()
        ss = subprocess.run(["ss", "-Htln"], capture_output=True, text=True)
        if ss.returncode == 0:
            for port in (p1, p2):
                local = [l.split()[3] for l in ss.stdout.splitlines()
                         if len(l.split()) > 3 and l.split()[3].endswith(f":{port}")]
                if local != [f"127.0.0.1:{port}"]:
                    raise Failed(f"listeners on port {port}: {local}, expected 127.0.0.1 only")
        print("+ the listeners are on 127.0.0.1 only", flush=True)
        a.close()
        b.close()
    finally:
        core.stop()


def case_reconnect():
    (p1,) = free_ports(1)
    core = Core(echo_config([("echo1", p1)]))
    try:
        listening(core, "echo1", p1)
        first = Nc(p1)
        core.expect(r"\[init -> echo1\] connected")
        first.send(b"one\n")
        first.expect(b"one\n")

        second = Nc(p1, flags=["-d"])
        second.expect(b"tcp_terminal: port %d is busy\r\n" % p1)
        second.expect_eof()
        second.close()
        core.expect(rf"'echo1': refused 127\.0\.0\.1:\d+, port {p1} is busy")
        first.send(b"still here\n")
        first.expect(b"still here\n")
        print("+ a second peer on a busy port is refused, the first goes on", flush=True)

        first.close()
        core.expect(r"\[init -> echo1\] disconnected")
        again = Nc(p1)
        core.expect(r"\[init -> echo1\] connected")
        again.send(b"back again\n")
        again.expect(b"back again\n")
        again.close()
        core.expect(r"\[init -> echo1\] disconnected")
        print("+ the peer left and came back, signalled both times", flush=True)

        # a peer that sends and half-closes at once (printf ... | nc -q1): its line comes back
        last = socket.create_connection(("127.0.0.1", p1), timeout=TIMEOUT)
        last.sendall(b"last words\n")
        last.shutdown(socket.SHUT_WR)
        got = b""
        while not got.endswith(b"last words\n"):
            chunk = last.recv(4096)
            if not chunk:
                break
            got += chunk
        last.close()
        if got != b"last words\n":
            raise Failed(f"a half-closing peer got {got!r} back")
        core.expect(r"\[init -> echo1\] disconnected")
        if core.count(r"tcp_terminal\] (Warning|Error)"):
            raise Failed("tcp_terminal warned about a peer's socket")
        print("+ a peer that half-closes after its line gets the line back", flush=True)
    finally:
        core.stop()


def case_bulk():
    (p1,) = free_ports(1)
    core = Core(echo_config([("echo1", p1)]))
    try:
        listening(core, "echo1", p1)
        text = base64.encodebytes(os.urandom(1 << 20))[:1 << 20]
        text = text[:-1] + b"\n"                        # exactly 1 MiB, no CR in it
        peer = Nc(p1)
        core.expect(r"\[init -> echo1\] connected")
        start = time.monotonic()
        # the writer runs beside the reader: neither side may wait for the other
        writer = threading.Thread(target=peer.send, args=(text,), daemon=True)
        writer.start()

        def arrived():
            with peer.cond:
                return len(peer.data) >= len(text) or peer.eof
        until(arrived, 25, "1 MiB back from the echo client")
        took = time.monotonic() - start
        got = peer.data
        if hashlib.sha256(got).hexdigest() != hashlib.sha256(text).hexdigest():
            raise Failed(f"1 MiB came back changed ({len(got)} bytes)")
        print(f"+ 1 MiB through the echo client arrived intact in {took:.2f} s "
              f"(sha256 {hashlib.sha256(got).hexdigest()[:16]}...)", flush=True)
        peer.close()
    finally:
        core.stop()


def case_write_only():
    (p1,) = free_ports(1)
    starts = '\t<start name="flood"> <binary name="tcp_flood"/> <config mib="1"/> </start>'
    core = Core(config(f'\t\t\t<policy label="flood" port="{p1}"/>', starts))
    pattern = bytes(ord("a") + i % 26 for i in range(1 << 20))
    try:
        listening(core, "flood", p1)
        peer = Nc(p1)
        peer.expect(pattern, timeout=25)
        core.expect(r"\[init -> flood\] flood: done 1 MiB")
        peer.close()
        core.expect(r"'flood': peer left")
        print("+ 1 MiB one way, intact", flush=True)

        # a peer that typed something the client never reads, then left
        s = socket.create_connection(("127.0.0.1", p1), timeout=TIMEOUT)
        got = b""
        while len(got) < len(pattern):
            chunk = s.recv(1 << 16)
            if not chunk:
                break
            got += chunk
        if got != pattern:
            raise Failed(f"the second peer received {len(got)} bytes, not the pattern")
        s.sendall(b"typed, never read\n")
        s.close()                    # the data, then the end of stream
        core.expect(r"'flood': peer left")
        again = Nc(p1)
        again.expect(pattern, timeout=25)
        again.close()
        print("+ a peer that left unread input behind frees the port", flush=True)
    finally:
        core.stop()


def case_policy():
    p1, p2, p3 = free_ports(3)
    policies = (f'\t\t\t<policy label="first" port="{p1}"/>\n'
                f'\t\t\t<policy label="second" port="{p1}"/>\n'
                f'\t\t\t<policy label="portless"/>\n'
                f'\t\t\t<policy label="other" port="{p2}"/>\n'
                f'\t\t\t<policy label="hostbusy" port="{p3}"/>')
    starts = "\n".join(echo_start(n) for n in ("first", "portless", "nopolicy", "other",
                                                 "hostbusy"))
    # somebody on the host has p3 already: core cannot listen there
    squatter = socket.socket()
    squatter.bind(("127.0.0.1", p3))
    squatter.listen(1)
    core = Core(config(policies, starts))
    try:
        listening(core, "first", p1)
        until(lambda: core.find(r"\[init -> tcp_terminal\] Warning: no policy defined for "
                                r"label 'nopolicy'$") is not None, TIMEOUT, "the no-policy warning")
        until(lambda: core.find(r"\[init -> tcp_terminal\] Warning: policy for label 'portless' "
                                r"names no port$") is not None, TIMEOUT, "the no-port warning")
        until(lambda: core.find(r'child "nopolicy" exited with exit value 1') is not None and
              core.find(r'child "portless" exited with exit value 1') is not None,
              TIMEOUT, "the denied clients to stop")
        until(lambda: core.find(rf"'other' listens on 127\.0\.0\.1:{p2}$") is not None,
              TIMEOUT, "the other listener")
        until(lambda: core.find(rf'Warning: Host_tcp for "init -> tcp_terminal -> hostbusy" '
                                rf'denied: cannot listen on 127\.0\.0\.1:{p3}') is not None and
              core.find(rf"\[init -> tcp_terminal\] Warning: 'hostbusy' denied: no Host_tcp "
                        rf"session for 127\.0\.0\.1:{p3}") is not None and
              core.find(r'child "hostbusy" exited with exit value 1') is not None,
              TIMEOUT, "the denial of a port in use on the host")
        # and the server serves on
        peer = Nc(p2)
        until(lambda: core.find(r"\[init -> other\] connected") is not None, TIMEOUT,
              "other connected")
        peer.send(b"served on\n")
        peer.expect(b"served on\n")
        peer.close()
    finally:
        squatter.close()
        core.stop()
    print("+ no policy, no port, a port in use on the host: denied with a warning naming "
          "the label; the server serves on", flush=True)

    starts = "\n".join(echo_start(n) for n in ("first", "second"))
    core = Core(config(policies, starts))
    try:
        until(lambda: core.find(rf"Warning: '(first|second)' denied: 127\.0\.0\.1:{p1} is taken "
                                r"by '(first|second)'$") is not None, TIMEOUT, "the taken-port warning")
        denied = re.search(r"'(\w+)' denied", core.lines[core.find(r"' denied: ")]).group(1)
        holder = "second" if denied == "first" else "first"
        until(lambda: core.find(rf'child "{denied}" exited with exit value 1') is not None,
              TIMEOUT, "the denied client to stop")
        peer = Nc(p1)
        until(lambda: core.find(rf"\[init -> {holder}\] connected") is not None, TIMEOUT,
              f"{holder} connected")
        peer.send(b"served on\n")
        peer.expect(b"served on\n")
        peer.close()
    finally:
        core.stop()
    print("+ a taken port: the second session is denied, the first serves on", flush=True)

    bad = config(f'\t\t\t<policy label="x" port="{p1}"/>\n\t\t\t<policy label="y" port="99999"/>',
                 echo_start("x"))
    core = Core(bad)
    try:
        # the config ROM is the <config> node as written: its line 3 is the second policy
        core.expect(r'\[init -> tcp_terminal\] Error: config:3:4: port="99999" is not a port number')
        core.expect(r'child "tcp_terminal" exited with exit value 1')
    finally:
        core.stop()
    core = Core(echo_config([("x", p1)], listen="localhost"))
    try:
        core.expect(r'\[init -> tcp_terminal\] Error: config:1:1: listen="localhost" is not a '
                    r'dotted IPv4 address')
        core.expect(r'child "tcp_terminal" exited with exit value 1')
    finally:
        core.stop()
    print("+ a bad config names config:LINE:COL", flush=True)


def case_connect_out():
    (port,) = free_ports(1)
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", port))
    server.listen(4)
    server.settimeout(TIMEOUT)
    policies = f'\t\t\t<policy label="echo1" port="{port}" ip="127.0.0.1"/>'
    core = Core(config(policies, echo_start("echo1")))
    try:
        def talk(conn, text):
            conn.sendall(text)
            got = b""
            conn.settimeout(TIMEOUT)
            while len(got) < len(text):
                chunk = conn.recv(4096)
                if not chunk:
                    break
                got += chunk
            if got != text:
                raise Failed(f"received {got!r} over the outgoing connection, expected {text!r}")

        conn, _ = server.accept()
        core.expect(r"\[init -> echo1\] connected")
        talk(conn, b"ping\n")
        conn.close()
        core.expect(r"\[init -> echo1\] disconnected")
        conn, _ = server.accept()                       # it connects again by itself
        core.expect(r"\[init -> echo1\] connected")
        talk(conn, b"pong\n")
        print("+ connects out, and again after the peer left", flush=True)

        server.close()
        conn.close()
        core.expect(r"\[init -> echo1\] disconnected")
        core.expect(rf"Warning: 'echo1': cannot connect to 127\.0\.0\.1:{port}: .*refused")
        # a later attempt must fail too before the next listener is up: wait out two retries
        time.sleep(2.5)
        if core.count("cannot connect to") != 1:
            raise Failed("a failing peer is logged more than once")
        server = socket.socket()
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", port))
        server.listen(4)
        server.settimeout(TIMEOUT)
        conn, _ = server.accept()
        core.expect(r"\[init -> echo1\] connected")
        talk(conn, b"after the outage\n")
        conn.close()
        print("+ a peer that was down: logged once, reached when it is back", flush=True)
    finally:
        server.close()
        core.stop()


def case_host_tcp_args():
    busy, free = free_ports(2)
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", busy))
    listener.listen(4)
    listener.settimeout(TIMEOUT)
    text = f"""<config>
	<parent-provides>
		<service name="ROM"/> <service name="PD"/> <service name="CPU"/> <service name="LOG"/>
		<service name="Host_tcp"/>
	</parent-provides>
	<default-route> <any-service> <parent/> </any-service> </default-route>
	<default caps="100" ram="1M"/>
	<start name="host_tcp_client"> <binary name="tcp_host_tcp_client"/>
		<config busy_port="{busy}" free_port="{free}"/>
	</start>
</config>
"""
    core = Core(text)
    try:
        who = r'Host_tcp for "init -> host_tcp_client" denied'
        needs = r'it needs listen="ADDR:PORT" or connect="ADDR:PORT" with an IPv4 address'
        for _ in range(8):
            core.expect(rf"Warning: {who}: {needs}")
        core.expect(rf"Warning: {who}: cannot listen on 127\.0\.0\.1:{busy}: Address already in use")
        core.expect(r"\[init -> host_tcp_client\] host_tcp: bad arguments denied")
        conn, _ = listener.accept()
        conn.settimeout(TIMEOUT)
        got = conn.recv(64)
        if got != b"host_tcp\n":
            raise Failed(f"the connect session's socket sent {got!r}")
        conn.close()
        core.expect(r"\[init -> host_tcp_client\] host_tcp: all \d+ checks passed")
        core.expect(r'child "host_tcp_client" exited with exit value 0')
        print("+ Host_tcp with bad arguments is denied with core's warning; the sockets "
              "stay what core made them for", flush=True)
    finally:
        listener.close()
        core.stop()


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}


def require_nc():
    if not shutil.which("nc"):
        raise Skipped("nc (netcat-openbsd) is not installed")


if __name__ == "__main__":
    sys.exit(core_runner.main(CASES, "tcp_terminal", require_nc))
