#!/bin/sh
# SPDX-License-Identifier: MIT
# bedlink-sim ble on a private dbus-daemon, driven by a scenario file and by
# live lines on its stdin, inspected with busctl and with `bedlink-sim
# ble-client` (a long-lived BlueZ client: notify sessions belong to a bus
# connection, so one-shot busctl calls cannot hold them). Values are decoded
# with the project's bedlinkctl. Every wait polls a condition with a bound.
# Usage: test-sim-ble.sh BUILD_DIR SOURCE_DIR
set -u
build=${1:?usage: test-sim-ble.sh BUILD_DIR SOURCE_DIR}
# shellcheck disable=SC2034 # SOURCE_DIR: the integration tests' common signature
src=${2:?usage: test-sim-ble.sh BUILD_DIR SOURCE_DIR}
sim="$build/sim/bedlink-sim"
ctl="$build/gateway/bedlinkctl"
tmp=$(mktemp -d)
pids=""
passed=0
failed=0

cleanup() {
	exec 7>&- 8>&- 2>/dev/null
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	if [ -n "${KEEP_TMP:-}" ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ok() {
	passed=$((passed + 1))
}

bad() {
	failed=$((failed + 1))
	printf 'FAIL %s\n' "$1"
	[ -n "${2:-}" ] && printf '  %s\n' "$2"
}

# check NAME COMMAND...: one test, passed when COMMAND succeeds.
check() {
	name=$1
	shift
	if "$@"; then ok; else bad "$name"; fi
}

# wait_for FILE PATTERN [TENTHS]: polls until a line of FILE matches PATTERN (grep -E).
wait_for() {
	n=${3:-100}
	while [ "$n" -gt 0 ]; do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# gone PID [TENTHS]: polls until the process has ended.
gone() {
	n=${2:-100}
	while [ "$n" -gt 0 ]; do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# client COMMAND...: one line to the scripted client.
client() {
	printf '%s\n' "$*" >&8
}

# reply PATTERN: waits for the client's answer to a command (ok or error line).
reply() {
	wait_for "$tmp/client.out" "^(ok|error) $1" 100
}

objects() {
	busctl --address="$bus" --json=short call org.bluez / \
		org.freedesktop.DBus.ObjectManager GetManagedObjects
}

for f in "$sim" "$ctl"; do
	[ -x "$f" ] || { echo "test-sim-ble: $f not built" >&2; exit 1; }
done
for tool in dbus-daemon busctl; do
	command -v "$tool" >/dev/null || { echo "test-sim-ble: needs $tool" >&2; exit 1; }
done

# ---- Usage and bad input, no bus needed ----
"$sim" --help >/dev/null 2>&1
check "bedlink-sim --help exits 0" [ $? -eq 0 ]
"$sim" >/dev/null 2>&1
check "bedlink-sim without a command exits 2" [ $? -eq 2 ]
"$sim" ble --help | grep -q -- '--scenario FILE'
check "ble --help describes --scenario" [ $? -eq 0 ]
"$sim" ble --scenario /dev/null >/dev/null 2>"$tmp/err"
rc=$?
if [ $rc -eq 2 ] && grep -q "needs --bus" "$tmp/err"; then ok; else
	bad "ble without --bus exits 2 saying so" "rc $rc: $(cat "$tmp/err")"
fi
printf '0 C0:FF:EE:00:00:01 device profile=bp\n1 C0:FF:EE:00:00:01 bp systolic=120\n' > "$tmp/bad.txt"
"$sim" ble --bus unix:path=/nonexistent --scenario "$tmp/bad.txt" >/dev/null 2>"$tmp/err"
rc=$?
if [ $rc -eq 2 ] && grep -q "line 2: bp: missing key 'diastolic'" "$tmp/err"; then ok; else
	bad "an invalid scenario exits 2 naming line and key" "rc $rc: $(cat "$tmp/err")"
fi

# ---- A private bus ----
dbus-daemon --session --fork --print-address=1 --print-pid=1 --nopidfile >"$tmp/bus" ||
	{ echo "test-sim-ble: cannot start dbus-daemon" >&2; exit 1; }
bus=$(sed -n 1p "$tmp/bus")
pids="$pids $(sed -n 2p "$tmp/bus")"

cat >"$tmp/scenario.txt" <<'EOF'
# Two bonded devices on the bus from the start, two others to be found.
0 C0:FF:EE:00:00:01 device profile=bp paired=yes name="UA-651BLE"
0 C0:FF:EE:00:00:01 bp systolic=185 diastolic=115 pulse=88
0 C0:FF:EE:00:00:02 device profile=glucose paired=yes live=no
0 C0:FF:EE:00:00:02 glucose mmol=5.4
0 C0:FF:EE:00:00:02 glucose mmol=3.2 meal=fasting
0 C0:FF:EE:00:00:02 glucose mgdl=250
0 C0:FF:EE:00:00:02 clock-drift minutes=37
0 C0:FF:EE:00:00:03 device profile=bp passkey=123456 encrypted=yes model=BM85
0 C0:FF:EE:00:00:03 bp systolic=106 diastolic=71 pulse=63
0 C0:FF:EE:00:00:04 device profile=oximeter
EOF

mkfifo "$tmp/sim.in" "$tmp/client.in"
"$sim" ble --bus "$bus" --scenario "$tmp/scenario.txt" <"$tmp/sim.in" >"$tmp/sim.out" \
	2>"$tmp/sim.err" &
spid=$!
pids="$pids $spid"
exec 7>"$tmp/sim.in"
if ! wait_for "$tmp/sim.out" '^ready$'; then
	bad "the simulator prints ready" "$(cat "$tmp/sim.err")"
	echo "$passed passed, $failed failed"
	exit 1
fi
ok

# Later children must not inherit the fifos' write ends, or stdin never ends.
"$sim" ble-client --bus "$bus" <"$tmp/client.in" >"$tmp/client.out" 2>"$tmp/client.err" 7>&- &
pids="$pids $!"
exec 8>"$tmp/client.in"

# ---- Objects as BlueZ has them ----
objects >"$tmp/objects" 2>&1
if grep -q '"/org/bluez/hci0":{' "$tmp/objects" &&
	grep -q '"org.bluez.Adapter1":{"Address":{"type":"s","data":"00:00:5E:00:53:00"}' \
		"$tmp/objects" &&
	grep -q '"/org/bluez":{[^/]*"org.bluez.AgentManager1"' "$tmp/objects" &&
	grep -q '/org/bluez/hci0/dev_C0_FF_EE_00_00_01' "$tmp/objects" &&
	grep -q '/org/bluez/hci0/dev_C0_FF_EE_00_00_02' "$tmp/objects" &&
	! grep -q 'dev_C0_FF_EE_00_00_03' "$tmp/objects" &&
	grep -q '"Address":{"type":"s","data":"C0:FF:EE:00:00:01"}' "$tmp/objects" &&
	grep -q '"Paired":{"type":"b","data":true}' "$tmp/objects"; then ok; else
	bad "GetManagedObjects: adapter, agent manager, the bonded devices only" \
		"$(head -c 600 "$tmp/objects")"
fi

client start-discovery
if reply start-discovery && wait_for "$tmp/client.out" 'added /org/bluez/hci0/dev_C0_FF_EE_00_00_03$' &&
	wait_for "$tmp/sim.out" '^added C0:FF:EE:00:00:04$'; then ok; else
	bad "discovery brings the advertising devices onto the bus" "$(tail -5 "$tmp/client.out")"
fi
client stop-discovery
reply stop-discovery
check "StopDiscovery answers" grep -q '^ok stop-discovery' "$tmp/client.out"

# ---- A blood-pressure monitor pushes its memory after StartNotify ----
client connect C0:FF:EE:00:00:01
client start-notify C0:FF:EE:00:00:01/2A35
if reply 'start-notify C0:FF:EE:00:00:01/2A35' &&
	wait_for "$tmp/client.out" '^value C0:FF:EE:00:00:01 2A35 '; then
	hex=$(grep '^value C0:FF:EE:00:00:01 2A35 ' "$tmp/client.out" | head -1 | cut -d' ' -f4)
	text=$("$ctl" decode --text 2A35 "$hex" 2>&1)
	case "$text" in
	*"Blood pressure 185/115 mmHg"*"pulse 88/min"*) ok ;;
	*) bad "the stored reading arrives as PropertiesChanged Value and decodes" "$hex: $text" ;;
	esac
else
	bad "the stored reading arrives as PropertiesChanged Value" "$(tail -5 "$tmp/client.out")"
fi
check "the simulator reports the indication" \
	wait_for "$tmp/sim.out" '^notify C0:FF:EE:00:00:01 2A35 06b9007300'

objects >"$tmp/objects" 2>&1
if grep -q '"UUID":{"type":"s","data":"00001810-0000-1000-8000-00805f9b34fb"}' "$tmp/objects" &&
	grep -q '"UUID":{"type":"s","data":"00002a35-0000-1000-8000-00805f9b34fb"}' "$tmp/objects" &&
	grep -q '"UUID":{"type":"s","data":"00002a2b-0000-1000-8000-00805f9b34fb"}' "$tmp/objects" &&
	grep -q '"UUID":{"type":"s","data":"00002902-0000-1000-8000-00805f9b34fb"}' "$tmp/objects" &&
	grep -q 'dev_C0_FF_EE_00_00_01/service000a/char000b"' "$tmp/objects" &&
	grep -q '"Flags":{"type":"as","data":\["indicate"\]}' "$tmp/objects" &&
	grep -q '"ServicesResolved":{"type":"b","data":true}' "$tmp/objects"; then ok; else
	bad "services, characteristics and CCCDs with 128-bit UUIDs under handle paths" \
		"$(head -c 600 "$tmp/objects")"
fi
check "the monitor hangs up by itself after delivering" \
	wait_for "$tmp/client.out" '^property C0:FF:EE:00:00:01 Connected false$' 50

# ---- Glucose meter: RACP ----
client connect C0:FF:EE:00:00:02
client path C0:FF:EE:00:00:02/2A52
client path C0:FF:EE:00:00:02/2A2B
wait_for "$tmp/client.out" '^path C0:FF:EE:00:00:02/2A2B ' || bad "the client finds paths"
racp=$(grep '^path C0:FF:EE:00:00:02/2A52 ' "$tmp/client.out" | cut -d' ' -f3)
cts=$(grep '^path C0:FF:EE:00:00:02/2A2B ' "$tmp/client.out" | cut -d' ' -f3)
reply 'connect C0:FF:EE:00:00:02' || bad "the glucose meter connects"

out=$(busctl --address="$bus" call org.bluez "$racp" org.bluez.GattCharacteristic1 WriteValue \
	'aya{sv}' 2 1 1 0 2>&1)
case "$out" in
*"Operation failed with ATT error: 0x81"*) ok ;;
*) bad "RACP before its indications are enabled fails with ATT error 0x81" "$out" ;;
esac
check "the simulator reports the refused RACP write" \
	wait_for "$tmp/sim.out" '^racp C0:FF:EE:00:00:02 0101$'

