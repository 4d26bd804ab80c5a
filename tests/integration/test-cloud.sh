#!/bin/bash
# SPDX-License-Identifier: MIT
# bedlink-cloud against real peers: Mosquitto with a password file and the ACL of
# config/mosquitto/acl.example, the store on SQLite (or PostgreSQL: a third argument
# 'postgresql' runs the same checks inside tests/lib/pg.sh), a webhook receiver, and the
# real gateway with bedlink-sim. Checks what a clinic relies on: records from three
# gateways with duplicates, reordering and redelivery are stored once each and acknowledged;
# an invalid record is quarantined and acknowledged; a gateway cannot publish for another;
# a P1 call reaches the webhook, `admin ack-alert` sends down/notice to that gateway; an
# unacknowledged P1 escalates at injected times; the real gateway's outbox drains through
# the cloud, also across kill -9 of the cloud; an edited audit entry is found.
# Usage: test-cloud.sh BUILD_DIR SOURCE_DIR [sqlite|postgresql]
set -u
build=${1:?usage: test-cloud.sh BUILD_DIR SOURCE_DIR [sqlite|postgresql]}
src=${2:?usage: test-cloud.sh BUILD_DIR SOURCE_DIR [sqlite|postgresql]}
backend=${3:-sqlite}
# shellcheck source-path=SCRIPTDIR source=../lib/peers.sh
. "$(dirname "$0")/../lib/peers.sh" || exit 1
peer_programs "$build"
cloud="$build/cloud/bedlink-cloud"
tmp=$(mktemp -d)
cloud_pid='' hook_pid='' sub_pids=()

cleanup() {
	stop_pid "$cloud_pid"
	stop_pid "$hook_pid"
	for p in "${sub_pids[@]}"; do stop_pid "$p"; done
	stop_peers
	drop_tmp
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
trap '' PIPE

on_check_failure() { echo "--- cloud log (tail)"; tail -20 "$tmp/cloud.log"; }

need_tools FAIL mosquitto mosquitto_pub mosquitto_sub mosquitto_passwd python3 dbus-daemon
need_built FAIL "$cloud" "$gateway" "$ctl" "$sim"
if [ "$backend" = sqlite ]; then
	need_tools FAIL sqlite3
	store_url="sqlite://$tmp/cloud.db"
	db() { sqlite3 -cmd ".timeout 5000" "$tmp/cloud.db" "$1" 2>/dev/null; }
	systolic="json_extract(json, '\$.values[0].value')"
else
	need_tools FAIL psql
	store_url=${BEDLINK_PG_URL:?run through tests/lib/pg.sh for postgresql}
	db() { psql -X -A -t -q -F '|' -d "$store_url" -c "$1" 2>/dev/null; }
	systolic="(CAST(json AS jsonb) -> 'values' -> 0 ->> 'value')::numeric"
fi
db_is() { [ "$(db "$1")" = "$2" ]; }
admin() { "$cloud" admin --config "$tmp/cloud.conf" "$@"; }

# ---- set up: config, store, people, gateways, broker, webhook receiver, cloud ----
port=$(free_port)
http_port=$(free_port)
hook_port=$(free_port)
cat > "$tmp/cloud.conf" <<CONF
[cloud]
store = $store_url
log_level = debug
[mqtt]
host = 127.0.0.1
port = $port
client_id = cloud-test-1
username = bedlink-cloud
password_file = $tmp/cloud.pw
[http]
listen = 127.0.0.1:$http_port
cookie_secure = no
[escalation]
check_interval = 600
[webhook]
url = http://127.0.0.1:$hook_port/hook
retries = 2
CONF
echo "cloud-secret-1" > "$tmp/cloud.pw"
check "--check-config accepts the test config" "$cloud" --config "$tmp/cloud.conf" --check-config
printf '[cloud]\nstore = sqlite://relative\n[escalation]\np1_backup_min = 0\n' > "$tmp/bad.conf"
check "--check-config names file, line and key of a bad value" bash -c \
	"'$cloud' --config '$tmp/bad.conf' --check-config 2>&1 | grep -q '$tmp/bad.conf:4: \[escalation\] p1_backup_min'"
check "admin migrate creates the schema" bash -c "'$cloud' admin --config '$tmp/cloud.conf' migrate | grep -q 'schema version'"

id_of() { awk -v w="$1" '$1 == w { print $2; exit }'; }
inst=$(admin add-institution --name "Clinic" --duty-line "+86-10-1234" | id_of institution)
team1=$(admin add-team --institution "$inst" --name "Team A" | id_of team)
team2=$(admin add-team --institution "$inst" --name "Team B" --duty-line "+86-10-5678" | id_of team)
db "UPDATE teams SET backup_team_id = $team2 WHERE id = $team1" >/dev/null
doctor=$(printf 'correct horse battery\n' | admin add-user --institution "$inst" --team "$team1" \
	--role doctor --login doc1 --name "Dr Li" --password-stdin | id_of user)
admin add-user --institution "$inst" --team "$team1" --role nurse --login nurse1 --name "N Wang" > "$tmp/nurse.out"
check "add-user prints a generated password once" grep -Eq '^password: [A-Za-z0-9]{16}$' "$tmp/nurse.out"
check "user passwords are stored as Argon2id hashes" db_is \
	"SELECT count(*) FROM users WHERE password_hash LIKE '\$argon2id\$%'" 2
patient1=$(admin add-patient --institution "$inst" --team "$team1" --name "Zhang San" \
	--id-number 110101194501010011 --birth 1945-01-01 --htn --disability partial | id_of patient)
patient2=$(admin add-patient --institution "$inst" --team "$team1" --name "Li Si" \
	--id-number 110101195002020022 --birth 1950-02-02 --t2dm=2015-06-01 --pseudonym p-li | id_of patient)
check "add-patient generates a pseudonym" db_is \
	"SELECT count(*) FROM patients WHERE pseudonym LIKE 'p-%' AND id = $patient1" 1
mosquitto_passwd -c -b "$tmp/passwd" bedlink-cloud cloud-secret-1 || exit 1
declare -A gwpw
for gw in gw-a gw-b gw-c gw-real; do
	case $gw in gw-a) bind="--patient $patient1" ;; gw-b) bind="--patient $patient2" ;; *) bind= ;; esac
	# shellcheck disable=SC2086 # $bind is two words or none
	admin add-gateway --id "$gw" $bind --passwd-file "$tmp/passwd" > "$tmp/$gw.out"
	gwpw[$gw]=$(sed -n 's/^mqtt password: //p' "$tmp/$gw.out")
