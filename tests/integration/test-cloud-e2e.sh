#!/bin/bash
# SPDX-License-Identifier: MIT
# A call from the bedside to the doctor's screen and back, through the running daemon: a
# gateway's P1 call (published with that gateway's broker credentials) reaches the live event
# stream of a doctor of the patient's team (GET /api/events), the doctor acknowledges it through
# the JSON API (POST /api/alerts/ID/acknowledge with the CSRF token), and down/notice
# alert_acknowledged goes to that gateway and to no other. A P1 call nobody acknowledges is
# escalated by the daemon's own timer (real clock, [escalation] p1_backup_min = 1). The
# webhook: a receiver that answers 500 twice receives the post on the third attempt after the
# backoff; a receiver that is down: the configured retries, then a log line.
# Usage: test-cloud-e2e.sh BUILD_DIR SOURCE_DIR [sqlite|postgresql]
set -u
build=${1:?usage: test-cloud-e2e.sh BUILD_DIR SOURCE_DIR [sqlite|postgresql]}
src=${2:?usage: test-cloud-e2e.sh BUILD_DIR SOURCE_DIR [sqlite|postgresql]}
backend=${3:-sqlite}
# shellcheck source-path=SCRIPTDIR source=../lib/peers.sh
. "$(dirname "$0")/../lib/peers.sh" || exit 1
cloud="$build/cloud/bedlink-cloud"
tmp=$(mktemp -d)
cloud_pid='' hook_pid='' sse_pid='' sub_pids=()

cleanup() {
	stop_pid "$sse_pid"
	stop_pid "$cloud_pid"
	stop_pid "$hook_pid"
	for p in "${sub_pids[@]}"; do stop_pid "$p"; done
	stop_pid "$broker_pid"
	drop_tmp
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
trap '' PIPE

on_check_failure() {
	echo "--- cloud log (tail)"; tail -15 "$tmp/cloud.log"
	echo "--- event stream (tail)"; tail -6 "$tmp/sse.log"
	echo "--- webhook receiver (tail)"; tail -6 "$tmp/hook.log"
}

need_tools FAIL mosquitto mosquitto_pub mosquitto_sub mosquitto_passwd python3 curl jq
need_built FAIL "$cloud"
if [ "$backend" = sqlite ]; then
	need_tools FAIL sqlite3
	store_url="sqlite://$tmp/cloud.db"
	db() { sqlite3 -cmd ".timeout 5000" "$tmp/cloud.db" "$1" 2>/dev/null; }
else
	need_tools FAIL psql
	store_url=${BEDLINK_PG_URL:?run through tests/lib/pg.sh for postgresql}
	db() { psql -X -A -t -q -F '|' -d "$store_url" -c "$1" 2>/dev/null; }
fi
db_is() { [ "$(db "$1")" = "$2" ]; }
admin() { "$cloud" admin --config "$tmp/cloud.conf" "$@"; }

# ---- set up: config, store, people, gateways, broker ----
port=$(free_port)
http_port=$(free_port)
hook_port=$(free_port)
api="http://127.0.0.1:$http_port"
# Escalation: one minute (the shortest the config takes), looked for every second.
cat > "$tmp/cloud.conf" <<CONF
[cloud]
store = $store_url
log_level = debug
[mqtt]
host = 127.0.0.1
port = $port
client_id = cloud-e2e-1
username = bedlink-cloud
password_file = $tmp/cloud.pw
[http]
listen = 127.0.0.1:$http_port
cookie_secure = no
[escalation]
p1_backup_min = 1
p1_duty_min = 30
check_interval = 1
[webhook]
url = http://127.0.0.1:$hook_port/hook
retries = 2
timeout = 5
CONF
echo "cloud-secret-1" > "$tmp/cloud.pw"
admin migrate > /dev/null || { echo "FAIL: admin migrate"; exit 1; }
id_of() { awk -v w="$1" '$1 == w { print $2; exit }'; }
inst=$(admin add-institution --name "Clinic" --duty-line "+86-10-1234" | id_of institution)
team1=$(admin add-team --institution "$inst" --name "Team A" | id_of team)
team2=$(admin add-team --institution "$inst" --name "Team B" --duty-line "+86-10-5678" | id_of team)
db "UPDATE teams SET backup_team_id = $team2 WHERE id = $team1" > /dev/null
doctor=$(printf 'correct horse battery\n' | admin add-user --institution "$inst" --team "$team1" \
	--role doctor --login doc1 --name "Dr Li" --password-stdin | id_of user)
patient1=$(admin add-patient --institution "$inst" --team "$team1" --name "Zhang San" \
	--id-number 110101194501010011 --birth 1945-01-01 --htn | id_of patient)
patient2=$(admin add-patient --institution "$inst" --team "$team1" --name "Li Si" \
	--id-number 110101195002020022 --birth 1950-02-02 --htn | id_of patient)
patient3=$(admin add-patient --institution "$inst" --team "$team2" --name "Wang Wu" \
	--id-number 110101195503030033 --birth 1955-03-03 --htn | id_of patient)
if [ -z "$doctor" ] || [ -z "$patient3" ]; then echo "FAIL: setting up people failed"; exit 1; fi
mosquitto_passwd -c -b "$tmp/passwd" bedlink-cloud cloud-secret-1 || exit 1
declare -A gwpw
for gw in gw-a gw-b gw-c; do
	case $gw in gw-a) p=$patient1 ;; gw-b) p=$patient2 ;; *) p=$patient3 ;; esac
	admin add-gateway --id "$gw" --patient "$p" --passwd-file "$tmp/passwd" > "$tmp/$gw.out"
	gwpw[$gw]=$(sed -n 's/^mqtt password: //p' "$tmp/$gw.out")
