#!/usr/bin/env bash
# scripts/demo.sh - the whole migration story on the sample domain, with
# real processes and real numbers:
#
#   servers up; the legacy monolith's data; the mappings checked; cdc turns
#   the binlog into events in the outbox; sync backfills and follows the new
#   read models; the monolith (baemin-legacy) and the new shop service
#   (baemin-shop) run behind the ficus router; a load generator places
#   orders, edits shops and reads them while shop detail moves legacy ->
#   shadow -> split 10 % -> 50 % -> new; the new service is killed and reads
#   fall back to legacy; verify finds no divergence; a divergence injected
#   into PostgreSQL is found and repaired by events.
#
# Usage: scripts/demo.sh [up|down]
#   up (default)  run the story; the processes keep running afterwards so
#                 that you can look around (bin/ficus status)
#   down          stop the demo's processes (not the sandbox's servers)
#
# Environment: DEMO_ROWS shops (default 2000); DEMO_FAST=1 short phases
# (the test in `make test` uses it); DEMO_PORT the first of four ports
# (default 18380: router, +1 admin API, +11 legacy, +12 shop service);
# DEMO_DIR the folder for its config, pids and logs (default .sandbox/demo).
# `make demo` runs it after installing packages and building; `make
# demo-down` stops the processes and the sandbox.
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${DEMO_ROWS:-2000}
FAST=${DEMO_FAST:-0}
PORT=${DEMO_PORT:-18380}
ADMIN_PORT=$((PORT + 1)) LEGACY_PORT=$((PORT + 11)) SHOP_PORT=$((PORT + 12))
FICUS=bin/ficus
DEMO=$(realpath -m "${DEMO_DIR:-.sandbox/demo}")
CFG=$DEMO/ficus.yaml

# --- processes -----------------------------------------------------------

# start NAME CMD...: runs CMD in the background, output in $DEMO/NAME.log
start() {
  local name=$1; shift
  "$@" >"$DEMO/$name.log" 2>&1 &
  echo $! >"$DEMO/$name.pid"
}
# stop NAME: TERM, then KILL after 5 s
stop() {
  local f=$DEMO/$1.pid pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f"); rm -f "$f"
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}
stop_all() { for n in load router shop legacy sync cdc; do stop "$n"; done; }

if [ "${1:-up}" = down ]; then
  stop_all
  echo "demo: processes stopped (the sandbox's servers still run: make sandbox-down)"
  exit 0
fi
[ "${1:-up}" = up ] || { echo "usage: $0 [up|down]" >&2; exit 2; }

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
fail() { echo "demo: FAILED: $*" >&2; echo "logs: $DEMO/*.log" >&2; exit 1; }
# wait_http NAME URL: until it answers (10 s), and it is our NAME that answers
wait_http() {
  for _ in $(seq 1 100); do
    kill -0 "$(cat "$DEMO/$1.pid")" 2>/dev/null || fail "$1 stopped: $(tail -n 3 "$DEMO/$1.log")"
    curl -fs -o /dev/null "$2" && return 0
    sleep 0.1
  done
  fail "$1 does not answer on $2 (log: $DEMO/$1.log)"
}
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pause() { sleep "$([ "$FAST" = 1 ] && echo "$2" || echo "$1")"; }
legacy_sql() { mariadb --no-defaults --default-character-set=utf8mb4 -h127.0.0.1 -P"$FICUS_MYSQL_PORT" -uroot baemin "$@"; }
target_sql() { psql -h 127.0.0.1 -p "$FICUS_PG_PORT" -U postgres services "$@"; }
# reads by side so far, from the load generator's last line
reads() { tail -n 1 "$DEMO/load.log" | sed -n 's/.*served by legacy \([0-9]*\), new \([0-9]*\).*/\1 \2/p'; }
# caught_up: cdc has read the whole binlog and sync has taken every event
caught_up() {
  for _ in $(seq 1 200); do
    cdc_lag=$($FICUS cdc status --config "$CFG" 2>/dev/null | awk '/^lag/ {print $2}')
    sync_lag=$($FICUS sync status --config "$CFG" 2>/dev/null | awk '/^lag/ {print $2}')
    [ "$cdc_lag" = "0" ] && [ "$sync_lag" = "0" ] && return 0
    sleep 0.1
  done
  fail "cdc and sync did not catch up (cdc lag $cdc_lag bytes, sync lag $sync_lag events)"
}

T0=$(date +%s)
mkdir -p "$DEMO"
stop_all   # an earlier demo's processes

