/* tests/fuzz/replay_test.c - replays the committed fuzz corpora through the
 * targets (under ASan/UBSan in `make SANITIZE=... test`). */
#include "../test.h"
#include "targets.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

static void replay(const char *name, int (*target)(const uint8_t *, size_t))
{
	char dir[512];
	const char *root = getenv("FICUS_ROOT");
	struct dirent *de;
	int count = 0;
	DIR *d;

	snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/%s", root ? root : ".", name);
	d = opendir(dir);
	if (!d)
		t_fail(__FILE__, __LINE__, "no corpus folder %s", dir);
	while ((de = readdir(d))) {
		char path[1024];
		unsigned char *buf;
		long n;
		FILE *f;
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		f = fopen(path, "rb");
		if (!f)
			continue;
		fseek(f, 0, SEEK_END);
		n = ftell(f);
		fseek(f, 0, SEEK_SET);
		buf = malloc((size_t)n + 1);
		if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
			t_fail(__FILE__, __LINE__, "cannot read %s", path);
		fclose(f);
		target(buf, (size_t)n);
		free(buf);
		count++;
	}
	closedir(d);
	printf("%s: %d inputs replayed\n", name, count);
	ASSERT(count > 0);
}

TEST(yaml_corpus) { replay("yaml", fuzz_yaml); }
TEST(config_corpus) { replay("config", fuzz_config); }
TEST(mapping_corpus) { replay("mapping", fuzz_mapping); }
TEST(binlog_corpus) { replay("binlog", fuzz_binlog); }
TEST(request_corpus) { replay("request", fuzz_request); }

/* The public MySQL binlogs beside the project (read in place, never
 * copied: ../shared/corpora/README.md) go through the target too. */
TEST(binlog_shared_corpora)
{
	static const char *const files[] = {
		"mysql-binlog-connector-java/binlogs/mysql-bin.checksum-crc32",
		"mysql-binlog-connector-java/binlogs/mysql-bin.checksum-none",
		"go-mysql/binlogs/tcb-eval002c-bin.003320",
		NULL,
	};
	const char *root = t_env("FICUS_CORPORA");
	for (int i = 0; files[i]; i++) {
		char path[1024];
		unsigned char *buf;
		long n;
		FILE *f;
		snprintf(path, sizeof path, "%s/binlog/%s", root, files[i]);
		f = fopen(path, "rb");
		if (!f)
			t_fail(__FILE__, __LINE__, "cannot open %s", path);
		fseek(f, 0, SEEK_END);
		n = ftell(f);
		fseek(f, 0, SEEK_SET);
		buf = malloc((size_t)n);
		if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n)
			t_fail(__FILE__, __LINE__, "cannot read %s", path);
		fclose(f);
		fuzz_binlog(buf, (size_t)n);
		/* and every prefix cut at an odd place */
		for (long cut = 7; cut < n; cut += 997)
			fuzz_binlog(buf, (size_t)cut);
		free(buf);
	}
}
