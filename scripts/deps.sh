#!/usr/bin/env bash
# scripts/deps.sh — install the Debian 12 packages ficus needs, only when missing.
#
# Usage: scripts/deps.sh
#
# * Checks every package in FICUS_DEPS with dpkg-query; when all are present it
#   prints one line and exits 0 (no network, no apt).
# * When some are missing it runs `apt-get update` and
#   `apt-get install -y --no-install-recommends <missing>` — directly as root,
#   through sudo for a normal user, or (no sudo) it lists the missing packages
#   and exits 1.
# * Installing mariadb-server / postgresql-15 may start the distribution's
#   system services; that is harmless, the sandbox (scripts/sandbox.sh) never
#   uses them: it runs its own servers on its own ports and data dirs.
# * Afterwards it checks that the server binaries the sandbox needs exist.
#
# Only apt is used: nothing is downloaded any other way.
set -euo pipefail

# The packages, one place, easy to extend.
FICUS_DEPS="build-essential pkg-config clang libmariadb-dev libpq-dev libyaml-dev
libpcre2-dev libnats-dev libhttp-parser-dev libisal-dev libjansson-dev zlib1g-dev mariadb-server
mariadb-client postgresql-15 postgresql-client-15 nats-server curl procps nginx-light"

PG_BIN=/usr/lib/postgresql/15/bin
# mariadbd lives in /usr/sbin, which is not in a normal user's PATH on Debian.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

say() { echo "deps: $*"; }
die() { echo "deps: error: $*" >&2; exit 1; }

command -v dpkg-query >/dev/null 2>&1 || die "dpkg-query not found: this script is for Debian 12"

missing=()
total=0
for pkg in $FICUS_DEPS; do
    total=$((total + 1))
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
    [ "$status" = "install ok installed" ] || missing+=("$pkg")
done

if [ "${#missing[@]}" -gt 0 ]; then
    say "missing ${#missing[@]} of $total packages: ${missing[*]}"
    if [ "$(id -u)" -eq 0 ]; then
        SUDO=()
    elif command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo)
    else
        die "not root and no sudo: install them yourself: apt-get install ${missing[*]}"
    fi
    "${SUDO[@]}" apt-get update
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y --no-install-recommends "${missing[@]}"
fi

# The binaries scripts/sandbox.sh relies on.
bad=()
for tool in mariadbd mariadb-install-db mariadb-admin mariadb nats-server curl; do
    command -v "$tool" >/dev/null 2>&1 || bad+=("$tool")
done
for tool in initdb pg_ctl pg_isready psql createdb; do
    [ -x "$PG_BIN/$tool" ] || bad+=("$PG_BIN/$tool")
done
[ "${#bad[@]}" -eq 0 ] || die "packages installed but these are missing: ${bad[*]}"

if [ "${#missing[@]}" -gt 0 ]; then
    say "installed ${missing[*]}; all $total packages present"
else
    say "all $total packages present"
fi
