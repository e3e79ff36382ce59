/* cli/cmd_cdc.c - `ficus cdc read|stream|replay|status`: change data
 * capture from the legacy database's binlog. Output: docs/cdc.md. */
#include "cli.h"

#include "../cdc/checkpoint.h"
#include "../cdc/decoder.h"
#include "../cdc/events.h"
#include "../cdc/file.h"
#include "../cdc/jsonl.h"
#include "../cdc/names.h"
#include "../cdc/nats.h"
#include "../cdc/outbox.h"
#include "../cdc/print.h"
#include "../cdc/snapshot.h"
#include "../cdc/stream.h"
#include "../lib/config.h"
#include "../lib/db.h"
#include "../lib/mapping.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void catch_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* What a command decodes into: every table (printer) or mapped events
 * (mapper + JSON-lines sink). */
struct output {
	bool all;
	struct fc_config cfg;
	bool have_cfg;
	struct map_set maps;
	bool have_maps;
	struct cdc_printer printer;
	struct cdc_mapper mapper;
	struct cdc_jsonl jsonl;
	bool have_jsonl;
	struct cdc_outbox outbox;
	bool have_outbox;
	struct cdc_nats nats;
	bool have_nats;
	const char *checkpoint;     /* written after each commit (mapped mode: by the sink) */
	char schema_path[4096];     /* the schema history beside the checkpoint */
	struct cdc_names names;     /* column names when the binlog has none */
	bool have_names;
	bool fsync_out;
	struct cdc_handler inner;   /* the printer's or the mapper's */
};

static int out_commit(void *ctx, const struct cdc_pos *next, uint32_t ts, struct fc_err *err)
{
	struct output *o = ctx;
	int rc = o->inner.commit ? o->inner.commit(o->inner.ctx, next, ts, err) : 0;
	if (rc)
		return rc;
	if (o->all) {   /* (the JSON-lines sink writes its own checkpoint) */
		if (fflush(stdout) != 0 || (o->fsync_out && fsync(1) != 0))
			return fc_errf(err, FC_EIO, "writing the output failed: %s", strerror(errno));
		if (o->checkpoint) {
			struct cdc_checkpoint cp = { *next, ts, -1 };
			if ((rc = cdc_checkpoint_write(o->checkpoint, &cp, err)))
				return rc;
		}
	}
	if (o->checkpoint && o->have_names)
		return cdc_names_save(&o->names, o->schema_path, err);
	return 0;
}

static int out_idle(void *ctx, struct fc_err *err)
{
	struct output *o = ctx;
	return o->have_outbox ? cdc_outbox_flush(&o->outbox, err) : 0;
}

static int out_table(void *ctx, struct cdc_table *t, struct fc_err *err)
{
	struct output *o = ctx;
	return o->have_names ? cdc_names_apply(&o->names, t, err) : 0;
}

static int out_row(void *ctx, const struct cdc_change *ch, struct fc_err *err)
{
	struct output *o = ctx;
	return o->inner.row ? o->inner.row(o->inner.ctx, ch, err) : 0;
}

static int out_ddl(void *ctx, const char *db, const char *sql, size_t len, const struct cdc_pos *at,
                   struct fc_err *err)
{
	struct output *o = ctx;
	if (o->have_names)
		cdc_names_invalidate(&o->names);
	return o->inner.ddl ? o->inner.ddl(o->inner.ctx, db, sql, len, at, err) : 0;
}

static int out_rollback(void *ctx, struct fc_err *err)
{
	struct output *o = ctx;
	return o->inner.rollback ? o->inner.rollback(o->inner.ctx, err) : 0;
}

static char stdout_buf[1 << 16];

/* Loads the config when needed and sets up the output; h gets the
 * decoder's handler. events_path: where mapped events go ("-": stdout);
 * *resume and *have_resume come from the checkpoint when there is one. */
