/* cdc/stream.h - the binlog as a replica reads it: libmariadb's replication
 * API (mariadb_rpl_open/fetch) for the connection, COM_BINLOG_DUMP and
 * the event stream; every event body is decoded by cdc/decoder.c, never by
 * the connector.
 *
 * Before the dump the session announces: the checksum it can verify
 * (@master_binlog_checksum), MariaDB GTID support
 * (@mariadb_slave_capability=4), the heartbeat period
 * (@master_heartbeat_period, ns), and for a GTID start
 * @slave_connect_state. The server then sends a fake ROTATE naming the
 * file, the FORMAT_DESCRIPTION, and the events; HEARTBEAT events keep an
 * idle stream alive.
 *
 * A lost connection or a server restart is retried with exponential
 * backoff (1 s doubling to 30 s); the stream resumes after the last
 * committed transaction and the decoder's fence keeps rows of the
 * transaction in flight from being delivered twice. */
#ifndef CDC_STREAM_H
#define CDC_STREAM_H

#include "../lib/config.h"
#include "../lib/err.h"
#include "decoder.h"

#include <signal.h>
#include <stdbool.h>

struct cdc_stream_opts {
	const struct fc_conn *conn;    /* a mysql connection */
	unsigned server_id;            /* ours, as a replica */
	struct cdc_pos start;          /* file:pos, or gtid (file empty) */
	unsigned heartbeat_ms;         /* 0: 10 ms; also when the outbox sink flushes a quiet batch */
	bool until_end;                /* stop at the end of the binlog */
	int retries;                   /* reconnects allowed in a row; -1: forever */
	bool quiet;                    /* no reconnect messages on stderr */
};

/* Streams into d until *stop is set, the end (until_end), or an error
 * that retrying cannot mend (bad position, corrupt event). Returns 0 or a
 * negative code with err set. */
int cdc_stream_run(const struct cdc_stream_opts *o, struct cdc_decoder *d,
                   volatile sig_atomic_t *stop, struct fc_err *err);

/* The server's current binlog position (SHOW MASTER STATUS + gtid_binlog_pos). */
int cdc_stream_current(const struct fc_conn *conn, struct cdc_pos *pos, struct fc_err *err);

#endif