done
check "add-gateway prints an MQTT password and its mosquitto_passwd line" \
	grep -q '^mosquitto_passwd line: gw-a:\$7\$101\$' "$tmp/gw-a.out"
check "close-episode refuses without an outcome" bash -c \
	"ep=\$('$cloud' admin --config '$tmp/cloud.conf' open-episode --patient $patient1 --bed 3-12 \
	  --opened 2026-11-01 --planned-end 2026-11-30 --reason 'post-stroke care' --doctor $doctor | awk '{print \$2}');
	 '$cloud' admin --config '$tmp/cloud.conf' close-episode --id \$ep --closed 2026-11-20 2>&1;
	 [ \$? = 2 ] && '$cloud' admin --config '$tmp/cloud.conf' close-episode --id \$ep --closed 2026-11-20 \
	  --outcome recovered --summary done | grep -q closed"
check "every admin change wrote an audit entry" db_is \
	"SELECT count(*) >= 12 FROM audit" "$( [ "$backend" = sqlite ] && echo 1 || echo t)"

cat > "$tmp/mosquitto.conf" <<CONF
per_listener_settings false
listener $port 127.0.0.1
allow_anonymous false
password_file $tmp/passwd
acl_file $src/config/mosquitto/acl.example
persistence false
max_queued_messages 100000
CONF
[ "$(id -u)" = 0 ] && echo "user root" >> "$tmp/mosquitto.conf"
mosquitto -c "$tmp/mosquitto.conf" >> "$tmp/mosquitto.log" 2>&1 3>&- &
broker_pid=$!
poll 10 bash -c "exec 9<>/dev/tcp/127.0.0.1/$port" 2>/dev/null || { echo "FAIL: mosquitto did not start"; cat "$tmp/mosquitto.log"; exit 1; }

cat > "$tmp/hook.py" <<'PY'
import http.server, sys
class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(sys.argv[2], "ab") as f:
            f.write(body + b"\n")
        self.send_response(200)
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Hook).serve_forever()
PY
python3 "$tmp/hook.py" "$hook_port" "$tmp/hook.log" 3>&- &
hook_pid=$!
: > "$tmp/hook.log"

