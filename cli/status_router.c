/* cli/status_router.c - see status_router.h. */
#include "status_router.h"

#include "../cdc/value.h"

#include <string.h>

int rt_status_get(const struct fc_config *cfg, struct rt_status *st)
{
	struct fc_err err = { 0 };

	memset(st, 0, sizeof *st);
	if (!cfg->router.admin_listen) {
		snprintf(st->error, sizeof st->error, "%s: router.admin.listen is not set", cfg->path);
		return -1;
	}
	snprintf(st->admin, sizeof st->admin, "%s", cfg->router.admin_listen);
	if (rt_admin_fetch_status(st->admin, cfg->router.admin_token, &st->st, &err))
		snprintf(st->error, sizeof st->error, "%s", err.msg);
	else
		st->up = true;
	return 0;
}

void rt_status_release(struct rt_status *st)
{
	if (st->up)
		rt_admin_status_release(&st->st);
	st->up = false;
}

static double rate(unsigned long long part, unsigned long long whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

void rt_status_print(FILE *f, const struct rt_status *st)
{
	if (!st->admin[0]) {
		fprintf(f, "router      not asked: %s (set it to see routes here)\n", st->error);
		return;
	}
	if (!st->up) {
		fprintf(f, "router      DOWN (%s)\n", st->error);
		return;
	}
	fprintf(f, "router      admin %s: up, %zu routes\n", st->admin, st->st.nroutes);
	fprintf(f, "%-16s %-7s %6s %8s %9s %7s %11s %9s\n", "route", "mode", "weight", "req/s",
	        "requests", "errors", "shadow diff", "fallbacks");
	for (size_t i = 0; i < st->st.nroutes; i++) {
		const struct rt_admin_route *x = &st->st.routes[i];
		char w[16] = "-", sd[32] = "-";
		if (!strcmp(x->mode, "split"))
			snprintf(w, sizeof w, "%d%%", x->weight);
		if (x->shadow_compared || x->shadow_diffs)
			snprintf(sd, sizeof sd, "%.1f%% (%llu)", rate(x->shadow_diffs, x->shadow_compared),
			         x->shadow_diffs);
		fprintf(f, "%-16s %-7s %6s %8.1f %9llu %6.1f%% %11s %9llu\n", x->name, x->mode, w, x->rps,
		        x->requests, rate(x->errors, x->requests), sd, x->fallbacks);
	}
	for (size_t i = 0; i < st->st.nupstreams; i++) {
		const struct rt_admin_upstream *x = &st->st.upstreams[i];
		fprintf(f, "upstream    %-12s %-28s breaker %s", x->name, x->url, x->breaker);
		if (x->consecutive_failures)
			fprintf(f, " (%d failures in a row)", x->consecutive_failures);
		fprintf(f, "\n");
	}
}

void rt_status_json(struct fc_buf *b, const struct rt_status *st)
{
	fc_buf_puts(b, "{\"admin\":");
	cdc_json_cstr(b, st->admin);
	fc_buf_printf(b, ",\"up\":%s,\"error\":", st->up ? "true" : "false");
	if (st->up)
		fc_buf_puts(b, "null");
	else
		cdc_json_cstr(b, st->error);
	fc_buf_puts(b, ",\"routes\":[");
	for (size_t i = 0; i < st->st.nroutes; i++) {
		const struct rt_admin_route *x = &st->st.routes[i];
		fc_buf_puts(b, i ? ",{\"name\":" : "{\"name\":");
		cdc_json_cstr(b, x->name);
		fc_buf_puts(b, ",\"mode\":");
		cdc_json_cstr(b, x->mode);
		fc_buf_printf(b, ",\"weight\":%d,\"rps\":%.2f,\"requests\":%llu,\"errors\":%llu,"
		              "\"error_rate\":%.4f,\"fallbacks\":%llu,\"shadow_compared\":%llu,"
		              "\"shadow_diffs\":%llu,\"shadow_diff_rate\":%.4f,\"shadow_dropped\":%llu}",
		              x->weight, x->rps, x->requests, x->errors,
		              rate(x->errors, x->requests) / 100, x->fallbacks, x->shadow_compared,
		              x->shadow_diffs, rate(x->shadow_diffs, x->shadow_compared) / 100,
		              x->shadow_dropped);
	}
	fc_buf_puts(b, "],\"upstreams\":[");
	for (size_t i = 0; i < st->st.nupstreams; i++) {
		const struct rt_admin_upstream *x = &st->st.upstreams[i];
		fc_buf_puts(b, i ? ",{\"name\":" : "{\"name\":");
		cdc_json_cstr(b, x->name);
		fc_buf_puts(b, ",\"url\":");
		cdc_json_cstr(b, x->url);
		fc_buf_puts(b, ",\"breaker\":");
		cdc_json_cstr(b, x->breaker);
		fc_buf_printf(b, ",\"consecutive_failures\":%d,\"pool_idle\":%d}",
		              x->consecutive_failures, x->pool_idle);
	}
	fc_buf_puts(b, "]}");
}