static int output_open(struct output *o, const char *cmd, const char *cfg_path, bool all,
                       bool need_cfg, const char *events_path, const char *checkpoint,
                       struct cdc_pos *resume, bool *have_resume, struct cdc_handler *h,
                       struct fc_err *err)
{
	struct stat st;
	memset(o, 0, sizeof *o);
	o->all = all;
	*have_resume = false;
	if (need_cfg || !all) {
		if (fc_config_load(fc_config_default_path(cfg_path), &o->cfg, err))
			return -1;
		o->have_cfg = true;
	}
	if (all) {
		setvbuf(stdout, stdout_buf, _IOFBF, sizeof stdout_buf);
		cdc_printer_init(&o->printer, stdout, &o->inner);
		o->checkpoint = checkpoint;
		o->fsync_out = fstat(1, &st) == 0 && S_ISREG(st.st_mode);
		if (checkpoint) {
			struct cdc_checkpoint cp;
			int rc = cdc_checkpoint_read(checkpoint, &cp, err);
			if (rc && rc != -FC_ENOTFOUND)
				return -1;
			if (rc == 0) {
				*resume = cp.pos;
				*have_resume = true;
			}
		}
	} else {
		const struct fc_conn *src;
		struct cdc_sink sink;
		if (map_set_load(&o->cfg, &o->maps, err))
			return -1;
		o->have_maps = true;
		if (!o->cfg.cdc.present) {
			fc_errf(err, FC_ECONFIG, "%s has no 'cdc' section (cdc: { source: CONN, sink: ... })",
			        o->cfg.path);
			return -1;
		}
		if (!events_path && o->cfg.cdc.sink.kind == FC_SINK_OUTBOX) {
			if (checkpoint) {
				fc_errf(err, FC_EINVAL, "the outbox keeps its checkpoint in PostgreSQL "
				        "(ficus.cdc_checkpoint): drop --checkpoint, or use --output FILE");
				return -1;
			}
			if (cdc_outbox_open(&o->outbox, fc_config_conn(&o->cfg, o->cfg.cdc.sink.connection),
			                    "cdc", resume, have_resume, err)) {
				cdc_outbox_close(&o->outbox);
				return -1;
			}
			o->have_outbox = true;
			o->outbox.max_delay_ms = o->cfg.cdc.sink.max_delay_ms;
			o->outbox.max_events = o->cfg.cdc.sink.max_events;
			cdc_outbox_sink(&o->outbox, &sink);
		} else if (!events_path && o->cfg.cdc.sink.kind == FC_SINK_NATS) {
			const struct fc_conn *nc = fc_config_conn(&o->cfg, o->cfg.cdc.sink.connection);
			if (checkpoint) {
				fc_errf(err, FC_EINVAL, "the NATS sink keeps its checkpoint in JetStream (bucket "
				        "%s_CDC): drop --checkpoint, or use --output FILE", o->cfg.cdc.sink.stream);
				return -1;
			}
			o->have_nats = true;
			if (cdc_nats_open_prefix(&o->nats, nc->dsn, o->cfg.cdc.sink.stream,
			                         o->cfg.cdc.sink.subjects, "cdc", resume, have_resume, err))
				return -1;
			cdc_nats_sink(&o->nats, &sink);
		} else {
			if (!events_path)
				events_path = o->cfg.cdc.sink.path;
			if (cdc_jsonl_open(&o->jsonl, events_path, checkpoint, resume, have_resume, err))
				return -1;
			o->have_jsonl = true;
			cdc_jsonl_sink(&o->jsonl, &sink);
		}
		src = fc_config_conn(&o->cfg, o->cfg.cdc.source);
		cdc_mapper_init(&o->mapper, &o->maps, src ? src->my.database : NULL, &sink, &o->inner);
	}
	(void)cmd;
	o->checkpoint = checkpoint;
	if (o->have_cfg && o->cfg.cdc.present) {
		cdc_names_init(&o->names, fc_config_conn(&o->cfg, o->cfg.cdc.source), stderr);
		o->have_names = true;
		if (checkpoint) {
			snprintf(o->schema_path, sizeof o->schema_path, "%s.schema", checkpoint);
			if (*have_resume && cdc_names_load(&o->names, o->schema_path, err))
				return -1;
		}
	}
	memset(h, 0, sizeof *h);
	h->ctx = o;
	h->table = out_table;
	h->idle = out_idle;
	h->row = out_row;
	h->ddl = out_ddl;
	h->commit = out_commit;
	h->rollback = out_rollback;
	return 0;
}

static void output_close(struct output *o)
{
	fflush(stdout);
	if (o->all)
		cdc_printer_release(&o->printer);
	else if (o->have_jsonl || o->have_maps)
		cdc_mapper_release(&o->mapper);
	if (o->have_jsonl)
		cdc_jsonl_close(&o->jsonl);
	if (o->have_outbox)
		cdc_outbox_close(&o->outbox);
	if (o->have_nats)
		cdc_nats_close(&o->nats);
	if (o->have_maps)
		map_set_release(&o->maps);
	if (o->have_names)
		cdc_names_release(&o->names);
	if (o->have_cfg)
		fc_config_release(&o->cfg);
}

/* ------------------------------------------------------------ cdc read */

