#!/usr/bin/env python3
"""Run every Arbor benchmark against its baseline and report the ratios.

Usage: python3 bench/run.py BUILD_DIR [--reps N] [--quick] [--only NAME,...]

Each benchmark is a pair of small C programs built into BUILD_DIR/bench: the
Arbor side and its baseline. The machine is shared and noisy, so the two are
run interleaved (alternating which goes first) for --reps repetitions and the
median of each is compared. Results go to BUILD_DIR/bench/results.json and a
table on stdout. The exit status is 0 even when a target is missed
(benchmarks report, tests assert) and 1 when a program fails to run.

Program contract (see bench/bench.h): "-n N" sets the iteration count; each
prints lines "<key> <value> <unit>" and exits 0, or exits 77 with the reason
as its last line when it cannot measure on this host (the benchmark is then
recorded as skipped with that reason). Hook programs (benchmarks that need
core) also get the build directory as their last argument.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUN_TIMEOUT_S = 600


class Figure:
    """One reported figure: a key of the programs' output and its target."""

    def __init__(self, name, key, unit, target_on, op, limit, what=""):
        self.name, self.key, self.unit = name, key, unit
        self.target_on, self.op, self.limit = target_on, op, limit   # "ratio" or "value"
        self.what = what

    def target(self):
        if self.op == "report":
            return "report the ratio"
        unit = "" if self.target_on == "ratio" else " " + self.unit
        return f"{self.target_on} {self.op} {self.limit:g}{unit}"

    def met(self, value, ratio):
        if self.op == "report":
            return True
        x = ratio if self.target_on == "ratio" else value
        if x is None:
            return False
        return x <= self.limit if self.op == "<=" else x >= self.limit


class Published:
    """A baseline that is a published figure, not a program run here."""

    def __init__(self, name, value):
        self.name, self.value = name, value


class Benchmark:
    """An Arbor program and its baseline, run interleaved; hook=True marks an
    Arbor side that may not exist yet (reported as not yet available). The
    baseline may be a Published figure instead of a program. prepare(build),
    if given, runs first and returns None or why the benchmark cannot run
    here; notes are (label, program) pairs run once for comparison only."""

    def __init__(self, arbor, baseline, baseline_desc, n, figures, hook=False, needs_kvm=False,
                 needs_qemu=False, prepare=None, notes=()):
        self.needs_kvm, self.needs_qemu = needs_kvm, needs_qemu
        self.prepare, self.notes = prepare, notes
        self.arbor, self.baseline = arbor, baseline
        self.baseline_desc, self.n, self.figures, self.hook = baseline_desc, n, figures, hook


