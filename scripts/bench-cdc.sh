#!/usr/bin/env bash
# scripts/bench-cdc.sh - `make bench-cdc`: ficus's binlog decoding side by
# side with its peers, on one binlog, in one run. A benchmark, not a test:
# it prints times, rows/s and ratios and exits 0 whatever the speeds are
# (it fails only when it cannot run: no build, no sandbox, a broken workload).
#
# What it does (bench/cdc/README.md says how to read the result):
#   1. builds bin/ficus (make), starts or reuses the sandbox
#      (FICUS_SKIP_DEPS=1 scripts/sandbox.sh up), installs ZongJi with npm
#      into bench/cdc/node_modules;
#   2. in MariaDB database b_cdc, between two FLUSH BINARY LOGS, writes
#      BENCH_ROWS row changes to a legacy-style order table: 60% inserts
#      (multi-row INSERT ... SELECT FROM seq_A_to_B, 1000 rows a statement,
#      10 statements a transaction), then 40% updates by key range (1000 rows
#      a statement, 10 statements a transaction);
#   3. copies the binlog files written in between to a temp folder (the bench
#      input), counts their row changes with ficus (and checks the b_cdc
#      count against the workload), reads them once to warm the page cache;
#   4. times each tool BENCH_RUNS times (median wall time, CPU time, peak RSS):
#        raw read             cat FILES > /dev/null
#        ficus --all-tables   bin/ficus cdc read --all-tables FILES > /dev/null
#        ficus mapping        bin/ficus cdc read --config CFG FILES > /dev/null
#                             (bench/cdc/mappings: one zero-payload entity)
#        mariadb-binlog       mariadb-binlog --base64-output=decode-rows --verbose FILES > /dev/null
#        ficus stream         bin/ficus cdc stream --all-tables --start FIRST:4 --until-end > /dev/null
#        ZongJi               node bench/cdc/zongji.js (a replica from FIRST:4 until
#                             the server rotates past the last bench file)
#   5. prints a table and the target checks, writes build/bench/cdc.json,
#      drops b_cdc and removes the temp folder.
#
# Environment:
#   BENCH_ROWS=1000000   row changes in the workload (60% inserts, 40% updates)
#   BENCH_RUNS=3         runs per tool (the median is reported)
#   BENCH_KEEP=1         keep the temp folder with the binlog copies and b_cdc
#   BENCH_NO_ZONGJI=1    skip ZongJi (no node/npm needed)
#   BENCH_OUT=FILE       the JSON result (default build/bench/cdc.json)
# Extra Debian packages (nodejs, npm, time) are installed with apt-get when
# missing and possible; without them ZongJi or the CPU/memory columns are
# skipped, and the output says so.
set -euo pipefail
umask 022

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/.." && pwd)
cd "$REPO"

ROWS=${BENCH_ROWS:-1000000}
RUNS=${BENCH_RUNS:-3}
KEEP=${BENCH_KEEP:-0}
OUT_JSON=${BENCH_OUT:-$REPO/build/bench/cdc.json}
DB=b_cdc
TABLE=shop_order
BATCH=1000          # rows a statement
TXN_STMTS=10        # statements a transaction
ZONGJI_SERVER_ID=7777
FICUS_SERVER_ID=7778

say() { echo "bench-cdc: $*"; }
die() { echo "bench-cdc: error: $*" >&2; exit 1; }

[[ "$ROWS" =~ ^[0-9]+$ ]] && [ "$ROWS" -ge 10 ] || die "BENCH_ROWS must be a number >= 10, not '$ROWS'"
[[ "$RUNS" =~ ^[0-9]+$ ]] && [ "$RUNS" -ge 1 ] || die "BENCH_RUNS must be a number >= 1, not '$RUNS'"

# --------------------------------------------------------------- setup --

say "building bin/ficus"
${MAKE:-make} --no-print-directory -C "$REPO" bin/ficus >/dev/null || die "make failed"
FICUS=$REPO/bin/ficus

