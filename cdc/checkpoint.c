/* cdc/checkpoint.c - see checkpoint.h. */
#include "checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool cdc_pos_parse(const char *text, struct cdc_pos *pos)
{
	const char *colon = strrchr(text, ':');
	char *end;
	unsigned long long p;
	memset(pos, 0, sizeof *pos);
	if (!colon || colon == text || (size_t)(colon - text) >= sizeof pos->file ||
	    memchr(text, '/', (size_t)(colon - text)))
		return false;
	p = strtoull(colon + 1, &end, 10);
	if (*end || end == colon + 1 || p < 4)
		return false;
	memcpy(pos->file, text, (size_t)(colon - text));
	pos->pos = p;
	return true;
}

/* Finds "key":"value" or "key":number in a one-line JSON object. */
static bool field(const char *json, const char *key, char *out, size_t n)
{
	char pat[64];
	const char *p, *e;
	snprintf(pat, sizeof pat, "\"%s\":", key);
	p = strstr(json, pat);
	if (!p)
		return false;
	p += strlen(pat);
	if (*p == '"') {
		e = strchr(++p, '"');
	} else {
		e = p + strspn(p, "0123456789");
	}
	if (!e || (size_t)(e - p) >= n)
		return false;
	memcpy(out, p, (size_t)(e - p));
	out[e - p] = '\0';
	return true;
}

int cdc_checkpoint_read(const char *path, struct cdc_checkpoint *cp, struct fc_err *err)
{
	char buf[1024], num[32];
	struct cdc_pos *pos = &cp->pos;
	size_t n;
	FILE *f = fopen(path, "r");

	memset(cp, 0, sizeof *cp);
	cp->sink_offset = -1;
	if (!f)
		return fc_errf(err, errno == ENOENT ? FC_ENOTFOUND : FC_EIO,
		               "checkpoint '%s': cannot open: %s", path, strerror(errno));
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (!field(buf, "file", pos->file, sizeof pos->file) || !field(buf, "pos", num, sizeof num) ||
	    strchr(pos->file, '/') || !pos->file[0])
		return fc_errf(err, FC_ECORRUPT, "checkpoint '%s': expected {\"file\":...,\"pos\":...}, "
		               "found: %.100s", path, buf);
	pos->pos = strtoull(num, NULL, 10);
	field(buf, "gtid", pos->gtid, sizeof pos->gtid);
	if (field(buf, "ts", num, sizeof num))
		cp->ts = (uint32_t)strtoul(num, NULL, 10);
	if (field(buf, "sink_offset", num, sizeof num))
		cp->sink_offset = strtoll(num, NULL, 10);
	return 0;
}

int cdc_checkpoint_write(const char *path, const struct cdc_checkpoint *cp, struct fc_err *err)
{
	const struct cdc_pos *pos = &cp->pos;
	char tmp[4096], text[512], dir[4096];
	int fd, n;

	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	n = snprintf(text, sizeof text, "{\"file\":\"%s\",\"pos\":%llu,\"gtid\":\"%s\",\"ts\":%u",
	             pos->file, (unsigned long long)pos->pos, pos->gtid, cp->ts);
	if (cp->sink_offset >= 0)
		n += snprintf(text + n, sizeof text - (size_t)n, ",\"sink_offset\":%lld", cp->sink_offset);
	n += snprintf(text + n, sizeof text - (size_t)n, "}\n");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return fc_errf(err, FC_EIO, "checkpoint '%s': %s", tmp, strerror(errno));
	if (write(fd, text, (size_t)n) != n || fsync(fd) != 0) {
		int e = errno;
		close(fd);
		return fc_errf(err, FC_EIO, "checkpoint '%s': %s", tmp, strerror(e));
	}
	close(fd);
	if (rename(tmp, path) != 0)
		return fc_errf(err, FC_EIO, "checkpoint '%s': rename: %s", path, strerror(errno));
	snprintf(dir, sizeof dir, "%s", path);
	fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	return 0;
}
