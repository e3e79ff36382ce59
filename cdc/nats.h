/* cdc/nats.h - the NATS JetStream sink: events published to a stream, the
 * checkpoint kept in a JetStream key-value bucket, written only after the
 * server has acknowledged every event before it (docs/nats.md).
 *
 * Stream: `stream` (default FICUS), file storage, subjects "ficus.>"; an
 * event of topic shop.changed goes to subject ficus.shop.changed. Every
 * message carries the event's id as Nats-Msg-Id, and the stream drops a
 * message whose id it has seen in the last 5 minutes (its duplicate
 * window), so republishing within that window (a lost connection, a
 * restart after a crash) stores nothing twice.
 *
 * Publishing is asynchronous: events are buffered (up to 256 events or
 * 64 KiB) and published as a batch, with at most 4096 events waiting for
 * their acknowledgement (event blocks while the window is full). A
 * commit waits until every event of the transaction is acknowledged, then
 * writes the checkpoint ({"file","pos","gtid","ts"} as in checkpoint.h,
 * plus "stream" and "stream_seq") to key `checkpoint_name` of the bucket
 * <stream>_CDC (FICUS_CDC), and only then returns.
 *
 * A lost connection, a NATS restart, a publish the server refused for a
 * passing reason (no JetStream responder yet) or an acknowledgement that
 * does not come in 5 s: the sink waits for the connection to come back
 * (the client reconnects without limit), then publishes again, in order,
 * every event not yet acknowledged, with the same ids (the server drops
 * the ones it had stored). Each event but the first after opening also
 * carries Nats-Expected-Last-Msg-Id (the previous event's id), so the
 * server never stores an event after a gap: the stream keeps the events'
 * order even when messages are lost in flight. Nothing is lost, nothing
 * is stored twice. After `timeout_ms` (default 60 s) without progress the
 * call fails, naming what it waited for. The stream is best left to one
 * ficus cdc: another publisher's message between two events costs a
 * republish.
 *
 * A rollback is accepted while the transaction's events are still in the
 * sink's buffer (they are dropped); once some were published it is an
 * error: JetStream cannot take messages back. InnoDB never writes
 * rolled-back transactions to the binlog; only non-transactional tables
 * (MyISAM) can produce a ROLLBACK there.
 *
 * Errors start with the redacted URL and the stream:
 * "nats://127.0.0.1:42220: stream FICUS: ...". */
#ifndef CDC_NATS_H
#define CDC_NATS_H

#include "../lib/err.h"
#include "decoder.h"
#include "events.h"

#include <stdbool.h>
#include <stdint.h>

#define CDC_NATS_SUBJECT_PREFIX "ficus"
#define CDC_NATS_DEFAULT_STREAM "FICUS"
#define CDC_NATS_DEFAULT_KEY "cdc"
#define CDC_NATS_DUPLICATE_WINDOW_S 300

struct cdc_nats_state;   /* connection, window of unacknowledged events: private */

struct cdc_nats {
	char shown[512];         /* the URL without user:password@, for messages */
	char stream[128];
	char bucket[160];        /* <stream>_CDC */
	char key[128];           /* the checkpoint's key in the bucket */
	char prefix[128];        /* of the subjects: "ficus" */
	int64_t timeout_ms;      /* give up after this long without progress (default 60000) */
	/* counters, for logs and tests */
	uint64_t published;      /* events handed to the sink and published */
	uint64_t acked;          /* acknowledgements, duplicates included */
	uint64_t duplicates;     /* acknowledged as duplicates (already in the stream) */
	uint64_t resent;         /* publishes repeated after a lost connection or a refusal */
	uint64_t reconnects;     /* reconnections seen */
	uint64_t last_seq;       /* stream sequence of the last acknowledged event */
	struct cdc_nats_state *st;
};

/* Connects to url (one URL or a comma-separated list), creates the stream
 * (or updates it: adds the subjects "ficus.>", raises a duplicate window
 * shorter than 5 minutes; a stream on memory storage is refused), opens or
 * creates the bucket and reads the checkpoint: *have_resume says whether
 * there was one, *resume is its position. stream NULL: "FICUS";
 * checkpoint_name NULL: "cdc". On failure nothing is left to close. */
int cdc_nats_open(struct cdc_nats *n, const char *url, const char *stream,
                  const char *checkpoint_name, struct cdc_pos *resume, bool *have_resume,
                  struct fc_err *err);

/* The same with another subject prefix than "ficus" (events go to
 * PREFIX.<topic>, the stream takes PREFIX.>). Two streams cannot take the
 * same subjects: a second ficus cdc on the same NATS account (another
 * legacy database), or a test beside a running FICUS stream, needs its own
 * stream and prefix. */
int cdc_nats_open_prefix(struct cdc_nats *n, const char *url, const char *stream,
                         const char *subject_prefix, const char *checkpoint_name,
                         struct cdc_pos *resume, bool *have_resume, struct fc_err *err);

/* What `cdc status` shows of a NATS sink, read without creating anything:
 * the stream's size and the checkpoint, when they exist. */
struct cdc_nats_peek {
	bool have_stream;
	uint64_t msgs, last_seq;
	bool have_checkpoint;
	struct cdc_pos checkpoint;
};

/* Connects, reads the stream's state and the checkpoint in <stream>_CDC,
 * disconnects. A missing stream or bucket is not an error (have_* false);
 * a NATS server that does not answer is ("...: cannot connect: ..."). */
int cdc_nats_peek(const char *url, const char *stream, const char *checkpoint_name,
                  struct cdc_nats_peek *out, struct fc_err *err);

/* The sink interface for the mapper (events.h). */
void cdc_nats_sink(struct cdc_nats *n, struct cdc_sink *sink);

/* Closes the connection. Events published and not committed are left as
 * they are (the stream has what it acknowledged; a restart from the
 * checkpoint publishes the rest again, with the same ids). */
void cdc_nats_close(struct cdc_nats *n);

#endif
