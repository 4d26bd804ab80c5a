#!/bin/bash
# SPDX-License-Identifier: MIT
# The Modbus poller (drivers/modbus, through tests/integration/modbus-probe)
# against bedlink-sim modbus: the three shipped profiles over TCP and over
# RTU on a socat pty pair; Debian's mbpoll reads the same registers and
# agrees with the profiles; live values, a bad value reported once, an
# exception answer, a stall whose late answers are flushed, and the
# simulator killed and restarted. Every wait polls a condition with a bound.
# Usage: test-modbus.sh BUILD_DIR SOURCE_DIR
set -u
build=${1:?usage: test-modbus.sh BUILD_DIR SOURCE_DIR}
src=${2:?usage: test-modbus.sh BUILD_DIR SOURCE_DIR}
sim="$build/sim/bedlink-sim"
probe="$build/tests/integration/modbus-probe"
profiles="$src/config/modbus"
tmp=$(mktemp -d)
# shellcheck source-path=SCRIPTDIR source=../lib/peers.sh
. "$(dirname "$0")/../lib/peers.sh" || exit 1
pids=""
passed=0
failed=0

cleanup() {
	exec 5>&- 6>&- 2>/dev/null
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	drop_tmp
}
trap cleanup EXIT
trap 'exit 1' INT TERM

need_tools test-modbus mbpoll socat python3
need_built test-modbus "$sim" "$probe"

ok() {
	passed=$((passed + 1))
}

bad() {
	failed=$((failed + 1))
	printf 'FAIL %s\n' "$1"
	[ -n "${2:-}" ] && printf '  %s\n' "$2"
	return 0
}

# check NAME COMMAND...: one test, passed when COMMAND succeeds.
check() {
	local name=$1
	shift
	if "$@"; then ok; else bad "$name"; fi
}

# wait_for FILE PATTERN [SECONDS]: true once a line of FILE matches PATTERN (grep -E).
wait_for() {
	poll "${3:-10}" grep -Eq -- "$2" "$1"
}

# count FILE PATTERN: lines of FILE matching PATTERN.
count() {
	grep -Ec -- "$2" "$1" 2>/dev/null
}

# wait_count FILE PATTERN N [SECONDS]: true once N or more lines match.
at_least() {
	[ "$(count "$1" "$2")" -ge "$3" ]
}
wait_count() {
	poll "${4:-10}" at_least "$1" "$2" "$3"
}

# radar LINE: a live scenario line to the radar simulator; probe LINE: a command to the probe.
radar() {
	printf '%s\n' "$*" >&5
}
probe() {
	printf '%s\n' "$*" >&6
}

# counter NAME FIELD: one counter from a fresh "stats" line of the probe.
counter() {
	local n
	n=$(count "$tmp/probe.out" "^stats $1 ")
	probe "stats $1"
	wait_count "$tmp/probe.out" "^stats $1 " $((n + 1)) 5 || return 1
	grep -E "^stats $1 " "$tmp/probe.out" | tail -1 | tr ' ' '\n' | sed -n "s/^$2=//p"
}

start_radar() {
	"$sim" modbus --listen "127.0.0.1:$radar_port" --profile "$profiles/bed-radar.conf" \
		--scenario "$tmp/radar.sc" < "$tmp/radar.in" >> "$tmp/radar.out" 2>> "$tmp/sim.err" \
		5>&- 6>&- &
	radar_pid=$!
	pids="$pids $radar_pid"
	exec 5> "$tmp/radar.in"
}

radar_port=$(free_port)
oxygen_port=$(free_port)
mkfifo "$tmp/radar.in" "$tmp/probe.in"

