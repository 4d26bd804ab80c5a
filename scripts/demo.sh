#!/bin/sh
# SPDX-License-Identifier: MIT
# The demo: decode the sample device captures in sim/captures/demo.txt and
# print what the patient would read off each device's screen, with the
# decoded fields underneath. Usage: demo.sh BUILD_DIR
set -eu
build=${1:?usage: demo.sh BUILD_DIR}
here=$(cd "$(dirname "$0")/.." && pwd)
ctl="$build/gateway/bedlinkctl"
captures="$here/sim/captures/demo.txt"

[ -x "$ctl" ] || { echo "demo: $ctl not built" >&2; exit 1; }

echo "bedlink demo: BLE health-device captures, decoded"
echo "(source: $captures)"
echo
n=0
fail=0
while IFS='|' read -r label uuid model hex; do
	case "$label" in ''|'#'*) continue ;; esac
	label=$(echo "$label" | sed 's/ *$//')
	uuid=$(echo "$uuid" | tr -d ' ')
	model=$(echo "$model" | tr -d ' ')
	set -- decode
	[ "$model" = "-" ] || set -- "$@" --model "$model"
	n=$((n + 1))
	printf '%s (%s)\n' "$label" "$uuid"
	printf '  bytes:   %s\n' "$(echo "$hex" | tr -d ' ')"
	if text=$("$ctl" "$@" --text "$uuid" "$hex" 2>&1); then
		printf '  reading: %s\n' "$text"
	else
		printf '  ERROR:   %s\n' "$text"
		fail=$((fail + 1))
	fi
	printf '  decoded: %s\n\n' "$("$ctl" "$@" "$uuid" "$hex" 2>&1)"
done < "$captures"

echo "A malformed value is refused with a reason, never guessed at:"
printf '  $ bedlinkctl decode 2A1C 06b00e00fedc070c050b321b\n  '
"$ctl" decode 2A1C 06b00e00fedc070c050b321b 2>&1 || true
echo
echo "$n captures decoded, $fail failed."
[ "$fail" -eq 0 ]