client start-notify C0:FF:EE:00:00:02/2A18
client start-notify C0:FF:EE:00:00:02/2A34
client start-notify C0:FF:EE:00:00:02/2A52
client write C0:FF:EE:00:00:02/2A52 0103010200
if reply 'write C0:FF:EE:00:00:02/2A52 0103010200' &&
	wait_for "$tmp/client.out" '^value C0:FF:EE:00:00:02 2A52 06000101$'; then
	seqs=$(grep '^value C0:FF:EE:00:00:02 2A18 ' "$tmp/client.out" | cut -d' ' -f4 | cut -c3-6 |
		tr '\n' ' ')
	last=$(grep -n '^value C0:FF:EE:00:00:02 2A18 ' "$tmp/client.out" | tail -1 | cut -d: -f1)
	resp=$(grep -n '^value C0:FF:EE:00:00:02 2A52 06000101$' "$tmp/client.out" | cut -d: -f1)
	ctx=$(grep -c '^value C0:FF:EE:00:00:02 2A34 02020003$' "$tmp/client.out")
	if [ "$seqs" = "0200 0300 " ] && [ "$last" -lt "$resp" ] && [ "$ctx" -eq 1 ]; then ok; else
		bad "report >= 2 sends records 2 and 3 (with 2's context), then 06 00 01 01" \
			"seqs '$seqs', last record line $last, response line $resp, contexts $ctx"
	fi
