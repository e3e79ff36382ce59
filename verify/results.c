/* verify/results.c - ficus.verify_results: each entity's last outcome, in
 * the target database, for `ficus status` and dashboards. */
#include "verify.h"

#include "../lib/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char vfy_results_ddl[] =
	"CREATE SCHEMA IF NOT EXISTS ficus;"
	"CREATE TABLE IF NOT EXISTS ficus.verify_results ("
	" entity text PRIMARY KEY, finished_at timestamptz, legacy_rows bigint, new_rows bigint,"
	" missing bigint, extra bigint, changed bigint,"
	" status text /* equal | diverged | error */, error text, duration_ms bigint)";

static const char *status_of(const struct vfy_result *r)
{
	if (r->error)
		return "error";
	return r->missing + r->extra + r->changed ? "diverged" : "equal";
}

int vfy_store(PGconn *pg, const struct vfy_result *r, struct fc_err *err)
{
	char v[6][24];
	const char *params[9];
	PGresult *res;
	int rc;

	if ((rc = fc_pg_exec(pg, vfy_results_ddl, err)))
		return fc_err_prefix(err, "storing the results");
	snprintf(v[0], sizeof v[0], "%llu", r->legacy_rows);
	snprintf(v[1], sizeof v[1], "%llu", r->new_rows);
	snprintf(v[2], sizeof v[2], "%llu", r->missing);
	snprintf(v[3], sizeof v[3], "%llu", r->extra);
	snprintf(v[4], sizeof v[4], "%llu", r->changed);
	snprintf(v[5], sizeof v[5], "%lld", r->duration_ms);
	params[0] = r->e->name;
	for (int i = 0; i < 6; i++)
		params[i + 1] = v[i];
	params[7] = status_of(r);
	params[8] = r->error ? r->errmsg : NULL;
	res = PQexecParams(pg, "INSERT INTO ficus.verify_results (entity, finished_at, legacy_rows, "
	                   "new_rows, missing, extra, changed, duration_ms, status, error) VALUES "
	                   "($1, now(), $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (entity) DO UPDATE SET "
	                   "finished_at = EXCLUDED.finished_at, legacy_rows = EXCLUDED.legacy_rows, "
	                   "new_rows = EXCLUDED.new_rows, missing = EXCLUDED.missing, extra = EXCLUDED.extra, "
	                   "changed = EXCLUDED.changed, duration_ms = EXCLUDED.duration_ms, "
	                   "status = EXCLUDED.status, error = EXCLUDED.error",
	                   9, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		char msg[512];
		fc_pg_error(pg, res, msg, sizeof msg);
		rc = fc_errf(err, FC_ESQL, "storing the results of entity '%s': %s", r->e->name, msg);
	}
	PQclear(res);
	return rc;
}

int vfy_last_results(PGconn *pg, struct vfy_stored **out, size_t *n, struct fc_err *err)
{
	PGresult *r;
	int rows;

	*out = NULL;
	*n = 0;
	r = PQexec(pg, "SELECT entity, to_char(finished_at AT TIME ZONE 'UTC', "
	               "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), legacy_rows, new_rows, missing, extra, changed, "
	               "duration_ms, status, coalesce(error, '') FROM ficus.verify_results ORDER BY entity");
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		char msg[512];
		const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		int rc;
		fc_pg_error(pg, r, msg, sizeof msg);
		/* never verified: no schema or table yet (undefined_table; the
		 * message itself may be in any language) */
		rc = state && (!strcmp(state, "42P01") || !strcmp(state, "3F000"))
		             ? 0
		             : fc_errf(err, FC_ESQL, "reading ficus.verify_results: %s", msg);
		PQclear(r);
		return rc;
	}
	rows = PQntuples(r);
	if (rows && !(*out = calloc((size_t)rows, sizeof **out))) {
		PQclear(r);
		return fc_errf(err, FC_ENOMEM, "out of memory");
	}
	for (int i = 0; i < rows; i++) {
		struct vfy_stored *s = &(*out)[i];
		snprintf(s->entity, sizeof s->entity, "%s", PQgetvalue(r, i, 0));
		snprintf(s->finished_at, sizeof s->finished_at, "%s", PQgetvalue(r, i, 1));
		s->legacy_rows = strtoll(PQgetvalue(r, i, 2), NULL, 10);
		s->new_rows = strtoll(PQgetvalue(r, i, 3), NULL, 10);
		s->missing = strtoll(PQgetvalue(r, i, 4), NULL, 10);
		s->extra = strtoll(PQgetvalue(r, i, 5), NULL, 10);
		s->changed = strtoll(PQgetvalue(r, i, 6), NULL, 10);
		s->duration_ms = strtoll(PQgetvalue(r, i, 7), NULL, 10);
		snprintf(s->status, sizeof s->status, "%s", PQgetvalue(r, i, 8));
		snprintf(s->error, sizeof s->error, "%s", PQgetvalue(r, i, 9));
	}
	*n = (size_t)rows;
	PQclear(r);
	return 0;
}
