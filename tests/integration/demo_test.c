/* tests/integration/demo_test.c - `make demo`'s story, shorter (300 shops,
 * phases of 2-4 s), so that it cannot rot: scripts/demo.sh runs against the
 * test sandbox with its own ports and folder, must finish with exit 0, and
 * must have printed the story's figures: shadow differences 0, the reads
 * split between the sides, fallbacks when the new service dies with no
 * failed order, verify equal, the injected divergence found and repaired. */
#include "../test.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A base port whose +0, +1, +11 and +12 are free now. */
static int free_base(void)
{
	for (int tries = 0; tries < 50; tries++) {
		int base = 21000 + (int)((getpid() * 7 + tries * 97) % 20000), ok = 1;
		int offs[] = { 0, 1, 11, 12 };
		for (int i = 0; i < 4 && ok; i++) {
			struct sockaddr_in a = { .sin_family = AF_INET,
				                 .sin_port = htons((uint16_t)(base + offs[i])),
				                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
			int fd = socket(AF_INET, SOCK_STREAM, 0);
			ok = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
			if (fd >= 0)
				close(fd);
		}
		if (ok)
			return base;
	}
	t_fail(__FILE__, __LINE__, "no free ports for the demo");
	return -1;
}

TEST_TIMEOUT(demo_tells_the_whole_story, 240)
{
	const char *dir = t_tmpdir(), *root = t_env("FICUS_ROOT");
	char env[512], *out;
	int base = free_base();

	snprintf(env, sizeof env, "DEMO_FAST=1 DEMO_ROWS=300 DEMO_PORT=%d DEMO_DIR=%s/demo", base, dir);
	t_defer("cd %s && %s bash scripts/demo.sh down >/dev/null 2>&1", root, env);
	ASSERT_EQ(t_run(&out, "cd %s && %s bash scripts/demo.sh 2>&1", root, env), 0);
	ASSERT_CONTAINS(out, "backfill: ");
	ASSERT_CONTAINS(out, "shadow differences: 0");
	/* no failed request, even after the new service died */
	ASSERT_CONTAINS(out, "fallback:");
	{
		const char *line = strstr(out, "fallback:");
		const char *end = strchr(line, '\n');
		char text[256];
		snprintf(text, sizeof text, "%.*s", (int)(end ? end - line : 100), line);
		ASSERT_CONTAINS(text, "load errors so far: 0");
	}
	ASSERT_CONTAINS(out, "order placement errors: 0");
	ASSERT_CONTAINS(out, "breaker");
	ASSERT_CONTAINS(out, "verify: 6 entities, 0 differences");
	ASSERT_CONTAINS(out, "3 differences");
	ASSERT_CONTAINS(out, "Look around");
	ASSERT_NOT_CONTAINS(out, "FAILED");
	free(out);
}