for p in $PORT $ADMIN_PORT $LEGACY_PORT $SHOP_PORT; do
  port_busy "$p" && fail "port $p is in use by another program (the demo uses DEMO_PORT=$PORT, +1, +11, +12: set another DEMO_PORT)"
done

step "1. Real servers on loopback (MariaDB with binlog, PostgreSQL 15, NATS JetStream)"
FICUS_SKIP_DEPS=1 bash scripts/sandbox.sh up
# shellcheck disable=SC1091
. .sandbox/env
head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$DEMO/admin.token"
chmod 600 "$DEMO/admin.token"
# the sandbox's config plus the router in front of the two services
{ sed '/^mappings:/d' .sandbox/ficus.yaml
  cat <<YAML
mappings: $(pwd)/mappings
router:
  listen: 127.0.0.1:$PORT
  workers: 2
  admin: { listen: "127.0.0.1:$ADMIN_PORT", token_file: $DEMO/admin.token }
  upstreams:
    legacy: { url: "http://127.0.0.1:$LEGACY_PORT" }
    shop:   { url: "http://127.0.0.1:$SHOP_PORT" }
  default: legacy
  routes:
    - name: shop-detail
      match: { method: GET, path: '^/shops/(?<shop_id>[0-9]+)\$' }
      legacy: legacy
      new: shop
      mode: legacy
      sticky: { capture: shop_id }
      shadow: { ignore: [served_at] }
      timeout_ms: 1000
    - name: shop-list
      match: { method: GET, path: '^/shops\$' }
      legacy: legacy
      new: shop
      mode: legacy
YAML
} >"$CFG"

step "2. The legacy monolith 'baemin' (MariaDB) and the new services' schemas (PostgreSQL)"
# The sandbox's baemin and services are the sample's own: reset from
# scratch, whatever earlier runs left there, hence --force.
$FICUS sample init --config "$CFG" --force
target_sql -q -c "DROP SCHEMA IF EXISTS ficus CASCADE" 2>/dev/null

step "3. A day of legacy data: $ROWS shops with menus, orders and reviews"
$FICUS sample load --config "$CFG" --rows "$ROWS" --force
echo "one wide legacy row (shop data and ad data mixed in one table):"
legacy_sql -E -e "SELECT shop_id, shop_name, tel_no, cat_cd, open_dt, open_yn, ad_grade FROM shop ORDER BY shop_id LIMIT 1"

step "4. The mappings (mappings/*.yaml), checked against both live schemas"
$FICUS config check --config "$CFG"
$FICUS mappings check --config "$CFG" | tail -n 3

step "5. Change data capture: the binlog becomes zero-payload events in the outbox"
start cdc $FICUS cdc stream --config "$CFG"
sleep 0.5
kill -0 "$(cat $DEMO/cdc.pid)" 2>/dev/null || fail "cdc stream stopped: $(cat $DEMO/cdc.log)"
echo "ficus cdc stream runs (log: $DEMO/cdc.log)"

step "6. Backfill: the new read models get every current row"
t=$(date +%s%N)
$FICUS sync --backfill --config "$CFG" | tail -n 1
echo "backfill took $(( ($(date +%s%N) - t) / 1000000 )) ms"
start sync $FICUS sync --config "$CFG"
echo "ficus sync follows the outbox (log: $DEMO/sync.log)"

step "7. The monolith and the new shop service, behind the ficus router"
start legacy bin/baemin-legacy --config "$CFG" --listen "127.0.0.1:$LEGACY_PORT"
start shop bin/baemin-shop --config "$CFG" --listen "127.0.0.1:$SHOP_PORT"
wait_http legacy "http://127.0.0.1:$LEGACY_PORT/health"
wait_http shop "http://127.0.0.1:$SHOP_PORT/health"
start router $FICUS route serve --config "$CFG"
wait_http router "http://127.0.0.1:$PORT/shops/1"
echo "legacy monolith  http://127.0.0.1:$LEGACY_PORT   (MariaDB)"
echo "new shop service http://127.0.0.1:$SHOP_PORT   (PostgreSQL read model)"
echo "router           http://127.0.0.1:$PORT   admin http://127.0.0.1:$ADMIN_PORT"
echo "the same shop from both (GET /shops/7):"
curl -s "http://127.0.0.1:$LEGACY_PORT/shops/7"; echo
curl -s "http://127.0.0.1:$SHOP_PORT/shops/7"; echo

step "8. Customers and shop owners arrive: orders, shop edits and shop reads through the router"
# Edits go to shops 1-100 and reads to the others: a read of a shop edited
# a few milliseconds earlier would differ only by replication lag, which
# shadow mode would count as a difference; verify (step 11) covers those.
start load bin/baemin-load --target "127.0.0.1:$PORT" --seconds 600 --rate 200 \
  --read-ids "101-$ROWS" --edit-ids 1-100 --stats "$DEMO/load.json"
