# shellcheck shell=bash disable=SC2154 # tmp, port: the sourcing script sets them
# SPDX-License-Identifier: MIT
# Real peers for the scripts that run the gateway end to end (test-gateway.sh,
# bench-drain.sh, bench-rss.sh, demo-gateway.sh): a private dbus-daemon,
# bedlink-sim's fake BlueZ fed through a fifo on fd 3, Mosquitto on a free
# loopback port, bedlink-ack and bedlink-gateway, plus bounded polling.
# Sourced, not run: `. "$(dirname "$0")/../lib/peers.sh"`. It sets no shell
# options and defines only functions and the pid variables below.
#
# Every file lives in $tmp (the caller's scratch directory, made before any
# start_* call). Each start_* runs its peer in the background with fd 3 closed
# (only the simulator reads the fifo), logs to $tmp/NAME.log, stores the pid and
# returns what polling for the peer's readiness returned (1 after 10 s).
#
# Variables read:  tmp; port (start_broker, start_ack, write_gateway_conf);
#                  bus (start_sim, write_gateway_conf); the programs gateway,
#                  ctl, sim, acker (set by peer_programs).
# Variables set:   bus bus_pid sim_pid broker_pid ack_pid gw_pid (the pids are
#                  '' when sourced), fd 3.
#
# peer_programs BUILD      sets gateway, ctl, sim, acker to the programs in BUILD.
# need_tools WHO TOOL...   exits 1 with "WHO: TOOL is not installed" for the first
#                          TOOL not on PATH.
# need_built WHO PROG...   exits 1 with "WHO: PROG is not built" for the first
#                          PROG that is not an executable file.
# stop_pid PID             TERM, up to 5 s for it to go, then KILL, and reaps it;
#                          an empty PID is a no-op. Always true.
# stop_peers               stop_pid on the gateway, the acknowledger and the broker,
#                          closes fd 3 and (for the rest of the script) stderr, then
#                          stops the simulator and the bus. For the EXIT trap.
# drop_tmp                 removes $tmp, or with KEEP_TMP set says "kept $tmp".
# show_logs GW SIM ACK     the last GW, SIM, ACK lines of gw.log, sim.log, ack.log,
#                          each under a "--- ... log (tail)" heading.
# poll SECONDS COMMAND...  true as soon as COMMAND succeeds (tried every 50 ms),
#                          false after SECONDS.
# free_port                prints a TCP port free on 127.0.0.1 just now.
# start_bus                a private session dbus-daemon; sets bus (its address)
#                          and bus_pid; false if it did not start.
# start_sim                `bedlink-sim ble` on $bus with $tmp/scenario (the caller
#                          writes it), reading the fifo $tmp/sim.in, which fd 3 of
#                          this shell then writes; sets sim_pid; waits for "ready"
#                          in $tmp/sim.log.
# start_broker             Mosquitto on 127.0.0.1:$port (config $tmp/mosquitto.conf,
#                          no persistence, 100000 queued messages); sets broker_pid;
#                          waits until the port accepts a connection.
# start_ack DB             bedlink-ack on $port committing to the SQLite file DB;
#                          sets ack_pid; waits for "ready" in $tmp/ack.out.
# write_gateway_conf ID LOG_LEVEL INFLIGHT [NAME ADDRESS PROFILE]...
#                          writes $tmp/gw.conf: gateway ID, data in $tmp/data, broker
#                          127.0.0.1:$port, bus $bus, control socket $tmp/gw.sock,
#                          a [device.NAME] per triple; an empty LOG_LEVEL or
#                          INFLIGHT leaves that line out (the gateway's default).
# start_gateway            bedlink-gateway with $tmp/gw.conf, logging to $tmp/gw.log;
#                          sets gw_pid; waits for the control socket.
# gwctl ARG...             bedlinkctl on the gateway's control socket.
# ctl_json ARG...          gwctl --json ARG..., errors dropped.
# outbox_pending           prints how many records the outbox has pending ('' if
#                          the gateway did not answer).
# pending_is N, pending_at_least N, devices_connected N
#                          tests for poll: exactly N pending, N or more pending,
#                          N or more devices in state "connected".

bus_pid='' sim_pid='' broker_pid='' ack_pid='' gw_pid=''

peer_programs() {
	gateway="$1/gateway/bedlink-gateway"
	ctl="$1/gateway/bedlinkctl"
	sim="$1/sim/bedlink-sim"
	acker="$1/tests/ack/bedlink-ack"
}

need_tools() {
	local who=$1 tool
	shift
	for tool in "$@"; do
		command -v "$tool" >/dev/null || { echo "$who: $tool is not installed"; exit 1; }
	done
}

need_built() {
	local who=$1 p
	shift
	for p in "$@"; do
		[ -x "$p" ] || { echo "$who: $p is not built"; exit 1; }
	done
}

