/* cli/cmd_cdc.c - `ficus cdc ...`: change data capture from the binlog. */
#include "cli.h"

#include "../cdc/checkpoint.h"
#include "../cdc/decoder.h"
#include "../cdc/file.h"
#include "../cdc/print.h"
#include "../cdc/stream.h"
#include "../lib/config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int cdc_read(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all-tables", no_argument, NULL, 'a' },
		{ "start-position", required_argument, NULL, 's' },
		{ "stop-position", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	long long start = 0, stop = -1;
	bool all = false;
	struct cdc_printer printer;
	struct cdc_handler h;
	struct cdc_decoder d;
	struct fc_err err;
	int c, rc = CLI_OK;
	static char outbuf[1 << 16];

	while ((c = cli_getopt(argc, argv, argv[0], "", opts)) != -1) {
		switch (c) {
		case 'a':
			all = true;
			break;
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
	if (!all)
		return cli_usage_error(argv[0], "give --all-tables (events per mapping are not "
		                       "built yet)");
	setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
	cdc_printer_init(&printer, stdout, &h);
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
			const uint8_t *ev = (const uint8_t *)f.buf.ptr;
			bool first = i == optind;
			if (stop >= 0 && i == argc - 1 && pos >= (uint64_t)stop)
				break;
			/* before --start-position only the format matters */
			if (first && pos < (uint64_t)start && ev[4] != CDC_EV_FORMAT_DESCRIPTION)
				continue;
			if (cdc_decoder_feed(&d, ev, f.buf.len, pos, &err)) {
				got = -1;
				break;
			}
		}
		if (got < 0) {
			fflush(stdout);
			if (!strstr(err.msg, argv[i]) && !strstr(err.msg, "binlog '"))
				fc_err_prefix(&err, "binlog '%s'", argv[i]);
			rc = cli_fail(argv[0], &err);
		}
		cdc_file_close(&f);
	}
	if (fflush(stdout) != 0 && rc == CLI_OK) {
		fprintf(stderr, "ficus %s: error: writing the output failed\n", argv[0]);
		rc = CLI_ERROR;
	}
	cdc_decoder_release(&d);
	cdc_printer_release(&printer);
	return rc;
}

const struct cli_cmd cli_cmd_cdc_read = {
	"cdc read",
	"decode local binlog files (plain or gzip) into row changes as JSON lines",
	"usage: ficus cdc read --all-tables [--start-position N] [--stop-position N] FILE...\n"
	"\n"
	"Reads MySQL/MariaDB binlog files in the order given (gzip-compressed\n"
	"files too), verifies event checksums, and decodes every row change with\n"
	"ficus's own decoder. With --all-tables it prints one JSON line per\n"
	"changed row of every table, with full before/after images, and one per\n"
	"DDL statement (docs/cdc.md has the format):\n"
	"  {\"db\":\"baemin\",\"table\":\"shop\",\"op\":\"update\",\"before\":{...},\n"
	"   \"after\":{...},\"ts\":\"...Z\",\"gtid\":\"0-1-42\",\"file\":\"binlog.000002\",\"pos\":1784,\"row\":0}\n"
	"Column names come from the TABLE_MAP's metadata (binlog_row_metadata=FULL);\n"
	"without it columns are named @1, @2, ...\n"
	"\n"
	"  --all-tables          every table, no mapping needed\n"
	"  --start-position N    skip events before offset N of the first file\n"
	"  --stop-position N     stop at offset N of the last file\n"
	"\n"
	"A truncated or corrupt file stops with an error naming the file and the\n"
	"offset of the bad event (rows decoded before it are printed).\n"
	"exit status: 0 ok, 2 usage error, unreadable or corrupt binlog\n",
	cdc_read,
};

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* After each transaction: the output reaches the file (or the pipe), then
 * the checkpoint moves past it. */
struct stream_ctx {
	struct cdc_handler inner;
	const char *checkpoint;
	bool fsync_out;
};

static int stream_commit(void *ctx, const struct cdc_pos *next, uint32_t ts, struct fc_err *err)
{
	struct stream_ctx *s = ctx;
	int rc = s->inner.commit ? s->inner.commit(s->inner.ctx, next, ts, err) : 0;
	if (rc)
		return rc;
	if (fflush(stdout) != 0 || (s->fsync_out && fsync(1) != 0))
		return fc_errf(err, FC_EIO, "writing the output failed: %s", strerror(errno));
	return s->checkpoint ? cdc_checkpoint_write(s->checkpoint, next, err) : 0;
}

static int stream_row(void *ctx, const struct cdc_change *ch, struct fc_err *err)
{
	struct stream_ctx *s = ctx;
	return s->inner.row(s->inner.ctx, ch, err);
}

static int stream_ddl(void *ctx, const char *db, const char *sql, size_t len,
                      const struct cdc_pos *at, struct fc_err *err)
{
	struct stream_ctx *s = ctx;
	return s->inner.ddl(s->inner.ctx, db, sql, len, at, err);
}

