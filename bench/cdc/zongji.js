// bench/cdc/zongji.js - the ZongJi peer of `make bench-cdc`.
//
// Connects to the server as a replica (like `ficus cdc stream`), reads the
// binlog from FILE:4 and counts row changes (each row of a write or delete
// event, each before/after pair of an update event) until the server rotates
// past the last bench file (--last), i.e. until every event of the bench
// files has been decoded and delivered. Prints one JSON line on stdout:
//   {"rows":N,"events":N,"seconds":S,"process_seconds":S}
// seconds: from start() to the rotation past --last; process_seconds: from
// the process's start (node startup and module loading included).
//
// usage: node zongji.js --port P --file binlog.000042 --last binlog.000043
//                       [--host H] [--user U] [--password PW] [--server-id N]
//                       [--timeout S]
import { performance } from 'node:perf_hooks';
import ZongJi from '@vlasky/zongji';

const opts = { host: '127.0.0.1', port: 3306, user: 'root', password: '', serverId: 7777, timeout: 1800 };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const k = argv[i], v = argv[i + 1];
  if (v === undefined) usage(`${k} needs a value`);
  switch (k) {
    case '--host': opts.host = v; break;
    case '--port': opts.port = Number(v); break;
    case '--user': opts.user = v; break;
    case '--password': opts.password = v; break;
    case '--file': opts.file = v; break;
    case '--last': opts.last = v; break;
    case '--server-id': opts.serverId = Number(v); break;
    case '--timeout': opts.timeout = Number(v); break;
    default: usage(`unknown option ${k}`);
  }
}
if (!opts.file || !opts.last) usage('--file and --last are required');

function usage(msg) {
  process.stderr.write(`zongji.js: ${msg}\nusage: node zongji.js --port P --file FILE --last FILE ` +
    '[--host H] [--user U] [--password PW] [--server-id N] [--timeout S]\n');
  process.exit(2);
}

// Binlog names are BASE.NNNNNN with a fixed-width number: they sort as strings.
const past = (name) => name > opts.last;

let rows = 0, events = 0, t0 = 0, done = false;
const zongji = new ZongJi({ host: opts.host, port: opts.port, user: opts.user, password: opts.password });

function finish(code, msg) {
  if (done) return;
  done = true;
  const seconds = (performance.now() - t0) / 1000;
  const processSeconds = performance.now() / 1000;   // performance.now() counts from the process's start
  if (msg) process.stderr.write(`zongji.js: ${msg}\n`);
  process.stdout.write(JSON.stringify({ rows, events, seconds: +seconds.toFixed(3),
    process_seconds: +processSeconds.toFixed(3) }) + '\n');
  // stop() closes the connections; exit without waiting for the socket teardown.
  try { zongji.stop(); } catch { /* already closed */ }
  process.exit(code);
}

zongji.on('binlog', (evt) => {
  events++;
  if (evt.rows) {
    rows += evt.rows.length;
  } else if (evt.binlogName !== undefined && evt.getTypeName() === 'Rotate' && past(evt.binlogName)) {
    finish(0);
  }
});
zongji.on('error', (err) => finish(1, `error: ${err && err.message ? err.message : err}`));

const timer = setTimeout(() => finish(1, `timed out after ${opts.timeout} s`), opts.timeout * 1000);
timer.unref();

t0 = performance.now();
zongji.start({
  serverId: opts.serverId,
  startAtEnd: false,
  filename: opts.file,
  position: 4,
  includeEvents: ['tablemap', 'writerows', 'updaterows', 'deleterows', 'rotate'],
});
