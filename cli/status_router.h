/* cli/status_router.h - the router part of `ficus status`: the routes and
 * upstreams as the running router's admin API reports them (GET /routes,
 * router/admin_client.h), or why the router could not be asked. */
#ifndef CLI_STATUS_ROUTER_H
#define CLI_STATUS_ROUTER_H

#include "../lib/buf.h"
#include "../lib/config.h"
#include "../router/admin_client.h"

#include <stdbool.h>
#include <stdio.h>

struct rt_status {
	char admin[128];            /* the admin address asked, "" when none is configured */
	bool up;
	char error[FC_ERR_MSG_MAX]; /* why the admin API did not answer */
	struct rt_admin_status st;  /* when up */
};

/* Asks the router's admin API (router.admin.listen with its token) for
 * GET /routes. Returns 0 with st filled (st->up false and st->error set
 * when the router is down or answers wrong), -1 when cfg has no admin
 * listener configured (st->error says so). Release with rt_status_release. */
int rt_status_get(const struct fc_config *cfg, struct rt_status *st);
void rt_status_release(struct rt_status *st);

void rt_status_print(FILE *f, const struct rt_status *st);
void rt_status_json(struct fc_buf *b, const struct rt_status *st);

#endif