start_cloud() {
	"$cloud" --config "$tmp/cloud.conf" >> "$tmp/cloud.log" 2>&1 3>&- &
	cloud_pid=$!
	local n=$1
	poll 15 bash -c "[ \$(grep -c 'cloud: ready' '$tmp/cloud.log') -ge $n ]"
}
start_cloud 1 || { echo "FAIL: bedlink-cloud did not become ready"; cat "$tmp/cloud.log"; exit 1; }

# Each gateway's down/ topics, as that gateway (its ACL) sees them.
for gw in gw-a gw-b gw-c; do
	mosquitto_sub -V mqttv5 -h 127.0.0.1 -p "$port" -u "$gw" -P "${gwpw[$gw]}" -q 1 \
		-t "bedlink/v1/$gw/down/#" -v > "$tmp/sub-$gw.log" 2>&1 3>&- &
	sub_pids+=($!)
done
sleep 0.5 # mosquitto_sub gives no sign that its SUBACK arrived

# ---- exactly once: three gateways, reordering, duplicates, redelivery ----
now_ms=$(($(date +%s) * 1000))
reading() { # reading SEQ [SYSTOLIC]
	printf '{"v":1,"kind":"reading","seq":%d,"ts":%d,"device":"bpm-1","measurement":"blood_pressure","values":[{"quantity":"systolic","value":%d,"unit":"mmHg","raw":%d,"raw_unit":"mmHg"},{"quantity":"diastolic","value":80,"unit":"mmHg","raw":80,"raw_unit":"mmHg"}]}' \
		"$1" $((now_ms - 100000 + $1)) "${2:-130}" "${2:-130}"
}
pub() { # pub USER TOPIC_GW SUBTOPIC PAYLOAD
	mosquitto_pub -V mqttv5 -h 127.0.0.1 -p "$port" -u "$1" -P "${gwpw[$1]}" -q 1 \
		-t "bedlink/v1/$2/$3" -m "$4" 2>>"$tmp/pub.err"
}
send_gateway() { # 20 records in random order, 5 of them twice
	local gw=$1 s
	for s in $(seq 20 | shuf) $(seq 20 | shuf -n 5); do pub "$gw" "$gw" up/record "$(reading "$s")"; done
}
send_pids=()
for gw in gw-a gw-b gw-c; do send_gateway "$gw" & send_pids+=($!); done
wait "${send_pids[@]}"
# acked SUBLOG SEQ...: every SEQ is inside a range of some down/ack in SUBLOG.
acked() {
	python3 - "$@" <<'PY'
import json, sys
seqs = set(int(s) for s in sys.argv[2:])
for line in open(sys.argv[1]):
    topic, _, payload = line.partition(" ")
    if topic.endswith("/down/ack"):
        for a, b in json.loads(payload)["seqs"]:
            seqs -= set(range(a, b + 1))
sys.exit(1 if seqs else 0)
PY
}
for gw in gw-a gw-b gw-c; do
	check "$gw: seqs 1..20 acknowledged by down/ack" poll 20 acked "$tmp/sub-$gw.log" $(seq 20)
	check "$gw: 20 records stored, each once" db_is \
		"SELECT count(*) || ' ' || count(DISTINCT seq) || ' ' || min(seq) || ' ' || max(seq) FROM records WHERE gateway_id = '$gw'" "20 20 1 20"
done
acks_before=$(grep -c '^bedlink/v1/gw-a/down/ack' "$tmp/sub-gw-a.log")
for s in 1 2 3; do pub gw-a gw-a up/record "$(reading "$s" 150)"; done
check "a redelivery is acknowledged again" poll 10 bash -c \
	"[ \$(grep -c '^bedlink/v1/gw-a/down/ack' '$tmp/sub-gw-a.log') -gt $acks_before ]"
check "a redelivery stores nothing new (first version kept)" db_is \
	"SELECT count(*) || ' ' || sum(CASE WHEN $systolic = 130 THEN 1 ELSE 0 END) FROM records WHERE gateway_id = 'gw-a' AND seq <= 3" "3 3"
check "the ingest counters saw the duplicates" bash -c "grep -q 'duplicates' '$tmp/cloud.log'"

# ---- invalid record: quarantined, logged with gateway and reason, acknowledged ----
pub gw-c gw-c up/record "$(reading 21 999)"
check "an invalid record is acknowledged by its seq" poll 10 acked "$tmp/sub-gw-c.log" 21
check "it is in quarantine with its reason" db_is \
	"SELECT count(*) FROM quarantine WHERE gateway_id = 'gw-c' AND seq = 21 AND reason LIKE '%systolic%'" 1