static int cdc_read(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "all-tables", no_argument, NULL, 'a' },
		{ "output", required_argument, NULL, 'o' },
		{ "start-position", required_argument, NULL, 's' },
		{ "stop-position", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cfg_path = NULL, *out_path = "-";
	long long start = 0, stop = -1;
	bool all = false, have_resume;
	struct output out;
	struct cdc_pos resume;
	struct cdc_handler h;
	struct cdc_decoder d;
	struct fc_err err;
	int c, rc = CLI_OK;

	while ((c = cli_getopt(argc, argv, argv[0], "c:o:", opts)) != -1) {
		switch (c) {
		case 'c': cfg_path = optarg; break;
		case 'a': all = true; break;
		case 'o': out_path = optarg; break;
		case 's':
			if ((start = cli_uint(argv[0], "--start-position", optarg, (1LL << 62))) < 0)
				return CLI_ERROR;
			break;
		case 'S':
			if ((stop = cli_uint(argv[0], "--stop-position", optarg, (1LL << 62))) < 0)
				return CLI_ERROR;
			break;
		default:
			return CLI_ERROR;
		}
	}
	if (optind >= argc)
		return cli_usage_error(argv[0], "name at least one binlog FILE");
	if (output_open(&out, argv[0], cfg_path, all, cfg_path != NULL, out_path, NULL, &resume,
	                &have_resume, &h, &err)) {
		output_close(&out);
		return cli_fail(argv[0], &err);
	}
	cdc_decoder_init(&d, &h);
	for (int i = optind; i < argc && rc == CLI_OK; i++) {
		struct cdc_file f;
		uint64_t pos;
		int got;

		if (cdc_file_open(&f, argv[i], &err)) {
			rc = cli_fail(argv[0], &err);
			break;
		}
		cdc_decoder_set_file(&d, argv[i], 4);
		while ((got = cdc_file_next(&f, &pos, &err)) == 1) {
			const uint8_t *ev = f.ev;
			if (stop >= 0 && i == argc - 1 && pos >= (uint64_t)stop)
				break;
			/* before --start-position only the format matters */
			if (i == optind && pos < (uint64_t)start && ev[4] != CDC_EV_FORMAT_DESCRIPTION)
				continue;
			if (cdc_decoder_feed(&d, ev, f.ev_len, pos, &err)) {
				got = -1;
				break;
			}
		}
		if (got < 0) {
			fflush(stdout);
			rc = cli_fail(argv[0], &err);
		}
		cdc_file_close(&f);
	}
	if (rc == CLI_OK && cdc_decoder_idle(&d, &err))
		rc = cli_fail(argv[0], &err);
	if (fflush(stdout) != 0 && rc == CLI_OK) {
		fprintf(stderr, "ficus %s: error: writing the output failed\n", argv[0]);
		rc = CLI_ERROR;
	}
	cdc_decoder_release(&d);
	output_close(&out);
	return rc;
}

const struct cli_cmd cli_cmd_cdc_read = {
	"cdc read",
	"decode local binlog files (plain or gzip) into events or row changes",
	"usage: ficus cdc read [--config FILE] [--output FILE] FILE...\n"
	"       ficus cdc read --all-tables [--config FILE] FILE...\n"
	"       (both take --start-position N and --stop-position N)\n"
	"\n"
	"Reads MySQL/MariaDB binlog files in the order given (gzip-compressed\n"
	"files too), verifies event checksums, and decodes them with ficus's own\n"
	"decoder (docs/cdc.md has the formats).\n"
	"\n"
	"Without --all-tables: the domain events of the config's mappings, one\n"
	"JSON envelope per line ({\"id\",\"topic\",\"entity\",\"key\",\"op\",\"ts\",\n"
	"\"source\"[,\"payload\"]}), to stdout or --output FILE.\n"
	"With --all-tables: every row change of every table with full before and\n"
	"after images, and every DDL statement, no mapping needed. Column names\n"
	"come from the binlog (binlog_row_metadata=FULL); without them, and with a\n"
	"--config whose cdc.source can be reached, from information_schema when the\n"
	"types agree (else @1, @2, ...). With a --config, MariaDB JSON columns are\n"
	"embedded as JSON rather than strings.\n"
	"\n"
	"  --config FILE         config file (default: $FICUS_CONFIG, else ./ficus.yaml)\n"
	"  --output FILE         where events go (default: stdout)\n"
	"  --start-position N    skip events before offset N of the first file\n"
	"  --stop-position N     stop at offset N of the last file\n"
	"\n"
	"A truncated or corrupt file stops with an error naming the file and the\n"
	"offset of the bad event (what was decoded before it is written).\n"
	"exit status: 0 ok, 2 usage error, bad config, unreadable or corrupt binlog\n",
	cdc_read,
};

