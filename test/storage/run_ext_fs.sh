#!/bin/sh
# run/ext_fs.xml, the example in README.md, with README's commands: an ext4
# image made by mke2fs -d, `arbor run --file-dir` through block_file,
# block_cache and ext_fs; afterwards debugfs reads the file fs_tool wrote
# and e2fsck finds the image clean. TAP output.
# Usage: run_ext_fs.sh ARBOR SOURCE_DIR
arbor=$1
source_dir=$2
. "$(dirname "$0")/../tap.sh"

for tool in mke2fs debugfs e2fsck; do
	command -v "$tool" >/dev/null || [ -x "/sbin/$tool" ] || skip "$tool is not installed (e2fsprogs)"
done
PATH=$PATH:/sbin:/usr/sbin

mkdir -p "$tmp/disk/tree" && echo hello >"$tmp/disk/tree/greeting"
mke2fs -q -t ext4 -d "$tmp/disk/tree" "$tmp/disk/disk.img" 64M >"$tmp/out" 2>&1
ok $? "mke2fs -d makes the image"

timeout 60 "$arbor" run --file-dir "$tmp/disk" "$source_dir/run/ext_fs.xml" >"$tmp/out" 2>&1
ok $? "arbor run run/ext_fs.xml exits with 0"
ok "$(line '[init -> fs_tool]   file greeting 6 bytes')" "fs_tool lists what mke2fs put there"
ok "$(line '[init -> fs_tool]   written through ext_fs')" "fs_tool reads back what it wrote"

debugfs -R "cat /from-arbor.txt" "$tmp/disk/disk.img" >"$tmp/out" 2>&1
ok "$(line 'written through ext_fs')" "debugfs reads the file from the image"
e2fsck -fn "$tmp/disk/disk.img" >"$tmp/out" 2>&1
ok $? "e2fsck -fn finds the image clean"
echo "1..$n"
