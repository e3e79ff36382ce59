#!/usr/bin/env bash
# scripts/demo.sh - the migration story on the sample domain, as far as ficus
# has come: servers up, the legacy monolith's data loaded, the mappings to
# the new services checked against both live schemas, then the data move:
# the binlog becomes domain events in the outbox, sync backfills and follows
# the new read models while the monolith keeps changing, and the new store
# ends equal to the old one. `make demo` runs it after installing packages
# and building; DEMO_ROWS sets the number of shops.
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${DEMO_ROWS:-2000}
FICUS=bin/ficus
CFG=.sandbox/ficus.yaml

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. Real servers on loopback (MariaDB with binlog, PostgreSQL 15, NATS JetStream)"
FICUS_SKIP_DEPS=1 bash scripts/sandbox.sh up
# shellcheck disable=SC1091
. .sandbox/env

step "2. The legacy monolith 'baemin' (MariaDB) and the new services' schemas (PostgreSQL)"
# The sandbox's baemin and services are the sample's own (scripts/sandbox.sh
# makes them for it): the demo resets them from scratch, whatever earlier
# runs left there, hence --force.
$FICUS sample init --config "$CFG" --force
# and the outbox, checkpoints and positions of an earlier demo
psql -h 127.0.0.1 -p "$FICUS_PG_PORT" -U postgres services -q -c "DROP SCHEMA IF EXISTS ficus CASCADE" 2>/dev/null