stop_pid() {
	[ -n "$1" ] || return 0
	kill "$1" 2>/dev/null
	for _ in $(seq 50); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

stop_peers() {
	stop_pid "$gw_pid"; stop_pid "$ack_pid"; stop_pid "$broker_pid"
	exec 3>&- 2>/dev/null
	stop_pid "$sim_pid"; stop_pid "$bus_pid"
}

drop_tmp() {
	if [ -n "${KEEP_TMP:-}" ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}

show_logs() {
	echo "--- gateway log (tail)"; tail -"$1" "$tmp/gw.log" 2>/dev/null
	echo "--- simulator log (tail)"; tail -"$2" "$tmp/sim.log" 2>/dev/null
	echo "--- acknowledger log (tail)"; tail -"$3" "$tmp/ack.log" 2>/dev/null
}

# check NAME COMMAND...: runs one check of a test, counts it in passed/failed and prints
# "ok   NAME" or "FAIL NAME"; after a failure it calls on_check_failure, which shows the
# peers' logs unless the test defines its own. check_summary prints the counts and fails
# when any check did.
passed=0
failed=0
on_check_failure() { show_logs 25 15 5; }
check() {
	local name=$1
	shift
	if "$@"; then
		passed=$((passed + 1))
		echo "ok   $name"
	else
		failed=$((failed + 1))
		echo "FAIL $name"
		on_check_failure
	fi
}
check_summary() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

poll() {
	local n=$(($1 * 20))
	shift
	for _ in $(seq "$n"); do "$@" && return 0; sleep 0.05; done
	return 1
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

start_bus() {
	bus='' bus_pid=''
	dbus-daemon --session --fork --print-address=1 --print-pid=1 --nopidfile > "$tmp/bus" || return 1
	bus=$(sed -n 1p "$tmp/bus")
	bus_pid=$(sed -n 2p "$tmp/bus")
}

start_sim() {
	mkfifo "$tmp/sim.in"
	"$sim" ble --bus "$bus" --scenario "$tmp/scenario" < "$tmp/sim.in" > "$tmp/sim.log" 2>&1 &
	sim_pid=$!
	exec 3> "$tmp/sim.in"
	poll 10 grep -q '^ready' "$tmp/sim.log"
}

start_broker() {
	cat > "$tmp/mosquitto.conf" <<CONF
listener $port 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 100000
CONF
	[ "$(id -u)" = 0 ] && echo "user root" >> "$tmp/mosquitto.conf"
	mosquitto -c "$tmp/mosquitto.conf" >> "$tmp/mosquitto.log" 2>&1 3>&- &
	broker_pid=$!
	poll 10 bash -c "exec 9<>/dev/tcp/127.0.0.1/$port" 2>/dev/null
}

start_ack() {
	"$acker" --db "$1" --port "$port" > "$tmp/ack.out" 2>> "$tmp/ack.log" 3>&- &
	ack_pid=$!
	poll 10 grep -q ready "$tmp/ack.out"
}

write_gateway_conf() {
	local id=$1 level=$2 inflight=$3
	shift 3
	{
		printf '[gateway]\nid = %s\ndata_dir = %s\n' "$id" "$tmp/data"
		[ -z "$level" ] || printf 'log_level = %s\n' "$level"
		printf '[mqtt]\nhost = 127.0.0.1\nport = %s\n' "$port"
		[ -z "$inflight" ] || printf 'inflight = %s\n' "$inflight"
		printf '[bluez]\nbus = %s\n[control]\nsocket = %s\n' "$bus" "$tmp/gw.sock"
		while [ $# -ge 3 ]; do
			printf '[device.%s]\naddress = %s\nprofile = %s\n' "$1" "$2" "$3"
			shift 3
		done
	} > "$tmp/gw.conf"
}

start_gateway() {
	"$gateway" --config "$tmp/gw.conf" >> "$tmp/gw.log" 2>&1 3>&- &
	gw_pid=$!
	poll 10 test -S "$tmp/gw.sock"
}

gwctl() { "$ctl" --socket "$tmp/gw.sock" "$@"; }
ctl_json() { gwctl --json "$@" 2>/dev/null; }
outbox_pending() { ctl_json outbox | sed -n 's/.*"pending":\([0-9]*\).*/\1/p'; }
# Evaluated each time poll calls them (a "$(...)" argument would be evaluated once).
pending_is() { [ "$(outbox_pending)" = "$1" ]; }
pending_at_least() { local n; n=$(outbox_pending); [ -n "$n" ] && [ "$n" -ge "$1" ]; }
devices_connected() { [ "$(ctl_json devices | grep -o '"state":"connected"' | wc -l)" -ge "$1" ]; }
