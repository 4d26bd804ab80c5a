#!/bin/bash
# SPDX-License-Identifier: MIT
# The JSON API end to end: api-server (tests/integration/api-server.c) serves a
# seeded store on a free loopback port and curl drives it as the console would —
# login, sessions, CSRF, team scoping, alerts, readings, tasks, visits, episodes,
# limits, the live event stream, /metrics — and the audit chain is verified after.
# Usage: test-api.sh BUILD_DIR SOURCE_DIR [sqlite|postgresql]
# (postgresql: run under tests/lib/pg.sh run, which sets BEDLINK_PG_URL.)
# The seed ids (main_patient_a...) come from api-server's output through eval.
# shellcheck disable=SC2154
set -u

build=${1:?usage: test-api.sh BUILD_DIR SOURCE_DIR [sqlite|postgresql]}
backend=${3:-sqlite}
server=$build/tests/integration/api-server
tmp=$(mktemp -d)
pids=()
passed=0
failed=0

cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	[ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT

die() {
	echo "test-api: $*" >&2
	exit 1
}

for tool in curl jq; do
	command -v $tool >/dev/null || die "'$tool' is not installed (scripts/packages.txt lists it)"
done
[ -x "$server" ] || die "no api-server at '$server'"

ok() {
	echo "ok - $1"
	passed=$((passed + 1))
}

not_ok() {
	echo "not ok - $1" >&2
	[ -f "$tmp/body" ] && { sed 's/^/    body: /' "$tmp/body"; echo; } >&2
	failed=$((failed + 1))
}

# expect NAME WANT GOT
expect() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1 (wanted '$2', got '$3')"; fi
}

# wait_for FILE PATTERN: waits (at most 60 s) until a line of FILE matches PATTERN.
wait_for() {
	for _ in $(seq 600); do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# start NAME STORE_URL TTL [noseed]: starts api-server NAME; sets NAME_port and its seed ids.
start() {
	local name=$1
	mkfifo "$tmp/$name.in"
	"$server" "$2" "$3" ${4:+"$4"} <"$tmp/$name.in" >"$tmp/$name.out" 2>"$tmp/$name.err" &
	pids+=($!)
	eval "exec {fd_$name}>\"$tmp/$name.in\""
	wait_for "$tmp/$name.out" '^ready=1' || {
		cat "$tmp/$name.err" >&2
		die "api-server $name did not start"
	}
	eval "$(sed -e "s/^/${name}_/" "$tmp/$name.out")"
}

# ask NAME COMMAND UNTIL: sends COMMAND to server NAME and prints the new output up to UNTIL.
ask() {
	local name=$1 before fd
	before=$(wc -l <"$tmp/$name.out")
	eval "fd=\$fd_$name"
	echo "$2" >&"$fd"
	for _ in $(seq 600); do
		tail -n +$((before + 1)) "$tmp/$name.out" | grep -q -- "$3" && break
		sleep 0.1
	done
	tail -n +$((before + 1)) "$tmp/$name.out"
}

# req JAR METHOD PATH [BODY [CSRF]]: prints the status; the body lands in $tmp/body.
req() {
	local jar=$1 method=$2 path=$3 body=${4-} csrf=${5-}
	local args=(-sS -o "$tmp/body" -w '%{http_code}' -X "$method" -b "$tmp/$jar.jar" -c "$tmp/$jar.jar")
	[ -n "$csrf" ] && args+=(-H "X-CSRF-Token: $csrf")
	[ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
	curl "${args[@]}" "http://127.0.0.1:$port$path"
}

# login JAR USER PASSWORD: logs in; prints the CSRF token.
login() {
	local st
	st=$(req "$1" POST /api/login "{\"user\":\"$2\",\"password\":\"$3\"}")
	[ "$st" = 200 ] || { echo "login $2: $st" >&2; return 1; }
	jq -r .csrf_token "$tmp/body"
}

case "$backend" in
sqlite) url="sqlite://$tmp/store.db" ;;
postgresql)
	url=${BEDLINK_PG_URL:?test-api.sh postgresql runs under tests/lib/pg.sh run}
	;;