else
	bad "report >= 2 ends with the response code 06 00 01 01" "$(tail -8 "$tmp/client.out")"
fi
hex=$(grep '^value C0:FF:EE:00:00:02 2A18 ..0300' "$tmp/client.out" | head -1 | cut -d' ' -f4)
text=$("$ctl" decode --text 2A18 "${hex:-00}" 2>&1)
case "$text" in
*"(250 mg/dL)"*) ok ;;
*) bad "record 3 decodes as 250 mg/dL" "$hex: $text" ;;
esac

client write C0:FF:EE:00:00:02/2A52 0103010900
check "report >= 9 answers no records found" \
	wait_for "$tmp/client.out" '^value C0:FF:EE:00:00:02 2A52 06000106$'
client write C0:FF:EE:00:00:02/2A52 0401
check "count all answers 05 00 03 00" wait_for "$tmp/client.out" \
	'^value C0:FF:EE:00:00:02 2A52 05000300$'
client write C0:FF:EE:00:00:02/2A52 0107
check "an invalid operator answers 06 00 01 03" wait_for "$tmp/client.out" \
	'^value C0:FF:EE:00:00:02 2A52 06000103$'

# ---- Current Time: the device clock runs 37 minutes fast ----
# clock_offset BYTES...: device clock minus the local wall clock, in seconds.
clock_offset() {
	y=$(($1 + 256 * $2))
	t=$(date -d "$(printf '%04d-%02d-%02d %02d:%02d:%02d' "$y" "$3" "$4" "$5" "$6" "$7")" +%s)
	echo $((t - $(date +%s)))
}
# near SECONDS WANT: within two minutes of WANT (the clock reads are seconds apart).
near() {
	[ "$1" -ge $(($2 - 120)) ] && [ "$1" -le $(($2 + 120)) ]
}
# ay 10 234 7 11 22 ...: the words become the positional parameters.
# shellcheck disable=SC2046
set -- $(busctl --address="$bus" call org.bluez "$cts" org.bluez.GattCharacteristic1 \
	ReadValue 'a{sv}' 0 2>&1)
