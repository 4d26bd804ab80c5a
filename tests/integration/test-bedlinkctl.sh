#!/bin/sh
# SPDX-License-Identifier: MIT
# bedlinkctl as a user runs it: decode output on stdout, one-line problems on
# stderr, exit codes 0 / 1 (cannot decode) / 2 (usage), and the demo script.
# Usage: test-bedlinkctl.sh BUILD_DIR SOURCE_DIR
set -u
build=${1:?usage: test-bedlinkctl.sh BUILD_DIR SOURCE_DIR}
src=${2:?usage: test-bedlinkctl.sh BUILD_DIR SOURCE_DIR}
ctl="$build/gateway/bedlinkctl"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

# expect NAME WANT_RC WANT_STDOUT WANT_STDERR_SUBSTRING -- ARGS...
expect() {
	name=$1 want_rc=$2 want_out=$3 want_err=$4
	shift 5
	"$ctl" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
	ok=1
	[ "$rc" = "$want_rc" ] || ok=0
	[ "$want_out" = "*" ] || [ "$out" = "$want_out" ] || ok=0
	case "$err" in *"$want_err"*) ;; *) ok=0 ;; esac
	if [ -n "$want_err" ] && [ "$(printf '%s\n' "$err" | wc -l)" -ne 1 ]; then ok=0; fi
	if [ -z "$want_err" ] && [ -n "$err" ]; then ok=0; fi
	if [ $ok = 1 ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		printf 'FAIL %s\n  rc %s (want %s)\n  stdout: %s\n  want:   %s\n  stderr: %s\n  want:   %s\n' \
			"$name" "$rc" "$want_rc" "$out" "$want_out" "$err" "$want_err"
	fi
}

expect "bp json" 0 \
	'{"flags":22,"systolic":124,"diastolic":86,"map":97,"unit":"mmHg","timestamp":"2024-06-15T17:17:27","pulse":51,"user_id":null,"status":0}' \
	"" -- decode 2A35 167c0056006100e807060f11111b33000000
expect "bp text" 0 \
	'Blood pressure 124/86 mmHg, mean arterial pressure 97 mmHg, pulse 51/min, taken 2024-06-15 17:17:27' \
	"" -- decode --text 2A35 167c0056006100e807060f11111b33000000
expect "lower-case uuid and spaced hex" 0 \
	'{"value":36.5,"special":null,"mantissa":365,"exponent":-1}' "" -- decode sfloat "6d f1"
expect "sfloat special" 0 '{"value":null,"special":"NRes","mantissa":-2048,"exponent":0}' "" \
	-- decode SFLOAT 0008
expect "float" 0 '{"value":37.6,"special":null,"mantissa":3760,"exponent":-2}' "" \
	-- decode float b00e00fe
expect "beurer with model" 0 \
	'{"flags":86,"systolic":106,"diastolic":71,"map":0,"unit":"mmHg","timestamp":"2026-08-11T18:31:00","pulse":63,"user_id":0,"status":0}' \
	"" -- decode --model BM85 2A35 566a0047000000ea07080b121f00003f000000
expect "beurer with quirk names" 0 \
	'Blood pressure 106/71 mmHg, pulse 63/min, taken 2026-08-11 18:31:00' "" \
	-- decode --text --quirks bpm-big-endian-pulse-status,bpm-always-user-id 2A35 566a0047000000ea07080b121f00003f000000
expect "beurer strict: nonsense pulse is refused as a reading" 1 "" \
	"pulse_rate -256000 /min is outside what a device can measure" \
	-- decode --text 2A35 566a0047000000ea07080b121f00003f000000
expect "truncated" 1 "" "2A1C: flags 0x06 need 13 octets, got 12" \
	-- decode 2A1C 06b00e00fedc070c050b321b
expect "racp request is not a response" 1 "" "is a request, not a response" \
	-- decode 2A52 0101
expect "bad hex" 1 "" "hex: 'g' at position 3 is not a hex digit" -- decode 2A35 1eg0
expect "odd hex" 1 "" "hex: odd number of digits" -- decode 2A35 1e0
expect "unknown characteristic" 1 "" "2A00: no decoder for this characteristic" \
	-- decode 2A00 00
expect "not a uuid" 1 "" "'pressure' is neither a 16-bit UUID nor sfloat/float" \
	-- decode pressure 00
expect "missing argument" 2 "" "decode needs UUID and HEX" -- decode 2A35
expect "unknown quirk" 2 "" "unknown quirk in 'sneezes'" -- decode --quirks sneezes 2A35 00
expect "unknown command" 2 "" "unknown command or wrong arguments: 'frobnicate'" -- frobnicate
expect "gateway not running" 1 "" "cannot reach the gateway at '/nonexistent/gw.sock'" -- --socket /nonexistent/gw.sock status
expect "version" 0 "*" "" -- --version
expect "help" 0 "*" "" -- --help

# Every sample capture decodes, and the demo prints a reading for each.
if "$src/scripts/demo.sh" "$build" >"$tmp/demo" 2>&1 &&
	grep -q 'reading: Blood pressure 124/86 mmHg' "$tmp/demo" &&
	grep -q 'reading: Blood glucose 6.7 mmol/L (120 mg/dL)' "$tmp/demo" &&
	grep -q 'reading: Pulse oximetry SpO2 89%, pulse 104/min' "$tmp/demo" &&
	grep -q 'reading: Body temperature 37.6 °C' "$tmp/demo" &&
	grep -q 'reading: Body weight 65.7 kg' "$tmp/demo" &&
	grep -q '9 captures decoded, 0 failed.' "$tmp/demo"; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
	echo "FAIL demo"
	cat "$tmp/demo"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