/* ---------------------------------------------------------- cdc stream */

static int parse_start(const char *cmd, const char *text, struct cdc_pos *pos, bool *is_time,
                       uint32_t *t)
{
	struct tm tm;
	const char *end;
	memset(pos, 0, sizeof *pos);
	*is_time = false;
	if (cdc_pos_parse(text, pos))
		return 0;
	if (strspn(text, "0123456789-,") == strlen(text) && strchr(text, '-')) {
		snprintf(pos->gtid, sizeof pos->gtid, "%s", text);
		return 0;
	}
	memset(&tm, 0, sizeof tm);
	end = strptime(text, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end)
		end = strptime(text, "%Y-%m-%d %H:%M:%S", &tm);
	if (end && (*end == '\0' || strcmp(end, "Z") == 0)) {
		*is_time = true;
		*t = (uint32_t)timegm(&tm);
		return 0;
	}
	return cli_usage_error(cmd, "'%s' is not a position: use FILE:POS (binlog.000042:4), a "
	                       "MariaDB GTID (0-1-42) or a UTC time (2026-11-25T10:00:00Z)", text);
}

/* The oldest binlog the server still has, for replays from a time. */
static int first_binlog(const struct fc_conn *conn, struct cdc_pos *pos, struct fc_err *err)
{
	MYSQL *my = fc_mysql_open(conn, err);
	MYSQL_RES *r;
	MYSQL_ROW row;
	if (!my)
		return -1;
	if (mysql_query(my, "SHOW BINARY LOGS") || !(r = mysql_store_result(my)) ||
	    !(row = mysql_fetch_row(r))) {
		fc_errf(err, FC_ESQL, "connection '%s': SHOW BINARY LOGS: %s", conn->name, mysql_error(my));
		mysql_close(my);
		return -1;
	}
	memset(pos, 0, sizeof *pos);
	snprintf(pos->file, sizeof pos->file, "%s", row[0]);
	pos->pos = 4;
	mysql_free_result(r);
	mysql_close(my);
	return 0;
}

static int run_stream(const char *cmd, struct output *out, struct cdc_stream_opts *o,
                      struct cdc_handler *h)
{
	struct cdc_decoder d;
	struct fc_err err;
	int rc;
	catch_signals();
	cdc_decoder_init(&d, h);
	rc = cdc_stream_run(o, &d, &stop_flag, &err);
	/* stopped by a signal: what the sink holds for the last transactions */
	if (rc == 0)
		rc = cdc_decoder_idle(&d, &err);
	cdc_decoder_release(&d);
	output_close(out);
	return rc ? cli_fail(cmd, &err) : CLI_OK;
}

