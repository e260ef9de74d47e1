#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The alphafs daemon in the foreground, through the real libusb, against
# the emulated camera (run under alphafs-emulator): a whole frame, then an
# unplug (SIGUSR1 to the launcher) seen as "disconnected", a replug
# (SIGUSR2: same serial, next device number) and frames again.
# usage: daemon_replug.sh MOUNT_ALPHAFS
set -u
mount_alphafs=$1
launcher=$PPID
[ -w /dev/fuse ] || { echo "no /dev/fuse: skipped"; exit 77; }
dir=$(mktemp -d); mnt=$dir/mnt; mkdir "$mnt"
"$mount_alphafs" -f "$mnt" 2>"$dir/log" &
daemon=$!
cleanup() { fusermount3 -u "$mnt" 2>/dev/null; wait $daemon 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; cat "$dir/log"; exit 1; }
# Waits until the status file matches; the deadline (60 s) is a hang
# guard, not a measurement.
wait_status() {
	end=$(($(date +%s) + 60))
	while [ "$(date +%s)" -lt $end ]; do
		grep -q "$1" "$mnt/info/status" 2>/dev/null && return 0
		kill -0 $daemon 2>/dev/null || fail "the daemon exited"
		sleep 0.1
	done
	fail "status never showed '$1': $(cat "$mnt/info/status" 2>&1)"
}
wait_status "^state: live"
cp "$mnt/live/latest.jpg" "$dir/a.jpg" && djpeg "$dir/a.jpg" >/dev/null ||
	fail "first frame does not decode"
grep -q "^serial: $ALPHAFS_EMU_SERIAL" "$mnt/info/device" ||
	fail "info/device lacks the serial: $(cat "$mnt/info/device")"
grep -q "^usb_id: 054c:079c" "$mnt/info/device" ||
	fail "info/device lacks the USB ids: $(cat "$mnt/info/device")"
kill -USR1 "$launcher"
wait_status "^state: disconnected"
kill -USR2 "$launcher"
wait_status "^camera_reconnects: 1"
wait_status "^state: live"
cp "$mnt/live/latest.jpg" "$dir/b.jpg" && djpeg "$dir/b.jpg" >/dev/null ||
	fail "frame after replug does not decode"
fusermount3 -u "$mnt" || fail "unmount"
wait $daemon || fail "daemon exit status $?"
echo "ok"
