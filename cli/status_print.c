/* cli/status_print.c - the human lines of `ficus cdc status`, `ficus sync
 * status` and `ficus status` (one printer per part, so the three commands
 * say the same thing the same way). */
#include "cli.h"

#include <stdio.h>

void cli_print_cdc_status(FILE *f, const struct cdc_status *st)
{
	if (st->bus.known && !st->bus.up)
		fprintf(f, "bus         %s on %s: DOWN (%s)\n", st->bus_kind, st->bus.name, st->bus.error);
	else if (st->bus.known && !st->stream && st->have_log)
		fprintf(f, "bus         outbox on %s (%s): up, %llu events, last seq %llu\n", st->bus.name,
		        st->bus.shown, st->events, st->last_seq);
	else if (st->bus.known && !st->stream)
		fprintf(f, "bus         outbox on %s (%s): up, no checkpoint yet (cdc has not run)\n",
		        st->bus.name, st->bus.shown);
	else if (st->bus.known && st->have_log)
		fprintf(f, "bus         nats stream %s on %s (%s): up, %llu events, last seq %llu\n",
		        st->stream, st->bus.name, st->bus.shown, st->events, st->last_seq);
	else if (st->bus.known)
		fprintf(f, "bus         nats on %s (%s): up, no stream %s yet (cdc has not run)\n",
		        st->bus.name, st->bus.shown, st->stream);
	for (int i = 0; i < st->nconsumers; i++)
		fprintf(f, "consumer    %s at seq %lld, %lld events behind\n", st->consumers[i].name,
		        st->consumers[i].seq, st->consumers[i].behind);
	if (!st->source.up) {
		fprintf(f, "source      %s: DOWN (%s)\n", st->source.name, st->source.error);
		return;
	}
	fprintf(f, "source      %s (%s)\n", st->source.name, st->source.shown);
	fprintf(f, "server at   %s:%llu gtid %s\n", st->server.file,
	        (unsigned long long)st->server.pos, st->server.gtid[0] ? st->server.gtid : "-");
	if (!st->have_checkpoint) {
		fprintf(f, "checkpoint  %s\n", st->checkpoint_from ?
		        "none yet (the stream has not committed)" :
		        "not given (--checkpoint FILE; outbox and NATS sinks keep their own)");
		return;
	}
	fprintf(f, "checkpoint  %s:%llu gtid %s\n", st->cp.pos.file,
	        (unsigned long long)st->cp.pos.pos, st->cp.pos.gtid[0] ? st->cp.pos.gtid : "-");
	if (!st->lag_known) {
		fprintf(f, "lag         unknown: %s\n", st->lag_why);
		return;
	}
	fprintf(f, "lag         %llu bytes", st->lag_bytes);
	if (st->lag_bytes && st->lag_seconds >= 0)
		fprintf(f, ", %lld s since the last transaction delivered", st->lag_seconds);
	else if (!st->lag_bytes)
		fprintf(f, ", 0 s (caught up)");
	fprintf(f, "\n");
}

void cli_print_sync_status(FILE *f, const struct sync_status *st)
{
	if (!st->target.up) {
		fprintf(f, "target      %s: DOWN (%s)\n", st->target.name, st->target.error);
		return;
	}
	fprintf(f, "target      %s (%s): up\n", st->target.name, st->target.shown);
	if (st->have_position)
		fprintf(f, "position    %s seq %lld (last batch %lld s ago)\n",
		        st->bus_kind ? st->bus_kind : "outbox", st->seq, st->batch_age);
	else
		fprintf(f, "position    none yet (sync has not run)\n");
	if (st->polling)
		fprintf(f, "mode        POLLING the legacy tables since %lld s (bus down: %s)\n",
		        st->polling_for, st->poll_reason);
	else if (st->have_mode)
		fprintf(f, "mode        %s\n", st->bus_kind ? st->bus_kind : "outbox");
	if (!st->bus_kind)
		fprintf(f, "bus         not an outbox or a NATS stream (cdc.sink) - nothing to consume\n");
	else if (!st->bus.up)
		fprintf(f, "bus         %s%s%s on %s: DOWN (%s)\n", st->bus_kind, st->stream ? " stream " : "",
		        st->stream ? st->stream : "", st->bus.name, st->bus.error);
	else if (!st->have_log)
		fprintf(f, "bus         %s on %s: up, nothing published yet (cdc has not run)\n",
		        st->bus_kind, st->bus.name);
	else if (st->stream)
		fprintf(f, "bus         nats stream %s on %s: up\nlag         %lld events\n", st->stream,
		        st->bus.shown, st->lag_events);
	else
		fprintf(f, "bus         outbox on %s: up\nlag         %lld events, %lld s\n", st->bus.name,
		        st->lag_events, st->lag_seconds);
}