FICUS_SKIP_DEPS=1 bash scripts/sandbox.sh up
# shellcheck disable=SC1091
. .sandbox/env

# Extra packages only the bench uses; installed like scripts/deps.sh does.
want=()
command -v /usr/bin/time >/dev/null 2>&1 || want+=(time)
if [ "${BENCH_NO_ZONGJI:-0}" != 1 ]; then
    command -v node >/dev/null 2>&1 || want+=(nodejs)
    command -v npm >/dev/null 2>&1 || want+=(npm)
fi
if [ "${#want[@]}" -gt 0 ]; then
    SUDO=()
    [ "$(id -u)" -eq 0 ] || SUDO=(sudo)
    if [ "${#SUDO[@]}" -eq 0 ] || command -v sudo >/dev/null 2>&1; then
        say "installing ${want[*]} (apt-get)"
        { "${SUDO[@]}" apt-get update -qq &&
          "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${want[@]}"; } \
            >/dev/null 2>&1 || say "could not install ${want[*]}; going on without"
    else
        say "not root and no sudo: ${want[*]} missing; going on without"
    fi
fi
HAVE_TIME=0
[ -x /usr/bin/time ] && HAVE_TIME=1
for t in mariadb mariadb-binlog awk; do command -v "$t" >/dev/null 2>&1 || die "$t not found"; done

ZONGJI=1
ZONGJI_NOTE=""
if [ "${BENCH_NO_ZONGJI:-0}" = 1 ]; then
    ZONGJI=0; ZONGJI_NOTE="skipped (BENCH_NO_ZONGJI=1)"
elif ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    ZONGJI=0; ZONGJI_NOTE="skipped (node or npm missing)"
else
    say "installing ZongJi (npm, bench/cdc/node_modules)"
    if ! (cd bench/cdc && npm install --no-audit --no-fund --loglevel=error >/dev/null); then
        ZONGJI=0; ZONGJI_NOTE="skipped (npm install failed)"
    fi
fi

