#!/usr/bin/env bash
# scripts/bench-verify.sh - `make bench-verify`: ficus verify on the sample
# domain, next to a plain full scan of both sides. A benchmark, not a test:
# it prints times, rows/s, peak memory and ratios and exits 0 whatever the
# speeds are (it fails only when it cannot run: no build, no sandbox, a
# broken step, or verify answering wrongly).
#
# What it does (bench/verify/README.md says how to read the result):
#   0. builds bin/ficus, starts or reuses the sandbox; creates the PostgreSQL
#      database bench_verify and a config for it (legacy: the sandbox's
#      baemin, DROPPED and reloaded; no cdc section: no pipeline to wait for);
#   1. `ficus sample init` + `ficus sample load --rows BENCH_SHOPS` (~12 legacy
#      rows a shop), `ficus sync --backfill`: both sides identical;
#   2. full scan: the mapped columns of every entity streamed from MariaDB
#      (`mariadb --quick`, one SELECT per entity) and, at the same time,
#      from PostgreSQL (`psql -c "COPY (SELECT ...) TO STDOUT"`), both to
#      /dev/null; the wall time of the two together;
#   3. `ficus verify` on the identical data (must exit 0), under
#      /usr/bin/time -v for the peak RSS;
#   4. 100 differences scattered over four read models (25 changed prices,
#      25 deleted reviews, 25 changed quantities, 25 changed memos), then
#      `ficus verify` again (must exit 1 with 100 differences);
#   5. prints a table, writes build/bench/verify.json, drops bench_verify.
#
# Environment:
#   BENCH_SHOPS=85000    sample size (ficus sample load --rows): ~1M legacy rows
#   BENCH_REPEAT=3       runs of each timed step; the best is kept
#   BENCH_KEEP=1         keep the temp folder and the bench database
#   BENCH_OUT=FILE       the JSON result (default build/bench/verify.json)
#   VERIFY_ARGS="..."    extra options for ficus verify (--segment-rows N ...)
set -euo pipefail
umask 022

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/.." && pwd)
cd "$REPO"

SHOPS=${BENCH_SHOPS:-85000}
REPEAT=${BENCH_REPEAT:-3}
KEEP=${BENCH_KEEP:-0}
OUT_JSON=${BENCH_OUT:-$REPO/build/bench/verify.json}
VERIFY_ARGS=${VERIFY_ARGS:-}
PGDB=bench_verify

say() { echo "bench-verify: $*"; }
die() { echo "bench-verify: error: $*" >&2; exit 1; }

for v in SHOPS REPEAT; do
    [[ "${!v}" =~ ^[0-9]+$ ]] && [ "${!v}" -ge 1 ] || die "BENCH_$v must be a number >= 1, not '${!v}'"
done

say "building bin/ficus"
${MAKE:-make} --no-print-directory -C "$REPO" bin/ficus >/dev/null || die "make failed"
FICUS=$REPO/bin/ficus

FICUS_SKIP_DEPS=1 bash scripts/sandbox.sh up
# shellcheck disable=SC1091
. .sandbox/env
for t in mariadb psql awk /usr/bin/time; do command -v "$t" >/dev/null 2>&1 || die "$t not found"; done

