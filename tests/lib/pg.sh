#!/bin/bash
# SPDX-License-Identifier: MIT
# A throwaway PostgreSQL cluster for tests and benchmarks: initdb into a fresh
# temporary folder, the server's unix socket in that folder, a free loopback
# port, and (when run as root, which initdb refuses) everything as the
# 'postgres' user. Failing to start is an error with the server's log, never
# a silent skip.
#
# pg.sh start           starts a cluster; prints "pg_dir='DIR' pg_url='URL'" for eval
# pg.sh stop DIR        stops the cluster of DIR and removes DIR
# pg.sh run CMD ARG...  starts a cluster, runs CMD with BEDLINK_PG_URL set to its
#                       URL, stops it; exits with CMD's status
#
# Environment: PGBIN (default: the newest /usr/lib/postgresql/*/bin),
# BEDLINK_PG_FSYNC=on for durable commits (default off: tests need no crash
# safety), BEDLINK_PG_OPTIONS for more server options ("-c log_min_duration_statement=0"),
# KEEP_TMP=1 keeps the folder (and its server log) after stop.
set -u

die() {
	echo "pg.sh: $*" >&2
	exit 1
}

find_pgbin() {
	local d
	if [ -n "${PGBIN:-}" ]; then
		echo "$PGBIN"
		return
	fi
	for d in $(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V -r); do
		[ -x "$d/initdb" ] && { echo "$d"; return; }
	done
	command -v initdb >/dev/null && dirname "$(command -v initdb)"
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
		echo $((20000 + RANDOM % 40000))
}

# as_owner CMD...: runs CMD as the cluster's owner ('postgres' when we are root).
as_owner() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

start() {
	local bin dir port fsync=${BEDLINK_PG_FSYNC:-off} try
	bin=$(find_pgbin)
	if [ -z "$bin" ] || [ ! -x "$bin/initdb" ] || [ ! -x "$bin/pg_ctl" ]; then
		die "PostgreSQL is not installed (no initdb; install the 'postgresql' package or set PGBIN)"
	fi
	if [ "$(id -u)" = 0 ]; then
		id postgres >/dev/null 2>&1 || die "running as root, but there is no 'postgres' user to run the server"
	fi
	dir=$(mktemp -d) || die "cannot make a temporary folder"
	chmod 755 "$dir"
	[ "$(id -u)" = 0 ] && chown postgres: "$dir"
	if ! as_owner "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 \
		--no-sync >"$dir/initdb.log" 2>&1; then
		cat "$dir/initdb.log" >&2
		rm -rf "$dir"
		die "initdb failed"
	fi
	for try in 1 2 3; do
		port=$(free_port)
		if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
			-o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=$fsync \
-c synchronous_commit=$fsync -c full_page_writes=$fsync -c max_wal_size=256MB \
-c max_connections=40 -c shared_buffers=64MB ${BEDLINK_PG_OPTIONS:-}" >/dev/null 2>&1; then
			echo "pg_dir='$dir' pg_url='postgresql:///postgres?host=$dir&port=$port&user=postgres'"
			return 0
		fi
		echo "pg.sh: start attempt $try on port $port failed" >&2
	done
	tail -20 "$dir/server.log" >&2 2>/dev/null
	rm -rf "$dir"
	die "the PostgreSQL server did not start"
}

stop() {
	local dir=$1 bin
	[ -d "$dir/data" ] || die "'$dir' holds no cluster"
	bin=$(find_pgbin)
	as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 ||
		echo "pg.sh: stopping the server in '$dir' failed" >&2
	if [ -n "${KEEP_TMP:-}" ]; then
		echo "pg.sh: kept $dir" >&2
	else
		rm -rf "$dir"
	fi
}

case "${1:-}" in
start)
	start
	;;
stop)
	[ $# -eq 2 ] || die "usage: pg.sh stop DIR"
	stop "$2"
	;;
run)
	shift
	[ $# -ge 1 ] || die "usage: pg.sh run CMD [ARG]..."
	pg_dir='' pg_url=''
	vars=$(start) || exit 1
	eval "$vars"
	trap 'stop "$pg_dir"' EXIT
	BEDLINK_PG_URL=$pg_url "$@"
	status=$?
	exit $status
	;;
*)
	die "usage: pg.sh start | stop DIR | run CMD [ARG]..."
	;;
esac