BENCHMARKS = [
    Benchmark(["bench_rpc"], ["base_seqpacket"],
              "raw SOCK_SEQPACKET socketpair ping-pong, 64 B each way, two threads on CPU 0",
              100000,
              [Figure("rpc_null_round_trip", "result", "us", "ratio", "<=", 1.3,
                      "null RPC, 64 B payload each way, client and server on CPU 0")]),
    Benchmark(["bench_rpc", "--cap"], ["base_seqpacket", "--fd"],
              "socketpair ping-pong carrying one eventfd by SCM_RIGHTS (receiver closes it)",
              100000,
              [Figure("rpc_one_cap_round_trip", "result", "us", "ratio", "<=", 1.3,
                      "RPC passing one eventfd-backed signal cap, server drops it, CPU 0")]),
    Benchmark(["bench_rpc"], ["base_genode_rpc"],
              "Genode/Linux scheme: fresh SOCK_DGRAM socketpair per call as reply channel",
              50000,
              [Figure("rpc_vs_genode_reply_channel", "result", "us", "ratio", "<=", 0.8,
                      "null RPC round trip as above, against Genode's reply channels")]),
    Benchmark(["bench_signal"], ["base_eventfd"],
              "eventfd ping-pong between two threads on CPU 0",
              100000,
              [Figure("signal_ping_pong", "result", "us", "ratio", "<=", 1.5,
                      "signal submit -> handler run, both ways between two entrypoints, CPU 0")]),
    Benchmark(["bench_ps"], ["base_memcpy"],
              "single-thread memcpy of the same 64 KiB chunks out of a 4 MiB buffer, CPU 0",
              65536,
              [Figure("packet_stream_64k", "result", "MiB/s", "ratio", ">=", 0.5,
                      "64 KiB packets, 4 MiB bulk, producer CPU 0 memsets, consumer CPU 1 memcpys out; "
                      "both busy-poll with sched_yield (no signal contexts)")]),
    # ---- hooks: the Arbor side needs core (build/core/arbor-core) ----
    Benchmark(["bench_start"], ["base_bwrap"],
              "bwrap --unshare-all --ro-bind / / /bin/true until it exited, median of -n starts",
              200,
              [Figure("component_start_to_first_rpc", "result", "ms", "ratio", "<=", 0.5,
                      "sandboxed component (256 KiB, 8 caps) from arbor_child_start until its "
                      "first RPC arrives at the parent, median of -n starts under arbor-core")],
              hook=True),
    Benchmark(["bench_idle"], ["base_idle"],
              "plain fork of 500 processes that pause(); MemAvailable drop, time until all up",
              500,
              [Figure("idle_500_memory_per_component", "mem_per_component", "KiB",
                      "value", "<=", 400,
                      "500 idle components (256 KiB, 8 caps each): MemAvailable drop per "
                      "component, core, root and groups included"),
               Figure("idle_500_all_up", "startup", "s", "value", "<=", 2,
                      "500 idle components: root's first start request until the last "
                      "first RPC arrived")],
              hook=True),
    # ---- init's figures (hooks through `arbor run`) ----
    Benchmark(["bench_init", "session"], ["bench_rpc"],
              "null RPC round trip (bench_rpc, in one process, CPU 0)",
              1000,
              [Figure("init_session_creation", "result", "us", "ratio", "report", 0,
                      "open a LOG session at a sibling server through init (client -> init "
                      "-> server -> init -> client), mean of -n opens; report only")],
              hook=True),
    Benchmark(["bench_init", "start"], ["base_forkexec"],
              "fork+exec of N small static programs until each has run",
              200,
              [Figure("init_start_200_children", "result", "ms", "value", "<=", 1000,
                      "200 children added to a running init's config until every one runs "
                      "(logged its first line)")],
              hook=True),
    Benchmark(["bench_init", "reconfigure-one"], ["bench_init", "restart-all"],
              "the same 200 children all restarted by a new version of each",
              200,
              [Figure("init_reconfigure_one_of_200", "result", "ms", "ratio", "<=", 0.05,
                      "one of 200 running children gets a new version: until it runs again; "
                      "no other child may restart")],
              hook=True),
    # ---- the host terminal bridge (a hook: `arbor run` on a pty) ----
    Benchmark(["bench_keystroke", "arbor"], ["bench_keystroke", "pty"],
              "a process on the pty's slave side, raw, writing every byte it reads straight back",
              2000,
              [Figure("keystroke_round_trip", "result", "us", "ratio", "report", 0,
                      "one byte typed on a pty running `arbor run run/terminal_echo.xml` until "
                      "it comes back: arbor tool -> terminal -> terminal_echo and back, median "
                      "of -n keys")],
              hook=True),
    # ---- tcp_terminal (a hook: `arbor run` with test/terminal/tcp_flood) ----
    Benchmark(["bench_tcp_terminal", "arbor"], ["bench_tcp_terminal", "direct"],
              "the same bytes write()n straight into a loopback TCP socket (a forked writer, "
              "one I/O buffer per call), read by the same loop; all on CPU 0",
              1024,
              [Figure("tcp_terminal_throughput", "result", "MiB/s", "ratio", ">=", 0.5,
                      "-n MiB written by tcp_flood into its Terminal session, sent on by "
                      "tcp_terminal to a loopback TCP reader (256 KiB recv()s), from connect "
                      "until the last byte; all on CPU 0")],
              hook=True),
    # ---- block_file (a hook: `arbor run` with bench/bench_block_client) ----
    Benchmark(["bench_block_file", "seq", "arbor"], ["bench_block_file", "seq", "fio"],
              "fio --rw=read --bs=1M on the same image file, page cache warm (--invalidate=0), "
              "the faster of psync and io_uring (iodepth 8)",
              2048,
              [Figure("block_file_seq_read", "result", "MiB/s", "ratio", ">=", 0.8,
                      "-n MiB read in 1 MiB requests, 8 in flight, through block_file from a "
                      "256 MiB image in the page cache (bench_block_client's clock)")],
              hook=True),
    Benchmark(["bench_block_file", "rand", "arbor"], ["bench_block_file", "rand", "fio"],
              "fio --ioengine=io_uring --iodepth=32 --rw=randread --bs=4k on the same image "
              "file, page cache warm (--invalidate=0)",
              500000,
              [Figure("block_file_rand_read", "result", "IOPS", "ratio", ">=", 0.7,
                      "-n random 4 KiB reads, 32 in flight, through block_file from a 256 MiB "
                      "image in the page cache (bench_block_client's clock)")],
              hook=True),
    # ---- ext_fs (a hook: `arbor run` with block_file, ext_fs, bench/bench_ext_fs_client) ----
    Benchmark(["bench_ext_fs", "arbor"], ["bench_ext_fs", "debugfs"],
              "debugfs -R \"dump /file /dev/null\" on the same ext4 image, page cache warm, "
              "the whole run",
              100,
              [Figure("ext_fs_read", "result", "s", "ratio", "<=", 1.0,
                      "a -n MiB file read whole in 4 MiB requests, 2 in flight, through ext_fs "
                      "(read-only, on block_file) from an ext4 image made by mke2fs -d, page "
                      "cache warm; the client's second read, data used in place "
                      "(bench_ext_fs_client's clock, from opening the file); first_mib_s, "
                      "copied_mib_s alongside")],
              hook=True),
    # ---- block_cache (a hook: `arbor run` with ram_block, bench/bench_block_cache_client) ----
    Benchmark(["bench_block_cache", "arbor"], ["bench_block_cache", "memcpy"],
              "one thread memcpys the same bytes in 64 KiB chunks out of a warm 32 MiB buffer",
              4096,
              [Figure("block_cache_hit", "result", "MiB/s", "ratio", "report", 0,
                      "-n MiB read in 64 KiB requests, 16 in flight, over a warm 32 MiB working "
                      "set through block_cache (56 MiB of lines) on ram_block; every read a hit "
                      "(checked on block_cache's counts); report only")],
              hook=True),
    # ---- the VMM (needs /dev/kvm) ----
    Benchmark(["bench_vm_pio"], ["base_kvm_pio"],
              "a bare KVM loop handling the same port-I/O exits inline",
              100000,
              [Figure("vm_port_io_exit", "result", "us", "ratio", "<=", 1.2,
                      "a guest's OUT to a device model's register (the UART's scratch "
                      "register) through lib/vmm's run loop and port bus, and back")],
              needs_kvm=True),
    Benchmark(["bench_vm_start", "arbor"], ["bench_vm_start", "qemu"],
              "qemu-system-x86_64 -M microvm,rtc=on -enable-kvm booting the same file",
              20,
              [Figure("vm_start_to_first_serial_line", "result", "ms", "ratio", "<=", 0.7,
                      "arbor vm from exec to the test kernel's first serial line, through "
                      "its PVH entry (test/vmm/mbtest_pvh), median of -n starts")],
              needs_kvm=True, needs_qemu=True),
    # ---- a Linux guest (Debian's kernel, scripts/debian-guest.sh) ----
    Benchmark(["bench_vm_linux", "arbor"], ["bench_vm_linux", "qemu"],
              "qemu-system-x86_64 -M microvm -enable-kvm, the same kernel, initrd, RAM and "
              "command line",
              5,
              [Figure("vm_linux_boot_to_init", "result", "ms", "ratio", "<=", 1.0,
                      "arbor vm from exec until Debian's kernel has run /init (its "
                      "ARBOR-GUEST-READY line), busybox initramfs, 256 MiB, median of -n boots")],
              needs_kvm=True, needs_qemu=True, prepare=lambda build: prepare_debian_guest(build)),
    Benchmark(["bench_vm_mem", "arbor"], Published("firecracker_published", 5120),
              "Firecracker's published VMM memory overhead: at most 5 MiB beside guest RAM",
              3,
              [Figure("vm_memory_overhead", "result", "KiB", "ratio", "report", 0,
                      "arbor vm's Rss beside its guest's 256 MiB of RAM (every mapping in "
                      "/proc/PID/smaps but the guest's), the test kernel idle in echo mode; "
                      "median of -n runs")],
              needs_kvm=True, notes=[("qemu_microvm", ["bench_vm_mem", "qemu"])]),
]


