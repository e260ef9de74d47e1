#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# alphafs-list against the emulated camera (run under alphafs-emulator).
# usage: list_check.sh ALPHAFS_LIST pc-remote|mtp|mass-storage|claimed
set -u
list=$1 mode=$2
out=$("$list" 2>/tmp/alphafs-list-err.$$); rc=$?
err=$(cat /tmp/alphafs-list-err.$$); rm -f /tmp/alphafs-list-err.$$
fail() { echo "FAIL ($mode): $*"; echo "stdout: $out"; echo "stderr: $err"; exit 1; }
port=$ALPHAFS_EMU_PORT serial=$ALPHAFS_EMU_SERIAL
case $mode in
pc-remote|claimed)
	# A held interface is still listed: listing does not claim.
	[ $rc -eq 0 ] || fail "exit $rc, want 0"
	[ "$out" = "$port  054c:079c  Sony ILCE-6300  serial $serial  PC Remote" ] ||
		fail "unexpected line" ;;
mtp)
	[ $rc -eq 1 ] || fail "exit $rc, want 1"
	echo "$out" | grep -q "054c:077a .*MTP (set USB Connection to PC Remote)" ||
		fail "MTP body not reported"
	echo "$err" | grep -q "USB Connection to PC Remote" || fail "no advice" ;;
mass-storage)
	[ $rc -eq 1 ] || fail "exit $rc, want 1"
	echo "$out" | grep -q "no PTP interface" || fail "not reported"
	echo "$err" | grep -q "USB Connection to PC Remote" || fail "no advice" ;;
*)
	echo "unknown mode $mode"; exit 2 ;;
esac
"$list" --bogus >/dev/null 2>&1; [ $? -eq 2 ] || fail "usage error must exit 2"
"$list" --help | grep -q "Usage: alphafs-list" || fail "--help"
echo "ok ($mode)"
