#!/bin/bash
# SPDX-License-Identifier: MIT
# The follow-up planner in the real daemon, against Mosquitto (password file and the ACL of
# config/mosquitto/acl.example) and the store on SQLite (or PostgreSQL: a third argument
# 'postgresql' runs the same checks inside tests/lib/pg.sh). A visit recorded through the
# API puts the next follow-up on the agenda at once and sends the gateway its visit schedule
# (retained down/config); `admin replan --at` the day before that visit sends one down/notice
# to that gateway's topic, and a second replan sends none; opening a sick bed through the API
# schedules the first 查床.
# Usage: test-followup.sh BUILD_DIR SOURCE_DIR [sqlite|postgresql]
set -u
build=${1:?usage: test-followup.sh BUILD_DIR SOURCE_DIR [sqlite|postgresql]}
src=${2:?usage: test-followup.sh BUILD_DIR SOURCE_DIR [sqlite|postgresql]}
backend=${3:-sqlite}
# shellcheck source-path=SCRIPTDIR source=../lib/peers.sh
. "$(dirname "$0")/../lib/peers.sh" || exit 1
cloud="$build/cloud/bedlink-cloud"
tmp=$(mktemp -d)
cloud_pid='' sub_pid=''

cleanup() {
	stop_pid "$cloud_pid"
	stop_pid "$sub_pid"
	stop_peers
	drop_tmp
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
trap '' PIPE

on_check_failure() {
	echo "--- cloud log (tail)"
	tail -15 "$tmp/cloud.log"
	echo "--- gateway topic"
	cat "$tmp/sub.log"
}

need_tools FAIL mosquitto mosquitto_sub mosquitto_passwd curl jq python3
need_built FAIL "$cloud"
if [ "$backend" = sqlite ]; then
	store_url="sqlite://$tmp/cloud.db"
else
	store_url=${BEDLINK_PG_URL:?run through tests/lib/pg.sh for postgresql}
fi
admin() { "$cloud" admin --config "$tmp/cloud.conf" "$@"; }
id_of() { awk -v w="$1" '$1 == w { print $2; exit }'; }

# ---- config, store, people, gateway, broker, cloud ----
port=$(free_port)
http_port=$(free_port)
cat > "$tmp/cloud.conf" <<CONF
[cloud]
store = $store_url
log_level = debug
utc_offset_min = 480
[mqtt]
host = 127.0.0.1
port = $port
client_id = cloud-followup-1
username = bedlink-cloud
password_file = $tmp/cloud.pw
[http]
listen = 127.0.0.1:$http_port
cookie_secure = no
[followup]
sweep_hour = 8
notice_until_hour = 20
CONF
echo "cloud-secret-1" > "$tmp/cloud.pw"
check "--check-config accepts [followup] and utc_offset_min" \
	"$cloud" --config "$tmp/cloud.conf" --check-config
printf '[cloud]\nstore = sqlite:///x.db\n[followup]\nsweep_hour = 21\n' > "$tmp/bad.conf"
check "--check-config refuses notices ending before the sweep hour" bash -c \
	"'$cloud' --config '$tmp/bad.conf' --check-config 2>&1 | grep -q '\[followup\] notice_until_hour'"
printf '[cloud]\nstore = sqlite:///x.db\nutc_offset_min = 900\n' > "$tmp/bad2.conf"
check "--check-config refuses an offset beyond UTC+14" bash -c \
	"'$cloud' --config '$tmp/bad2.conf' --check-config 2>&1 | grep -q 'bad2.conf:3: \[cloud\] utc_offset_min'"
admin migrate > /dev/null || exit 1

now_s=$(date +%s)
today=$(date -u -d "@$((now_s + 8 * 3600))" +%F) # the clinic's day, UTC+8
enrolled=$(date -u -d "$today -30 days" +%F)     # the first routine follow-up is not due yet
inst=$(admin add-institution --name "Clinic" | id_of institution)
team=$(admin add-team --institution "$inst" --name "Team A" | id_of team)
printf 'correct horse battery\n' | admin add-user --institution "$inst" --team "$team" \
	--role doctor --login doc1 --name "Dr Li" --password-stdin > /dev/null || exit 1
patient=$(admin add-patient --institution "$inst" --team "$team" --name "Zhang San" \
	--id-number 110101197001010011 --birth 1970-01-01 --htn="$enrolled" --pseudonym p-zs |
	id_of patient)
mosquitto_passwd -c -b "$tmp/passwd" bedlink-cloud cloud-secret-1 || exit 1
admin add-gateway --id gw-f --patient "$patient" --passwd-file "$tmp/passwd" > "$tmp/gw.out"
gwpw=$(sed -n 's/^mqtt password: //p' "$tmp/gw.out")

cat > "$tmp/mosquitto.conf" <<CONF
per_listener_settings false
listener $port 127.0.0.1
allow_anonymous false
password_file $tmp/passwd
acl_file $src/config/mosquitto/acl.example
persistence false
CONF
[ "$(id -u)" = 0 ] && echo "user root" >> "$tmp/mosquitto.conf"
mosquitto -c "$tmp/mosquitto.conf" >> "$tmp/mosquitto.log" 2>&1 3>&- &
broker_pid=$!
poll 10 bash -c "exec 9<>/dev/tcp/127.0.0.1/$port" 2>/dev/null ||
	{ echo "FAIL: mosquitto did not start"; cat "$tmp/mosquitto.log"; exit 1; }

# The gateway's down/ topics, as the gateway (its ACL) sees them.
: > "$tmp/sub.log"
mosquitto_sub -V mqttv5 -h 127.0.0.1 -p "$port" -u gw-f -P "$gwpw" -q 1 \
	-t "bedlink/v1/gw-f/down/#" -v > "$tmp/sub.log" 2>&1 3>&- &
sub_pid=$!

"$cloud" --config "$tmp/cloud.conf" >> "$tmp/cloud.log" 2>&1 3>&- &
cloud_pid=$!
poll 15 grep -q 'cloud: ready' "$tmp/cloud.log" ||
	{ echo "FAIL: bedlink-cloud did not become ready"; cat "$tmp/cloud.log"; exit 1; }
check "the sweep at start planned the patient's first routine follow-up" \
	poll 10 grep -q 'followup: sweep: 1 patients replanned' "$tmp/cloud.log"

# ---- the API: a visit closes nothing it does not fulfil and schedules the next ----
req() { # req METHOD PATH [BODY]: prints the status; the body lands in $tmp/body.
	local args=(-sS -o "$tmp/body" -w '%{http_code}' -X "$1" -b "$tmp/jar" -c "$tmp/jar")
	[ -n "${csrf-}" ] && args+=(-H "X-CSRF-Token: $csrf")
	[ -n "${3-}" ] && args+=(-H 'Content-Type: application/json' --data-binary "$3")
	curl "${args[@]}" "http://127.0.0.1:$http_port$2"
}
csrf=''
st=$(req POST /api/login '{"user":"doc1","password":"correct horse battery"}')
[ "$st" = 200 ] || { echo "FAIL: login: $st"; cat "$tmp/body"; exit 1; }
csrf=$(jq -r .csrf_token "$tmp/body")

next_due=$(date -u -d "$today +90 days" +%F)
day_before=$(date -u -d "$next_due -1 day" +%F)
routine_key() { jq -r '[.tasks[] | select(.kind == "routine")][0].key' "$tmp/body"; }
routine_due() { jq -r '[.tasks[] | select(.kind == "routine")][0].due' "$tmp/body"; }

req GET "/api/tasks?patient=$patient" > /dev/null
first_key=$(routine_key)
check "the agenda holds the routine follow-up from enrolment" test "$first_key" != null

st=$(req POST /api/visits "{\"patient\":$patient,\"at\":$(((now_s - 60) * 1000)),\"service\":\"followup\",\"mode\":\"clinic\",\"programme\":\"htn\",\"classification\":\"controlled\"}")
check "POST /api/visits is 201" test "$st" = 201
check "the visit's reply says one task fulfilled and one created" \
	test "$(jq -c '.replan | [.fulfilled, .created]' "$tmp/body")" = "[1,1]"
req GET "/api/tasks?patient=$patient" > /dev/null
check "the next routine follow-up is on the agenda at once, due in 90 days ($next_due)" \
	test "$(routine_due)" = "$next_due"
check "the enrolment task is no longer open" test "$(routine_key)" != "$first_key"

visits_config() { # the last down/config carries the coming follow-up
	grep '^bedlink/v1/gw-f/down/config ' "$tmp/sub.log" | tail -1 | cut -d' ' -f2- |
		jq -e --arg d "$next_due" '.patient == "p-zs" and
			([.visits[] | select(.date == $d and .service == "followup")] | length) == 1' \
			> /dev/null 2>&1
}
check "the gateway got its visit schedule in down/config" poll 10 visits_config
check "down/config is retained: a gateway connecting later gets it" bash -c \
	"timeout 5 mosquitto_sub -V mqttv5 -h 127.0.0.1 -p $port -u gw-f -P '$gwpw' -q 1 \
	 -t bedlink/v1/gw-f/down/config -C 1 | grep -q '\"$next_due\"'"

# ---- the day before the visit: one down/notice ----
notices() { grep -c '^bedlink/v1/gw-f/down/notice ' "$tmp/sub.log"; }
check "no visit notice yet" test "$(notices)" = 0
admin replan --patient "$patient" --at "$day_before" > "$tmp/replan.out" 2>&1
check "admin replan --at the day before sends the notice" grep -q '1 notice sent' "$tmp/replan.out"
notices_at_least() { [ "$(notices)" -ge "$1" ]; }
check "the notice reaches the gateway's topic" poll 10 notices_at_least 1
notice_ok() {
	grep '^bedlink/v1/gw-f/down/notice ' "$tmp/sub.log" | tail -1 | cut -d' ' -f2- |
		jq -e '.type == "visit" and (.text | test("随访"))' > /dev/null
}
check "it is a visit notice with words for the patient" poll 10 notice_ok
admin replan --patient "$patient" --at "$day_before" > "$tmp/replan2.out" 2>&1
admin replan --at "$day_before" > "$tmp/replan3.out" 2>&1
check "a second replan and a sweep that day send no second notice" bash -c \
	"grep -q '0 notices sent' '$tmp/replan2.out' && grep -q '0 notices sent' '$tmp/replan3.out'"
sleep 1 # nothing to await: the absence of a message
check "the gateway got exactly one notice" test "$(notices)" = 1

# ---- a sick bed opened through the API: the first 查床 tomorrow ----
tomorrow=$(date -u -d "$today +1 day" +%F)
st=$(req POST /api/episodes "{\"patient\":$patient,\"bed_number\":\"FSB-1\",\"opened\":\"$today\",\"planned_end\":\"$(date -u -d "$today +60 days" +%F)\",\"reason\":\"stroke rehabilitation\"}")
check "POST /api/episodes is 201 and replans" bash -c \
	"[ '$st' = 201 ] && jq -e '.replan.created >= 1' '$tmp/body' > /dev/null"
req GET "/api/tasks?patient=$patient" > /dev/null
check "the first 查床 is due tomorrow" test \
	"$(jq -r '[.tasks[] | select(.kind == "first-round")][0].due' "$tmp/body")" = "$tomorrow"
round_config() {
	grep '^bedlink/v1/gw-f/down/config ' "$tmp/sub.log" | tail -1 | cut -d' ' -f2- |
		jq -e --arg d "$tomorrow" '[.visits[] | select(.date == $d and .service == "bedside_round")] | length == 1' \
			> /dev/null 2>&1
}
check "the new schedule with the round went to the gateway" poll 10 round_config
# ---- a P1 emergency from the gateway: the F6 contact task at once ----
now_ms=$(($(date +%s) * 1000))
mosquitto_pub -V mqttv5 -h 127.0.0.1 -p "$port" -u gw-f -P "$gwpw" -q 1 -t bedlink/v1/gw-f/up/record \
	-m "{\"v\":1,\"kind\":\"alert\",\"seq\":1,\"ts\":$now_ms,\"alert_id\":1,\"rule\":\"BP1\",\"severity\":\"P1\",\"state\":\"raised\",\"confirmation\":\"confirmed\",\"readings\":[],\"message\":\"BP 182/112\"}"
contact_task() {
	req GET "/api/tasks?patient=$patient" > /dev/null &&
		jq -e '[.tasks[] | select(.kind == "emergency-contact")] | length == 1' "$tmp/body" > /dev/null
}
check "a BP1 alert puts the emergency contact on the agenda without waiting for the sweep" \
	poll 10 contact_task
check "the audit chain holds the planner's entries intact" bash -c \
	"'$cloud' admin --config '$tmp/cloud.conf' verify-audit | grep -q intact"

check_summary