class RunError(Exception):
    pass


def prepare_debian_guest(build):
    """Build the Debian guest (scripts/debian-guest.sh, cached) and see QEMU boot it: None when
    the benchmark can run, else why not."""
    work = os.path.join(build, "test", "vmm", "debian-guest")
    script = os.path.join(REPO, "scripts", "debian-guest.sh")
    try:
        proc = subprocess.run([script, work], capture_output=True, text=True,
                              timeout=RUN_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise RunError(f"{script}: {e}")
    reason = (proc.stderr.strip().splitlines() or [""])[-1]
    if proc.returncode == 3:
        return "the Debian packages cannot be had: " + reason
    if proc.returncode != 0:
        raise RunError(f"{script} {work}: exit {proc.returncode}: {reason}")
    run_program(build, ["bench_vm_linux", "control"], 1, False)   # Skip if QEMU cannot boot it
    return None


# A program's exit status for "cannot be measured here", the reason its last line of output.
SKIP_STATUS = 77


class Skip(Exception):
    """A benchmark that cannot run on this host; the reason goes into the results."""


def run_program(build, argv, n, hook):
    """Run one program once; returns {key: (value, unit)}."""
    cmd = [os.path.join(build, "bench", argv[0])] + argv[1:] + ["-n", str(n)]
    if hook:
        cmd.append(build)
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise RunError(f"{' '.join(cmd)}: {e}")
    if proc.returncode == SKIP_STATUS:
        lines = (proc.stdout + proc.stderr).strip().splitlines()
        raise Skip(lines[-1] if lines else f"{argv[0]} cannot run here")
    if proc.returncode != 0:
        raise RunError(f"{' '.join(cmd)}: exit {proc.returncode}: {proc.stderr.strip()}")
    out = {}
    for line in proc.stdout.splitlines():
        parts = line.split()
        if len(parts) != 3:
            continue
        try:
            out[parts[0]] = (float(parts[1]), parts[2])
        except ValueError:
            continue
    return out


def figure_value(samples, fig, program):
    values = []
    for s in samples:
        if fig.key not in s:
            raise RunError(f"{program}: no '{fig.key}' line in its output")
        value, unit = s[fig.key]
        if unit != fig.unit:
            raise RunError(f"{program}: '{fig.key}' in {unit}, expected {fig.unit}")
        values.append(value)
    return statistics.median(values), values


def skipped(bench, reason):
    """The entries of a benchmark that cannot run here: the reason, no figure."""
    published = isinstance(bench.baseline, Published)
    return [{"name": fig.name, "description": fig.what, "value": None, "unit": fig.unit,
             "baseline": bench.baseline.name if published else bench.baseline_desc,
             "baseline_value": bench.baseline.value if published else None, "ratio": None,
             "target": fig.target(), "met": False, "status": "skipped: " + reason}
            for fig in bench.figures]


def run_notes(build, bench, n):
    """The note programs' figures, {label: {key: [value, unit]}}; a failure is noted too."""
    notes = {}
    for label, argv in bench.notes:
        try:
            notes[label] = {k: list(v) for k, v in run_program(build, argv, n, False).items()}
        except (RunError, Skip) as e:
            notes[label] = {"error": str(e)}
    return notes


def run_benchmark(build, bench, reps, scale):
    """Returns the result entries of one benchmark (raises RunError)."""
    n = max(1, int(bench.n * scale)) if not bench.hook else bench.n
    arbor_path = os.path.join(build, "bench", bench.arbor[0])
    available = os.access(arbor_path, os.X_OK)
    if not available and not bench.hook:
        raise RunError(f"{arbor_path} is missing: build it first (ninja -C {build})")

    missing = None
    if bench.needs_kvm and not os.access("/dev/kvm", os.R_OK | os.W_OK):
        missing = "no usable /dev/kvm"
    elif bench.needs_qemu and not shutil.which("qemu-system-x86_64"):
        missing = "qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)"
    try:
        if not missing and bench.prepare:
            missing = bench.prepare(build)
        if missing:
            # say so instead of failing the whole run
            return skipped(bench, missing)
        published = isinstance(bench.baseline, Published)
        arbor_samples, base_samples = [], []
        for rep in range(reps):
            # alternate the order so that a drift in machine load hits both sides alike
            order = [("arbor", bench.arbor), ("base", bench.baseline)]
            if rep % 2:
                order.reverse()
            for side, argv in order:
                if side == "base" and published:
                    continue
                # A program's namespaces, cgroups and sockets are torn down by the
                # kernel after it exits; let that finish before the next program
                # is measured, or one side pays for the other's cleanup.
                time.sleep(SETTLE_S)
                if side == "arbor":
                    if available:
                        arbor_samples.append(run_program(build, argv, n, bench.hook))
                else:
                    base_samples.append(run_program(build, argv, n, False))
        notes = run_notes(build, bench, n) if available else {}
    except Skip as e:
        return skipped(bench, str(e))

    entries = []
    for fig in bench.figures:
        if published:
            base_value, base_values = bench.baseline.value, []
        else:
            base_value, base_values = figure_value(base_samples, fig, bench.baseline[0])
        entry = {
            "name": fig.name,
            "description": fig.what,
            "value": None,
            "unit": fig.unit,
            "baseline": bench.baseline.name if published else bench.baseline_desc,
            "baseline_value": base_value,
            "ratio": None,
            "target": fig.target(),
            "met": False,
            "samples": [],
            "baseline_samples": base_values,
            "command": " ".join(bench.arbor),
            "baseline_command": bench.baseline_desc if published else " ".join(bench.baseline),
        }
        # HOOK: benchmarks 6 and 7 need core; a build without bench_start or
        # bench_idle reports them, never faked, as not yet available (the
        # programs themselves fail when core or their components are missing).
        if not available:
            entry["status"] = "not yet available"
        else:
            value, values = figure_value(arbor_samples, fig, bench.arbor[0])
            ratio = value / base_value if base_value else None
            entry.update(value=value, samples=values, ratio=ratio,
                         met=fig.met(value, ratio), status="ok")
            # the program's other figures (medians) and the notes' ones, for the record
            also = {k: [statistics.median(s[k][0] for s in arbor_samples if k in s), u]
                    for k, (_, u) in arbor_samples[0].items()
                    if k not in {f.key for f in bench.figures}} if arbor_samples else {}
            if also:
                entry["also"] = also
            if notes:
                entry["notes"] = notes
        entries.append(entry)
    return entries


SETTLE_S = 1.0


def fmt(x):
    if x is None:
        return "-"
    return f"{x:.3g}" if abs(x) < 100 else f"{x:.0f}"


def print_table(results):
    rows = [("benchmark", "arbor", "baseline", "unit", "ratio", "target", "met")]
    for r in results:
        if r.get("status") == "ok":
            met = "yes" if r["met"] else "NO"
        else:
            met = r.get("status", "?")
        rows.append((r["name"], fmt(r["value"]), fmt(r["baseline_value"]), r["unit"],
                     fmt(r["ratio"]), r["target"], met))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for i, row in enumerate(rows):
        print("  ".join(c.ljust(w) if j in (0, 3, 5, 6) else c.rjust(w)
                        for j, (c, w) in enumerate(zip(row, widths))).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))
    print_notes(results)


