#!/bin/bash
# SPDX-License-Identifier: MIT
# The live half of the demo: a simulated bedside (bedlink-sim's fake BlueZ on a
# private D-Bus with a blood-pressure monitor, a glucometer and a pulse
# oximeter), the real gateway, a real Mosquitto on a free loopback port and
# the reference acknowledger standing in for the cloud. A few measurements
# are taken - a very high blood pressure is confirmed by a second one and
# raises a P1 alert, a low glucose raises one at once - the call button is
# pressed; then bedlinkctl shows what the installer would see, the voice
# prompts the patient heard, and what reached the "cloud".
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
# The voice: a script that writes what would be spoken (espeak-ng -v cmn at a real bedside).
printf '#!/bin/sh\nprintf "%%s\\n" "$*" >> %s/voice.log\n' "$tmp" > "$tmp/say"
chmod +x "$tmp/say"
printf '[alarm]\nvoice_command = %s/say\n' "$tmp" >> "$tmp/gw.conf"
start_gateway || { echo "demo: the gateway did not start"; cat "$tmp/gw.log"; exit 1; }
poll 20 devices_connected 3 || { echo "demo: the devices did not connect"; exit 1; }

said() { grep -q -- "$1" "$tmp/voice.log" 2>/dev/null; }
readings_stored() { [ "$(sqlite3 "$tmp/cloud.db" "SELECT count(*) FROM records WHERE kind='reading'" 2>/dev/null)" = "$1" ]; }
alerts_stored() { [ "$(sqlite3 "$tmp/cloud.db" "SELECT count(*) FROM records WHERE kind='alert'" 2>/dev/null)" -ge "$1" ]; }

echo "The patient measures at the bedside:"
echo "  blood pressure 185/115, pulse 88  (very high: the gateway asks for a second measurement)"
echo "C0:FF:EE:00:00:01 bp systolic=185 diastolic=115 pulse=88" >&3
poll 20 said "请静坐" || { echo "demo: no confirmation prompt"; exit 1; }
echo "  after five minutes' rest: 182/112, pulse 84  (confirmed: a P1 alert for the doctor)"
echo "C0:FF:EE:00:00:01 bp systolic=182 diastolic=112 pulse=84" >&3
echo "  fasting glucose 2.8 mmol/L  (low: a P1 alert at once, and what to do now)"
echo "C0:FF:EE:00:00:02 glucose mmol=2.8 meal=fasting" >&3
echo "  SpO2 97 %, pulse 76"
echo "C0:FF:EE:00:00:03 spo2 spo2=97 pulse=76" >&3
poll 20 readings_stored 4 || { echo "demo: the readings did not reach the acknowledger"; exit 1; }
poll 20 alerts_stored 2 || { echo "demo: the alerts did not reach the acknowledger"; exit 1; }
echo "Then the patient presses the call button:"
echo "\$ bedlinkctl press"
gwctl press
poll 20 alerts_stored 3
poll 20 pending_is 0
echo
echo "What the gateway said at the bedside (its voice prompts):"
sed 's/^/  /' "$tmp/voice.log"
echo
echo "\$ bedlinkctl alerts"
gwctl alerts
echo
echo "\$ bedlinkctl status"
gwctl status
echo
echo "\$ bedlinkctl readings --last 3"
gwctl readings --last 3
echo
echo "What reached the cloud (the acknowledger's database), one record a line:"
sqlite3 "$tmp/cloud.db" "SELECT seq || '  ' || kind || '  ' || coalesce(json_extract(json,'\$.device'),'') || '  ' ||
	coalesce(json_extract(json,'\$.event'), json_extract(json,'\$.measurement'),
	         json_extract(json,'\$.rule') || ' ' || json_extract(json,'\$.severity') || ' ' ||
	         json_extract(json,'\$.message')) FROM records ORDER BY seq"
echo
echo "Every record was stored on the gateway first (an alert in the same transaction as its"
echo "reading), published at QoS 1 (calls and P1 alerts ahead of readings), committed by the"
echo "acknowledger and then acknowledged (down/ack): 'bedlinkctl outbox' shows nothing pending."