pause 3 2
tail -n 1 "$DEMO/load.log"

phase() {  # phase NAME SECONDS FAST_SECONDS: run, then show which side served the shop reads
  local before after
  before=$(reads)
  pause "$2" "$3"
  after=$(reads)
  set -- "$1" $before $after
  local l=$(( $4 - $2 )) n=$(( $5 - $3 ))
  printf '%-10s %5d shop reads: %5d by legacy, %5d by new (%3d %% new); load errors so far: %s\n' \
    "$1:" "$(( l + n ))" "$l" "$n" "$(( (l + n) ? 100 * n / (l + n) : 0 ))" \
    "$(tail -n 1 "$DEMO/load.log" | sed -n 's/.*errors \([0-9]*\).*/\1/p')"
}

step "9. Shop detail moves: legacy -> shadow -> split 10 % -> split 50 % -> new"
$FICUS route mode shop-detail shadow --config "$CFG"
phase shadow 8 4
$FICUS route status --config "$CFG"
diffs=$($FICUS status --json --config "$CFG" | tr ',' '\n' | sed -n 's/.*"shadow_diffs":\([0-9]*\).*/\1/p' | head -n 1)
echo "shadow differences: ${diffs:-?}"
[ "${diffs:-1}" = 0 ] || echo "(differences are in $DEMO/router.log's shadow file; see docs/router.md)"
$FICUS route shift shop-detail 10% --config "$CFG"
phase "split 10%" 5 3
$FICUS route shift shop-detail 50% --config "$CFG"
phase "split 50%" 5 3
$FICUS route mode shop-detail new --config "$CFG"
phase new 5 3

step "10. The new shop service fails: shop reads fall back to legacy, orders go on"
stop shop
echo "baemin-shop killed"
phase fallback 6 4
$FICUS route status --config "$CFG"
stop load
echo
echo "the load generator's summary (errors = 5xx answers or failed requests):"
grep -A 5 '^kind' "$DEMO/load.log" || true
order_errors=$(sed -n 's/.*"order":{[^}]*"5xx":\([0-9]*\),"failed":\([0-9]*\).*/\1 \2/p' "$DEMO/load.json")
set -- $order_errors
echo "order placement errors: $(( $1 + $2 ))"
start shop bin/baemin-shop --config "$CFG" --listen "127.0.0.1:$SHOP_PORT"

step "11. Verify: legacy and new agree, value by value"
caught_up
$FICUS verify --config "$CFG" || fail "verify found divergence after the pipeline caught up"

step "12. A divergence in PostgreSQL, found and repaired by events"
target_sql -q -c "DELETE FROM shop.shops WHERE id = 201;
  UPDATE shop.shops SET name = name || ' (typo)' WHERE id = 202;
  INSERT INTO shop.shops (id, name) VALUES (999999, 'ghost shop')"
echo "injected: shop 201 deleted, shop 202 renamed, shop 999999 added (in the new store only)"
set +e
$FICUS verify shop --config "$CFG"; rc=$?
set -e
[ "$rc" = 1 ] || fail "verify should have found 3 differences (exit $rc)"
$FICUS verify shop --repair --config "$CFG" >/dev/null || true
echo "verify --repair re-issued events for the divergent keys; sync fetches them again"
caught_up
$FICUS verify shop --config "$CFG" || fail "the divergence was not repaired"

step "13. The operator's screen"
$FICUS status --config "$CFG" || true

step "Done in $(( $(date +%s) - T0 )) s. Look around"
CFG=$(realpath --relative-to=. "$CFG") DEMO=$(realpath --relative-to=. "$DEMO")
cat <<TXT
Everything keeps running:
  bin/ficus status --config $CFG              # cdc, bus, sync, routes, verify
  bin/ficus route status --config $CFG        # routes, weights, counters
  bin/ficus route shift shop-detail 25% --config $CFG
  curl -H "Authorization: Bearer \$(cat $DEMO/admin.token)" http://127.0.0.1:$ADMIN_PORT/metrics
  curl http://127.0.0.1:$PORT/shops/42                  # through the router
  bin/ficus verify --config $CFG
  logs: $DEMO/{cdc,sync,router,legacy,shop,load}.log
  . .sandbox/env; mariadb --no-defaults -h127.0.0.1 -P\$FICUS_MYSQL_PORT -uroot baemin
                  psql -h 127.0.0.1 -p \$FICUS_PG_PORT -U postgres services
\`make demo-down\` stops the demo's processes and the servers.
TXT