# ---- Three simulated devices: radar and concentrator over TCP, room sensor over RTU ----
cat > "$tmp/radar.sc" <<'EOF'
0 * set bed_occupancy=1 respiration_rate=16 heart_rate=72 device_fault=0
EOF
cat > "$tmp/oxygen.sc" <<'EOF'
0 1 set oxygen_flow=2.5 oxygen_purity=93.5 device_fault=0
EOF
cat > "$tmp/room.sc" <<'EOF'
# A cold room with a failed humidity element, on unit 3 of the serial line.
0 3 set room_temperature=-5.5 room_humidity=45.6 device_fault=1
EOF
start_radar
"$sim" modbus --listen "127.0.0.1:$oxygen_port" --profile "$profiles/oxygen-concentrator.conf" \
	--scenario "$tmp/oxygen.sc" --no-stdin > "$tmp/oxygen.out" 2>> "$tmp/sim.err" 5>&- &
pids="$pids $!"
socat pty,raw,echo=0,link="$tmp/ttyA" pty,raw,echo=0,link="$tmp/ttyB" 2> "$tmp/socat.err" 5>&- &
pids="$pids $!"
poll 10 test -e "$tmp/ttyB" || bad "socat made a pty pair" "$(cat "$tmp/socat.err")"
"$sim" modbus --rtu "$tmp/ttyA" --unit 3 --profile "$profiles/room-sensor.conf" \
	--scenario "$tmp/room.sc" --no-stdin > "$tmp/room.out" 2>> "$tmp/sim.err" 5>&- &
pids="$pids $!"
check "the radar simulator is ready" wait_for "$tmp/radar.out" '^ready tcp 127.0.0.1:'
check "the concentrator simulator is ready" wait_for "$tmp/oxygen.out" '^ready tcp '
check "the room sensor simulator is ready on the pty" wait_for "$tmp/room.out" '^ready rtu '
wait_for "$tmp/room.out" '^set 3 device_fault'

# ---- mbpoll, an outside client, reads what the profiles' register maps say ----
# bed-radar: input registers 0..3 = status (bit 0 in bed), respiration, heart rate, fault.
mbpoll -m tcp -p "$radar_port" -a 1 -t 3 -0 -r 0 -c 4 -1 127.0.0.1 > "$tmp/mbpoll-radar" 2>&1
check "mbpoll: radar input registers 0..3 are 1 16 72 0" \
	[ "$(grep -E '^\[[0-9]+\]:' "$tmp/mbpoll-radar" | awk '{print $2}' | tr '\n' ' ')" = "1 16 72 0 " ]
# oxygen-concentrator: holding 0..1 float32 high word first (mbpoll -B), 2 purity in 0.1 %.
mbpoll -m tcp -p "$oxygen_port" -a 1 -t 4:float -B -0 -r 0 -c 1 -1 127.0.0.1 > "$tmp/mbpoll-flow" 2>&1
check "mbpoll: concentrator flow float32 ABCD at holding 0 is 2.5 L/min" \
	grep -Eq '^\[0\]:[[:space:]]+2\.5$' "$tmp/mbpoll-flow"
mbpoll -m tcp -p "$oxygen_port" -a 1 -t 4 -0 -r 2 -c 2 -1 127.0.0.1 > "$tmp/mbpoll-purity" 2>&1
check "mbpoll: concentrator purity 935 (x 0.1 = 93.5 %), fault 0" \
	[ "$(grep -E '^\[[0-9]+\]:' "$tmp/mbpoll-purity" | awk '{print $2}' | tr '\n' ' ')" = "935 0 " ]
# room-sensor over RTU: input 1 s16 temperature in 0.1 C, input 2 humidity in 0.1 %, discrete 0.
mbpoll -m rtu -b 9600 -P none -a 3 -t 3 -0 -r 1 -c 2 -1 "$tmp/ttyB" > "$tmp/mbpoll-room" 2>&1
check "mbpoll over RTU: room temperature -55 (x 0.1 = -5.5 C), humidity 456" \
	[ "$(grep -E '^\[[0-9]+\]:' "$tmp/mbpoll-room" | sed 's/.*(\(.*\))/\1/; s/^\[[0-9]*\]:[[:space:]]*//' | tr '\n' ' ')" = "-55 456 " ]
mbpoll -m rtu -b 9600 -P none -a 3 -t 1 -0 -r 0 -c 1 -1 "$tmp/ttyB" > "$tmp/mbpoll-fault" 2>&1
check "mbpoll over RTU: the sensor fault discrete input is 1" \
	grep -Eq '^\[0\]:[[:space:]]+1$' "$tmp/mbpoll-fault"