static int cdc_stream(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "all-tables", no_argument, NULL, 'a' },
		{ "start", required_argument, NULL, 's' },
		{ "gtid", required_argument, NULL, 'g' },
		{ "checkpoint", required_argument, NULL, 'k' },
		{ "until-end", no_argument, NULL, 'u' },
		{ "server-id", required_argument, NULL, 'i' },
		{ "retries", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL, *start = NULL, *gtid = NULL, *checkpoint = NULL;
	long long server_id = -1, retries = -1;
	bool all = false, until_end = false;
	struct fc_config cfg;
	struct cdc_stream_opts o;
	struct cdc_printer printer;
	struct stream_ctx sctx;
	struct cdc_handler h;
	struct cdc_decoder d;
	struct fc_err err;
	struct sigaction sa;
	struct stat st;
	static char outbuf[1 << 16];
	int c, rc;

	while ((c = cli_getopt(argc, argv, argv[0], "c:", opts)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'a': all = true; break;
		case 's': start = optarg; break;
		case 'g': gtid = optarg; break;
		case 'k': checkpoint = optarg; break;
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
	if (!all)
		return cli_usage_error(argv[0], "give --all-tables (events per mapping are not "
		                       "built yet)");
	if (start && gtid)
		return cli_usage_error(argv[0], "give --start or --gtid, not both");
	memset(&o, 0, sizeof o);
	if (start && !cdc_pos_parse(start, &o.start))
		return cli_usage_error(argv[0], "--start wants FILE:POS (e.g. binlog.000042:4), not '%s'",
		                       start);
	if (gtid)
		snprintf(o.start.gtid, sizeof o.start.gtid, "%s", gtid);
	if (fc_config_load(fc_config_default_path(path), &cfg, &err))
		return cli_fail(argv[0], &err);
	if (!cfg.cdc.present) {
		fc_errf(&err, FC_ECONFIG, "%s has no 'cdc' section (cdc: { source: CONN, sink: ... })",
		        cfg.path);
		fc_config_release(&cfg);
		return cli_fail(argv[0], &err);
	}
	o.conn = fc_config_conn(&cfg, cfg.cdc.source);
	o.server_id = server_id > 0 ? (unsigned)server_id : cfg.cdc.server_id;
	o.until_end = until_end;
	o.retries = (int)retries;
	if (!start && !gtid && checkpoint) {
		rc = cdc_checkpoint_read(checkpoint, &o.start, &err);
		if (rc && rc != -FC_ENOTFOUND) {
			fc_config_release(&cfg);
			return cli_fail(argv[0], &err);
		}
	}
	if (!o.start.file[0] && !o.start.gtid[0]) {
		if (cdc_stream_current(o.conn, &o.start, &err)) {
			fc_config_release(&cfg);
			return cli_fail(argv[0], &err);
		}
		o.start.gtid[0] = '\0';
		fprintf(stderr, "ficus cdc: starting at the current position %s:%llu\n", o.start.file,
		        (unsigned long long)o.start.pos);
	}
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
	cdc_printer_init(&printer, stdout, &sctx.inner);
	sctx.checkpoint = checkpoint;
	sctx.fsync_out = fstat(1, &st) == 0 && S_ISREG(st.st_mode);
	memset(&h, 0, sizeof h);
	h.ctx = &sctx;
	h.row = stream_row;
	h.ddl = stream_ddl;
	h.commit = stream_commit;
	cdc_decoder_init(&d, &h);
	rc = cdc_stream_run(&o, &d, &stop_flag, &err);
	fflush(stdout);
	cdc_decoder_release(&d);
	cdc_printer_release(&printer);
	fc_config_release(&cfg);
	return rc ? cli_fail(argv[0], &err) : CLI_OK;
}

const struct cli_cmd cli_cmd_cdc_stream = {
	"cdc stream",
	"follow the legacy database's binlog as a replica; row changes as JSON lines",
	"usage: ficus cdc stream --all-tables [--config FILE] [--start FILE:POS | --gtid GTID]\n"
	"                        [--checkpoint FILE] [--until-end] [--server-id N] [--retries N]\n"
	"\n"
	"Connects to the config's cdc.source as a replica (its own server id,\n"
	"cdc.server_id unless --server-id) and decodes the binlog as it is written,\n"
	"following rotations, with heartbeats every 5 s. Output as for\n"
	"'ficus cdc read --all-tables'.\n"
	"\n"
	"Where it starts: --start FILE:POS, or --gtid (a MariaDB GTID position such\n"
	"as 0-1-42), or the --checkpoint file when it exists, else the server's\n"
	"current position. After each transaction the output is flushed (and\n"
	"fsynced when it is a file), then the checkpoint is written: a restart with\n"
	"the same --checkpoint resumes right after the last transaction delivered.\n"
	"A lost connection or a server restart is retried with backoff (1 s to\n"
	"30 s; --retries caps the attempts in a row) and resumes without losing or\n"
	"repeating rows.\n"
	"\n"
	"  --config FILE      config file (default: $FICUS_CONFIG, else ./ficus.yaml)\n"
	"  --all-tables       every table, no mapping needed\n"
	"  --until-end        stop at the end of the binlog instead of waiting\n"
	"SIGINT or SIGTERM stop it cleanly.\n"
	"exit status: 0 stopped, 2 usage error or failure\n",
	cdc_stream,
};