*) die "unknown backend '$backend'" ;;
esac

start main "$url" 3600
port=$main_port

# ---- login ----
st=$(req anon POST /api/login '{"user":"alice","password":"wrong"}')
expect "wrong password is 401" 401 "$st"
msg_wrong=$(jq -r .error "$tmp/body")
st=$(req anon POST /api/login '{"user":"nobody","password":"wrong"}')
expect "unknown user is 401" 401 "$st"
expect "unknown user gets the same message" "$msg_wrong" "$(jq -r .error "$tmp/body")"

st=$(req alice POST /api/login '{"user":"alice","password":"alice-password"}')
expect "login is 200" 200 "$st"
alice_csrf=$(jq -r .csrf_token "$tmp/body")
expect "login names the user" alice "$(jq -r .user.login "$tmp/body")"
cookie=$(grep -c 'bedlink_session' "$tmp/alice.jar")
expect "login sets the session cookie" 1 "$cookie"
curl -sS -D "$tmp/headers" -o /dev/null -H 'Content-Type: application/json' \
	--data-binary '{"user":"alice","password":"alice-password"}' "http://127.0.0.1:$port/api/login"
if grep -i '^set-cookie:' "$tmp/headers" | grep -q 'HttpOnly' &&
	grep -i '^set-cookie:' "$tmp/headers" | grep -q 'SameSite=Strict' &&
	grep -i '^set-cookie:' "$tmp/headers" | grep -q 'Path=/'; then
	ok "the cookie is HttpOnly, SameSite=Strict, Path=/"
else
	not_ok "the cookie is HttpOnly, SameSite=Strict, Path=/ ($(grep -i '^set-cookie:' "$tmp/headers"))"
fi
bob_csrf=$(login bob bob bob-password)
carol_csrf=$(login carol carol carol-password)

# ---- sessions and CSRF ----
st=$(req anon GET /api/patients)
expect "no session is 401" 401 "$st"
echo "127.0.0.1	FALSE	/	FALSE	0	bedlink_session	$(printf '%064d' 0)" >"$tmp/forged.jar"
st=$(req forged GET /api/patients)
expect "an unknown session token is 401" 401 "$st"
st=$(req alice POST "/api/alerts/$main_alert_a/acknowledge" '{"note":"x"}')
expect "a change without X-CSRF-Token is 403" 403 "$st"
st=$(req alice POST "/api/alerts/$main_alert_a/acknowledge" '{"note":"x"}' "$bob_csrf")
expect "a change with another session's CSRF token is 403" 403 "$st"
st=$(req alice GET "/api/alerts?state=acknowledged")
expect "nothing was acknowledged by the refused requests" "200 0" "$st $(jq '.alerts | length' "$tmp/body")"

# ---- scoping ----
st=$(req alice GET /api/patients)
expect "alice lists patients" 200 "$st"
expect "alice sees only her team's patient" "$main_patient_a" "$(jq -c '[.patients[].id] | join(",")' -r "$tmp/body")"
st=$(req alice GET "/api/patients/$main_patient_a")
expect "alice reads her patient" "200 p-aaaa" "$st $(jq -r .pseudonym "$tmp/body")"
st=$(req alice GET "/api/patients/$main_patient_b")
expect "another team's patient is 403" 403 "$st"
st=$(req alice GET "/api/patients/$main_patient_b/readings")
expect "another team's readings are 403" 403 "$st"
st=$(req alice GET "/api/alerts?patient=$main_patient_b")
expect "another team's alerts are 403" 403 "$st"
st=$(req alice POST "/api/alerts/$main_alert_b/acknowledge" '{}' "$alice_csrf")
expect "acknowledging another team's alert is 403" 403 "$st"
st=$(req alice GET /api/alerts)
expect "alice's alerts are her team's" "200 $main_patient_a" "$st $(jq -r '[.alerts[].patient] | unique | join(",")' "$tmp/body")"
st=$(req carol GET /api/patients)
expect "the admin sees both teams" "200 2" "$st $(jq '.patients | length' "$tmp/body")"
st=$(req carol GET "/api/patients/$main_patient_b")
expect "the admin reads a patient of team B" 200 "$st"
st=$(req carol GET /api/alerts)
expect "the admin sees the alerts of both teams" "200 2" "$st $(jq '.alerts | length' "$tmp/body")"
st=$(req alice GET /api/gateways)
expect "alice sees her patient's gateway only" "200 gw-a" "$st $(jq -r '[.gateways[].id] | join(",")' "$tmp/body")"
st=$(req carol GET /api/gateways)
expect "the admin sees both gateways" "200 gw-a,gw-b" "$st $(jq -r '[.gateways[].id] | join(",")' "$tmp/body")"