done

cat > "$tmp/mosquitto.conf" <<CONF
per_listener_settings false
listener $port 127.0.0.1
allow_anonymous false
password_file $tmp/passwd
acl_file $src/config/mosquitto/acl.example
persistence false
CONF
[ "$(id -u)" = 0 ] && echo "user root" >> "$tmp/mosquitto.conf"
mosquitto -c "$tmp/mosquitto.conf" >> "$tmp/mosquitto.log" 2>&1 &
broker_pid=$!
poll 10 bash -c "exec 9<>/dev/tcp/127.0.0.1/$port" 2>/dev/null ||
	{ echo "FAIL: mosquitto did not start"; cat "$tmp/mosquitto.log"; exit 1; }

# The webhook receiver: answers 500 to its first FAILS posts, 200 after; logs one line per
# post: the time in ms, the status it answered, the body.
cat > "$tmp/hook.py" <<'PY'
import http.server, sys, time
port, log, fails = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
seen = 0
class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        global seen
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        seen += 1
        status = 500 if seen <= fails else 200
        with open(log, "ab") as f:
            f.write(b"%d %d " % (time.time() * 1000, status) + body + b"\n")
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", port), Hook).serve_forever()
PY
: > "$tmp/hook.log"
start_hook() { # start_hook FAILS
	python3 "$tmp/hook.py" "$hook_port" "$tmp/hook.log" "$1" &
	hook_pid=$!
	poll 10 bash -c "exec 9<>/dev/tcp/127.0.0.1/$hook_port" 2>/dev/null
}
start_hook 2 || { echo "FAIL: the webhook receiver did not start"; exit 1; }

"$cloud" --config "$tmp/cloud.conf" >> "$tmp/cloud.log" 2>&1 &
cloud_pid=$!
poll 15 grep -q 'cloud: ready' "$tmp/cloud.log" || { echo "FAIL: bedlink-cloud did not become ready"; cat "$tmp/cloud.log"; exit 1; }

# Each gateway's down/ topics, as that gateway (its ACL) sees them.
for gw in gw-a gw-b gw-c; do
	mosquitto_sub -V mqttv5 -h 127.0.0.1 -p "$port" -u "$gw" -P "${gwpw[$gw]}" -q 1 \
		-t "bedlink/v1/$gw/down/#" -v > "$tmp/sub-$gw.log" 2>&1 &
	sub_pids+=($!)
done

# ---- the doctor logs in and opens the live event stream ----
st=$(curl -sS -o "$tmp/login.json" -w '%{http_code}' -c "$tmp/doc1.jar" -H 'Content-Type: application/json' \
	--data-binary '{"user":"doc1","password":"correct horse battery"}' "$api/api/login")
check "doc1 logs in" test "$st" = 200
csrf=$(jq -r .csrf_token "$tmp/login.json")
curl -sS -N -b "$tmp/doc1.jar" "$api/api/events" > "$tmp/sse.log" 2>&1 &
sse_pid=$!
check "the event stream opens" poll 10 grep -q '^: bedlink events' "$tmp/sse.log"
sleep 0.5 # mosquitto_sub gives no sign that its SUBACK arrived