my() { mariadb --no-defaults --protocol=TCP -h127.0.0.1 -P"$FICUS_MYSQL_PORT" -uroot --batch --skip-column-names "$@"; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/ficus-bench-cdc.XXXXXX")
cleanup() {
    local rc=$?
    if [ "$KEEP" = 1 ]; then
        say "kept $WORK and database $DB (BENCH_KEEP=1)"
    else
        my -e "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || say "could not drop database $DB"
        rm -rf "$WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------ workload --

INSERTS=$((ROWS * 6 / 10))
UPDATES=$((ROWS - INSERTS))
say "workload: $ROWS row changes in $DB.$TABLE ($INSERTS inserts, then $UPDATES updates; $BATCH rows a statement, $TXN_STMTS statements a transaction)"

my <<SQL
DROP DATABASE IF EXISTS $DB;
CREATE DATABASE $DB;
CREATE TABLE $DB.$TABLE (
  order_no     INT UNSIGNED NOT NULL PRIMARY KEY,
  shop_id      INT UNSIGNED NOT NULL,
  member_no    INT UNSIGNED NOT NULL,
  order_stat   ENUM('ORDERED','ACCEPTED','DELIVERING','DELIVERED','CANCELLED') NOT NULL,
  pay_cd       VARCHAR(10) NOT NULL,
  order_amt    DECIMAL(12,2) NOT NULL,
  delivery_tip DECIMAL(8,0) NOT NULL DEFAULT 0,
  dlvr_addr    VARCHAR(200) NOT NULL,
  req_memo     TEXT,
  order_dt     DATETIME NOT NULL,
  upd_dt       DATETIME NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
SQL

# The statements, generated here (a thousand lines), the rows by the server.
SQL_FILE=$WORK/workload.sql
{
    echo "USE $DB;"
    n=0
    for ((a = 1; a <= INSERTS; a += BATCH)); do
        b=$((a + BATCH - 1)); [ "$b" -le "$INSERTS" ] || b=$INSERTS
        [ $((n % TXN_STMTS)) -eq 0 ] && echo "BEGIN;"
        cat <<SQL
INSERT INTO $TABLE SELECT seq, 1 + seq % 5000, 100000 + (seq * 7919) % 900000,
 ELT(1 + seq % 4, 'ORDERED','ACCEPTED','DELIVERING','DELIVERED'), ELT(1 + seq % 5, 'CARD','CASH','KAKAOPAY','NAVERPAY','PHONE'),
 8000 + (seq * 37) % 92000 + (seq % 100) / 100, 1000 * (seq % 5),
 CONCAT('Seoul Gangnam-gu Teheran-ro ', seq % 500, '-gil ', seq % 97, ', building ', seq % 40, ' unit ', seq % 1200),
 SUBSTRING(REPEAT('Please ring the bell twice and leave it at the door. No cutlery, extra pickled radish. ', 3), 1, 50 + seq % 151),
 '2015-01-01 00:00:00' + INTERVAL seq MINUTE, '2015-01-01 00:30:00' + INTERVAL seq MINUTE
 FROM seq_${a}_to_${b};
SQL
        n=$((n + 1))
        [ $((n % TXN_STMTS)) -eq 0 ] && echo "COMMIT;"
    done
    [ $((n % TXN_STMTS)) -eq 0 ] || echo "COMMIT;"
    # Updates by key range; every row really changes (status flips, amount
    # and upd_dt move), so each statement logs exactly its range's rows.
    n=0
    for ((a = 1; a <= UPDATES; a += BATCH)); do
        b=$((a + BATCH - 1)); [ "$b" -le "$UPDATES" ] || b=$UPDATES
        [ $((n % TXN_STMTS)) -eq 0 ] && echo "BEGIN;"
        echo "UPDATE $TABLE SET order_stat = IF(order_stat = 'DELIVERED', 'CANCELLED', 'DELIVERED'), order_amt = order_amt + 500, upd_dt = upd_dt + INTERVAL 1 HOUR WHERE order_no BETWEEN $a AND $b;"
        n=$((n + 1))
        [ $((n % TXN_STMTS)) -eq 0 ] && echo "COMMIT;"
    done
    [ $((n % TXN_STMTS)) -eq 0 ] || echo "COMMIT;"
} >"$SQL_FILE"

my -e "FLUSH BINARY LOGS"
FIRST=$(my -e "SHOW MASTER STATUS" | awk 'NR == 1 { print $1 }')
[ -n "$FIRST" ] || die "SHOW MASTER STATUS gave no file: is the binlog on?"
t0=$EPOCHREALTIME
my <"$SQL_FILE"
t1=$EPOCHREALTIME
my -e "FLUSH BINARY LOGS"
NEXT=$(my -e "SHOW MASTER STATUS" | awk 'NR == 1 { print $1 }')
say "workload written in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"

# The bench input: every binlog file from FIRST up to (not including) the
# one after the second flush. Other sessions' writes to the sandbox in that
# window are in these files too; every tool reads the same bytes.
mapfile -t NAMES < <(my -e "SHOW BINARY LOGS" | awk -v f="$FIRST" -v n="$NEXT" '$1 >= f && $1 < n { print $1 }')
[ "${#NAMES[@]}" -gt 0 ] || die "no binlog files between $FIRST and $NEXT"
LAST=${NAMES[$((${#NAMES[@]} - 1))]}
mkdir -p "$WORK/binlog"
FILES=()
for f in "${NAMES[@]}"; do
    cp "$FICUS_BINLOG_DIR/$f" "$WORK/binlog/$f"
    FILES+=("$WORK/binlog/$f")
done
BYTES=$(cat "${FILES[@]}" | wc -c)
MB=$(awk -v b="$BYTES" 'BEGIN { printf "%.1f", b / 1048576 }')
say "bench input: ${#FILES[@]} file(s) ${NAMES[0]}..$LAST, $MB MiB (copied to $WORK/binlog)"

# The config ficus runs with: the sandbox's servers, the bench mapping.
CFG=$WORK/ficus.yaml
cat >"$CFG" <<YAML
# generated by scripts/bench-cdc.sh
connections:
  legacy: { kind: mysql,    dsn: "mysql://root@127.0.0.1:$FICUS_MYSQL_PORT/$DB" }
  newdb:  { kind: postgres, dsn: "$FICUS_PG_DSN" }
mappings: $REPO/bench/cdc/mappings
cdc:
  source: legacy
  server_id: $FICUS_SERVER_ID
  sink: { kind: jsonl, path: "-" }
YAML

# ------------------------------------------------------- counts, checks --

# Row changes: every line of --all-tables output with a "table" (DDL lines
# have none). Counted once here; every tool's rows/s uses this number.
cat "${FILES[@]}" >/dev/null     # warm the page cache for everybody
COUNTS=$("$FICUS" cdc read --all-tables "${FILES[@]}" |
    awk -v p="{\"db\":\"$DB\",\"table\":\"$TABLE\"," '
        /^\{"db":"[^"]*","table":/ { t++; if (index($0, p) == 1) w++ }
        END { print t + 0, w + 0 }') || die "ficus cdc read --all-tables failed on the bench input"
read -r TOTAL WL <<<"$COUNTS"
MAPPED=$("$FICUS" cdc read --config "$CFG" "${FILES[@]}" | wc -l) || die "ficus cdc read --config failed on the bench input"
say "row changes in the bench input: $TOTAL (of them $DB.$TABLE: $WL, workload: $ROWS; mapped events: $MAPPED)"
[ "$WL" -eq "$ROWS" ] || say "WARNING: ficus --all-tables saw $WL rows of $DB.$TABLE, the workload wrote $ROWS"
[ "$MAPPED" -eq "$ROWS" ] || say "WARNING: ficus with the bench mapping wrote $MAPPED events, the workload wrote $ROWS row changes"
[ "$TOTAL" -gt 0 ] || die "no row changes found in the bench input"
OTHER_NOTE=""
[ "$TOTAL" -eq "$WL" ] || OTHER_NOTE="$((TOTAL - WL)) row changes of other sessions' tables are in the same files"

# ------------------------------------------------------------- timing --

# measure KEY LABEL OUTFILE CMD...: BENCH_RUNS runs; per run wall (bash's
# clock), user+sys CPU and peak RSS (GNU time). Appends to $RESULTS:
#   KEY<TAB>LABEL<TAB>status<TAB>wall1,wall2,..<TAB>cpu1,..<TAB>rss1,..<TAB>command
RESULTS=$WORK/results.tsv
: >"$RESULTS"
measure() {
    local key=$1 label=$2 out=$3; shift 3
    local walls=() cpus=() rsss=() i t0 t1 st=ok tf=$WORK/time.$key errf=$WORK/err.$key
    for ((i = 1; i <= RUNS; i++)); do
        t0=$EPOCHREALTIME
        if [ "$HAVE_TIME" = 1 ]; then
            /usr/bin/time -o "$tf" -f '%U %S %M' "$@" >"$out" 2>"$errf" || st=failed
        else
            "$@" >"$out" 2>"$errf" || st=failed
        fi
        t1=$EPOCHREALTIME
        if [ "$st" != ok ]; then
            say "$label: run $i failed; its stderr:"
            tail -n 5 "$errf" | sed 's/^/    /' >&2
            break
        fi
        walls+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')")
        if [ "$HAVE_TIME" = 1 ]; then
            local u s m
            read -r u s m < <(grep -E '^[0-9.]+ [0-9.]+ [0-9]+$' "$tf" | tail -n 1)
            cpus+=("$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')")
            rsss+=("$m")
        fi
        [ -z "${MEASURE_HOOK:-}" ] || "$MEASURE_HOOK" "$key" "$out" || { st=failed; break; }
    done
    local IFS=,
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$key" "$label" "$st" "${walls[*]}" "${cpus[*]}" "${rsss[*]}" \
        "$(IFS=' '; echo "$*")" >>"$RESULTS"
    say "$label: $st, wall ${walls[*]} s"
}

# ZongJi prints {"rows":N,...}; a run that counted other than TOTAL rows is
# reported (the stream may not have covered the bench files).
ZONGJI_ROWS=""
zongji_check() {
    [ "$1" = zongji ] || return 0
    ZONGJI_ROWS=$(sed -n 's/.*"rows":\([0-9]*\).*/\1/p' "$2")
    say "ZongJi's own clock, start() to the rotation past $LAST: $(sed -n 's/.*"seconds":\([0-9.]*\).*/\1/p' "$2") s"
    if [ "$ZONGJI_ROWS" != "$TOTAL" ]; then
        say "ZongJi counted ${ZONGJI_ROWS:-no} rows, expected $TOTAL"
        return 1
    fi
}
MEASURE_HOOK=zongji_check

say "timing, $RUNS runs each (page cache warm: the files were read before the first run)"
measure raw "raw read (cat)" /dev/null cat "${FILES[@]}"
measure ficus_all "ficus --all-tables" /dev/null "$FICUS" cdc read --all-tables "${FILES[@]}"
measure ficus_map "ficus mapping (zero payload)" /dev/null "$FICUS" cdc read --config "$CFG" "${FILES[@]}"
measure mariadb_binlog "mariadb-binlog --verbose" /dev/null \
    mariadb-binlog --no-defaults --base64-output=decode-rows --verbose "${FILES[@]}"
# Replicas over the network: the server must still have the files.
if my -e "SHOW BINARY LOGS" | awk -v f="$FIRST" '$1 == f { ok = 1 } END { exit !ok }'; then
    measure ficus_stream "ficus stream --all-tables" /dev/null \
        "$FICUS" cdc stream --all-tables --config "$CFG" --start "$FIRST:4" --until-end
    if [ "$ZONGJI" = 1 ]; then
        measure zongji "ZongJi (node)" "$WORK/zongji.out" \
            node "$REPO/bench/cdc/zongji.js" --port "$FICUS_MYSQL_PORT" --user root \
            --file "$FIRST" --last "$LAST" --server-id "$ZONGJI_SERVER_ID"
    fi
else
    say "the server no longer has $FIRST (purged?): the replica runs are skipped"
    ZONGJI=0; ZONGJI_NOTE="skipped ($FIRST purged from the server)"
fi

# ------------------------------------------------------------- report --

VERSIONS="ficus $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$REPO" diff --quiet HEAD -- 2>/dev/null || echo '+dirty'); $(mariadb-binlog --version | head -n 1)"
[ "$ZONGJI" = 1 ] && VERSIONS="$VERSIONS; node $(node --version); @vlasky/zongji $(node -p "require('$REPO/bench/cdc/node_modules/@vlasky/zongji/package.json').version" 2>/dev/null || echo '?')"
MEM_NOTE=""
[ "$HAVE_TIME" = 1 ] || MEM_NOTE="GNU time (/usr/bin/time) missing: no CPU or peak-memory columns"

mkdir -p "$(dirname "$OUT_JSON")"
awk -F'\t' -v rows="$TOTAL" -v wl="$WL" -v workload="$ROWS" -v mapped="$MAPPED" -v bytes="$BYTES" \
    -v runs="$RUNS" -v files="${NAMES[*]}" -v json="$OUT_JSON" -v versions="$VERSIONS" \
    -v other="$OTHER_NOTE" -v znote="$ZONGJI_NOTE" -v mnote="$MEM_NOTE" -v zrows="$ZONGJI_ROWS" '
function median(s,    a, n, i, j, t) {
    n = split(s, a, ",")
    if (n == 0 || s == "") return ""
    for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return (n % 2) ? a[(n + 1) / 2] + 0 : (a[n / 2] + a[n / 2 + 1]) / 2
}
function jstr(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); gsub(/\t/, " ", s); return "\"" s "\"" }
function jarr(s,    a, n, i, o) { if (s == "") return "[]"; n = split(s, a, ","); o = "["; for (i = 1; i <= n; i++) o = o (i > 1 ? "," : "") (a[i] + 0); return o "]" }
{
    k[NR] = $1; label[$1] = $2; st[$1] = $3; walls[$1] = $4; cpus[$1] = $5; rsss[$1] = $6; cmd[$1] = $7
    med[$1] = (st[$1] == "ok") ? median($4) : ""
    cpu[$1] = (st[$1] == "ok" && $5 != "") ? median($5) : ""
    rss[$1] = (st[$1] == "ok" && $6 != "") ? median($6) : ""
    n = NR
}
function fx(a, b) { return (med[a] != "" && med[b] != "" && med[b] > 0) ? med[a] / med[b] : "" }
function fc(a, b) { return (cpu[a] != "" && cpu[b] != "" && cpu[b] > 0) ? cpu[a] / cpu[b] : "" }
function target(line, ratio, op, goal, cratio,    verdict, shown, ctext) {
    if (ratio == "") { shown = line; sub(/%\.[0-9]f/, "?", shown); printf "  %s  (target %s %sx: not measured)\n", shown, op, goal; tj = tj (tj == "" ? "" : ",") "{\"check\":" jstr(shown) ",\"ratio\":null,\"target\":" jstr(op " " goal "x") ",\"met\":null}"; return }
    verdict = (op == ">=") ? (ratio >= goal) : (ratio <= goal)
    shown = line
    if (ratio < 1 && sub(/faster/, "slower", shown)) {
        ctext = (cratio == "" || cratio == 0) ? "" : sprintf("; CPU time: %.1fx slower", 1 / cratio)
        printf "  " shown "  (target %s %sx: %s%s)\n", 1 / ratio, op, goal, verdict ? "met" : "NOT met", ctext
        shown = sprintf(shown, 1 / ratio)
    } else {
        shown = sprintf(line, ratio)
        ctext = (cratio == "") ? "" : sprintf("; CPU time: %.2fx", cratio)
        printf "  " line "  (target %s %sx: %s%s)\n", ratio, op, goal, verdict ? "met" : "NOT met", ctext
    }
    tj = tj (tj == "" ? "" : ",") "{\"check\":" jstr(shown) ",\"ratio\":" sprintf("%.3f", ratio) ",\"cpu_ratio\":" (cratio == "" ? "null" : sprintf("%.3f", cratio)) ",\"target\":" jstr(op " " goal "x") ",\"met\":" (verdict ? "true" : "false") "}"
}
END {
    printf "\n== ficus cdc bench: %d row changes (%d of them the workload'"'"'s %d), %.1f MiB of binlog, %d file(s), median of %d runs ==\n",
        rows, wl, workload, bytes / 1048576, split(files, fa, " "), runs
    printf "%-30s %9s %9s %11s %11s %9s %12s\n", "tool", "wall s", "CPU s", "rows/s", "MiB/s", "peak RSS", "x ficus-all"
    for (i = 1; i <= n; i++) {
        t = k[i]
        if (med[t] == "") { printf "%-30s %9s\n", label[t], st[t]; continue }
        printf "%-30s %9.3f %9s %11.0f %11.1f %9s %12s\n", label[t], med[t], (cpu[t] == "" ? "-" : sprintf("%.2f", cpu[t])),
            rows / med[t], bytes / 1048576 / med[t], (rss[t] == "" ? "-" : sprintf("%.0f MB", rss[t] / 1024)),
            (med["ficus_all"] == "" ? "-" : sprintf("%.2fx", med[t] / med["ficus_all"]))
    }
    print "(x ficus-all: the tool'"'"'s wall time over ficus --all-tables; replicas'"'"' CPU and RSS are the client'"'"'s only)"
    print "\ntargets (median wall times):"
    target("ficus --all-tables is %.1fx faster than mariadb-binlog --verbose", fx("mariadb_binlog", "ficus_all"), ">=", 3, fc("mariadb_binlog", "ficus_all"))
    target("ficus mapping      is %.1fx faster than mariadb-binlog --verbose", fx("mariadb_binlog", "ficus_map"), ">=", 3, fc("mariadb_binlog", "ficus_map"))
    target("ficus stream       is %.1fx faster than ZongJi (both replicas)", fx("zongji", "ficus_stream"), ">=", 10, fc("zongji", "ficus_stream"))
    target("ficus --all-tables is %.1fx faster than ZongJi", fx("zongji", "ficus_all"), ">=", 10, fc("zongji", "ficus_all"))
    target("ficus --all-tables takes %.2fx the raw read'"'"'s time", fx("ficus_all", "raw"), "<=", 1.3, fc("ficus_all", "raw"))
    target("ficus mapping      takes %.2fx the raw read'"'"'s time", fx("ficus_map", "raw"), "<=", 1.3, fc("ficus_map", "raw"))
    if (other != "") print "note: " other
    if (znote != "") print "note: ZongJi " znote
    if (mnote != "") print "note: " mnote
    print "versions: " versions

    o = "{\n  \"rows\": " rows ",\n  \"workload_rows\": " workload ",\n  \"workload_rows_seen_by_ficus\": " wl
    o = o ",\n  \"mapped_events\": " mapped ",\n  \"zongji_rows\": " (zrows == "" ? "null" : zrows)
    o = o ",\n  \"binlog_bytes\": " bytes ",\n  \"files\": ["
    nf = split(files, fa, " "); for (i = 1; i <= nf; i++) o = o (i > 1 ? ", " : "") jstr(fa[i])
    o = o "],\n  \"runs\": " runs ",\n  \"page_cache\": \"warm\",\n  \"versions\": " jstr(versions) ",\n  \"tools\": ["
    for (i = 1; i <= n; i++) {
        t = k[i]
        o = o (i > 1 ? "," : "") "\n    {\"key\": " jstr(t) ", \"tool\": " jstr(label[t]) ", \"status\": " jstr(st[t])
        o = o ", \"command\": " jstr(cmd[t]) ", \"wall_s\": " jarr(walls[t]) ", \"cpu_s\": " jarr(cpus[t]) ", \"peak_rss_kb\": " jarr(rsss[t])
        o = o ", \"median_wall_s\": " (med[t] == "" ? "null" : med[t]) ", \"median_cpu_s\": " (cpu[t] == "" ? "null" : cpu[t])
        o = o ", \"rows_per_s\": " (med[t] == "" ? "null" : sprintf("%.0f", rows / med[t]))
        o = o ", \"x_ficus_all_tables\": " ((med[t] == "" || med["ficus_all"] == "") ? "null" : sprintf("%.3f", med[t] / med["ficus_all"])) "}"
    }
    o = o "\n  ],\n  \"targets\": [" tj "],\n  \"notes\": [" 
    nn = 0
    if (other != "") { o = o jstr(other); nn++ }
    if (znote != "") { o = o (nn++ ? ", " : "") jstr("ZongJi " znote) }
    if (mnote != "") { o = o (nn++ ? ", " : "") jstr(mnote) }
    o = o "]\n}\n"
    printf "%s", o > json
    close(json)
}' "$RESULTS"
say "wrote $OUT_JSON"