step "3. A day of legacy data: $ROWS shops with menus, orders and reviews"
$FICUS sample load --config "$CFG" --rows "$ROWS" --force
mariadb --no-defaults -h127.0.0.1 -P"$FICUS_MYSQL_PORT" -uroot baemin -t -e "
  SELECT 'shop' AS legacy_table, COUNT(*) AS \`rows\` FROM shop UNION ALL
  SELECT 'menu', COUNT(*) FROM menu UNION ALL
  SELECT 'orders', COUNT(*) FROM orders UNION ALL
  SELECT 'order_item', COUNT(*) FROM order_item UNION ALL
  SELECT 'review', COUNT(*) FROM review"
echo "one wide legacy row (shop data and ad data mixed in one table):"
mariadb --no-defaults -h127.0.0.1 -P"$FICUS_MYSQL_PORT" -uroot baemin -E -e \
  "SELECT shop_id, shop_name, tel_no, cat_cd, shop_type, rating, open_dt, open_yn, legacy_memo, ad_grade, ad_until FROM shop ORDER BY shop_id LIMIT 1"

step "4. The mappings (mappings/*.yaml): legacy tables -> entities, events, target tables"
$FICUS config check --config "$CFG"

step "5. Each mapping checked against both live schemas"
$FICUS mappings check --config "$CFG"

DEMO=.sandbox/demo
mkdir -p "$DEMO"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

step "6. Change data capture: the binlog becomes zero-payload events in the outbox"
$FICUS cdc stream --config "$CFG" > "$DEMO/cdc.log" 2>&1 &
PIDS+=($!)
sleep 1
echo "ficus cdc stream runs (log: $DEMO/cdc.log): $(head -1 "$DEMO/cdc.log")"

step "7. Backfill: the new read models get every current row"
$FICUS sync --backfill --config "$CFG"

step "8. Sync follows the outbox; the monolith keeps working"
$FICUS sync --config "$CFG" > "$DEMO/sync.log" 2>&1 &
PIDS+=($!)
mariadb --no-defaults --default-character-set=utf8mb4 -h127.0.0.1 -P"$FICUS_MYSQL_PORT" -uroot baemin -e "
  UPDATE shop SET shop_name = CONCAT(shop_name, ' 2호점') WHERE shop_id <= 100;
  UPDATE shop SET ad_grade = 'premium', ad_until = '2027-01-01 00:00:00' WHERE shop_id BETWEEN 101 AND 150;
  UPDATE shop SET tel_no = '  02-000-0000  ' WHERE shop_id BETWEEN 151 AND 160;
  UPDATE shop SET shop_id = shop_id + 100000 WHERE shop_id BETWEEN 161 AND 165;
  INSERT INTO orders (order_id, shop_id, member_no, order_stat, total_amt, order_dt, dlvr_addr, req_memo)
    SELECT 900000 + seq, 1 + seq % 100, 5000 + seq, 'placed', 15000, NOW(3), '서울시 강남구 테헤란로 1', NULL
    FROM seq_1_to_300;
  DELETE FROM review WHERE review_id <= 50;"
echo "the monolith changed: 100 shop names, 50 ad grades, 10 phone numbers, 5 shop ids, 300 new orders, 50 reviews deleted"
# caught up: cdc has read the whole binlog and sync has taken every event
for _ in $(seq 1 120); do
  cdc_lag=$($FICUS cdc status --config "$CFG" 2>/dev/null | awk '/^lag/ {print $2}')
  sync_lag=$($FICUS sync status --config "$CFG" 2>/dev/null | awk '/^lag/ {print $2}')
  [ "$cdc_lag" = "0" ] && [ "$sync_lag" = "0" ] && break
  sleep 0.5
done
$FICUS cdc status --config "$CFG"
$FICUS sync status --config "$CFG"
psql -h 127.0.0.1 -p "$FICUS_PG_PORT" -U postgres services -q -c "
  SELECT topic, op, count(*) AS events FROM ficus.outbox GROUP BY 1, 2 ORDER BY 1, 2"

step "9. Old and new agree (row counts per table)"
legacy() { mariadb --no-defaults -h127.0.0.1 -P"$FICUS_MYSQL_PORT" -uroot baemin -N -e "$1"; }
target() { psql -h 127.0.0.1 -p "$FICUS_PG_PORT" -U postgres services -tA -c "$1"; }
printf '%-22s %8s %8s\n' table legacy new
for pair in "shop:shop.shops" "shop:ad.shop_ads" "menu:shop.menus" "review:shop.reviews" \
            "orders:ordering.orders" "order_item:ordering.order_items"; do
  l=$(legacy "SELECT COUNT(*) FROM ${pair%%:*}"); t=$(target "SELECT count(*) FROM ${pair##*:}")
  printf '%-22s %8s %8s %s\n' "${pair##*:}" "$l" "$t" "$([ "$l" = "$t" ] && echo ok || echo DIFFERENT)"
done
echo "one shop, old and new:"
legacy "SELECT shop_id, shop_name, tel_no, cat_cd, open_dt, open_yn FROM shop WHERE shop_id = 151"
target "SELECT id, name, phone, category, opened_at, is_open FROM shop.shops WHERE id = 151"
cleanup
PIDS=()

step "What comes next"
cat <<'TXT'
The sandbox keeps running. Look around:
  . .sandbox/env
  mariadb --no-defaults -h127.0.0.1 -P$FICUS_MYSQL_PORT -uroot baemin     # the legacy monolith
  psql -h 127.0.0.1 -p $FICUS_PG_PORT -U postgres services               # the new read models
  bin/ficus cdc stream --all-tables --config .sandbox/ficus.yaml        # watch every change (Ctrl-C)
  bin/ficus cdc stream --config .sandbox/ficus.yaml &                   # events into the outbox
  bin/ficus sync --config .sandbox/ficus.yaml                           # read models follow
  bin/ficus cdc status --config .sandbox/ficus.yaml; bin/ficus sync status --config .sandbox/ficus.yaml
Also here: NATS JetStream as the bus (docs/nats.md) and a first router
(bin/ficus route serve, docs/router.md). Next in the story: the router
moves /shops traffic legacy -> shadow -> split -> new in the demo, and
ficus verify proves old and new agree value by value.
`make demo-down` stops the servers.
TXT
