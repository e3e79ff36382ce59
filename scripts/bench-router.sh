#!/usr/bin/env bash
# scripts/bench-router.sh - `make bench-router`: ficus's router next to nginx
# and HAProxy on loopback. A benchmark, not a test: it prints requests/s and
# latency percentiles with ratios and exits 0 whatever the speeds are (it
# fails only when it cannot run: no build, a proxy that does not start).
#
# What it does (bench/router/README.md says how to read the result):
#   0. builds bin/ficus; installs wrk, nginx and haproxy with apt-get when
#      missing;
#   1. starts two nginx upstreams (A, B) answering a 13-byte body, keep-alive;
#   2. starts, side by side: ficus (split 50/50 over A and B, no sticky
#      key), nginx (proxy_pass, round robin over A and B, upstream
#      keepalive), HAProxy (roundrobin, http-reuse always) - each with
#      BENCH_WORKERS worker threads/processes - and two more ficus: one
#      route in legacy mode, and the same route in shadow mode whose new
#      upstream answers after 200 ms (a small python server);
#   3. BENCH_RUNS rounds; each round runs
#        wrk -t2 -c64 -d BENCH_SECONDS --latency
#      against direct (A), ficus, nginx, HAProxy, ficus-legacy and
#      ficus-shadow in turn (interleaved, so a noisy neighbour hits all);
#      the median requests/s, p50 and p99 over the rounds are reported;
#   4. prints a table with ratios, writes build/bench/router.json.
#
# Environment:
#   BENCH_SECONDS=10   length of each wrk run
#   BENCH_RUNS=3       rounds (medians reported)
#   BENCH_WORKERS=2    worker threads (ficus, HAProxy nbthread) / processes (nginx)
#   BENCH_UPSTREAM_WORKERS=1  worker processes of the upstream nginx
#   BENCH_CONNS=64     wrk connections
#   BENCH_KEEP=1       keep the temp folder (configs, logs)
#   BENCH_OUT=FILE     the JSON result (default build/bench/router.json)
set -euo pipefail
umask 022

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SECS=${BENCH_SECONDS:-10}
RUNS=${BENCH_RUNS:-3}
WORKERS=${BENCH_WORKERS:-2}
UP_WORKERS=${BENCH_UPSTREAM_WORKERS:-1}
CONNS=${BENCH_CONNS:-64}
OUT=${BENCH_OUT:-$ROOT/build/bench/router.json}
export PATH="$PATH:/usr/sbin:/sbin"