pub() { # pub GW PAYLOAD: as gateway GW, on its own up/record
	mosquitto_pub -V mqttv5 -h 127.0.0.1 -p "$port" -u "$1" -P "${gwpw[$1]}" -q 1 \
		-t "bedlink/v1/$1/up/record" -m "$2" 2>>"$tmp/pub.err"
}
call() { # call SEQ GATEWAY_ALERT_ID [SEVERITY]: a call-button record
	printf '{"v":1,"kind":"alert","seq":%d,"ts":%d,"alert_id":%d,"rule":"CALL","severity":"%s","state":"raised","confirmation":"not_required","readings":[],"message":"Call button: pressed"}' \
		"$1" "$(($(date +%s) * 1000))" "$2" "${3:-P1}"
}
# sse_alert JQ_FILTER: an "alert" event of the stream whose data matches the jq filter.
sse_alert() {
	python3 - "$tmp/sse.log" <<'PY' | jq -e -s "map(select($1)) | length > 0" > /dev/null
import sys
event = None
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    if line.startswith("event: "):
        event = line[7:]
    elif line.startswith("data: ") and event == "alert":
        print(line[6:])
    elif not line:
        event = None
PY
}
sse_count() { # sse_count JQ_FILTER: how many alert events match
	python3 - "$tmp/sse.log" <<'PY' | jq -c "select($1)" | wc -l
import sys
event = None
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    if line.startswith("event: "):
        event = line[7:]
    elif line.startswith("data: ") and event == "alert":
        print(line[6:])
    elif not line:
        event = None
PY
}

# ---- a P1 call from gw-a: stream, acknowledgement, down/notice ----
# The receiver answers the call's first webhook post with 500; a second call (from gw-b, that
# nobody acknowledges: the escalation timer's case) is queued during the backoff that follows.
pub gw-a "$(call 1 7)"
check "the webhook receiver has the first post" poll 10 test -s "$tmp/hook.log"
pub gw-b "$(call 1 1)"
check "the call from gw-a is stored as a notified P1 alert" poll 5 db_is \
	"SELECT state FROM alerts WHERE gateway_id = 'gw-a' AND gateway_alert_id = 7 AND severity = 'P1'" notified
alert_a=$(db "SELECT id FROM alerts WHERE gateway_id = 'gw-a' AND gateway_alert_id = 7")
check "the doctor's event stream carries the call (docs/api.md fields)" poll 5 sse_alert \
	".id == $alert_a and .gateway == \"gw-a\" and .patient == $patient1 and .rule == \"CALL\" and .severity == \"P1\""
st=$(curl -sS -o "$tmp/ack.json" -w '%{http_code}' -b "$tmp/doc1.jar" -H 'Content-Type: application/json' \
	--data-binary '{"note":"on my way"}' "$api/api/alerts/$alert_a/acknowledge")
check "an acknowledgement without the CSRF token is refused (403)" test "$st" = 403
st=$(curl -sS -o "$tmp/ack.json" -w '%{http_code}' -b "$tmp/doc1.jar" -H 'Content-Type: application/json' \
	-H "X-CSRF-Token: $csrf" --data-binary '{"note":"on my way"}' "$api/api/alerts/$alert_a/acknowledge")
check "doc1 acknowledges the call through the API (200)" test "$st" = 200
check "the reply shows it acknowledged by doc1" jq -e \
	".state == \"acknowledged\" and .acknowledged_by == $doctor and .ack_note == \"on my way\"" "$tmp/ack.json"
check "the event carries no name or ID number" bash -c "! grep -Eq 'Zhang|110101' '$tmp/sse.log'"
check "the call from gw-b reaches the stream too" poll 5 sse_alert ".gateway == \"gw-b\" and .rule == \"CALL\""
alert_b=$(db "SELECT id FROM alerts WHERE gateway_id = 'gw-b' AND gateway_alert_id = 1")
notice_a() {
	grep '^bedlink/v1/gw-a/down/notice ' "$tmp/sub-gw-a.log" | cut -d' ' -f2- |
		jq -e -s 'map(select(.type == "alert_acknowledged" and .alert_id == 7 and .rule == "CALL")) | length == 1' > /dev/null
}
check "down/notice alert_acknowledged (gateway alert 7, CALL) reaches gw-a" poll 10 notice_a
check "the stream shows the call acknowledged" poll 10 sse_alert \
	".id == $alert_a and .state == \"acknowledged\" and .acknowledged_by == $doctor"
check "the acknowledgement is one event on the stream, not two" test \
	"$(sse_count ".id == $alert_a and .state == \"acknowledged\"")" = 1
st=$(curl -sS -o /dev/null -w '%{http_code}' -b "$tmp/doc1.jar" -H 'Content-Type: application/json' \
	-H "X-CSRF-Token: $csrf" --data-binary '{}' "$api/api/alerts/$alert_a/acknowledge")
