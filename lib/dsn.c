/* lib/dsn.c - see dsn.h. */
#include "dsn.h"

#include "err.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Percent-decodes n bytes of s into the arena; NULL on a bad escape or
 * an encoded NUL. */
static char *pct_decode(struct fc_arena *a, const char *s, size_t n)
{
	char *out = fc_arena_alloc(a, n + 1);
	size_t j = 0;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%') {
			int h, l;
			if (n - i < 3)
				return NULL;
			h = hexval((unsigned char)s[i + 1]);
			l = hexval((unsigned char)s[i + 2]);
			if (h < 0 || l < 0 || (h == 0 && l == 0))
				return NULL;
			out[j++] = (char)(h * 16 + l);
			i += 2;
		} else {
			out[j++] = s[i];
		}
	}
	out[j] = '\0';
	return out;
}

int fc_dsn_parse_mysql(const char *dsn, struct fc_arena *a,
                       struct fc_mysql_dsn *out, const char **why)
{
	const char *p, *at, *hostend, *slash, *q;
	memset(out, 0, sizeof *out);
	out->port = 3306;

	if (strncmp(dsn, "mysql://", 8) == 0)
		p = dsn + 8;
	else if (strncmp(dsn, "mariadb://", 10) == 0)
		p = dsn + 10;
	else {
		*why = "must start with mysql:// (mysql://user:password@host:port/database)";
		return -FC_EINVAL;
	}
	q = strchr(p, '?');
	slash = strchr(p, '/');
	if (q && slash && slash > q)
		slash = NULL;
	hostend = slash ? slash : (q ? q : p + strlen(p));
	/* the last '@' before the host ends the credentials */
	at = NULL;
	for (const char *c = p; c < hostend; c++)
		if (*c == '@')
			at = c;
	if (at) {
		const char *colon = memchr(p, ':', (size_t)(at - p));
		size_t ulen = colon ? (size_t)(colon - p) : (size_t)(at - p);
		out->user = pct_decode(a, p, ulen);
		if (!out->user) {
			*why = "bad %-escape in the user name";
			return -FC_EINVAL;
		}
		if (colon) {
			out->password = pct_decode(a, colon + 1, (size_t)(at - colon - 1));
			if (!out->password) {
				*why = "bad %-escape in the password";
				return -FC_EINVAL;
			}
		}
		p = at + 1;
	}
	if (!out->user || !*out->user)
		out->user = "root";
	{
		const char *colon = memchr(p, ':', (size_t)(hostend - p));
		const char *hend = colon ? colon : hostend;
		if (hend == p) {
			*why = "has no host (mysql://user@HOST:port/database)";
			return -FC_EINVAL;
		}
		out->host = fc_arena_strndup(a, p, (size_t)(hend - p));
		if (colon) {
			char buf[8];
			size_t n = (size_t)(hostend - colon - 1);
			char *end;
			long port;
			if (n == 0 || n >= sizeof buf) {
				*why = "has a bad port";
				return -FC_EINVAL;
			}
			memcpy(buf, colon + 1, n);
			buf[n] = '\0';
			port = strtol(buf, &end, 10);
			if (*end || port < 1 || port > 65535) {
				*why = "has a bad port (expected 1-65535)";
				return -FC_EINVAL;
			}
			out->port = (unsigned)port;
		}
	}
	if (slash) {
		const char *dend = q ? q : slash + strlen(slash);
		if (dend > slash + 1) {
			out->database = pct_decode(a, slash + 1, (size_t)(dend - slash - 1));
			if (!out->database || strchr(out->database, '/')) {
				*why = "has a bad database name";
				return -FC_EINVAL;
			}
		}
	}
	if (q) {
		const char *s = q + 1;
		while (*s) {
			const char *amp = strchr(s, '&');
			size_t n = amp ? (size_t)(amp - s) : strlen(s);
			if (n > 7 && strncmp(s, "socket=", 7) == 0) {
				out->socket = pct_decode(a, s + 7, n - 7);
				if (!out->socket) {
					*why = "bad %-escape in socket=";
					return -FC_EINVAL;
				}
			} else if (n) {
				*why = "has an unknown parameter (supported: socket=PATH)";
				return -FC_EINVAL;
			}
			s += n + (amp ? 1 : 0);
		}
	}
	return 0;
}

/* Whether s starts "password" followed by '=' (spaces around the '='
 * allowed, as libpq allows them); *keylen gets the length of the text kept
 * ("password = "). Matched anywhere, so keys ending in "password"
 * (sslpassword) are blanked too. */
static bool password_key(const char *s, size_t *keylen)
{
	const char *p;
	if (strncasecmp(s, "password", 8) != 0)
		return false;
	p = s + 8;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (*p != '=')
		return false;
	p++;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	*keylen = (size_t)(p - s);
	return true;
}