static int cdc_stream(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "all-tables", no_argument, NULL, 'a' },
		{ "start", required_argument, NULL, 's' },
		{ "gtid", required_argument, NULL, 'g' },
		{ "checkpoint", required_argument, NULL, 'k' },
		{ "output", required_argument, NULL, 'o' },
		{ "until-end", no_argument, NULL, 'u' },
		{ "server-id", required_argument, NULL, 'i' },
		{ "retries", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cfg_path = NULL, *start = NULL, *gtid = NULL, *checkpoint = NULL, *out_path = NULL;
	long long server_id = -1, retries = -1;
	bool all = false, until_end = false, have_resume;
	struct output out;
	struct cdc_stream_opts o;
	struct cdc_pos resume;
	struct cdc_handler h;
	struct fc_err err;
	int c;

	while ((c = cli_getopt(argc, argv, argv[0], "c:o:", opts)) != -1) {
		switch (c) {
		case 'c': cfg_path = optarg; break;
		case 'a': all = true; break;
		case 's': start = optarg; break;
		case 'g': gtid = optarg; break;
		case 'k': checkpoint = optarg; break;
		case 'o': out_path = optarg; break;
		case 'u': until_end = true; break;
		case 'i':
			if ((server_id = cli_uint(argv[0], "--server-id", optarg, 4294967295LL)) < 1)
				return server_id == 0 ? cli_usage_error(argv[0], "--server-id must not be 0")
				                      : CLI_ERROR;
			break;
		case 'r':
			if ((retries = cli_uint(argv[0], "--retries", optarg, 1000000)) < 0)
				return CLI_ERROR;
			break;
		default:
			return CLI_ERROR;
		}
	}
	if (optind < argc)
		return cli_usage_error(argv[0], "unexpected argument '%s'", argv[optind]);
	if (start && gtid)
		return cli_usage_error(argv[0], "give --start or --gtid, not both");
	if (all && out_path)
		return cli_usage_error(argv[0], "--all-tables writes to stdout; --output is for events");
	memset(&o, 0, sizeof o);
	if (start && !cdc_pos_parse(start, &o.start))
		return cli_usage_error(argv[0], "--start wants FILE:POS (e.g. binlog.000042:4), not '%s'",
		                       start);
	if (gtid)
		snprintf(o.start.gtid, sizeof o.start.gtid, "%s", gtid);
	/* mapped events into a file keep a checkpoint beside it by default */
	if (output_open(&out, argv[0], cfg_path, all, true, out_path, checkpoint, &resume, &have_resume,
	                &h, &err)) {
		output_close(&out);
		return cli_fail(argv[0], &err);
	}
	if (!out.cfg.cdc.present) {
		fc_errf(&err, FC_ECONFIG, "%s has no 'cdc' section (cdc: { source: CONN, sink: ... })",
		        out.cfg.path);
		output_close(&out);
		return cli_fail(argv[0], &err);
	}
	o.conn = fc_config_conn(&out.cfg, out.cfg.cdc.source);
	o.server_id = server_id > 0 ? (unsigned)server_id : out.cfg.cdc.server_id;
	o.heartbeat_ms = out.cfg.cdc.heartbeat_ms;
	o.until_end = until_end;
	o.retries = (int)retries;
	if (!start && !gtid && have_resume)
		o.start = resume;
	if (!o.start.file[0] && !o.start.gtid[0]) {
		if (cdc_stream_current(o.conn, &o.start, &err)) {
			output_close(&out);
			return cli_fail(argv[0], &err);
		}
		o.start.gtid[0] = '\0';
		fprintf(stderr, "ficus cdc: starting at the current position %s:%llu\n", o.start.file,
		        (unsigned long long)o.start.pos);
	}
	/* a first run records where it starts: a crash before its first commit
	 * then resumes there */
	if (!have_resume && o.start.file[0]) {
		int rc = 0;
		if (out.have_outbox)
			rc = cdc_outbox_start_at(&out.outbox, &o.start, &err);
		else if (out.have_nats)
			rc = out.mapper.sink.commit(out.mapper.sink.ctx, &o.start, 0, &err);
		else if (checkpoint && out.all) {
			struct cdc_checkpoint cp = { o.start, 0, -1 };
			rc = cdc_checkpoint_write(checkpoint, &cp, &err);
		} else if (checkpoint && out.have_jsonl) {
			struct cdc_checkpoint cp = { o.start, 0, out.jsonl.is_file ? out.jsonl.size : -1 };
			rc = cdc_checkpoint_write(checkpoint, &cp, &err);
		}
		if (rc) {
			output_close(&out);
			return cli_fail(argv[0], &err);
		}
	}
	return run_stream(argv[0], &out, &o, &h);
}

const struct cli_cmd cli_cmd_cdc_stream = {
	"cdc stream",
	"follow the legacy database's binlog as a replica",
	"usage: ficus cdc stream [--config FILE] [--output FILE] [--checkpoint FILE]\n"
	"                        [--start FILE:POS | --gtid GTID] [--until-end]\n"
	"                        [--server-id N] [--retries N] [--all-tables]\n"
	"\n"
	"Connects to the config's cdc.source as a replica (its own server id,\n"
	"cdc.server_id unless --server-id), decodes the binlog as it is written,\n"
	"following rotations, with heartbeats every 5 s, and writes what\n"
	"'ficus cdc read' writes: the mappings' events (to cdc.sink, a jsonl sink,\n"
	"or --output FILE; '-' is stdout), or with --all-tables every row change.\n"
	"\n"
	"Where it starts: --start FILE:POS, or --gtid (a MariaDB GTID position such\n"
	"as 0-1-42), or the --checkpoint file when it exists, else the server's\n"
	"current position. After each transaction the events are written and\n"
	"fsynced, then the checkpoint moves past it; a restart with the same\n"
	"--checkpoint resumes right after the last transaction delivered (an\n"
	"events file is first cut back to the size the checkpoint recorded, so a\n"
	"crash mid-transaction leaves no duplicates). A lost connection or a\n"
	"server restart is retried with backoff (1 s to 30 s; --retries caps the\n"
	"attempts in a row) and resumes without losing or repeating events.\n"
	"\n"
	"  --config FILE      config file (default: $FICUS_CONFIG, else ./ficus.yaml)\n"
	"  --until-end        stop at the end of the binlog instead of waiting\n"
	"SIGINT or SIGTERM stop it cleanly.\n"
	"exit status: 0 stopped, 2 usage error or failure\n",
	cdc_stream,
};

/* ---------------------------------------------------------- cdc replay */

