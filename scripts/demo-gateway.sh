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
# shellcheck source-path=SCRIPTDIR source=../tests/lib/peers.sh
. "$(dirname "$0")/../tests/lib/peers.sh" || exit 1
peer_programs "$build"
tmp=$(mktemp -d)
cleanup() {
	stop_peers
	rm -rf "$tmp"
}
trap cleanup EXIT

start_bus
cat > "$tmp/scenario" <<'SCEN'
0 C0:FF:EE:00:00:01 device profile=bp paired=yes name=BP-Monitor
0 C0:FF:EE:00:00:02 device profile=glucose paired=yes name=Glucometer
0 C0:FF:EE:00:00:03 device profile=oximeter paired=yes name=Oximeter
SCEN
start_sim || { echo "demo: the simulator did not start"; exit 1; }

port=$(free_port)
start_broker || { echo "demo: mosquitto did not start"; exit 1; }
start_ack "$tmp/cloud.db" || { echo "demo: bedlink-ack did not start"; exit 1; }

write_gateway_conf gw-demo warning '' \
	bpm C0:FF:EE:00:00:01 blood_pressure \
	glucometer C0:FF:EE:00:00:02 glucose \
	oximeter C0:FF:EE:00:00:03 pulse_oximeter
start_gateway || { echo "demo: the gateway did not start"; cat "$tmp/gw.log"; exit 1; }
poll 20 devices_connected 3 || { echo "demo: the devices did not connect"; exit 1; }

echo "The patient takes three measurements at the bedside:"
echo "  blood pressure 185/115, pulse 88;  fasting glucose 3.2 mmol/L;  SpO2 89 %, pulse 104"
echo "C0:FF:EE:00:00:01 bp systolic=185 diastolic=115 pulse=88" >&3
echo "C0:FF:EE:00:00:02 glucose mmol=3.2 meal=fasting" >&3
echo "C0:FF:EE:00:00:03 spo2 spo2=89 pulse=104" >&3
stored() { [ "$(sqlite3 "$tmp/cloud.db" "SELECT count(*) FROM records WHERE kind='reading'" 2>/dev/null)" = 3 ]; }
poll 20 stored || { echo "demo: the readings did not reach the acknowledger"; exit 1; }
poll 20 pending_is 0
echo
echo "\$ bedlinkctl status"
gwctl status
echo
echo "\$ bedlinkctl readings --last 3"
gwctl readings --last 3
echo
echo "What reached the cloud (the acknowledger's database), one record a line:"
sqlite3 "$tmp/cloud.db" "SELECT seq || '  ' || kind || '  ' || coalesce(json_extract(json,'\$.device'),'') || '  ' ||
	coalesce(json_extract(json,'\$.event'), json_extract(json,'\$.measurement')) FROM records ORDER BY seq"
echo
echo "Every record was stored on the gateway first, published at QoS 1, committed by the"
echo "acknowledger and then acknowledged (down/ack): 'bedlinkctl outbox' shows nothing pending."