say() { echo "bench-router: $*" >&2; }
die() { echo "bench-router: error: $*" >&2; exit 2; }

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || need+=(nginx-light)
command -v haproxy >/dev/null || need+=(haproxy)
if ((${#need[@]})); then
	say "installing ${need[*]} with apt-get"
	SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
	$SUDO apt-get update -qq && $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null ||
		die "cannot install ${need[*]}"
fi
make -C "$ROOT" --no-print-directory bin/ficus >/dev/null || die "build failed"
FICUS=$ROOT/bin/ficus

TMP=$(mktemp -d /tmp/ficus-bench-router.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	[ -f "$TMP/nginx-up.pid" ] && kill "$(cat "$TMP/nginx-up.pid")" 2>/dev/null || true
	[ -f "$TMP/nginx-px.pid" ] && kill "$(cat "$TMP/nginx-px.pid")" 2>/dev/null || true
	if [ "${BENCH_KEEP:-0}" = 1 ]; then say "kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

# free loopback ports, one per line
read -r P_A P_B P_FICUS P_NGINX P_HAP P_SLOW P_ADMIN P_FL P_FS P_ADMIN2 P_ADMIN3 < <(python3 - <<'PY'
import socket
ss = [socket.socket() for _ in range(11)]
for s in ss: s.bind(('127.0.0.1', 0))
print(' '.join(str(s.getsockname()[1]) for s in ss))
PY
)

wait_port() {
	for _ in $(seq 100); do
		(exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
		sleep 0.05
	done
	die "nothing listens on $1 ($2)"
}

# nginx_head NAME: the start of an nginx config (pid, logs, temp paths in
# $TMP) up to the open http block
nginx_head() {
	cat <<NG
worker_processes $WORKERS;
pid $TMP/$1.pid;
error_log $TMP/$1.err warn;
events { worker_connections 4096; }
http {
	access_log off;
	keepalive_requests 1000000;
	client_body_temp_path $TMP/$1-body; proxy_temp_path $TMP/$1-proxy;
	fastcgi_temp_path $TMP/$1-fcgi; uwsgi_temp_path $TMP/$1-uwsgi; scgi_temp_path $TMP/$1-scgi;
NG
}

# --- upstreams: nginx A and B ------------------------------------------------
{ WORKERS=$UP_WORKERS nginx_head nginx-up; cat <<NG
	server { listen 127.0.0.1:$P_A; location / { return 200 "hello from A\n"; } }
	server { listen 127.0.0.1:$P_B; location / { return 200 "hello from B\n"; } }
}
NG
} >"$TMP/nginx-up.conf"
nginx -c "$TMP/nginx-up.conf" -p "$TMP" || die "upstream nginx did not start"
wait_port "$P_A" "upstream A"
wait_port "$P_B" "upstream B"

# --- the slow shadow backend: 200 ms per answer -------------------------------
cat >"$TMP/slow.py" <<'PY'
import asyncio, sys
async def handle(r, w):
    try:
        while True:
            head = await r.readuntil(b"\r\n\r\n")
            n = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    n = int(line.split(b":")[1])
            if n:
                await r.readexactly(n)
            await asyncio.sleep(0.2)
            w.write(b"HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nhello from A\n")
            await w.drain()
    except Exception:
        w.close()
async def main():
    s = await asyncio.start_server(handle, "127.0.0.1", int(sys.argv[1]), backlog=4096)
    await s.serve_forever()
asyncio.run(main())
PY
python3 "$TMP/slow.py" "$P_SLOW" 2>"$TMP/slow.err" &
PIDS+=($!)
wait_port "$P_SLOW" "slow backend"

# --- wrk ------------------------------------------------------------------------
# run NAME PORT: wrk, then "rps p50_ms p99_ms" into $TMP/NAME.res
to_ms() {   # wrk's "1.23ms" / "456.00us" / "1.02s" -> ms
	awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
}
run() {
	local name=$1 port=$2 out
	curl -sf "http://127.0.0.1:$port/" >/dev/null || die "$name on $port does not answer"
	out=$(wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "http://127.0.0.1:$port/")
	echo "$out" >"$TMP/$name.wrk"
	local rps p50 p99 errs
	rps=$(awk '/^Requests\/sec/ { print $2 }' <<<"$out")
	p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$out")")
	p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
	errs=$(awk '/Non-2xx|Socket errors/ { print }' <<<"$out" | tr '\n' ' ')
	echo "$rps $p50 $p99" >>"$TMP/$name.res"
	say "$(printf '%-14s %10s req/s  p50 %8s ms  p99 %8s ms  %s' "$name" "$rps" "$p50" "$p99" "$errs")"
}

ficus_start() {   # NAME PORT ADMIN_PORT MODE NEW_URL
	cat >"$TMP/$1.yaml" <<YML
connections:
  legacy: { kind: mysql, dsn: "mysql://root@127.0.0.1:1/x" }
router:
  listen: 127.0.0.1:$2
  workers: $WORKERS
  admin: { listen: 127.0.0.1:$3, token: bench }
  upstreams:
    a: { url: "http://127.0.0.1:$P_A" }
    b: { url: "$5" }
  default: a
  routes:
    - { name: all, match: { path: '^/' }, legacy: a, new: b, mode: $4, weight: 50 }
YML
	"$FICUS" route serve --config "$TMP/$1.yaml" 2>>"$TMP/$1.err" &
	PIDS+=($!)
	wait_port "$2" "$1"
}

ficus_start ficus "$P_FICUS" "$P_ADMIN" split "http://127.0.0.1:$P_B"
ficus_start ficus-legacy "$P_FL" "$P_ADMIN2" legacy "http://127.0.0.1:$P_SLOW"
ficus_start ficus-shadow "$P_FS" "$P_ADMIN3" shadow "http://127.0.0.1:$P_SLOW"

{ nginx_head nginx-px; cat <<NG
	upstream ab { server 127.0.0.1:$P_A; server 127.0.0.1:$P_B; keepalive 64; }
	server {
		listen 127.0.0.1:$P_NGINX;
		location / {
			proxy_pass http://ab;
			proxy_http_version 1.1;
			proxy_set_header Connection "";
			proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
		}
	}
}
NG
} >"$TMP/nginx-px.conf"
nginx -c "$TMP/nginx-px.conf" -p "$TMP" || die "nginx proxy did not start"
wait_port "$P_NGINX" "nginx proxy"

cat >"$TMP/haproxy.cfg" <<HA
global
	nbthread $WORKERS
	maxconn 4000
defaults
	mode http
	timeout connect 5s
	timeout client 30s
	timeout server 30s
	option http-keep-alive
	option forwardfor
	http-reuse always
frontend fe
	bind 127.0.0.1:$P_HAP
	default_backend be
backend be
	balance roundrobin
	server a 127.0.0.1:$P_A
	server b 127.0.0.1:$P_B
HA
haproxy -f "$TMP/haproxy.cfg" -D -p "$TMP/haproxy.pid" 2>"$TMP/haproxy.err" || die "haproxy did not start"
PIDS+=("$(cat "$TMP/haproxy.pid")")
wait_port "$P_HAP" haproxy

say "loopback, $CONNS connections, ${SECS}s a run, $RUNS rounds, $WORKERS worker(s) a proxy, upstream nginx $UP_WORKERS worker(s), $(nproc) cores (shared)"
for round in $(seq "$RUNS"); do
	say "round $round"
	run direct "$P_A"
	run ficus "$P_FICUS"
	run nginx "$P_NGINX"
	run haproxy "$P_HAP"
	run ficus-legacy "$P_FL"
	run ficus-shadow "$P_FS"
done
SHADOW_STATUS=$(curl -s -H 'Authorization: Bearer bench' "http://127.0.0.1:$P_ADMIN3/routes" || true)

# --- the table --------------------------------------------------------------
python3 - "$TMP" "$OUT" "$SHADOW_STATUS" <<'PY'
import json, os, sys
tmp, out, shadow = sys.argv[1], sys.argv[2], sys.argv[3]
res = {}
def median(v):
    v = sorted(v)
    return v[len(v) // 2] if len(v) % 2 else (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2
for n in ["direct", "ficus", "nginx", "haproxy", "ficus-legacy", "ficus-shadow"]:
    rows = [list(map(float, l.split())) for l in open(os.path.join(tmp, n + ".res")) if l.strip()]
    res[n] = {"rps": median([r[0] for r in rows]), "p50_ms": median([r[1] for r in rows]),
              "p99_ms": median([r[2] for r in rows]), "runs": rows}
f = res["ficus"]
print()
print("medians of %d rounds" % len(res["ficus"]["runs"]))
print("%-14s %12s %9s %9s   %s" % ("", "req/s", "p50 ms", "p99 ms", "ficus vs it (req/s, p99)"))
for n in ["direct", "ficus", "nginx", "haproxy"]:
    r = res[n]
    cmp = "" if n == "ficus" else "%.2fx, %.2fx" % (f["rps"] / r["rps"], f["p99_ms"] / r["p99_ms"] if r["p99_ms"] else 0)
    print("%-14s %12.0f %9.3f %9.3f   %s" % (n, r["rps"], r["p50_ms"], r["p99_ms"], cmp))
l, s = res["ficus-legacy"], res["ficus-shadow"]
print()
print("shadow (new answers after 200 ms): legacy mode p99 %.3f ms, shadow mode p99 %.3f ms (%+.1f %%), req/s %.0f vs %.0f" %
      (l["p99_ms"], s["p99_ms"], (s["p99_ms"] / l["p99_ms"] - 1) * 100 if l["p99_ms"] else 0, l["rps"], s["rps"]))
try:
    r = json.loads(shadow)["routes"][0]
    print("shadow copies: compared %d, dropped %d (queue full: new takes 200 ms each)" % (r["shadow_compared"], r["shadow_dropped"]))
    res["shadow_counters"] = {k: r[k] for k in ("shadow_compared", "shadow_diffs", "shadow_dropped")}
except Exception:
    pass
res["targets"] = {
    "ficus_vs_nginx_rps": f["rps"] / res["nginx"]["rps"],
    "ficus_vs_haproxy_rps": f["rps"] / res["haproxy"]["rps"],
    "ficus_p99_vs_nginx": f["p99_ms"] / res["nginx"]["p99_ms"],
    "ficus_p99_vs_haproxy": f["p99_ms"] / res["haproxy"]["p99_ms"],
    "shadow_p99_vs_legacy": s["p99_ms"] / l["p99_ms"],
}
os.makedirs(os.path.dirname(out), exist_ok=True)
json.dump(res, open(out, "w"), indent=1)
print("\nwritten: " + out)
PY