static int cdc_replay(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "entity", required_argument, NULL, 'e' },
		{ "key", required_argument, NULL, 'k' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cfg_path = NULL, *from = NULL, *to = NULL, *entity = NULL, *key = NULL;
	const char *out_path = "-";
	bool have_resume, from_time = false, to_time = false;
	uint32_t from_t = 0, to_t = 0;
	struct cdc_pos to_pos;
	struct output out;
	struct cdc_stream_opts o;
	struct cdc_pos resume;
	struct cdc_handler h;
	struct fc_err err;
	int c;

	memset(&o, 0, sizeof o);
	while ((c = cli_getopt(argc, argv, argv[0], "c:o:", opts)) != -1) {
		switch (c) {
		case 'c': cfg_path = optarg; break;
		case 'f': from = optarg; break;
		case 't': to = optarg; break;
		case 'e': entity = optarg; break;
		case 'k': key = optarg; break;
		case 'o': out_path = optarg; break;
		default: return CLI_ERROR;
		}
	}
	if (optind < argc)
		return cli_usage_error(argv[0], "unexpected argument '%s'", argv[optind]);
	if (!from)
		return cli_usage_error(argv[0], "give --from FILE:POS, GTID or TIME");
	if (parse_start(argv[0], from, &o.start, &from_time, &from_t))
		return CLI_ERROR;
	if (to) {
		if (parse_start(argv[0], to, &to_pos, &to_time, &to_t))
			return CLI_ERROR;
		if (!to_time)
			return cli_usage_error(argv[0], "--to takes a UTC time (2026-11-25T10:00:00Z)");
	}
	if (output_open(&out, argv[0], cfg_path, false, true, out_path, NULL, &resume, &have_resume, &h,
	                &err)) {
		output_close(&out);
		return cli_fail(argv[0], &err);
	}
	if (entity && !map_set_entity(&out.maps, entity)) {
		output_close(&out);
		return cli_usage_error(argv[0], "no entity '%s' in the mappings", entity);
	}
	out.mapper.only_entity = entity;
	out.mapper.only_key = key;
	out.mapper.from_ts = from_time ? from_t : 0;
	out.mapper.to_ts = to_time ? to_t : 0;
	o.conn = fc_config_conn(&out.cfg, out.cfg.cdc.source);
	o.server_id = out.cfg.cdc.server_id + 1;   /* not the live stream's id */
	o.until_end = true;
	o.retries = 3;
	o.quiet = true;
	if (from_time && first_binlog(o.conn, &o.start, &err)) {
		output_close(&out);
		return cli_fail(argv[0], &err);
	}
	return run_stream(argv[0], &out, &o, &h);
}

const struct cli_cmd cli_cmd_cdc_replay = {
	"cdc replay",
	"re-issue the mappings' events from a past position",
	"usage: ficus cdc replay --from FILE:POS|GTID|TIME [--to TIME] [--entity E]\n"
	"                        [--key JSON] [--output FILE] [--config FILE]\n"
	"\n"
	"Reads the binlog again from --from (binlog.000042:4, a MariaDB GTID such as\n"
	"0-1-42, or a UTC time such as 2026-11-25T10:00:00Z: then from the oldest\n"
	"binlog the server keeps, taking changes made at or after it) to the end\n"
	"(or changes made up to --to), and writes the mappings' events again, with\n"
	"the same ids as the first time. --entity keeps one entity's events, --key\n"
	"one key, written as in the events: '{\"shop_id\":42}'.\n"
	"Replay uses server id cdc.server_id + 1, beside a running stream.\n"
	"exit status: 0 ok, 2 usage error or failure\n",
	cdc_replay,
};

/* ---------------------------------------------------------- cdc status */

static int cdc_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "checkpoint", required_argument, NULL, 'k' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cfg_path = NULL, *checkpoint = NULL;
	struct fc_config cfg;
	struct cdc_status st;
	struct fc_err err;
	int c;

	while ((c = cli_getopt(argc, argv, argv[0], "c:", opts)) != -1) {
		switch (c) {
		case 'c': cfg_path = optarg; break;
		case 'k': checkpoint = optarg; break;
		default: return CLI_ERROR;
		}
	}
	if (optind < argc)
		return cli_usage_error(argv[0], "unexpected argument '%s'", argv[optind]);
	if (fc_config_load(fc_config_default_path(cfg_path), &cfg, &err))
		return cli_fail(argv[0], &err);
	if (cdc_status_get(&cfg, checkpoint, &st, &err)) {
		fc_config_release(&cfg);
		return cli_fail(argv[0], &err);
	}
	cli_print_cdc_status(stdout, &st);
	fc_config_release(&cfg);
	return st.source.up && !st.lost ? CLI_OK : CLI_PROBLEMS;
}