# ---- readings, tasks ----
st=$(req alice GET "/api/patients/$main_patient_a/readings")
expect "alice reads three readings" "200 3" "$st $(jq '.readings | length' "$tmp/body")"
from=$(jq '.readings[1].ts' "$tmp/body")
st=$(req alice GET "/api/patients/$main_patient_a/readings?from=$from")
expect "readings from a time on" "200 2" "$st $(jq '.readings | length' "$tmp/body")"
st=$(req alice GET "/api/patients/$main_patient_a/readings?from=abc")
expect "a bad query value is 400" 400 "$st"
st=$(req alice GET "/api/tasks?overdue=1")
expect "the overdue worklist holds the seeded task" "200 routine:htn:test true" \
	"$st $(jq -r '.tasks[0].key + " " + (.tasks[0].overdue | tostring)' "$tmp/body")"
st=$(req bob GET "/api/tasks?overdue=1")
expect "bob's worklist does not hold team A's task" "200 0" "$st $(jq '.tasks | length' "$tmp/body")"

# ---- bad requests change nothing ----
st=$(req alice POST "/api/alerts/$main_alert_a/acknowledge" '{"note": ' "$alice_csrf")
expect "malformed JSON is 400" 400 "$st"
st=$(req alice POST "/api/alerts/$main_alert_a/acknowledge" '{"note":"x","extra":1}' "$alice_csrf")
expect "an unknown field is 400 naming it" "400 extra" "$st $(jq -r .error "$tmp/body" | grep -o extra)"
st=$(req alice POST "/api/alerts/$main_alert_a/acknowledge" '{"note":5}' "$alice_csrf")
expect "a wrong type is 400 naming the field" "400 note" "$st $(jq -r .error "$tmp/body" | grep -o '^note')"
st=$(req alice POST "/api/alerts/$main_alert_a/resolve" '{"note":"x"}' "$alice_csrf")
expect "resolve without outcome is 400" 400 "$st"
head -c 70000 /dev/zero | tr '\0' 'a' >"$tmp/big"
st=$(curl -sS -o "$tmp/body" -w '%{http_code}' -b "$tmp/alice.jar" -H "X-CSRF-Token: $alice_csrf" \
	-H 'Content-Type: application/json' --data-binary "@$tmp/big" \
	"http://127.0.0.1:$port/api/alerts/$main_alert_a/acknowledge")
