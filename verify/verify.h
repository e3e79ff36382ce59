/* verify/verify.h - do the legacy and the new store agree? Per mapping
 * entity, the legacy rows transformed per mapping against the target rows,
 * by key (docs/verify.md).
 *
 * How: both databases render every mapped value in one canonical text form
 * (canon.c) and join a row's values into one text. The key range is walked
 * in segments of segment_rows legacy rows; per segment both engines return
 * the count and a checksum (the md5 of the segment's rows, or of their
 * md5s when rows are wide, in key order when the legacy key is a non-text
 * primary key, else the sum of the rows' 60-bit md5 prefixes), queried in parallel (libpq's
 * asynchronous API while MariaDB answers). A segment that differs is split into `factor`
 * parts at keys taken from the side with more rows, recursively, until it
 * holds at most `threshold` rows: then its rows are fetched from both sides
 * and compared value by value. Memory stays bounded by the threshold, the
 * recursion depth and the differences kept (max_diffs), whatever the table
 * sizes.
 *
 * Keys: integers compare as numbers, text keys in byte order on both
 * engines (CAST(k AS BINARY) / k COLLATE "C"), other types natively. */
#ifndef VFY_VERIFY_H
#define VFY_VERIFY_H

#include "../lib/config.h"
#include "../lib/err.h"
#include "../lib/mapping.h"

#include <libpq-fe.h>
#include <mysql.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

struct vfy_opts {
	size_t segment_rows;      /* legacy rows per top-level segment, default 1000 */
	size_t factor;            /* parts a differing segment is split into, default 8 */
	size_t threshold;         /* rows fetched and compared at most, default 1000 */
	int float_digits;         /* floats compared rounded to this many decimals, default 6 */
	size_t max_diffs;         /* differences kept per entity (the rest counted), default 1000 */
	/* called after each top-level segment: rows done (legacy) of total (an
	 * estimate, may be 0) */
	void (*progress)(void *ctx, const char *entity, unsigned long long done,
	                 unsigned long long total);
	void *ctx;
};

void vfy_opts_init(struct vfy_opts *o);

enum vfy_kind { VFY_MISSING, VFY_EXTRA, VFY_CHANGED };

/* One changed column: canonical values, NULL for SQL NULL. */
struct vfy_col_diff {
	const char *column;       /* target column (the mapping's) */
	char *legacy, *target;
};

struct vfy_diff {
	enum vfy_kind kind;
	char **key;               /* nkey raw key values (legacy key column order) */
	char *key_json;           /* {"shop_id":42}, as events carry it */
	struct vfy_col_diff *cols;
	size_t ncols;
};

struct vfy_result {
	const struct map_entity *e;
	unsigned long long legacy_rows, new_rows;
	unsigned long long missing, extra, changed;
	unsigned long long segments, fetched;   /* checksum queries, rows fetched */
	unsigned long long rechecked;           /* differences checked again */
	bool incremental;         /* vfy_keys: only the keys given were compared */
	unsigned long long keys_checked;
	struct vfy_diff *diffs;   /* the first max_diffs differences */
	size_t ndiffs;
	bool error;
	char errmsg[FC_ERR_MSG_MAX];
	long long duration_ms;
};

void vfy_result_release(struct vfy_result *r);

/* The two connections, opened per the mapping file's source/target. */
struct vfy_conns {
	MYSQL *my;
	PGconn *pg;
};

int vfy_open(struct vfy_conns *c, const struct fc_config *cfg, const struct map_file *f,
             struct fc_err *err);
void vfy_close(struct vfy_conns *c);

/* Compares one entity. Fills *r (caller releases it); returns 0, or a
 * negative code with err filled when the comparison could not be made
 * (r->error is then set too, with the same message). */
int vfy_entity(struct vfy_conns *c, const struct map_entity *e, const struct vfy_opts *o,
               struct vfy_result *r, struct fc_err *err);

/* Compares only the rows of n keys (keys[i * e->nkey + k]: raw legacy key
 * values, e.g. from events): fills *r like vfy_entity, without row counts
 * (r->incremental). */
int vfy_keys(struct vfy_conns *c, const struct map_entity *e, const struct vfy_opts *o,
             const char *const *keys, size_t n, struct vfy_result *r, struct fc_err *err);

/* The newest outbox event (max seq) of the cdc sink, 0 when none; -1 when
 * cdc.sink is not an outbox (no changed keys to ask for). */
long long vfy_outbox_seq(const struct fc_config *cfg, struct fc_err *err);

/* The distinct keys of e's events with from < seq <= to in the outbox,
 * flat (n * e->nkey strings) in *keys; the caller frees each and the
 * array. At most max keys: returns 1 (and nothing) when there are more. */
int vfy_changed_keys(const struct fc_config *cfg, const struct map_entity *e, long long from,
                     long long to, size_t max, char ***keys, size_t *n, struct fc_err *err);

/* Looks at each kept difference of r again (the current rows of both
 * sides) and drops those that no longer differ; counters follow. */
int vfy_recheck(struct vfy_conns *c, const struct vfy_opts *o, struct vfy_result *r,
                struct fc_err *err);

/* Waits until the cdc/sync pipeline the config describes has moved past
 * now: the cdc checkpoint (outbox: ficus.cdc_checkpoint 'cdc'; nats: the
 * stream's bucket) has reached the legacy server's current binlog
 * position, then sync's position (ficus.consumers 'sync') the newest
 * event. Without a pipeline (no cdc or sync section, a jsonl sink) sleeps
 * grace seconds. *waited_for says which ("pipeline" / "grace"). Returns 0,
 * or -FC_ETOOBIG when timeout_s passed first (err says what lagged). */
int vfy_wait_pipeline(const struct fc_config *cfg, MYSQL *my, int grace_s, int timeout_s,
                      const char **waited_for, volatile sig_atomic_t *stop, struct fc_err *err);

/* Re-issues a zero-payload event for each kept difference of r through the
 * configured cdc sink (outbox, nats or jsonl), so that sync fetches those
 * keys again. *sent gets the number of events. */
int vfy_repair(const struct fc_config *cfg, struct vfy_result *const *rs, size_t n,
               unsigned long long *sent,
               struct fc_err *err);

/* ficus.verify_results in the target: one row per entity, the last run's
 * outcome (docs/verify.md). vfy_store upserts r; vfy_last_results reads
 * every row into *out (caller frees with free()). */
struct vfy_stored {
	char entity[128];
	char finished_at[40];     /* ISO 8601, UTC */
	long long legacy_rows, new_rows, missing, extra, changed, duration_ms;
	char status[16];          /* equal | diverged | error */
	char error[512];
};

int vfy_store(PGconn *pg, const struct vfy_result *r, struct fc_err *err);
int vfy_last_results(PGconn *pg, struct vfy_stored **out, size_t *n, struct fc_err *err);

extern const char vfy_results_ddl[];

#endif