if [ "${1:-}" = ay ] && [ "${2:-}" = 10 ]; then
	shift 2
	offset=$(clock_offset "$@")
	if near "$offset" 2220; then ok; else
		bad "ReadValue 2A2B returns the drifted clock" "offset $offset s, want 2220"
	fi
else
	bad "ReadValue 2A2B returns 10 octets" "$*"
fi

now=$(date +%s)
year=$(date -d @"$now" +%Y)
# Current Time: year LE16, month, day, hours, minutes, seconds, weekday 0, fraction 0, reason 1.
ct=$(printf '%02x%02x%02x%02x%02x%02x%02x000001' $((year % 256)) $((year / 256)) \
	"$(date -d @"$now" +%-m)" "$(date -d @"$now" +%-d)" "$(date -d @"$now" +%-H)" \
	"$(date -d @"$now" +%-M)" "$(date -d @"$now" +%-S)")
client write C0:FF:EE:00:00:02/2A2B "$ct"
if reply "write C0:FF:EE:00:00:02/2A2B" &&
	wait_for "$tmp/sim.out" "^clock-set C0:FF:EE:00:00:02 $(date -d @"$now" +%Y-%m-%dT%H:%M)"; then
	# shellcheck disable=SC2046
	set -- $(busctl --address="$bus" call org.bluez "$cts" org.bluez.GattCharacteristic1 \
		ReadValue 'a{sv}' 0 2>&1)
	shift 2
	offset=$(clock_offset "$@")
	if near "$offset" 0; then ok; else bad "a written clock is kept" "offset $offset s"; fi