mbpoll -m tcp -p "$radar_port" -a 9 -t 3 -0 -r 0 -c 1 -1 127.0.0.1 > "$tmp/mbpoll-unit9" 2>&1
check "mbpoll: a unit the simulator does not serve gets exception 0x0B" \
	wait_for "$tmp/radar.out" '^unknown-unit 9$'

# ---- The poller: one reading per poll per device, in canonical units ----
"$probe" --timeout 200 \
	--bus "radar=tcp:127.0.0.1:$radar_port" --bus "oxy=tcp:127.0.0.1:$oxygen_port" \
	--bus "room=rtu:$tmp/ttyB:9600" \
	--device "radar:radar:1:$profiles/bed-radar.conf:200:3" \
	--device "oxygen:oxy:1:$profiles/oxygen-concentrator.conf:300" \
	--device "room:room:3:$profiles/room-sensor.conf:300" \
	< "$tmp/probe.in" > "$tmp/probe.out" 2> "$tmp/probe.err" 5>&- &
probe_pid=$!
pids="$pids $probe_pid"
exec 6> "$tmp/probe.in"
out="$tmp/probe.out"
full='reading radar bed_occupancy=1<1 1> respiration_rate=16<16 /min> heart_rate=72<72 /min> device_fault=0<0 1>$'
check "radar answers" wait_for "$out" '^state radar yes answering$'
check "radar: occupancy, respiration, heart rate and fault in one reading" wait_for "$out" "^$full"
check "concentrator: float32 flow and scaled purity" \
	wait_for "$out" '^reading oxygen oxygen_flow=2.5<2.5 L/min> oxygen_purity=93.5<935 0.1%> device_fault=0<0 1>$'
check "room sensor over RTU: negative s16, scaled humidity, a discrete input" \
	wait_for "$out" '^reading room room_temperature=-5.5<-55 0.1C> room_humidity=45.6<456 0.1%> device_fault=1<1 1>$'
check "every reading passes record validation" [ "$(count "$out" '^invalid')" -eq 0 ]

# ---- Live values: respiration 7/min reaches the gateway as it is ----
radar "* set respiration_rate=7"
check "a live 'set' shows in the next readings" wait_for "$out" '^reading radar .*respiration_rate=7<7 /min>'

# ---- A bad value: reported once, the good values beside it still delivered ----
radar "* set heart_rate=250"
check "an out-of-range heart rate is a bad value naming register and range" \
	wait_for "$out" '^bad radar heart_rate 250 /min is outside 20\.\.200 /min \(input register 2: raw 250 /min\)$'
n=$(count "$out" '^reading radar bed_occupancy=1<1 1> respiration_rate=7<7 /min> device_fault=0<0 1>$')
check "the other values still make readings" \
	wait_count "$out" '^reading radar bed_occupancy=1<1 1> respiration_rate=7<7 /min> device_fault=0<0 1>$' $((n + 3))
check "the bad value is reported once, not every poll" [ "$(count "$out" '^bad radar heart_rate')" -eq 1 ]
radar "* set heart_rate=absent"
n=$(count "$out" '^reading radar bed_occupancy=1<1 1> respiration_rate=7<7 /min> device_fault=0<0 1>$')
wait_count "$out" '^reading radar bed_occupancy=1<1 1> respiration_rate=7<7 /min> device_fault=0<0 1>$' $((n + 2))
check "an absent heart rate (0xFFFF) is no bad value" [ "$(count "$out" '^bad radar')" -eq 1 ]
radar "* set heart_rate=72"
check "values come back" wait_for "$out" '^reading radar .*respiration_rate=7<7 /min> heart_rate=72<72 /min>'

# ---- Exception answers: the device answers, but with exception 2 only ----
radar "* exception 2"
check "exception answers make the device 'not responding' after 3 polls, saying why" \
	wait_for "$out" '^state radar no exception 0x02 \(illegal data address\) reading input registers 0\.\.3$'
