/* cdc/events.c - see events.h. */
#include "events.h"

#include "print.h"
#include "value.h"

#include <stdio.h>
#include <string.h>

/* Appends a string literal. */
#define LIT(b, s) fc_buf_add((b), (s), sizeof(s) - 1)

/* The column index of a name in a table map, or -1. */
static int col_index(const struct cdc_table *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++)
		if (t->cols[i].name && strcmp(t->cols[i].name, name) == 0)
			return (int)i;
	return -1;
}

static bool table_is(const struct map_entity *e, const struct cdc_table *t, const char *default_db)
{
	const char *db = e->from.schema[0] ? e->from.schema : default_db;
	return db && strcmp(db, t->db) == 0 && strcmp(e->from.name, t->name) == 0;
}

/* Whether column i differs between the images (absent in the after image
 * means unchanged: MINIMAL images carry only what changed). */
static bool changed(const struct cdc_image *b, const struct cdc_image *a, int i)
{
	if (i < 0 || (size_t)i >= a->ncols || a->cell[i] == CDC_CELL_ABSENT)
		return false;
	if ((size_t)i >= b->ncols || b->cell[i] == CDC_CELL_ABSENT)
		return true;
	return !cdc_image_same(a, b, (size_t)i);
}

static int put_value(struct fc_buf *out, const struct cdc_image *im, int i)
{
	return cdc_image_value(im, (size_t)i, out);
}

/* Appends s escaped as in a JSON string, without the quotes. */
static int put_bare(struct fc_buf *out, const char *s)
{
	size_t at = out->len;
	int rc = cdc_json_string(out, s, strlen(s));
	if (rc)
		return rc;
	memmove(out->ptr + at, out->ptr + at + 1, out->len - at - 2);
	out->len -= 2;
	out->ptr[out->len] = '\0';
	return 0;
}