else
	bad "WriteValue 2A2B sets the clock" "$(tail -3 "$tmp/client.out")"
fi

# ---- Pairing with a passkey; an encrypted device guards its CCCDs ----
client connect C0:FF:EE:00:00:03
client start-notify C0:FF:EE:00:00:03/2A35
if reply 'start-notify C0:FF:EE:00:00:03/2A35' &&
	grep -q '^error start-notify C0:FF:EE:00:00:03/2A35: org.bluez.Error.NotPermitted Not paired$' \
		"$tmp/client.out"; then ok; else
	bad "an unpaired encrypted device refuses its CCCD with NotPermitted" \
		"$(tail -3 "$tmp/client.out")"
fi
client agent /test/agent KeyboardDisplay 654321
client pair C0:FF:EE:00:00:03
if reply 'pair C0:FF:EE:00:00:03' &&
	grep -q '^agent RequestPasskey C0:FF:EE:00:00:03$' "$tmp/client.out" &&
	grep -q '^error pair C0:FF:EE:00:00:03: org.bluez.Error.AuthenticationFailed' \
		"$tmp/client.out"; then ok; else
	bad "a wrong passkey from the agent fails with AuthenticationFailed" \
		"$(tail -4 "$tmp/client.out")"
fi
client passkey 123456
client pair C0:FF:EE:00:00:03
if wait_for "$tmp/client.out" '^ok pair C0:FF:EE:00:00:03$' &&
	grep -q '^property C0:FF:EE:00:00:03 Paired true$' "$tmp/client.out"; then ok; else
	bad "the right passkey pairs" "$(tail -4 "$tmp/client.out")"
