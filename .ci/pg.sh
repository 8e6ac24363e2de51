#!/usr/bin/env bash
# pg.sh starts and stops a throwaway PostgreSQL server on loopback, for the
# tests of retry/retrypg. CI (.ci/run) and `make pg` use it alike.
#
#   bash .ci/pg.sh start        # prints the lines to eval: REFLEXIO_PG_URL, REFLEXIO_PG_DIR
#   bash .ci/pg.sh stop [DIR]   # stops the server of DIR (default $REFLEXIO_PG_DIR) and deletes it
#
# start installs Debian's postgresql package if no server is installed (as
# root), makes a new cluster in a temporary directory, starts it on
# 127.0.0.1 on a free port, waits until it is ready and creates the
# database "reflexio". The cluster trusts every connection from loopback and
# keeps nothing safe on disk (fsync off): it is for tests only. Run as root,
# as CI does, the server runs as the user postgres, since PostgreSQL refuses
# to run as root. It prints nothing else on success; on failure it prints
# the logs.
set -euo pipefail

die() {
	echo "pg.sh: $*" >&2
	exit 1
}

# bindir prints the directory of the newest PostgreSQL server installed.
bindir() {
	local dirs
	dirs=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V) || true
	[ -n "$dirs" ] && echo "${dirs##*$'\n'}"
}

install() {
	if [ -n "$(bindir)" ] && [ -x "$(bindir)/initdb" ]; then
		return
	fi
	[ "$(id -u)" = 0 ] || die "PostgreSQL is not installed: run apt-get install postgresql as root"
	local log
	log=$(mktemp)
	if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql; } >"$log" 2>&1; then
		cat "$log" >&2
		die "could not install postgresql"
	fi
	rm -f "$log"
	[ -n "$(bindir)" ] || die "postgresql is installed, but no server is under /usr/lib/postgresql"
}

# as_owner runs its arguments as the server's owner: postgres when run as
# root, the caller otherwise.
as_owner() {
	if [ "$(id -u)" != 0 ]; then
		"$@"
	elif command -v runuser >/dev/null; then
		runuser -u postgres -- "$@"
	else
		su postgres -s /bin/sh -c 'exec "$0" "$@"' -- "$@"
	fi
}

# free_port prints a port of 127.0.0.1 on which nothing listens now.
free_port() {
	local port
	for _ in $(seq 100); do
		port=$((20000 + RANDOM % 30000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return
		fi
	done
	die "no free port found on 127.0.0.1"
}

# fail prints the logs of the server in $1 and stops it.
fail() {
	local dir=$1
	shift
	for f in "$dir"/*.log; do
		[ -f "$f" ] && { echo "== $f" >&2; cat "$f" >&2; }
	done
	stop "$dir" || true
	die "$@"
}

start() {
	install
	local bin dir port ok=
	bin=$(bindir)
	if [ "$(id -u)" = 0 ]; then
		id postgres >/dev/null 2>&1 || die "no user postgres to run the server as"
		dir=$(mktemp -d /tmp/reflexio-pg.XXXXXX)
		chown postgres: "$dir"
	else
		dir=$(mktemp -d "${TMPDIR:-/tmp}/reflexio-pg.XXXXXX")
	fi
	cd "$dir" # a directory the owner can read, for initdb and pg_ctl
	as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust --no-sync \
		--encoding=UTF8 --locale=C >"$dir/initdb.log" 2>&1 ||
		fail "$dir" "initdb failed"
	# A port may be taken between free_port and the server's start: try
	# another then.
	for _ in 1 2 3; do
		port=$(free_port)
		if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
			-o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c deadlock_timeout=100ms" \
			start >"$dir/pg_ctl.log" 2>&1; then
			ok=1
			break
		fi
	done
	[ -n "$ok" ] || fail "$dir" "the server did not start"
	for _ in $(seq 60); do
		"$bin/pg_isready" -q -h 127.0.0.1 -p "$port" && break
		sleep 0.5
	done
	"$bin/pg_isready" -q -h 127.0.0.1 -p "$port" || fail "$dir" "the server is not ready"
	"$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres reflexio >"$dir/createdb.log" 2>&1 ||
		fail "$dir" "createdb failed"
	echo "export REFLEXIO_PG_URL='postgres://postgres@127.0.0.1:$port/reflexio?sslmode=disable'"
	echo "export REFLEXIO_PG_DIR='$dir'"
	echo "# stop it with: bash .ci/pg.sh stop '$dir'"
}

stop() {
	local dir=${1:-${REFLEXIO_PG_DIR:-}}
	[ -n "$dir" ] || die "stop: which server? Pass its directory, or set REFLEXIO_PG_DIR"
	case "$dir" in
	*/reflexio-pg.*) ;;
	*) die "stop: $dir is not a directory that pg.sh made" ;;
	esac
	[ -d "$dir" ] || return 0
	local bin
	bin=$(bindir)
	if [ -n "$bin" ] && [ -f "$dir/data/postmaster.pid" ]; then
		(cd "$dir" && as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop) >/dev/null 2>&1 || true
	fi
	rm -rf "$dir"
}

case "${1:-}" in
start) start ;;
stop) stop "${2:-}" ;;
*) die "usage: pg.sh start | pg.sh stop [DIR]" ;;
esac