expect "an oversized body is 413" 413 "$st"
st=$(curl -sS -o "$tmp/body" -w '%{http_code}' -b "$tmp/alice.jar" -H "X-CSRF-Token: $alice_csrf" \
	-H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' --data-binary "@$tmp/big" \
	"http://127.0.0.1:$port/api/alerts/$main_alert_a/acknowledge")
expect "an oversized chunked body is 413" 413 "$st"
st=$(req alice GET "/api/alerts?state=acknowledged")
expect "the bad requests acknowledged nothing" "200 0" "$st $(jq '.alerts | length' "$tmp/body")"
st=$(req alice GET /api/nothing)
expect "an unknown route is 404" 404 "$st"
st=$(req alice DELETE /api/patients "" "$alice_csrf")
expect "a wrong method is 405" 405 "$st"
st=$(req alice GET "/api/alerts?state=bogus")
expect "an unknown state filter is 400" 400 "$st"

# ---- live events: the first SSE client is alice's (team A), the second bob's ----
curl -sS -N -b "$tmp/alice.jar" "http://127.0.0.1:$port/api/events" >"$tmp/sse-alice" 2>&1 &
pids+=($!)
curl -sS -N -b "$tmp/bob.jar" "http://127.0.0.1:$port/api/events" >"$tmp/sse-bob" 2>&1 &
pids+=($!)
if ! wait_for "$tmp/sse-alice" '^: bedlink events' || ! wait_for "$tmp/sse-bob" '^: bedlink events'; then
	not_ok "the event streams open"
fi
ask main "publish alert $main_team_a $main_institution {\"id\":424242,\"team\":\"a\"}" published >/dev/null
ask main "publish alert $main_team_b $main_institution {\"id\":434343,\"team\":\"b\"}" published >/dev/null

# ---- acknowledge twice: 409, the hook fired once, the streams hear of it ----
st=$(req alice POST "/api/alerts/$main_alert_a/acknowledge" '{"note":"called the family"}' "$alice_csrf")
expect "acknowledge is 200" "200 acknowledged" "$st $(jq -r .state "$tmp/body")"
st=$(req alice POST "/api/alerts/$main_alert_a/acknowledge" '{"note":"again"}' "$alice_csrf")
expect "acknowledging twice is 409" 409 "$st"
expect "the hook fired once for that alert" "hook 1 $main_alert_a" "$(ask main hook '^hook')"
st=$(req alice POST "/api/alerts/$main_alert_a/resolve" '{"outcome":"action_taken","note":"BP re-checked"}' "$alice_csrf")
expect "resolve is 200" "200 resolved action_taken" "$st $(jq -r '.state + " " + .outcome' "$tmp/body")"
st=$(req alice POST "/api/alerts/$main_alert_a/resolve" '{"outcome":"no_action"}' "$alice_csrf")
expect "resolving twice is 409" 409 "$st"

if wait_for "$tmp/sse-alice" '"id":424242' && wait_for "$tmp/sse-alice" "\"id\":$main_alert_a,"; then
	ok "alice's stream receives team A's events"
else
	not_ok "alice's stream receives team A's events"
fi
wait_for "$tmp/sse-bob" '"id":434343' || not_ok "bob's stream receives team B's event"
if grep -q '424242' "$tmp/sse-bob" || grep -q "\"id\":$main_alert_a," "$tmp/sse-bob"; then
	not_ok "bob's stream holds no event of team A"
else
	ok "bob's stream holds no event of team A"
fi
if grep -q '434343' "$tmp/sse-alice"; then
	not_ok "alice's stream holds no event of team B"
else
	ok "alice's stream holds no event of team B"
fi

st=$(req carol POST "/api/alerts/$main_alert_b/resolve" '{"outcome":"no_action","note":"false alarm"}' "$carol_csrf")
expect "the admin resolves team B's alert" "200 resolved" "$st $(jq -r .state "$tmp/body")"
if wait_for "$tmp/sse-bob" "\"id\":$main_alert_b,"; then
	ok "bob's stream hears of the resolution"
else
	not_ok "bob's stream hears of the resolution"
fi

# ---- visits and episodes ----
now_ms=$(($(date +%s) * 1000))
st=$(req alice POST /api/visits "{\"patient\":$main_patient_a,\"at\":$now_ms,\"service\":\"followup\",\"mode\":\"home\",\"programme\":\"htn\",\"classification\":\"controlled\",\"task\":\"routine:htn:test\",\"notes\":\"BP 132/84\"}" "$alice_csrf")
expect "a visit is recorded and closes its task" "201 routine:htn:test" "$st $(jq -r .task_closed "$tmp/body")"
st=$(req alice GET "/api/tasks?overdue=1")
expect "the closed task left the worklist" "200 0" "$st $(jq '.tasks | length' "$tmp/body")"
st=$(req alice POST /api/visits "{\"patient\":$main_patient_b,\"at\":$now_ms,\"service\":\"followup\",\"mode\":\"home\"}" "$alice_csrf")
expect "a visit to another team's patient is 403" 403 "$st"
st=$(req alice POST /api/episodes "{\"patient\":$main_patient_a,\"bed_number\":\"FSB-1\",\"opened\":\"2025-03-01\",\"planned_end\":\"2025-04-30\",\"reason\":\"stroke rehabilitation\",\"nurse\":$main_nurse}" "$alice_csrf")
expect "a family sick bed opens" 201 "$st"
episode=$(jq -r .id "$tmp/body")
st=$(req alice POST /api/episodes "{\"patient\":$main_patient_a,\"bed_number\":\"FSB-2\",\"opened\":\"2025-03-02\",\"planned_end\":\"2025-04-30\",\"reason\":\"again\"}" "$alice_csrf")
expect "a second open bed is 409" 409 "$st"
st=$(req alice POST "/api/episodes/$episode/close" '{"summary":"done"}' "$alice_csrf")
expect "closing without outcome is 400" 400 "$st"
st=$(req bob POST "/api/episodes/$episode/close" '{"outcome":"recovered"}' "$bob_csrf")
expect "closing another team's bed is 403" 403 "$st"
st=$(req alice POST "/api/episodes/$episode/close" '{"outcome":"recovered","summary":"walks again","closed":"2025-04-20"}' "$alice_csrf")
expect "the bed closes" "200 2025-04-20" "$st $(jq -r .closed "$tmp/body")"

# ---- metrics, logout ----
st=$(curl -sS -o "$tmp/body" -w '%{http_code}' "http://127.0.0.1:$port/metrics")
if [ "$st" = 200 ] && grep -q '^bedlink_api_replies_total{code="403"} ' "$tmp/body" &&
	grep -q '^bedlink_api_sse_clients 2$' "$tmp/body" && grep -q '^bedlink_test_extra 1$' "$tmp/body"; then
	ok "/metrics counts replies by code, SSE clients and the daemon's lines"
else
	not_ok "/metrics counts replies by code, SSE clients and the daemon's lines"
fi
st=$(req bob POST /api/logout "" "$bob_csrf")
expect "logout is 200" 200 "$st"
st=$(req bob GET /api/patients)
expect "after logout the session is gone" 401 "$st"

# ---- audit: the chain verifies and every read and change left an entry ----
ask main audit '^end' >"$tmp/audit"
expect "the audit chain verifies" 1 "$(grep -c '^audit ok' "$tmp/audit")"
count() { awk -v a="$1" '$1 == "action" && $2 == a { print $3 }' "$tmp/audit"; }
expect "every patients list was audited (alice, carol)" 2 "$(count patients.list)"
expect "every patient read was audited (alice, carol)" 2 "$(count patient.read)"
expect "every readings read was audited" 2 "$(count readings.read)"
expect "every refused access was audited" 6 "$(count access.denied)"
expect "the acknowledgement was audited once" 1 "$(count alert.acknowledge)"
expect "each resolution was audited once" 2 "$(count alert.resolve)"
expect "the visit was audited" 1 "$(count visit.record)"
expect "logins were audited (4 good, 2 failed)" "4 2" "$(count login) $(count login.failed)"

# ---- an expired session: a server whose sessions last 1 s ----
start short "$url" 1 noseed
port=$short_port
login short alice alice-password >/dev/null
st=$(req short GET /api/patients)
expect "a fresh short session works" 200 "$st"
# curl drops the cookie from its jar once Max-Age has passed, as a browser would;
# to see what the server says of an expired session, send the token by hand.
token=$(awk '$6 == "bedlink_session" { print $7 }' "$tmp/short.jar")
[ -n "$token" ] || die "no session cookie in the jar"
for _ in $(seq 100); do
	st=$(curl -sS -o "$tmp/body" -w '%{http_code}' -H "Cookie: bedlink_session=$token" \
		"http://127.0.0.1:$port/api/patients")
	[ "$st" = 401 ] && break
	sleep 0.1
done
expect "an expired session is 401 'session expired'" "401 session expired" "$st $(jq -r .error "$tmp/body")"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