fi
client start-notify C0:FF:EE:00:00:03/2A35
if wait_for "$tmp/client.out" '^value C0:FF:EE:00:00:03 2A35 '; then
	hex=$(grep '^value C0:FF:EE:00:00:03 2A35 ' "$tmp/client.out" | head -1 | cut -d' ' -f4)
	text=$("$ctl" decode --text --model BM85 2A35 "$hex" 2>&1)
	strict=$("$ctl" decode --text 2A35 "$hex" 2>&1)
	case "$text/$strict" in
	*"106/71 mmHg, pulse 63/min"*/*"outside what a device can measure"*) ok ;;
	*) bad "the BM85 sends its non-conforming 2A35" "$hex: $text / $strict" ;;
	esac
else
	bad "after pairing the CCCD write goes through" "$(tail -3 "$tmp/client.out")"
fi

# ---- Live lines on stdin; the adapter going away and coming back ----
printf 'C0:FF:EE:00:00:04 spo2 spo2=89 pulse=104 continuous=yes\n' >&7
check "a continuous sample with nobody listening is lost" \
	wait_for "$tmp/sim.out" '^lost C0:FF:EE:00:00:04 2A5F 0059006800$'
printf 'C0:FF:EE:00:00:04 bp systolic=120 diastolic=80\n' >&7
printf 'C0:FF:EE:00:00:04 frobnicate\n' >&7
check "a bad stdin line is reported and skipped" \
	wait_for "$tmp/sim.err" "stdin: line 3: unknown event kind 'frobnicate'"
check "a reading of the wrong kind is refused" \
	grep -q "device C0:FF:EE:00:00:04 (oximeter) takes no bp readings" "$tmp/sim.err"

printf 'adapter off\n' >&7
wait_for "$tmp/sim.out" '^adapter off$' || bad "adapter off is applied"
objects >"$tmp/objects" 2>&1
if ! grep -q 'hci0' "$tmp/objects" && grep -q 'org.bluez.AgentManager1' "$tmp/objects"; then ok; else
	bad "adapter off removes the adapter and its devices" "$(head -c 300 "$tmp/objects")"
fi
printf 'adapter on\n' >&7
wait_for "$tmp/sim.out" '^adapter on$' || bad "adapter on is applied"
objects >"$tmp/objects" 2>&1
if grep -q '"org.bluez.Adapter1":{"Address"' "$tmp/objects" &&
	grep -q 'dev_C0_FF_EE_00_00_03' "$tmp/objects" &&
	! grep -q 'dev_C0_FF_EE_00_00_04' "$tmp/objects"; then ok; else
	bad "adapter on brings back the adapter and the bonded devices only" \
		"$(head -c 300 "$tmp/objects")"
fi

# ---- Writable properties ----
dev1=/org/bluez/hci0/dev_C0_FF_EE_00_00_01
busctl --address="$bus" set-property org.bluez "$dev1" org.bluez.Device1 Trusted b true &&
	[ "$(busctl --address="$bus" get-property org.bluez "$dev1" org.bluez.Device1 Trusted)" = "b true" ]
check "Device1.Trusted is writable" [ $? -eq 0 ]
busctl --address="$bus" set-property org.bluez /org/bluez/hci0 org.bluez.Adapter1 Powered b false
out=$(busctl --address="$bus" get-property org.bluez /org/bluez/hci0 org.bluez.Adapter1 PowerState 2>&1)
err=$(busctl --address="$bus" call org.bluez "$dev1" org.bluez.Device1 Connect 2>&1)
if [ "$out" = 's "off"' ] && [ "$err" = "Call failed: Resource Not Ready" ]; then ok; else
	bad "Powered=false: PowerState off, Connect answers NotReady" "$out / $err"
fi
busctl --address="$bus" set-property org.bluez /org/bluez/hci0 org.bluez.Adapter1 Powered b true
check "Powered=true again" wait_for "$tmp/sim.out" '^powered on$'

# ---- A second simulator on the same bus ----
"$sim" ble --bus "$bus" --no-stdin >/dev/null 2>"$tmp/second.err" 7>&- 8>&- &
second=$!
pids="$pids $second"
if gone "$second"; then
	wait "$second"
	rc=$?
	if [ $rc -eq 1 ] && grep -q "the name 'org.bluez' is already owned" "$tmp/second.err"; then ok; else
		bad "a second simulator fails cleanly" "rc $rc: $(cat "$tmp/second.err")"
	fi
else
	bad "a second simulator exits at once"
fi

# ---- Ending: stdin closed, and SIGTERM ----
exec 7>&-
if gone "$spid"; then
	wait "$spid"
	check "end of stdin ends the simulator with 0" [ $? -eq 0 ]
else
	bad "end of stdin ends the simulator"
fi
"$sim" ble --bus "$bus" --no-stdin >"$tmp/third.out" 2>&1 8>&- &
third=$!
pids="$pids $third"
if wait_for "$tmp/third.out" '^ready$' && kill -TERM "$third" && gone "$third"; then
	wait "$third"
	check "SIGTERM ends the simulator with 0" [ $? -eq 0 ]
else
	bad "a fresh simulator takes the name once the first is gone, and stops on SIGTERM"
fi

if grep -Eq 'runtime error|Sanitizer' "$tmp/sim.err" "$tmp/client.err"; then
	bad "no sanitizer reports" "$(grep -E 'runtime error|Sanitizer' "$tmp/sim.err" "$tmp/client.err" | head -3)"
else
	ok
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
