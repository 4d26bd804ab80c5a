#!/bin/bash
# SPDX-License-Identifier: MIT
# The live half of the demo: a simulated bedside (bedlink-sim's fake BlueZ on a
# private D-Bus with a blood-pressure monitor, a glucometer and a pulse
# oximeter), the real gateway, a real Mosquitto on a free loopback port and
# the reference acknowledger standing in for the cloud. A few measurements
# are taken; then bedlinkctl shows what the installer would see, and the
# acknowledger's database shows what reached the "cloud".
# Usage: demo-gateway.sh BUILD_DIR
set -u
build=${1:?usage: demo-gateway.sh BUILD_DIR}
tmp=$(mktemp -d)
pids=()
cleanup() {
	exec 3>&- 2>/dev/null
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill "${pids[i]}" 2>/dev/null; wait "${pids[i]}" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
poll() { local n=$(($1 * 20)); shift; for _ in $(seq "$n"); do "$@" && return 0; sleep 0.05; done; return 1; }
ctl() { "$build/gateway/bedlinkctl" --socket "$tmp/gw.sock" "$@"; }

dbus-daemon --session --fork --print-address=1 --print-pid=1 --nopidfile > "$tmp/bus"
bus=$(sed -n 1p "$tmp/bus")
pids+=("$(sed -n 2p "$tmp/bus")")
cat > "$tmp/scenario" <<'SCEN'
0 C0:FF:EE:00:00:01 device profile=bp paired=yes name=BP-Monitor
0 C0:FF:EE:00:00:02 device profile=glucose paired=yes name=Glucometer
0 C0:FF:EE:00:00:03 device profile=oximeter paired=yes name=Oximeter
SCEN
mkfifo "$tmp/sim.in"
"$build/sim/bedlink-sim" ble --bus "$bus" --scenario "$tmp/scenario" < "$tmp/sim.in" > "$tmp/sim.log" 2>&1 &
pids+=($!)
exec 3> "$tmp/sim.in"
poll 10 grep -q '^ready' "$tmp/sim.log" || { echo "demo: the simulator did not start"; exit 1; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$port" > "$tmp/mosquitto.conf"
[ "$(id -u)" = 0 ] && echo "user root" >> "$tmp/mosquitto.conf"
mosquitto -c "$tmp/mosquitto.conf" > "$tmp/mosquitto.log" 2>&1 &
pids+=($!)
poll 10 bash -c "exec 9<>/dev/tcp/127.0.0.1/$port" 2>/dev/null || { echo "demo: mosquitto did not start"; exit 1; }
"$build/tests/ack/bedlink-ack" --db "$tmp/cloud.db" --port "$port" > "$tmp/ack.out" 2> "$tmp/ack.log" &
pids+=($!)
poll 10 grep -q ready "$tmp/ack.out" || { echo "demo: bedlink-ack did not start"; exit 1; }

cat > "$tmp/gw.conf" <<CONF
[gateway]
id = gw-demo
data_dir = $tmp/data
log_level = warning
[mqtt]
host = 127.0.0.1
port = $port
[bluez]
bus = $bus
[control]
socket = $tmp/gw.sock
[device.bpm]
address = C0:FF:EE:00:00:01
profile = blood_pressure
[device.glucometer]
address = C0:FF:EE:00:00:02
profile = glucose
[device.oximeter]
address = C0:FF:EE:00:00:03
profile = pulse_oximeter
CONF
"$build/gateway/bedlink-gateway" --config "$tmp/gw.conf" > "$tmp/gw.log" 2>&1 &
pids+=($!)
poll 10 test -S "$tmp/gw.sock" || { echo "demo: the gateway did not start"; cat "$tmp/gw.log"; exit 1; }
connected() { [ "$(ctl --json devices | grep -o '"state":"connected"' | wc -l)" -ge 3 ]; }
poll 20 connected || { echo "demo: the devices did not connect"; exit 1; }

echo "The patient takes three measurements at the bedside:"
echo "  blood pressure 185/115, pulse 88;  fasting glucose 3.2 mmol/L;  SpO2 89 %, pulse 104"
echo "C0:FF:EE:00:00:01 bp systolic=185 diastolic=115 pulse=88" >&3
echo "C0:FF:EE:00:00:02 glucose mmol=3.2 meal=fasting" >&3
echo "C0:FF:EE:00:00:03 spo2 spo2=89 pulse=104" >&3
stored() { [ "$(sqlite3 "$tmp/cloud.db" "SELECT count(*) FROM records WHERE kind='reading'" 2>/dev/null)" = 3 ]; }
poll 20 stored || { echo "demo: the readings did not reach the acknowledger"; exit 1; }
acked() { ctl --json outbox | grep -q '"pending":0'; }
poll 20 acked
echo
echo "\$ bedlinkctl status"
ctl status
echo
echo "\$ bedlinkctl readings --last 3"
ctl readings --last 3
echo
echo "What reached the cloud (the acknowledger's database), one record a line:"
sqlite3 "$tmp/cloud.db" "SELECT seq || '  ' || kind || '  ' || coalesce(json_extract(json,'\$.device'),'') || '  ' ||
	coalesce(json_extract(json,'\$.event'), json_extract(json,'\$.measurement')) FROM records ORDER BY seq"
echo
echo "Every record was stored on the gateway first, published at QoS 1, committed by the"
echo "acknowledger and then acknowledged (down/ack): 'bedlinkctl outbox' shows nothing pending."