check "it is logged with gateway and reason" grep -q "invalid record from 'gw-c' (seq 21): .*systolic" "$tmp/cloud.log"
check "it is not among the records" db_is "SELECT count(*) FROM records WHERE gateway_id = 'gw-c' AND seq = 21" 0

# ---- the ACL: gw-a can neither publish records as gw-b nor acknowledge for gw-b ----
pub gw-a gw-b up/record "$(reading 100)"
pub gw-a gw-b down/ack '{"seqs":[[500,600]]}'
pub gw-b gw-b up/record "$(reading 22)" # a barrier: once this is acked, the above was handled
check "gw-b's own record after it is acknowledged" poll 10 acked "$tmp/sub-gw-b.log" 22
check "gw-a could not store a record as gw-b" db_is \
	"SELECT count(*) FROM records WHERE gateway_id = 'gw-b' AND seq = 100" 0
check "gw-a could not acknowledge for gw-b" bash -c "! grep -q '500,600' '$tmp/sub-gw-b.log'"

# ---- a P1 call: alert row, webhook, admin ack-alert -> down/notice to that gateway ----
call() { # call SEQ ALERT_ID
	printf '{"v":1,"kind":"alert","seq":%d,"ts":%d,"alert_id":%d,"rule":"CALL","severity":"P1","state":"raised","confirmation":"not_required","readings":[],"message":"Call button: pressed"}' \
		"$1" "$(($(date +%s) * 1000))" "$2"
}
pub gw-a gw-a up/record "$(call 30 1)"
check "the call is stored as a P1 alert and notified" poll 10 db_is \
	"SELECT state FROM alerts WHERE gateway_id = 'gw-a' AND gateway_alert_id = 1 AND rule = 'CALL' AND severity = 'P1'" notified
check "the webhook received the call" poll 20 bash -c \
	"grep '\"alert.raised\"' '$tmp/hook.log' | grep '\"gateway_id\":\"gw-a\"' | grep -q '\"rule\":\"CALL\"'"
check "the webhook carries no name or ID number" bash -c \
	"! grep -Eq 'Zhang|110101' '$tmp/hook.log'"
alert_a=$(db "SELECT id FROM alerts WHERE gateway_id = 'gw-a' AND gateway_alert_id = 1")
check "admin ack-alert acknowledges and notifies" bash -c \
	"'$cloud' admin --config '$tmp/cloud.conf' ack-alert --id $alert_a --user doc1 --note 'on my way' | grep -q 'gateway was notified'"
check "down/notice alert_acknowledged reaches gw-a" poll 10 bash -c \
	"grep '^bedlink/v1/gw-a/down/notice ' '$tmp/sub-gw-a.log' | grep '\"type\":\"alert_acknowledged\"' | grep '\"alert_id\":1' | grep -q '\"rule\":\"CALL\"'"
check "the alert is acknowledged by doc1" db_is \
	"SELECT state || ' ' || acknowledged_by FROM alerts WHERE id = $alert_a" "acknowledged $doctor"
check "no notice went to another gateway" bash -c "! grep -q down/notice '$tmp/sub-gw-b.log' '$tmp/sub-gw-c.log'"
check "a second acknowledgement is refused" bash -c \
	"! '$cloud' admin --config '$tmp/cloud.conf' ack-alert --id $alert_a --user doc1 2>/dev/null"

# ---- escalation at injected times: 5 minutes -> backup team, 15 -> duty line ----
pub gw-b gw-b up/record "$(call 31 1)"
check "the second call is notified" poll 10 db_is \
	"SELECT state FROM alerts WHERE gateway_id = 'gw-b' AND gateway_alert_id = 1" notified
alert_b=$(db "SELECT id FROM alerts WHERE gateway_id = 'gw-b' AND gateway_alert_id = 1")
received=$(db "SELECT received_at FROM alerts WHERE id = $alert_b")
at() { date -u -d "@$(((received + $1) / 1000))" +%Y-%m-%dT%H:%M:%SZ; }
check "nothing escalates at 4 minutes" bash -c \
	"'$cloud' admin --config '$tmp/cloud.conf' escalate-due --at $(at 240000) | grep -q 'escalated 0 alerts'"
check "at 5 minutes the unacknowledged call escalates (the acknowledged one does not)" bash -c \
	"'$cloud' admin --config '$tmp/cloud.conf' escalate-due --at $(at 301000) | grep -q 'escalated 1 alert$'"
check "it went to the backup team" bash -c \
	"grep '\"alert.escalated\"' '$tmp/hook.log' | grep -q 'team:$team2 Team B'"