static size_t u64_len(uint64_t v)
{
	size_t n = 1;
	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

/* The parts of an event id around its row number: "file:pos:" before,
 * ":entitysuffix" and the closing quote after (the memo puts the row in
 * between for each row). */
static int put_id_head(struct fc_buf *b, const struct cdc_change *ch)
{
	int rc = put_bare(b, ch->file);
	if (rc == 0)
		rc = fc_buf_addc(b, ':');
	if (rc == 0)
		rc = fc_buf_put_u64(b, ch->event_pos);
	return rc ? rc : fc_buf_addc(b, ':');
}

static int put_id_tail(struct fc_buf *b, const struct map_entity *e, const char *suffix)
{
	int rc = fc_buf_addc(b, ':');
	if (rc == 0)
		rc = put_bare(b, e->name);
	if (rc == 0)
		rc = put_bare(b, suffix);
	return rc ? rc : fc_buf_addc(b, '"');
}

/* "file:pos:row:entitysuffix" as a JSON string, cut at 399 bytes as it
 * always was (made with a 400-byte snprintf). */
static int put_id(struct fc_buf *b, const struct cdc_change *ch, const struct map_entity *e,
                  const char *suffix)
{
	size_t raw = strlen(ch->file) + 1 + u64_len(ch->event_pos) + 1 + u64_len(ch->row) + 1 +
	             strlen(e->name) + strlen(suffix);
	int rc;

	if (raw >= 400) {
		char id[400];
		snprintf(id, sizeof id, "%s:%llu:%u:%s%s", ch->file, (unsigned long long)ch->event_pos,
		         ch->row, e->name, suffix);
		return cdc_json_string(b, id, strlen(id));
	}
	/* escaping is per character, and each part ends before ASCII (or the
	 * end): the parts escaped one by one are the whole escaped */
	rc = fc_buf_addc(b, '"');
	if (rc == 0)
		rc = put_id_head(b, ch);
	if (rc == 0)
		rc = fc_buf_put_u64(b, ch->row);
	return rc ? rc : put_id_tail(b, e, suffix);
}

static int put_str(struct fc_buf *b, const char *s)
{
	return fc_buf_add(b, s, strlen(s));
}

/* {"k1":v1,...} of the entity's legacy key in image im. */
static int key_json(const struct map_entity *e, const struct cdc_table *t, const struct cdc_image *im,
                    struct fc_buf *out, struct fc_err *err)
{
	int rc = fc_buf_putc(out, '{');
	for (size_t k = 0; rc == 0 && k < e->nkey; k++) {
		int i = col_index(t, e->from_key[k]);
		if (i < 0)
			return fc_errf(err, FC_ECONFIG, "entity '%s': table %s.%s has no column '%s' (or "
			               "the binlog lacks column names: binlog_row_metadata=FULL)",
			               e->name, t->db, t->name, e->from_key[k]);
		if ((size_t)i >= im->ncols || im->cell[i] == CDC_CELL_ABSENT)
			return fc_errf(err, FC_ECORRUPT, "entity '%s': key column '%s' is not in the row "
			               "image of %s.%s (binlog_row_image=MINIMAL needs the key to be the "
			               "primary key)", e->name, e->from_key[k], t->db, t->name);
		if (k)
			rc = fc_buf_putc(out, ',');
		if (rc == 0)
			rc = cdc_json_string(out, e->from_key[k], strlen(e->from_key[k]));
		if (rc == 0)
			rc = fc_buf_putc(out, ':');
		if (rc == 0)
			rc = put_value(out, im, i);
	}
	return rc ? rc : fc_buf_putc(out, '}');
}

static int payload_json(const struct map_entity *e, const struct cdc_table *t,
                        const struct cdc_image *im, struct fc_buf *out)
{
	bool first = true;
	int rc = fc_buf_puts(out, ",\"payload\":{");
	for (size_t c = 0; rc == 0 && c < e->ncolumns; c++) {
		const struct map_column *mc = &e->columns[c];
		int i;
		if (e->payload == MAP_PAYLOAD_COLUMNS) {
			size_t k;
			for (k = 0; k < e->npayload_cols; k++)
				if (strcmp(e->payload_cols[k], mc->target) == 0)
					break;
			if (k == e->npayload_cols)
				continue;
		}
		i = col_index(t, mc->source);
		if (i < 0 || (size_t)i >= im->ncols || im->cell[i] == CDC_CELL_ABSENT)
			continue;
		if (!first)
			rc = fc_buf_putc(out, ',');
		first = false;
		if (rc == 0)
			rc = cdc_json_string(out, mc->target, strlen(mc->target));
		if (rc == 0)
			rc = fc_buf_putc(out, ':');
		if (rc == 0)
			rc = put_value(out, im, i);
	}
	return rc ? rc : fc_buf_putc(out, '}');
}

/* The envelope after the id: ,"topic":...,"entity":"...","key": */
static int put_topic_entity(struct fc_buf *b, const struct map_entity *e)
{
	int rc = LIT(b, ",\"topic\":");
	if (rc == 0)
		rc = cdc_json_string(b, e->topic, strlen(e->topic));
	if (rc == 0)
		rc = LIT(b, ",\"entity\":\"");
	if (rc == 0)
		rc = put_str(b, e->name);
	return rc ? rc : LIT(b, "\",\"key\":");
}

/* The envelope after the key, up to the row number:
 * ,"op":"...","ts":"...","source":{"file":...,"pos":N,"row": */
static int put_op_source(struct fc_buf *b, const struct cdc_change *ch, const char *op)
{
	char when[24];
	int rc;

	cdc_utc_text(ch->timestamp, when);
	rc = LIT(b, ",\"op\":\"");
	if (rc == 0)
		rc = put_str(b, op);
	if (rc == 0)
		rc = LIT(b, "\",\"ts\":\"");
	if (rc == 0)
		rc = put_str(b, when);
	if (rc == 0)
		rc = LIT(b, "\",\"source\":{\"file\":");
	if (rc == 0)
		rc = cdc_json_string(b, ch->file, strlen(ch->file));
	if (rc == 0)
		rc = LIT(b, ",\"pos\":");
	if (rc == 0)
		rc = fc_buf_put_u64(b, ch->event_pos);
	return rc ? rc : LIT(b, ",\"row\":");
}

/* The end of "source" after the row number: ,"gtid":"..."} or } */
static int put_source_end(struct fc_buf *b, const struct cdc_change *ch)
{
	int rc = 0;

	if (ch->gtid && *ch->gtid) {
		rc = LIT(b, ",\"gtid\":\"");
		if (rc == 0)
			rc = put_str(b, ch->gtid);
		if (rc == 0)
			rc = fc_buf_addc(b, '"');
	}
	return rc ? rc : fc_buf_addc(b, '}');
}

/* The end of every envelope: the payload (the key, copied from where it
 * sits in b at key_at, or the columns), the closing brace, then the sink.
 * rc is the result of writing what came before. */
static int finish_event(struct cdc_mapper *m, const struct map_entity *e,
                        const struct cdc_change *ch, const struct cdc_image *data_im,
                        struct fc_buf *b, size_t key_at, size_t key_len, int rc,
                        struct fc_err *err)
{
	if (rc == 0 && e->payload == MAP_PAYLOAD_KEY) {
		rc = LIT(b, ",\"payload\":");
		/* the key is inside b, which may move as it grows: room first */
		if (rc == 0)
			rc = fc_buf_reserve(b, key_len);
		if (rc == 0)
			rc = fc_buf_append(b, b->ptr + key_at, key_len);
	} else if (rc == 0 && data_im &&
	           (e->payload == MAP_PAYLOAD_COLUMNS || e->payload == MAP_PAYLOAD_FULL)) {
		rc = payload_json(e, ch->table, data_im, b);
	}
	if (rc == 0)
		rc = fc_buf_addc(b, '}');
	if (rc)
		return fc_errf(err, FC_ENOMEM, "out of memory");
	m->events++;
	return m->sink.event(m->sink.ctx, b->ptr, b->len, err);
}

/* One envelope: the key from key_im, the payload (if the entity wants one)
 * from data_im (NULL: none, as for deletes). */
static int emit_slow(struct cdc_mapper *m, const struct map_entity *e, const struct cdc_change *ch,
                const struct cdc_image *key_im, const struct cdc_image *data_im, const char *op,
                const char *suffix, struct fc_err *err)
{
	struct fc_buf *b = &m->json;
	size_t key_at, key_len;
	int rc;

	fc_buf_reset(b);
	rc = LIT(b, "{\"id\":");
	if (rc == 0)
		rc = put_id(b, ch, e, suffix);
	if (rc == 0)
		rc = put_topic_entity(b, e);
	if (rc)
		return fc_errf(err, FC_ENOMEM, "out of memory");
	key_at = b->len;
	if ((rc = key_json(e, ch->table, key_im, b, err)))
		return rc;
	key_len = b->len - key_at;
	if (m->only_key && (strlen(m->only_key) != key_len ||
	                    memcmp(m->only_key, b->ptr + key_at, key_len) != 0))
		return 0;
	rc = put_op_source(b, ch, op);
	if (rc == 0)
		rc = fc_buf_put_u64(b, ch->row);
	if (rc == 0)
		rc = put_source_end(b, ch);
	return finish_event(m, e, ch, data_im, b, key_at, key_len, rc, err);
}

/* The parts of an envelope that are the same for every row of one ROWS
 * event (for one entity, op and id suffix), kept in the memo of the row's
 * image (cdc_image_memo), in text:
 *   [0, M_ID)      {"id":"<file>:<pos>:                 (then the row)
 *   [M_ID, M_KEY)  :<entity><suffix>","topic":...,"key":  (then the key)
 *   [M_KEY, M_SRC) ,"op":...,"source":{...,"row":        (then the row)
 *   [M_SRC, M_END) ,"gtid":"..."}  or  }
 *   then per key column k: {"name": (k = 0) or ,"name":, ending at
 *   mark[M_KEYS + k]; the column's index is mark[M_KEYS + M_MAXKEY + k]. */
enum { M_ID, M_KEY, M_SRC, M_END, M_RAW, M_NKEY, M_KEYS, M_MAXKEY = 9 };

/* The memo for e, op and suffix with ch's event, made when needed; NULL
 * when there is none (the envelope is then made the long way, which also
 * reports what is wrong: a key column missing from the table). */
static struct cdc_memo *envelope(struct cdc_mapper *m, const struct map_entity *e,
                                 const struct cdc_change *ch, const char *op,
                                 const char *suffix)
{
	const struct cdc_image *im = ch->after ? ch->after : ch->before;
	const struct cdc_table *t = ch->table;
	struct cdc_memo *mm;
	struct fc_buf *b;
	int rc;

	if (!im || !im->serial || !(mm = cdc_image_memo(im)))
		return NULL;
	if (mm->serial == im->serial && mm->key[0] == m && mm->key[1] == e && mm->key[2] == op &&
	    mm->key[3] == suffix)
		return mm;
	if (e->nkey > M_MAXKEY)
		return NULL;
	mm->serial = 0;
	b = &mm->text;
	fc_buf_reset(b);
	rc = LIT(b, "{\"id\":\"");
	if (rc == 0)
		rc = put_id_head(b, ch);
	mm->mark[M_ID] = b->len;
	if (rc == 0)
		rc = put_id_tail(b, e, suffix);
	if (rc == 0)
		rc = put_topic_entity(b, e);
	mm->mark[M_KEY] = b->len;
	if (rc == 0)
		rc = put_op_source(b, ch, op);
	mm->mark[M_SRC] = b->len;
	if (rc == 0)
		rc = put_source_end(b, ch);
	mm->mark[M_END] = b->len;
	for (size_t k = 0; rc == 0 && k < e->nkey; k++) {
		int i = col_index(t, e->from_key[k]);
		if (i < 0)
			return NULL;
		rc = fc_buf_addc(b, k ? ',' : '{');
		if (rc == 0)
			rc = cdc_json_string(b, e->from_key[k], strlen(e->from_key[k]));
		if (rc == 0)
			rc = fc_buf_addc(b, ':');
		mm->mark[M_KEYS + k] = b->len;
		mm->mark[M_KEYS + M_MAXKEY + k] = (size_t)i;
	}
	if (rc)
		return NULL;
	mm->mark[M_NKEY] = e->nkey;
	/* the id without the row, as the old 400-byte snprintf counted it */
	mm->mark[M_RAW] = strlen(ch->file) + 1 + u64_len(ch->event_pos) + 1 + 1 + strlen(e->name) +
	                  strlen(suffix);
	mm->serial = im->serial;
	mm->key[0] = m;
	mm->key[1] = e;
	mm->key[2] = op;
	mm->key[3] = suffix;
	return mm;
}

static inline int add_part(struct fc_buf *b, const struct cdc_memo *mm, size_t from, size_t to)
{
	return fc_buf_add(b, mm->text.ptr + from, to - from);
}

/* emit_slow's envelope, from the event's memo. */
static int emit(struct cdc_mapper *m, const struct map_entity *e, const struct cdc_change *ch,
                const struct cdc_image *key_im, const struct cdc_image *data_im, const char *op,
                const char *suffix, struct fc_err *err)
{
	struct cdc_memo *mm = envelope(m, e, ch, op, suffix);
	struct fc_buf *b = &m->json;
	size_t key_at, key_len, nkey;
	int rc;

	if (!mm || mm->mark[M_RAW] + u64_len(ch->row) >= 400)
		return emit_slow(m, e, ch, key_im, data_im, op, suffix, err);
	nkey = mm->mark[M_NKEY];
	fc_buf_reset(b);
	rc = add_part(b, mm, 0, mm->mark[M_ID]);
	if (rc == 0)
		rc = fc_buf_put_u64(b, ch->row);
	if (rc == 0)
		rc = add_part(b, mm, mm->mark[M_ID], mm->mark[M_KEY]);
	if (rc)
		return fc_errf(err, FC_ENOMEM, "out of memory");
	key_at = b->len;
	for (size_t k = 0; rc == 0 && k < nkey; k++) {
		size_t i = mm->mark[M_KEYS + M_MAXKEY + k];
		if (i >= key_im->ncols || key_im->cell[i] == CDC_CELL_ABSENT)
			return fc_errf(err, FC_ECORRUPT, "entity '%s': key column '%s' is not in the row "
			               "image of %s.%s (binlog_row_image=MINIMAL needs the key to be the "
			               "primary key)", e->name, e->from_key[k], ch->table->db,
			               ch->table->name);
		rc = add_part(b, mm, k ? mm->mark[M_KEYS + k - 1] : mm->mark[M_END],
		              mm->mark[M_KEYS + k]);
		if (rc == 0)
			rc = cdc_image_value(key_im, i, b);
	}
	if (rc == 0)
		rc = nkey ? fc_buf_addc(b, '}') : LIT(b, "{}");
	if (rc)
		return rc;
	key_len = b->len - key_at;
	if (m->only_key && (strlen(m->only_key) != key_len ||
	                    memcmp(m->only_key, b->ptr + key_at, key_len) != 0))
		return 0;
	rc = add_part(b, mm, mm->mark[M_KEY], mm->mark[M_SRC]);
	if (rc == 0)
		rc = fc_buf_put_u64(b, ch->row);
	if (rc == 0)
		rc = add_part(b, mm, mm->mark[M_SRC], mm->mark[M_END]);
	return finish_event(m, e, ch, data_im, b, key_at, key_len, rc, err);
}

static bool key_changed(const struct map_entity *e, const struct cdc_change *ch)
{
	for (size_t k = 0; k < e->nkey; k++)
		if (changed(ch->before, ch->after, col_index(ch->table, e->from_key[k])))
			return true;
	return false;
}

static int on_row(void *ctx, const struct cdc_change *ch, struct fc_err *err)
{
	struct cdc_mapper *m = ctx;
	int rc = 0;

	if ((m->from_ts && ch->timestamp < m->from_ts) || (m->to_ts && ch->timestamp > m->to_ts))
		return 0;
	for (size_t f = 0; rc == 0 && f < m->maps->nfiles; f++) {
		const struct map_file *mf = m->maps->files[f];
		for (size_t j = 0; rc == 0 && j < mf->nentities; j++) {
			const struct map_entity *e = &mf->entities[j];
			if (!table_is(e, ch->table, m->default_db))
				continue;
			if (m->only_entity && strcmp(m->only_entity, e->name) != 0)
				continue;
			switch (ch->op) {
			case CDC_OP_INSERT:
				rc = emit(m, e, ch, ch->after, ch->after, "insert", "", err);
				break;
			case CDC_OP_DELETE:
				rc = emit(m, e, ch, ch->before, NULL, "delete", "", err);
				break;
			case CDC_OP_UPDATE:
				/* a new key is another entity row: whatever the watch list
				 * says, the old key goes and the new one comes */
				if (key_changed(e, ch)) {
					rc = emit(m, e, ch, ch->before, NULL, "delete", ":old", err);
					if (rc == 0)
						rc = emit(m, e, ch, ch->after, ch->after, "insert", "", err);
					break;
				}
				if (e->nwatch) {
					bool any = false;
					for (size_t w = 0; w < e->nwatch && !any; w++)
						any = changed(ch->before, ch->after, col_index(ch->table, e->watch[w]));
					if (!any) {
						m->skipped_watch++;
						break;
					}
				}
				/* the key as it was (MINIMAL images carry it only in the
				 * before image), the payload as it is now */
				rc = emit(m, e, ch, ch->before, ch->after, "update", "", err);
				break;
			}
		}
	}
	return rc;
}

static int on_commit(void *ctx, const struct cdc_pos *next, uint32_t ts, struct fc_err *err)
{
	struct cdc_mapper *m = ctx;
	(void)ts;
	return m->sink.commit ? m->sink.commit(m->sink.ctx, next, ts, err) : 0;
}

static int on_rollback(void *ctx, struct fc_err *err)
{
	struct cdc_mapper *m = ctx;
	return m->sink.rollback ? m->sink.rollback(m->sink.ctx, err) : 0;
}

void cdc_mapper_init(struct cdc_mapper *m, const struct map_set *maps, const char *default_db,
                     const struct cdc_sink *sink, struct cdc_handler *h)
{
	memset(m, 0, sizeof *m);
	m->maps = maps;
	m->default_db = default_db;
	m->sink = *sink;
	fc_buf_init(&m->json, 0);
	memset(h, 0, sizeof *h);
	h->ctx = m;
	h->row = on_row;
	h->commit = on_commit;
	h->rollback = on_rollback;
}

void cdc_mapper_release(struct cdc_mapper *m)
{
	fc_buf_release(&m->json);
}
