#!/bin/sh
# arbor vm boots Debian's own kernel (linux-image-amd64) with a busybox
# initramfs (scripts/debian-guest.sh) to its /init, TAP output: commands go
# in over the serial port (arbor vm's stdin), `uname -r` must name the
# package's kernel, a marker written to the virtio disk (--disk) must be on
# the image and read back by a second boot, and `poweroff -f` must end
# arbor vm with status 0.
#
# It runs wherever the control does: QEMU with -enable-kvm booting the same
# kernel and initramfs to /init. Otherwise it skips, always with the reason:
# no usable /dev/kvm, no QEMU, the packages cannot be had, or the control
# did not reach /init (then the last line QEMU's guest printed).
# Usage: test_vm_debian.sh ARBOR DEBIAN_GUEST_SH WORKDIR
# (ARBOR_DEBIAN_{CONTROL,BOOT,COMMANDS}_TIMEOUT stretch the timeouts below on a slow host.)
arbor=$1 guest_sh=$2 work=$3

# Seconds; a KVM host boots this guest to /init in a few. The environment may stretch them.
CONTROL_TIMEOUT=${ARBOR_DEBIAN_CONTROL_TIMEOUT:-20}   # QEMU, to /init's marker
BOOT_TIMEOUT=${ARBOR_DEBIAN_BOOT_TIMEOUT:-60}         # arbor vm, to the marker
COMMANDS_TIMEOUT=${ARBOR_DEBIAN_COMMANDS_TIMEOUT:-30} # from the marker to power-off
MARKER=ARBOR-GUEST-READY
APPEND="console=ttyS0 panic=-1"

. "$(dirname "$0")/vm_tap.sh"
need_kvm
command -v qemu-system-x86_64 >/dev/null ||
	skip "no qemu-system-x86_64 for the control run (apt-get install qemu-system-x86)"

mkdir -p "$work" || exit 1
"$guest_sh" "$work" 2>"$work/build.err" >/dev/null
rc=$?
if [ $rc -eq 3 ]; then
	skip "the Debian packages cannot be had: $(tail -n 1 "$work/build.err")"
elif [ $rc -ne 0 ]; then
	echo "Bail out! scripts/debian-guest.sh failed (exit $rc): $(tail -n 1 "$work/build.err")"
	exit 1
fi
version=$(cat "$work/version")

pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT

# wait_for FILE TEXT SECONDS: 0 once FILE holds TEXT; 1 when $pid ended first or time ran out
wait_for() {
	deadline=$(($(date +%s) + $3))
	while [ "$(date +%s)" -lt $deadline ]; do
		grep -qF "$2" "$1" && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	grep -qF "$2" "$1"
}

# The last line a guest printed (QEMU's own messages left out), or what QEMU said.
last_line() {
	line=$(tr -d '\r' <"$1" | grep -v '^[[:space:]]*$' | tail -n 1)
	[ -n "$line" ] || line=$(grep -v "terminating on signal" "$2" 2>/dev/null | tail -n 1)
	echo "${line:-no output at all}"
}

# The control: QEMU's microvm booting the same files, as bench_vm_linux's baseline does.
timeout "$CONTROL_TIMEOUT" qemu-system-x86_64 -M microvm -enable-kvm -m 256 -nodefaults \
	-no-user-config -display none -no-reboot -serial "file:$tmp/control" \
	-kernel "$work/vmlinuz" -initrd "$work/initramfs.cpio.gz" -append "$APPEND" \
	</dev/null >"$tmp/control.err" 2>&1 &
pid=$!
: >"$tmp/control"
if ! wait_for "$tmp/control" "$MARKER $version" "$CONTROL_TIMEOUT"; then
	kill "$pid" 2>/dev/null
	wait "$pid"
	pid=
	skip "QEMU control did not reach /init: $(last_line "$tmp/control" "$tmp/control.err")"
fi
kill "$pid" 2>/dev/null
wait "$pid"
pid=


# boot OUT COMMAND...: arbor vm with the disk; once /init is ready, the commands on its serial
# input. Its exit status.
boot() {
	out=$1
	shift
	rm -f "$tmp/in"
	mkfifo "$tmp/in" || return 1
	: >"$out"
	timeout $((BOOT_TIMEOUT + COMMANDS_TIMEOUT)) "$arbor" vm --kernel "$work/vmlinuz" \
		--initrd "$work/initramfs.cpio.gz" --mem 256M --append "$APPEND" \
		--disk "$tmp/disk.img" <"$tmp/in" >"$out" 2>&1 &
	pid=$!
	exec 3>"$tmp/in"
	if wait_for "$out" "$MARKER" "$BOOT_TIMEOUT"; then
		printf '%s\n' "$@" >&3
	else
		kill "$pid" 2>/dev/null
	fi
	exec 3>&-
	wait "$pid"
	rc=$?
	pid=
	return $rc
}

token=ARBOR-DISK-$$-$(date +%s)
dd if=/dev/zero of="$tmp/disk.img" bs=1024 count=1024 2>/dev/null

boot "$tmp/boot1" 'echo "uname=$(uname -r)"' \
	"test -b /dev/vda && echo $token | dd of=/dev/vda bs=512 count=1 conv=sync,fsync && echo written" \
	'poweroff -f'
rc=$?
ok $(grep -qF "$MARKER $version" "$tmp/boot1"; echo $?) "Debian's kernel $version boots to /init" \
	"$tmp/boot1"
ok $(tr -d '\r' <"$tmp/boot1" | grep -qx "uname=$version"; echo $?) \
	"uname -r in the guest names the package's kernel ($version)" "$tmp/boot1"
ok $(tr -d '\r' <"$tmp/boot1" | grep -qx "written"; echo $?) \
	"the guest has /dev/vda and writes a marker to it" "$tmp/boot1"
ok $(test $rc -eq 0; echo $?) "poweroff -f ends arbor vm with status 0 (exit $rc)" "$tmp/boot1"
ok $(head -c 512 "$tmp/disk.img" | grep -qaF "$token"; echo $?) "the marker is on the disk image" \
	"$tmp/boot1"

boot "$tmp/boot2" 'echo "read=$(dd if=/dev/vda bs=512 count=1 2>/dev/null | head -n 1)"' \
	'poweroff -f'
rc=$?
ok $(tr -d '\r' <"$tmp/boot2" | grep -qx "read=$token"; echo $?) \
	"a second boot reads the marker back from /dev/vda" "$tmp/boot2"
ok $(test $rc -eq 0; echo $?) "the second boot powers off too (exit $rc)" "$tmp/boot2"
echo "1..$n"