const struct cli_cmd cli_cmd_cdc_status = {
	"cdc status",
	"the server's binlog position, the checkpoint, lag",
	"usage: ficus cdc status [--checkpoint FILE] [--config FILE]\n"
	"\n"
	"Shows the legacy server's current binlog position and GTID, the position\n"
	"in the checkpoint (after the last transaction the sink took: the outbox's\n"
	"own in PostgreSQL, or the --checkpoint FILE of a JSON-lines sink), and the\n"
	"lag: bytes of binlog not yet read and seconds since that transaction.\n"
	"With an outbox sink, also the bus: events, last seq, and each consumer's\n"
	"position and events behind; with a NATS sink, the stream's events and\n"
	"last seq, and the checkpoint from its bucket <stream>_CDC. Components\n"
	"that are down are shown as DOWN.\n"
	"exit status: 0 ok, 1 the source is down, 2 usage error or failure\n",
	cdc_status,
};

/* -------------------------------------------------------- cdc snapshot */

static void snapshot_progress(void *ctx, const char *entity, unsigned long long done,
                              unsigned long long total)
{
	(void)ctx;
	if (!isatty(2))
		return;
	fprintf(stderr, "\r  %-16s %10llu / %llu rows (%3llu%%)", entity, done, total,
	        total ? done * 100 / total : 100);
}

static int cdc_snapshot(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "entity", required_argument, NULL, 'e' },
		{ "output", required_argument, NULL, 'o' },
		{ "checkpoint", required_argument, NULL, 'k' },
		{ "chunk", required_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cfg_path = NULL, *entity = NULL, *out_path = NULL, *checkpoint = NULL;
	long long chunk = 10000;
	bool have_resume;
	struct output out;
	struct cdc_snapshot_opts so;
	struct cdc_pos resume, at;
	struct cdc_handler h;
	struct fc_err err;
	unsigned long long events = 0;
	int c, rc;

	while ((c = cli_getopt(argc, argv, argv[0], "c:o:", opts)) != -1) {
		switch (c) {
		case 'c': cfg_path = optarg; break;
		case 'e': entity = optarg; break;
		case 'o': out_path = optarg; break;
		case 'k': checkpoint = optarg; break;
		case 'n':
			if ((chunk = cli_uint(argv[0], "--chunk", optarg, 10000000)) < 1)
				return chunk == 0 ? cli_usage_error(argv[0], "--chunk must be at least 1") : CLI_ERROR;
			break;
		default:
			return CLI_ERROR;
		}
	}
	if (optind < argc)
		return cli_usage_error(argv[0], "unexpected argument '%s'", argv[optind]);
	if (output_open(&out, argv[0], cfg_path, false, true, out_path, checkpoint, &resume, &have_resume,
	                &h, &err)) {
		output_close(&out);
		return cli_fail(argv[0], &err);
	}
	if (entity && !map_set_entity(&out.maps, entity)) {
		output_close(&out);
		return cli_usage_error(argv[0], "no entity '%s' in the mappings", entity);
	}
	memset(&so, 0, sizeof so);
	so.conn = fc_config_conn(&out.cfg, out.cfg.cdc.source);
	so.maps = &out.maps;
	so.only_entity = entity;
	so.chunk = (size_t)chunk;
	so.progress = snapshot_progress;
	catch_signals();
	rc = cdc_snapshot_run(&so, &out.mapper.sink, &at, &events, &stop_flag, &err);
	if (isatty(2))
		fputc('\n', stderr);
	if (rc == 0 && out.have_outbox)
		rc = cdc_outbox_flush(&out.outbox, &err);
	output_close(&out);
	if (rc)
		return cli_fail(argv[0], &err);
	/* on stderr: stdout may be the events themselves (--output -) */
	fprintf(stderr, "snapshot: %llu rows as events, at %s:%llu; 'ficus cdc stream' continues from "
	        "there\n", events, at.file, (unsigned long long)at.pos);
	return CLI_OK;
}

