# Sourced by .ci/run: PostgreSQL for the tests.
#
# pg_install installs Debian's postgresql package when no server binaries
# are found: that is all .ci/run needs, since the tests that want a server
# start one of their own from those binaries (storage/postgres/pgtest) and
# stop it when they end.
#
# pg_start (for running the tests by hand against one server, or for a
# load run) installs the same way, then creates a cluster in a temporary directory (trust authentication,
# listening only on a unix socket inside that directory, so it needs no free
# port and nothing else can reach it), starts it, and exports
# TANDEM_TEST_PG_DSN, which the tests then use instead of starting their
# own. pg_stop stops the cluster and removes the directory. PostgreSQL refuses to run as root, so as root the cluster belongs to
# the postgres user the package created.

pg_bindir() {
	ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

pg_install() {
	if [ -z "$(pg_bindir)" ]; then
		step "installing PostgreSQL from Debian's packages"
		local sudo=""
		[ "$(id -u)" -eq 0 ] || sudo="sudo"
		$sudo apt-get update -qq
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
	fi
	if [ -z "$(pg_bindir)" ]; then
		echo "ci: PostgreSQL did not install (no /usr/lib/postgresql/*/bin)" >&2
		return 1
	fi
}

pg_start() {
	pg_install || return 1
	local bin
	bin="$(pg_bindir)"
	PG_DIR="$(mktemp -d /tmp/tandem-pg.XXXXXX)"
	local as=()
	if [ "$(id -u)" -eq 0 ]; then
		chown postgres "$PG_DIR"
		as=(runuser -u postgres --)
	fi
	PG_AS=("${as[@]}")
	PG_BIN="$bin"
	step "starting PostgreSQL ($("$bin/postgres" --version)) in $PG_DIR"
	"${as[@]}" "$bin/initdb" -D "$PG_DIR/data" -A trust -U tandem -E UTF8 --locale=C.UTF-8 >/dev/null
	# fsync stays on: the tests measure nothing, but a store test must not
	# pass only because the server skipped what a real one does.
	"${as[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
		-o "-c listen_addresses='' -c unix_socket_directories='$PG_DIR' -c max_connections=200" start >/dev/null
	export TANDEM_TEST_PG_DSN="host=$PG_DIR user=tandem dbname=postgres sslmode=disable"
}

pg_stop() {
	if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ]; then
		"${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null || true
		rm -rf "$PG_DIR"
	fi
}
