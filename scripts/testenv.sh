#!/usr/bin/env bash
# testenv.sh CMD...: start a throwaway PostgreSQL and Redis on free loopback
# ports, run CMD with TEST_DATABASE_URL and TEST_REDIS_URL pointing at them,
# then stop both and remove their files. It never touches the machine's own
# databases. It also finds Chromium for the browser tests (TEST_CHROMIUM).
# Exit status is CMD's.
set -euo pipefail

log() { echo "testenv: $*" >&2; }
die() { log "$*"; exit 1; }

[ $# -gt 0 ] || die "usage: scripts/testenv.sh COMMAND [ARGS...]"

find_pg_bin() {
	local d
	d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
	if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/postgres" ]; then echo "$d"; return; fi
	if command -v initdb >/dev/null && command -v postgres >/dev/null; then dirname "$(command -v initdb)"; fi
}

find_chromium() {
	local c
	for c in chromium chromium-browser google-chrome; do
		if command -v "$c" >/dev/null; then command -v "$c"; return; fi
	done
}
# CJK fonts, so that the pages' screenshots show Chinese rather than boxes.
have_cjk_font() { fc-list :lang=zh 2>/dev/null | grep -q .; }

PG_BIN=$(find_pg_bin)
REDIS=$(command -v redis-server || true)
CHROMIUM=${TEST_CHROMIUM:-$(find_chromium)}
missing=()
[ -n "$PG_BIN" ] || missing+=(postgresql)
[ -n "$REDIS" ] || missing+=(redis-server)
[ -n "$CHROMIUM" ] || missing+=(chromium)
have_cjk_font || missing+=(fonts-wqy-microhei)
# The README's tour (TestReadmeTour) runs with curl and jq.
command -v curl >/dev/null || missing+=(curl)
command -v jq >/dev/null || missing+=(jq)
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
		log "installing ${missing[*]} with apt-get"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq >&2
		apt-get install -y -qq "${missing[@]}" >&2
		PG_BIN=$(find_pg_bin)
		REDIS=$(command -v redis-server || true)
		CHROMIUM=$(find_chromium)
	fi
	[ -n "$PG_BIN" ] && [ -n "$REDIS" ] && [ -n "$CHROMIUM" ] && command -v curl >/dev/null && command -v jq >/dev/null ||
		die "PostgreSQL, Redis, Chromium, curl and jq are needed; install them with:
    sudo apt-get install -y ${missing[*]}"
fi
export TEST_CHROMIUM="$CHROMIUM"

# free_port prints a TCP port on 127.0.0.1 that nothing listens on.
free_port() {
	local p
	for _ in $(seq 1 200); do
		p=$((20000 + RANDOM % 40000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return; fi
	done
	die "no free port found"
}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/dispatchd-testenv.XXXXXX")
PG_PID="" REDIS_PID="" CHILD=""
RUN_AS=()
if [ "$(id -u)" = 0 ]; then
	# initdb refuses to run as root.
	id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
	chown postgres "$TMP"
	RUN_AS=(runuser -u postgres --)
fi

cleanup() {
	local code=$?
	trap - EXIT INT TERM
	if [ -n "$CHILD" ]; then kill -TERM "$CHILD" 2>/dev/null || true; wait "$CHILD" 2>/dev/null || true; fi
	if [ -n "$PG_PID" ]; then
		# Under runuser, PG_PID is runuser's; the postmaster's own pid is the
		# first line of postmaster.pid. SIGINT is PostgreSQL's fast shutdown.
		if [ -f "$TMP/pg/postmaster.pid" ]; then
			PG_PID="$PG_PID $(head -1 "$TMP/pg/postmaster.pid")"
		fi
		for pid in $PG_PID; do kill -INT "$pid" 2>/dev/null || true; done
	fi
	if [ -n "$REDIS_PID" ]; then kill -TERM "$REDIS_PID" 2>/dev/null || true; fi
	for pid in $PG_PID $REDIS_PID; do
		for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null || true
	done
	rm -rf "$TMP"
	exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# PostgreSQL
"${RUN_AS[@]}" "$PG_BIN/initdb" -D "$TMP/pg" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$TMP/initdb.log" 2>&1 ||
	"${RUN_AS[@]}" "$PG_BIN/initdb" -D "$TMP/pg" -U postgres --auth=trust -E UTF8 --locale=C >"$TMP/initdb.log" 2>&1 ||
	{ cat "$TMP/initdb.log" >&2; die "initdb failed"; }
for attempt in 1 2 3; do
	PG_PORT=$(free_port)
	"${RUN_AS[@]}" "$PG_BIN/postgres" -D "$TMP/pg" -p "$PG_PORT" -k "$TMP" -c listen_addresses=127.0.0.1 \
		-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 \
		>"$TMP/pg.log" 2>&1 &
	PG_PID=$!
	for _ in $(seq 1 300); do
		if "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" 2>/dev/null; then break; fi
		kill -0 "$PG_PID" 2>/dev/null || break
		sleep 0.1
	done
	if "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; then break; fi
	kill "$PG_PID" 2>/dev/null || true
	wait "$PG_PID" 2>/dev/null || true
	PG_PID=""
	[ "$attempt" = 3 ] && { cat "$TMP/pg.log" >&2; die "PostgreSQL did not start"; }
done
"$PG_BIN/psql" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -c 'CREATE DATABASE dispatchd_test' >&2
log "postgres $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT (pid $PG_PID)"

# Redis
for attempt in 1 2 3; do
	REDIS_PORT=$(free_port)
	"$REDIS" --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --daemonize no \
		--dir "$TMP" --logfile "$TMP/redis.log" &
	REDIS_PID=$!
	ok=""
	for _ in $(seq 1 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$REDIS_PORT" && printf 'PING\r\n' >&3 && head -c 5 <&3 | grep -q PONG) 2>/dev/null; then
			ok=1
			break
		fi
		kill -0 "$REDIS_PID" 2>/dev/null || break
		sleep 0.1
	done
	[ -n "$ok" ] && break
	kill "$REDIS_PID" 2>/dev/null || true
	REDIS_PID=""
	[ "$attempt" = 3 ] && { cat "$TMP/redis.log" >&2; die "Redis did not start"; }
done
log "redis on 127.0.0.1:$REDIS_PORT (pid $REDIS_PID)"

export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/dispatchd_test?sslmode=disable"
export TEST_REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0"
# The fault tests start servers of their own from the same binaries, to stop
# and restart them.
export TEST_PG_BIN="$PG_BIN" TEST_REDIS_SERVER="$REDIS"
# Run the command in the background and wait, so that a signal to this
# script stops it and still cleans up at once.
set +e
"$@" &
CHILD=$!
wait "$CHILD"
code=$?
CHILD=""
set -e
exit "$code"