const struct cli_cmd cli_cmd_cdc_snapshot = {
	"cdc snapshot",
	"every existing row of the mapped tables as events, from one consistent snapshot",
	"usage: ficus cdc snapshot [--config FILE] [--entity E] [--chunk N]\n"
	"                          [--output FILE --checkpoint FILE]\n"
	"\n"
	"Opens one consistent snapshot of the legacy database (START TRANSACTION\n"
	"WITH CONSISTENT SNAPSHOT; MariaDB reports the binlog position it matches),\n"
	"reads the keys of every mapped table (or --entity E) in key order, --chunk\n"
	"keys (10000) a query, with a progress line on a terminal, and sends one\n"
	"event per row with op \"snapshot\" to the cdc sink (or --output). The\n"
	"sink's checkpoint is then the snapshot's position, so 'ficus cdc stream'\n"
	"continues from exactly there: no change made during the snapshot is\n"
	"missed. Zero-payload events: 'ficus sync' fetches each row.\n"
	"exit status: 0 ok, 2 usage error or failure\n",
	cdc_snapshot,
};

/* ----------------------------------------------------------- cdc prune */

/* "7d", "12h", "30m", "90s" -> seconds; -1 when malformed. */
static long long parse_age(const char *s)
{
	char *end;
	long long n = strtoll(s, &end, 10);
	if (end == s || n < 0 || strlen(end) != 1)
		return -1;
	switch (*end) {
	case 's': return n;
	case 'm': return n * 60;
	case 'h': return n * 3600;
	case 'd': return n * 86400;
	default: return -1;
	}
}

static int cdc_prune(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "older-than", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cfg_path = NULL, *age_text = NULL;
	long long age;
	char secs[32];
	const char *params[1] = { secs };
	struct fc_config cfg;
	struct fc_err err;
	PGconn *pg;
	PGresult *r;
	int c, rc = CLI_OK;

	while ((c = cli_getopt(argc, argv, argv[0], "c:", opts)) != -1) {
		switch (c) {
		case 'c': cfg_path = optarg; break;
		case 'o': age_text = optarg; break;
		default: return CLI_ERROR;
		}
	}
	if (optind < argc)
		return cli_usage_error(argv[0], "unexpected argument '%s'", argv[optind]);
	if (!age_text)
		return cli_usage_error(argv[0], "give --older-than AGE (e.g. 7d, 12h, 30m)");
	if ((age = parse_age(age_text)) < 0)
		return cli_usage_error(argv[0], "--older-than wants a number and s, m, h or d (7d), not '%s'",
		                       age_text);
	snprintf(secs, sizeof secs, "%lld", age);
	if (fc_config_load(fc_config_default_path(cfg_path), &cfg, &err))
		return cli_fail(argv[0], &err);
	if (!cfg.cdc.present || cfg.cdc.sink.kind != FC_SINK_OUTBOX) {
		fc_errf(&err, FC_ECONFIG, "%s: cdc.sink is not an outbox: nothing to prune", cfg.path);
		fc_config_release(&cfg);
		return cli_fail(argv[0], &err);
	}
	pg = fc_pg_open(fc_config_conn(&cfg, cfg.cdc.sink.connection), &err);
	if (!pg) {
		fc_config_release(&cfg);
		return cli_fail(argv[0], &err);
	}
	/* old enough, and taken by every registered consumer */
	r = PQexecParams(pg,
	                 "WITH passed AS (SELECT min(seq) AS seq, count(*) AS n FROM ficus.consumers), "
	                 "gone AS (DELETE FROM ficus.outbox o USING passed p WHERE p.n > 0 AND "
	                 "o.seq <= p.seq AND o.created_at < now() - make_interval(secs => $1::bigint) "
	                 "RETURNING 1) SELECT (SELECT count(*) FROM gone), (SELECT n FROM passed), "
	                 "(SELECT coalesce(seq, 0) FROM passed)",
	                 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		fc_errf(&err, FC_ESQL, "pruning the outbox: %s", PQresultErrorMessage(r));
		rc = cli_fail(argv[0], &err);
	} else if (atoll(PQgetvalue(r, 0, 1)) == 0) {
		printf("prune: no consumer is registered in ficus.consumers: nothing pruned\n");
	} else {
		printf("prune: %s events older than %s removed (every consumer is past seq %s)\n",
		       PQgetvalue(r, 0, 0), age_text, PQgetvalue(r, 0, 2));
	}
	PQclear(r);
	PQfinish(pg);
	fc_config_release(&cfg);
	return rc;
}

const struct cli_cmd cli_cmd_cdc_prune = {
	"cdc prune",
	"remove old outbox events that every consumer has taken",
	"usage: ficus cdc prune --older-than AGE [--config FILE]\n"
	"\n"
	"Deletes rows of ficus.outbox created more than AGE ago (7d, 12h, 30m, 90s)\n"
	"whose seq every registered consumer (ficus.consumers) has passed. With no\n"
	"consumer registered nothing is removed. Run it from cron.\n"
	"exit status: 0 ok, 2 usage error or failure\n",
	cdc_prune,
};