check "a second acknowledgement is refused (409)" test "$st" = 409
# A barrier: gw-c's own call is handled after everything above on the same loop.
pub gw-c "$(call 1 1 P2)"
check "gw-c's own record is acknowledged" poll 10 grep -q '^bedlink/v1/gw-c/down/ack ' "$tmp/sub-gw-c.log"
check "still exactly one notice on gw-a's topic" notice_a
check "no notice went to gw-b or gw-c" bash -c "! grep -q down/notice '$tmp/sub-gw-b.log' '$tmp/sub-gw-c.log'"
check "the stream of team A's doctor does not carry team B's alert" bash -c "! grep -q '\"gw-c\"' '$tmp/sse.log'"

# ---- the webhook: 500, 500, then 200 for the first post, with backoff 1 s then 2 s ----
# hook_attempts EVENT GW: the lines of the receiver's log for that event and gateway.
hook_attempts() { grep "\"event\":\"$1\"" "$tmp/hook.log" | grep "\"gateway_id\":\"$2\""; }
raised_a_delivered() { hook_attempts alert.raised gw-a | grep -q '^[0-9]* 200 '; }
check "the call's webhook post is delivered" poll 20 raised_a_delivered
check "on the third attempt, after two answers of 500" test \
	"$(hook_attempts alert.raised gw-a | awk '{ print $2 }' | tr '\n' ' ')" = "500 500 200 "
check "the first post was the call from gw-a" bash -c "head -1 '$tmp/hook.log' | grep -q '\"gateway_id\":\"gw-a\"'"
# gw-b's call was queued during the first backoff; a backoff is not cut short by it.
check "the retries waited 1 s, then 2 s (backoff)" bash -c "hook_times=\$(grep '\"gateway_id\":\"gw-a\"' '$tmp/hook.log' |
	grep '\"alert.raised\"' | awk '{ print \$1 }' | tr '\n' ' '); set -- \$hook_times;
	[ \$((\$2 - \$1)) -ge 1000 ] && [ \$((\$3 - \$2)) -ge 2000 ]"
check "the other posts follow: gw-b's call, the acknowledgement, gw-c's alert" poll 20 bash -c \
	"grep -q '^[0-9]* 200 .*alert.raised.*\"gateway_id\":\"gw-b\"' '$tmp/hook.log' &&
	 grep -q '^[0-9]* 200 .*alert.acknowledged.*\"gateway_id\":\"gw-a\"' '$tmp/hook.log' &&
	 grep -q '^[0-9]* 200 .*alert.raised.*\"gateway_id\":\"gw-c\"' '$tmp/hook.log'"
# metric_at_least NAME N: /metrics has the counter NAME at N or more.
metric_at_least() {
	local v
	v=$(curl -sS "$api/metrics" | sed -n "s/^$1 \([0-9]*\)\$/\1/p")
	[ -n "$v" ] && [ "$v" -ge "$2" ]
}
check "/metrics counts the 4 delivered posts" poll 5 metric_at_least bedlink_webhook_delivered_total 4

# ---- a receiver that is down: the configured 2 retries, then a log line ----
stop_pid "$hook_pid"
hook_pid=''
pub gw-c "$(call 2 2 P2)"
check "a post to a receiver that is down is given up after 1 + 2 retries, logged" poll 20 \
	grep -q 'webhook: giving up on a post after 3 attempts' "$tmp/cloud.log"
check "/metrics counts the post given up" bash -c \
	"curl -sS '$api/metrics' | grep -qx 'bedlink_webhook_failed_total 1'"
start_hook 0 || { echo "FAIL: the webhook receiver did not restart"; exit 1; }

# ---- the daemon's own timer escalates gw-b's unacknowledged call one minute after it came ----
escalated_b() { db_is "SELECT escalation_level FROM alerts WHERE id = $alert_b" 1; }
check "the unacknowledged call escalates to level 1 on its own (timer, real clock)" poll 90 escalated_b
check "not before p1_backup_min (1 minute) after it came" db_is \
	"SELECT count(*) FROM audit a, alerts l WHERE a.action = 'alert.escalate' AND a.object = 'alert:$alert_b'
	 AND l.id = $alert_b AND a.logged_at >= l.received_at + 60000" 1
check "the stream carries the escalation" poll 10 sse_alert \
	".id == $alert_b and .escalation_level == 1"
check "the webhook names the backup team" poll 20 bash -c \
	"grep '\"alert.escalated\"' '$tmp/hook.log' | grep '\"gateway_id\":\"gw-b\"' | grep -q 'team:$team2 Team B'"
check "the acknowledged call did not escalate" db_is "SELECT escalation_level FROM alerts WHERE id = $alert_a" 0
check "one escalation in the audit log" db_is \
	"SELECT count(*) FROM audit WHERE action = 'alert.escalate' AND object = 'alert:$alert_b'" 1

check_summary
