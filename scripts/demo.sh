#!/usr/bin/env bash
# scripts/demo.sh - the migration story on the sample domain, as far as ficus
# has come: servers up, the legacy monolith's data loaded, the mappings to
# the new services checked against both live schemas. `make demo` runs it
# after installing packages and building; DEMO_ROWS sets the number of shops.
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

step "What comes next"
cat <<'TXT'
The sandbox keeps running. Look around:
  . .sandbox/env
  mariadb --no-defaults -h127.0.0.1 -P$FICUS_MYSQL_PORT -uroot baemin     # the legacy monolith
  psql -h 127.0.0.1 -p $FICUS_PG_PORT -U postgres services               # the new read models (empty)
  bin/ficus --help
Next in the story (later issues): ficus cdc turns the binlog into
zero-payload events in an outbox, ficus sync fills the new read models,
the router moves /shops traffic legacy -> shadow -> split -> new, and
ficus verify proves old and new agree.
`make demo-down` stops the servers.
TXT
