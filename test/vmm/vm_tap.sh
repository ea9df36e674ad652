# What the VMM's TAP test scripts share (sourced): test/tap.sh and the
# /dev/kvm check.
. "$(dirname "$0")/../tap.sh"

need_kvm() {
	if [ ! -c /dev/kvm ] || ! [ -r /dev/kvm ] || ! [ -w /dev/kvm ]; then
		skip "no usable /dev/kvm on this host"
	fi
}
