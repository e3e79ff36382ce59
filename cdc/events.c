/* cdc/events.c - see events.h. */
#include "events.h"

#include "print.h"
#include "value.h"

#include <stdio.h>
#include <string.h>

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
	if (a->cell[i] != b->cell[i])
		return true;
	if (a->cell[i] == CDC_CELL_NULL)
		return false;
	return a->len[i] != b->len[i] ||
	       memcmp(a->text.ptr + a->off[i], b->text.ptr + b->off[i], a->len[i]) != 0;
}

static int put_value(struct fc_buf *out, const struct cdc_image *im, int i)
{
	if (im->cell[i] == CDC_CELL_NULL)
		return fc_buf_puts(out, "null");
	return fc_buf_append(out, im->text.ptr + im->off[i], im->len[i]);
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

/* One envelope: the key from key_im, the payload (if the entity wants one)
 * from data_im (NULL: none, as for deletes). */
static int emit(struct cdc_mapper *m, const struct map_entity *e, const struct cdc_change *ch,
                const struct cdc_image *key_im, const struct cdc_image *data_im, const char *op,
                const char *suffix, struct fc_err *err)
{
	struct fc_buf *b = &m->json;
	size_t key_at, key_len;
	char when[24];
	int rc;

	fc_buf_reset(b);
	rc = fc_buf_puts(b, "{\"id\":");
	if (rc == 0) {
		char id[400];
		snprintf(id, sizeof id, "%s:%llu:%u:%s%s", ch->file, (unsigned long long)ch->event_pos,
		         ch->row, e->name, suffix);
		rc = cdc_json_string(b, id, strlen(id));
	}
	if (rc == 0)
		rc = fc_buf_puts(b, ",\"topic\":");
	if (rc == 0)
		rc = cdc_json_string(b, e->topic, strlen(e->topic));
	if (rc == 0)
		rc = fc_buf_printf(b, ",\"entity\":\"%s\",\"key\":", e->name);
	if (rc)
		return fc_errf(err, FC_ENOMEM, "out of memory");
	key_at = b->len;
	if ((rc = key_json(e, ch->table, key_im, b, err)))
		return rc;
	key_len = b->len - key_at;
	if (m->only_key && (strlen(m->only_key) != key_len ||
	                    memcmp(m->only_key, b->ptr + key_at, key_len) != 0))
		return 0;
	cdc_utc_text(ch->timestamp, when);
	rc = fc_buf_printf(b, ",\"op\":\"%s\",\"ts\":\"%s\",\"source\":{\"file\":", op, when);
	if (rc == 0)
		rc = cdc_json_string(b, ch->file, strlen(ch->file));
	if (rc == 0)
		rc = fc_buf_printf(b, ",\"pos\":%llu,\"row\":%u", (unsigned long long)ch->event_pos,
		                   ch->row);
	if (rc == 0 && ch->gtid && *ch->gtid)
		rc = fc_buf_printf(b, ",\"gtid\":\"%s\"", ch->gtid);
	if (rc == 0)
		rc = fc_buf_putc(b, '}');
	if (rc == 0 && e->payload == MAP_PAYLOAD_KEY) {
		rc = fc_buf_puts(b, ",\"payload\":");
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
		rc = fc_buf_putc(b, '}');
	if (rc)
		return fc_errf(err, FC_ENOMEM, "out of memory");
	m->events++;
	return m->sink.event(m->sink.ctx, b->ptr, b->len, err);
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