check "the simulator answered with exception 2" wait_for "$tmp/radar.out" '^answered-exception 1 4 0 0x02$'
check "the values of the refused block are reported bad once" \
	[ "$(count "$out" '^bad radar respiration_rate: exception 0x02')" -eq 1 ]
radar "* exception off"
check "the device recovers by itself" wait_count "$out" '^state radar yes answering$' 2
ex=$(counter radar exceptions)
check "exceptions are counted ($ex)" [ "${ex:-0}" -ge 3 ]

# ---- A stall: no answer in time, the late answers flushed, the next poll correct ----
radar "* stall 2.5"
check "a stalled device times out and goes 'not responding'" \
	wait_for "$out" '^state radar no no answer reading input registers 0\.\.3$'
check "the simulator sends its late answers when the stall ends" \
	wait_for "$tmp/radar.out" '^late-reply 1 4 0 4$'
check "the device recovers after the stall" wait_count "$out" '^state radar yes answering$' 3
radar "* set respiration_rate=9"
check "the polls after the stall read correct values" \
	wait_for "$out" '^reading radar bed_occupancy=1<1 1> respiration_rate=9<9 /min> heart_rate=72<72 /min> device_fault=0<0 1>$'
to=$(counter radar timeouts)
fl=$(counter radar flushes)
fb=$(counter radar flushed_bytes)
ga=$(counter radar garbled)
check "timeouts counted ($to)" [ "${to:-0}" -ge 3 ]
check "stale input flushed before the next request ($fl flushes, $fb bytes, $ga garbled)" \
	[ "${fl:-0}" -ge 1 -a $((${fb:-0} + ${ga:-0})) -gt 0 ]
check "no reading was ever invalid" [ "$(count "$out" '^invalid')" -eq 0 ]

# ---- The device killed and restarted: not responding, then responding by itself ----
{ kill -9 "$radar_pid" && wait "$radar_pid"; } 2>/dev/null
exec 5>&-
check "a killed device is reported not responding" \
	wait_for "$out" '^state radar no (connection to 127\.0\.0\.1:[0-9]+ lost|cannot connect to 127\.0\.0\.1:[0-9]+): '
check "the other buses carry on meanwhile" \
	wait_count "$out" '^reading oxygen ' $(($(count "$out" '^reading oxygen ') + 2))
n=$(count "$out" "^$full")
: > "$tmp/radar.out"
start_radar
check "the restarted simulator is ready" wait_for "$tmp/radar.out" '^ready tcp '
check "the device answers again without help (reconnect backoff at most 10 s)" \
	wait_count "$out" '^state radar yes answering$' 4 20
check "and reads the restarted device's values" \
	wait_count "$out" "^$full" $((n + 1)) 5
rc=$(counter radar reconnects)
check "reconnections counted ($rc)" [ "${rc:-0}" -ge 2 ]

# ---- Clean shutdown: the threads are joined, the probe exits 0 ----
probe quit
if poll 10 bash -c "! kill -0 $probe_pid 2>/dev/null"; then
	wait "$probe_pid"
	check "the probe stops cleanly with 0" [ $? -eq 0 ]
	check "and says so" grep -q '^stopped$' "$out"
else
	bad "the probe stops within 10 s of 'quit'"
fi
exec 5>&-
if poll 10 bash -c "! kill -0 $radar_pid 2>/dev/null"; then
	wait "$radar_pid"
	check "the simulator exits 0 at the end of its stdin" [ $? -eq 0 ]
else
	bad "the simulator exits at the end of its stdin"
fi

if grep -Eq 'runtime error|Sanitizer' "$tmp/sim.err" "$tmp/probe.err"; then
	bad "no sanitizer reports" "$(grep -E 'runtime error|Sanitizer' "$tmp/sim.err" "$tmp/probe.err" | head -3)"
else
	ok
fi

if [ "$failed" -ne 0 ]; then
	echo "--- probe (tail)"; tail -25 "$out"
	echo "--- probe stderr (tail)"; tail -10 "$tmp/probe.err"
	echo "--- simulators' stderr (tail)"; tail -10 "$tmp/sim.err"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