def print_notes(results):
    """The figures recorded beside the table's: a program's other keys, the note programs'."""
    def figures(d):
        return ", ".join(f"{k} {fmt(v[0])} {v[1]}" if k != "error" else f"failed: {v}"
                         for k, v in d.items())
    for r in results:
        if r.get("also"):
            print(f"note: {r['name']}: also {figures(r['also'])}")
        for label, d in r.get("notes", {}).items():
            print(f"note: {r['name']}: {label}: {figures(d)}")


def resolve_build(arg):
    if os.path.isdir(arg) or os.path.isabs(arg):
        return os.path.abspath(arg)
    return os.path.join(REPO, arg)   # e.g. "build" when run from elsewhere


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build", help="meson build directory (e.g. build)")
    ap.add_argument("--reps", type=int, default=5, help="repetitions of each side (default 5)")
    ap.add_argument("--quick", action="store_true", help="a tenth of the iterations")
    ap.add_argument("--only", default="", help="comma-separated benchmark names")
    args = ap.parse_args()

    build = resolve_build(args.build)
    if not os.path.isdir(build):
        print(f"bench: no build directory {args.build} (run: make build)", file=sys.stderr)
        return 1
    only = set(filter(None, args.only.split(",")))
    results, failures = [], []
    for bench in BENCHMARKS:
        names = [f.name for f in bench.figures]
        if only and not only.intersection(names):
            continue
        print(f"running {', '.join(names)} ...", file=sys.stderr, flush=True)
        try:
            results.extend(run_benchmark(build, bench, max(1, args.reps),
                                         0.1 if args.quick else 1.0))
        except RunError as e:
            failures.append(str(e))
            for f in bench.figures:
                results.append({"name": f.name, "description": f.what, "value": None,
                                "unit": f.unit, "baseline": bench.baseline_desc,
                                "baseline_value": None, "ratio": None, "target": f.target(),
                                "met": False, "status": "failed", "error": str(e)})

    out_dir = os.path.join(build, "bench")
    os.makedirs(out_dir, exist_ok=True)
    out_path = os.path.join(out_dir, "results.json")
    with open(out_path, "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")

    print_table(results)
    print(f"\nmedians of {args.reps} interleaved runs each; results in {out_path}")
    for msg in failures:
        print(f"bench: FAILED: {msg}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