my()  { mariadb --no-defaults --protocol=TCP -h127.0.0.1 -P"$FICUS_MYSQL_PORT" -uroot --batch --skip-column-names "$@"; }
pgq() { local db=$1; shift; psql -X -q -h 127.0.0.1 -p "$FICUS_PG_PORT" -U postgres -v ON_ERROR_STOP=1 -At "$db" "$@"; }
now() { echo "$EPOCHREALTIME"; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b < a) ? b : a }'; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ficus-bench-verify.XXXXXX")
cleanup() {
    local rc=$?
    if [ "$KEEP" = 1 ]; then
        say "kept $WORK and database $PGDB (BENCH_KEEP=1)"
    else
        pgq postgres -c "DROP DATABASE IF EXISTS $PGDB" >/dev/null 2>&1 || say "could not drop database $PGDB"
        rm -rf "$WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pgq postgres -c "DROP DATABASE IF EXISTS $PGDB" -c "CREATE DATABASE $PGDB" >/dev/null 2>&1 ||
    die "cannot create database $PGDB"
CFG=$WORK/ficus.yaml
cat > "$CFG" <<EOF
connections:
  legacy: { kind: mysql,    dsn: "mysql://root@127.0.0.1:$FICUS_MYSQL_PORT/baemin" }
  newdb:  { kind: postgres, dsn: "postgresql://postgres@127.0.0.1:$FICUS_PG_PORT/$PGDB" }
mappings: $REPO/mappings
sync: { source: legacy, target: newdb, bus: outbox }
EOF

# ------------------------------------------------------------- 1. data --

say "loading the sample: $SHOPS shops (baemin is dropped and re-created)"
"$FICUS" sample init --config "$CFG" >/dev/null
"$FICUS" sample load --config "$CFG" --rows "$SHOPS" --force >/dev/null
"$FICUS" sync --backfill --jobs 2 --config "$CFG" >/dev/null
my -e "ANALYZE TABLE baemin.shop, baemin.menu, baemin.orders, baemin.order_item, baemin.review" >/dev/null
pgq "$PGDB" -c "VACUUM ANALYZE" >/dev/null

# -------------------------------------------------------- 2. full scan --

# The mapped columns of each entity (mappings/*.yaml), legacy | target.
SCANS=(
  "baemin.shop|shop_id, ad_grade, ad_until, ad_budget|ad.shop_ads|shop_id, grade, until, budget"
  "baemin.shop|shop_id, shop_name, owner_nm, tel_no, addr, addr_dtl, cat_cd, shop_type, rating, review_cnt, min_order_amt, delivery_tip, open_dt, open_yn, legacy_memo|shop.shops|id, name, owner, phone, address, address_detail, category, kind, rating, review_count, min_order, delivery_tip, opened_at, is_open, memo"
  "baemin.menu|menu_id, shop_id, menu_nm, price, sold_out_yn, sort_no, menu_desc, upd_dt|shop.menus|id, shop_id, name, price, sold_out, sort_no, description, updated_at"
  "baemin.review|review_id, shop_id, order_id, member_no, star, content, photo_yn, reg_dt, upd_dt|shop.reviews|id, shop_id, order_id, member_no, stars, content, has_photo, created_at, updated_at"
  "baemin.orders|order_id, shop_id, member_no, order_stat, total_amt, order_dt, dlvr_addr, req_memo, upd_dt|ordering.orders|id, shop_id, member_no, status, total, ordered_at, address, memo, updated_at"
  "baemin.order_item|order_id, line_no, menu_id, qty, unit_price, opt_txt, upd_dt|ordering.order_items|order_id, line_no, menu_id, qty, unit_price, options, updated_at"
)
scan_mysql() {
    local s IFS='|' lt lc tt tc
    for s in "${SCANS[@]}"; do
        read -r lt lc tt tc <<< "$s"
        my --quick -e "SELECT $lc FROM $lt" > /dev/null
    done
}
scan_pg() {
    local s IFS='|' lt lc tt tc
    for s in "${SCANS[@]}"; do
        read -r lt lc tt tc <<< "$s"
        pgq "$PGDB" -c "COPY (SELECT $tc FROM $tt) TO STDOUT" > /dev/null
    done
}

SCAN=""
for _ in $(seq "$REPEAT"); do
    t0=$(now)
    scan_mysql & p1=$!
    scan_pg & p2=$!
    wait "$p1" || die "the MariaDB scan failed"
    wait "$p2" || die "the PostgreSQL scan failed"
    SCAN=$(min "$SCAN" "$(secs "$t0" "$(now)")")
done
say "full scan of both sides in parallel: $SCAN s (best of $REPEAT)"

# ----------------------------------------------------------- 3. verify --

# Runs ficus verify REPEAT times; sets T (best seconds), MEM (peak KiB of
# that run), OUT (its JSON); checks the exit status.
run_verify() {
    local want=$1 i rc t0 t
    T=""; MEM=0
    for i in $(seq "$REPEAT"); do
        t0=$(now)
        set +e
        # shellcheck disable=SC2086
        /usr/bin/time -v -o "$WORK/time.$i" "$FICUS" verify --config "$CFG" --format json \
            $VERIFY_ARGS > "$WORK/verify.$i.json" 2> "$WORK/verify.$i.err"
        rc=$?
        set -e
        t=$(secs "$t0" "$(now)")
        [ "$rc" -eq "$want" ] || { cat "$WORK/verify.$i.err" >&2; die "ficus verify exited $rc, expected $want"; }
        if [ -z "$T" ] || awk -v a="$t" -v b="$T" 'BEGIN { exit !(a < b) }'; then
            T=$t
            MEM=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/time.$i")
            OUT=$WORK/verify.$i.json
        fi
    done
}

run_verify 0
T_EQ=$T; MEM_EQ=$MEM
ROWS=$(grep -o '"legacy_rows":[0-9]*' "$OUT" | awk -F: '{ s += $2 } END { print s }')
NEWROWS=$(grep -o '"new_rows":[0-9]*' "$OUT" | awk -F: '{ s += $2 } END { print s }')
say "verify, identical data: $T_EQ s, $ROWS legacy rows + $NEWROWS new rows, peak $((MEM_EQ / 1024)) MiB"

# ------------------------------------------------------ 4. 100 diffs --

# every (N/25)th row of a table by key: 25 keys spread over its range
spread() { echo "SELECT $2 FROM (SELECT $2, row_number() OVER (ORDER BY $2) AS rn, count(*) OVER () AS c FROM $1) x WHERE rn % (c / 25) = 0 LIMIT 25"; }
pgq "$PGDB" >/dev/null <<EOF
UPDATE shop.menus SET price = price + 10 WHERE id IN ($(spread shop.menus id));
DELETE FROM shop.reviews WHERE id IN ($(spread shop.reviews id));
UPDATE ordering.order_items SET qty = qty + 1 WHERE (order_id, line_no) IN ($(spread ordering.order_items "order_id, line_no"));
UPDATE ordering.orders SET memo = coalesce(memo, '') || '!' WHERE id IN ($(spread ordering.orders id));
EOF
run_verify 1
T_DIFF=$T; MEM_DIFF=$MEM
DIFFS=$(grep -o '"differences":[0-9]*,"equal"' "$OUT" | grep -o '[0-9]*')
[ "$DIFFS" = 100 ] || die "verify found $DIFFS differences, 100 were made"
say "verify, 100 differences: $T_DIFF s, $DIFFS found, peak $((MEM_DIFF / 1024)) MiB"

# ----------------------------------------------------------- 5. report --

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
rate() { awk -v r="$1" -v t="$2" 'BEGIN { printf "%.0f", r / t }'; }
LOAD=$(cat /proc/loadavg | cut -d' ' -f1-3)
echo
printf '%-34s %9s %12s %10s %8s\n' "step" "seconds" "rows/s" "peak MiB" "ratio"
printf '%-34s %9s %12s %10s %8s\n' "full scan, both sides in parallel" "$SCAN" "$(rate "$ROWS" "$SCAN")" "-" "1.00"
printf '%-34s %9s %12s %10s %8s\n' "ficus verify, identical" "$T_EQ" "$(rate "$ROWS" "$T_EQ")" \
    "$((MEM_EQ / 1024))" "$(ratio "$T_EQ" "$SCAN")"
printf '%-34s %9s %12s %10s %8s\n' "ficus verify, 100 differences" "$T_DIFF" "$(rate "$ROWS" "$T_DIFF")" \
    "$((MEM_DIFF / 1024))" "$(ratio "$T_DIFF" "$SCAN")"
echo
say "rows: $ROWS legacy rows compared (shop counted twice: shop and shop_ad); targets: <= 1.00 identical, <= 1.30 with 100 differences, < 64 MiB"
say "load average at the end: $LOAD ($(nproc) cores, shared with whatever else runs)"

mkdir -p "$(dirname "$OUT_JSON")"
cat > "$OUT_JSON" <<EOF
{"shops":$SHOPS,"legacy_rows":$ROWS,"repeat":$REPEAT,"verify_args":"$VERIFY_ARGS",
 "full_scan_s":$SCAN,
 "verify_identical_s":$T_EQ,"verify_identical_peak_kib":$MEM_EQ,"ratio_identical":$(ratio "$T_EQ" "$SCAN"),
 "verify_100_diffs_s":$T_DIFF,"verify_100_diffs_peak_kib":$MEM_DIFF,"ratio_100_diffs":$(ratio "$T_DIFF" "$SCAN"),
 "load_average":"$LOAD"}
EOF
say "wrote $OUT_JSON"