check "escalation level 1 recorded" db_is "SELECT escalation_level FROM alerts WHERE id = $alert_b" 1
check "at 10 minutes nothing more" bash -c \
	"'$cloud' admin --config '$tmp/cloud.conf' escalate-due --at $(at 600000) | grep -q 'escalated 0 alerts'"
check "at 15 minutes to the institution's duty line" bash -c \
	"'$cloud' admin --config '$tmp/cloud.conf' escalate-due --at $(at 901000) | grep -q 'escalated 1 alert$' &&
	 grep '\"alert.escalated\"' '$tmp/hook.log' | grep -q 'duty line +86-10-1234'"
check "two escalations in the audit log" db_is \
	"SELECT count(*) FROM audit WHERE action = 'alert.escalate' AND object = 'alert:$alert_b'" 2
check "list-alerts shows both calls" bash -c \
	"[ \$('$cloud' admin --config '$tmp/cloud.conf' list-alerts | grep -c CALL) = 2 ]"

# ---- the real gateway delivers through the cloud, also across kill -9 of the cloud ----
start_bus || exit 1
cat > "$tmp/scenario" <<'SCEN'
0 C0:FF:EE:00:00:03 device profile=oximeter paired=yes
SCEN
start_sim || { echo "FAIL: simulator did not start"; exit 1; }
write_gateway_conf gw-real '' 100 oximeter C0:FF:EE:00:00:03 pulse_oximeter
printf '[mqtt]\nusername = gw-real\npassword_file = %s\n' "$tmp/gw-real.pw" >> "$tmp/gw.conf"
echo "${gwpw[gw-real]}" > "$tmp/gw-real.pw"
start_gateway || { echo "FAIL: gateway did not start"; tail "$tmp/gw.log"; exit 1; }
feed() { # feed CHUNK: 1000 continuous SpO2 readings within normal limits
	python3 -c '
import sys
c = int(sys.argv[1])
for i in range(c * 1000, c * 1000 + 1000):
    print("C0:FF:EE:00:00:03 spo2 spo2=%d pulse=%d continuous=yes" % (95 + i % 5, 60 + i % 40))
' "$1" >&3
}
gw_stored() { db "SELECT count(*) FROM records WHERE gateway_id = 'gw-real' AND kind = 'reading'"; }
gw_at_least() { [ "$(gw_stored)" -ge "$1" ]; }
feed 0
check "the real gateway's readings arrive in the cloud" poll 60 gw_at_least 500
check "its outbox drains to 0 pending" poll 60 pending_is 0
for chunk in 1 2 3; do
	feed "$chunk"
	sleep "0.$((RANDOM % 30 + 10))"
	kill -9 "$cloud_pid"; wait "$cloud_pid" 2>/dev/null
	start_cloud $((chunk + 1)) || { echo "FAIL: bedlink-cloud did not restart"; exit 1; }
done
check "after 3 kill -9 of the cloud the outbox drains to 0 (re-sent until acked)" poll 150 pending_is 0
max=$(db "SELECT max(seq) FROM records WHERE gateway_id = 'gw-real'")
check "gw-real: seq 1..$max all stored, none twice" db_is \
	"SELECT count(*) || ' ' || count(DISTINCT seq) || ' ' || min(seq) FROM records WHERE gateway_id = 'gw-real'" "$max $max 1"
check "all 4000 readings stored" db_is \
	"SELECT count(*) FROM records WHERE gateway_id = 'gw-real' AND kind = 'reading'" 4000
check "the gateway's status is tracked" db_is "SELECT online FROM gateways WHERE id = 'gw-real'" \
	"$( [ "$backend" = sqlite ] && echo 1 || echo t)"

# ---- audit: intact, then an edit is found ----
check "verify-audit: intact" bash -c "'$cloud' admin --config '$tmp/cloud.conf' verify-audit | grep -q intact"
if [ "$backend" = sqlite ]; then
	sqlite3 "$tmp/cloud.db" "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit'" |
		while read -r t; do sqlite3 "$tmp/cloud.db" "DROP TRIGGER $t"; done
	sqlite3 "$tmp/cloud.db" "UPDATE audit SET detail = 'edited' WHERE seq = 3"
	check "verify-audit names the edited entry and exits 1" bash -c \
		"'$cloud' admin --config '$tmp/cloud.conf' verify-audit | grep -q 'entry 3 is not intact';
		 [ \${PIPESTATUS[0]} = 1 ]"
fi

check_summary
