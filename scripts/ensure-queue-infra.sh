#!/usr/bin/env bash
# Installs what n8n's queue mode needs for the queue e2e test and `npm start -- --queue`:
# Redis and PostgreSQL 15 from Debian's packages. Idempotent: does nothing when both are there.
# Servers are NOT started here (and the Debian services are not enabled): the harness starts its own
# on free loopback ports with data under .queue-data/ (test/e2e/support/queue.ts).
set -euo pipefail

have_redis() { command -v redis-server >/dev/null 2>&1; }
pg_bin() {
	for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
	done
	return 1
}

if have_redis && pg_bin >/dev/null; then
	[ "${1:-}" = "--quiet" ] || echo "queue infra: redis-server $(redis-server --version | sed -E 's/.* v=([^ ]+).*/\1/'), PostgreSQL in $(pg_bin)"
	exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
	echo "queue infra: Redis and PostgreSQL 15 are missing and there is no apt-get here; install them by hand" >&2
	exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null 2>&1 || { echo "queue infra: need root (or sudo) to install Redis and PostgreSQL" >&2; exit 1; }
	SUDO="sudo"
fi

started=$(date +%s)
pkgs=()
have_redis || pkgs+=(redis-server)
pg_bin >/dev/null || pkgs+=(postgresql-15)
echo "queue infra: installing ${pkgs[*]} from Debian's packages..."
# Keep the packages' own services from starting (no init system here anyway, and the harness runs its own).
policy_created=""
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
	$SUDO chmod +x /usr/sbin/policy-rc.d
	policy_created=1
fi
cleanup() { [ -n "$policy_created" ] && $SUDO rm -f /usr/sbin/policy-rc.d; true; }
trap cleanup EXIT
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || $SUDO apt-get update
$SUDO apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
have_redis || { echo "queue infra: redis-server still missing after install" >&2; exit 1; }
pg_bin >/dev/null || { echo "queue infra: PostgreSQL's initdb still missing after install" >&2; exit 1; }
echo "queue infra: installed ${pkgs[*]} in $(( $(date +%s) - started )) s"