/* Copies in to out with the values of "password=VALUE" parameters blanked
 * to ***: a quoted value ('...', with \-escapes) ends at its closing quote,
 * an unquoted one at the next separator in seps. Each match adds at most
 * 3 bytes and takes at least 9: out needs 4 * strlen(in) / 3 + 4 bytes. */
static void blank_params(const char *in, char *out, const char *seps)
{
	size_t o = 0, kl;
	while (*in) {
		if (password_key(in, &kl)) {
			memcpy(out + o, in, kl);
			o += kl;
			memcpy(out + o, "***", 3);
			o += 3;
			in += kl;
			if (*in == '\'') {
				in++;
				while (*in && *in != '\'') {
					if (*in == '\\' && in[1])
						in++;
					in++;
				}
				if (*in)
					in++;
			} else {
				while (*in && !strchr(seps, *in))
					in++;
			}
			continue;
		}
		out[o++] = *in++;
	}
	out[o] = '\0';
}

/* Where the URL starting at s (just after its "scheme://") ends: at the ','
 * or other byte before the next "scheme://", else at the end. */
static const char *url_end(const char *s)
{
	const char *next = strstr(s, "://");
	if (!next)
		return s + strlen(s);
	while (next > s && (isalnum((unsigned char)next[-1]) || next[-1] == '+' ||
	                    next[-1] == '.' || next[-1] == '-'))
		next--;
	if (next > s && next[-1] == ',')
		next--;
	return next;
}

const char *fc_dsn_redact(const char *dsn, struct fc_arena *a)
{
	size_t n = strlen(dsn), i = 0, o = 0;
	/* "***" may replace an empty password: room for that at every '@' */
	char *tmp = fc_arena_alloc(a, 4 * n + 16);
	char *out = fc_arena_alloc(a, 8 * n + 40);

	if (!tmp || !out)
		return "***";
	if (!strstr(dsn, "://")) {
		/* libpq key=value form */
		blank_params(dsn, out, " \t\n\r");
		return out;
	}
	/* every user:password@ after a scheme (NATS allows lists of URLs). The
	 * credentials run to the LAST '@' of the URL, not to the first '/', '?'
	 * or ',': a password may hold any of them (a ${VAR} value, unencoded).
	 * When in doubt this hides too much, never too little. */
	while (i < n) {
		const char *s = strstr(dsn + i, "://");
		const char *end, *at = NULL, *colon = NULL;
		if (!s) {
			memcpy(tmp + o, dsn + i, n - i);
			o += n - i;
			break;
		}
		s += 3;
		memcpy(tmp + o, dsn + i, (size_t)(s - dsn) - i);
		o += (size_t)(s - dsn) - i;
		i = (size_t)(s - dsn);
		end = url_end(s);
		for (const char *c = s; c < end; c++)
			if (*c == '@')
				at = c;
		if (at)
			colon = memchr(s, ':', (size_t)(at - s));
		if (colon) {
			size_t ul = (size_t)(colon - s) + 1;
			memcpy(tmp + o, s, ul);
			o += ul;
			memcpy(tmp + o, "***", 3);
			o += 3;
			i = (size_t)(at - dsn);
		}
	}
	tmp[o] = '\0';
	/* and ?password=... query parameters */
	blank_params(tmp, out, "&#");
	return out;
}

const char *fc_dsn_mask(const char *text, const char *const *secrets, size_t nsecrets,
                        struct fc_arena *a)
{
	size_t n = strlen(text), o = 0;
	unsigned char *hide;
	char *out;

	if (nsecrets == 0)
		return fc_arena_strdup(a, text);
	hide = calloc(n + 1, 1);
	out = fc_arena_alloc(a, 3 * n + 1);
	if (!hide || !out) {
		free(hide);
		return NULL;
	}
	/* mark every byte any occurrence of any secret covers (overlaps too) */
	for (size_t k = 0; k < nsecrets; k++) {
		size_t sl = secrets[k] ? strlen(secrets[k]) : 0;
		if (sl == 0 || sl > n)
			continue;
		for (const char *p = text; (p = strstr(p, secrets[k])); p++)
			memset(hide + (p - text), 1, sl);
	}
	for (size_t i = 0; i < n;) {
		if (hide[i]) {
			memcpy(out + o, "***", 3);
			o += 3;
			while (i < n && hide[i])
				i++;
		} else {
			out[o++] = text[i++];
		}
	}
	out[o] = '\0';
	free(hide);
	return out;
}

const char *fc_dsn_show(const char *dsn, const char *const *secrets, size_t nsecrets,
                        struct fc_arena *a)
{
	const char *m = fc_dsn_mask(dsn, secrets, nsecrets, a);
	return m ? fc_dsn_redact(m, a) : "***";
}
