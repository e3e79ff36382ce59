/* tests/tjson.c - see tjson.h. */
#include "tjson.h"

#include <stdlib.h>
#include <string.h>

struct p {
	const char *s;
	const char *why;
	int depth;
};

static void ws(struct p *p)
{
	while (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r')
		p->s++;
}

static void put_utf8(char *out, size_t *n, unsigned cp)
{
	if (cp < 0x80)
		out[(*n)++] = (char)cp;
	else if (cp < 0x800) {
		out[(*n)++] = (char)(0xC0 | cp >> 6);
		out[(*n)++] = (char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		out[(*n)++] = (char)(0xE0 | cp >> 12);
		out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[(*n)++] = (char)(0x80 | (cp & 0x3F));
	} else {
		out[(*n)++] = (char)(0xF0 | cp >> 18);
		out[(*n)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
		out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[(*n)++] = (char)(0x80 | (cp & 0x3F));
	}
}

static int hex4(const char *s, unsigned *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		char c = s[i];
		*v <<= 4;
		if (c >= '0' && c <= '9')
			*v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	return 0;
}

static char *string(struct p *p, size_t *len)
{
	size_t cap = strlen(p->s) + 1, n = 0;
	char *out = malloc(cap);
	p->s++;   /* opening quote */
	while (*p->s && *p->s != '"') {
		unsigned char c = (unsigned char)*p->s;
		if (c < 0x20) {
			p->why = "control character in string";
			free(out);
			return NULL;
		}
		if (c != '\\') {
			out[n++] = (char)c;
			p->s++;
			continue;
		}
		p->s++;
		switch (*p->s) {
		case '"': out[n++] = '"'; break;
		case '\\': out[n++] = '\\'; break;
		case '/': out[n++] = '/'; break;
		case 'b': out[n++] = '\b'; break;
		case 'f': out[n++] = '\f'; break;
		case 'n': out[n++] = '\n'; break;
		case 'r': out[n++] = '\r'; break;
		case 't': out[n++] = '\t'; break;
		case 'u': {
			unsigned cp, lo;
			if (hex4(p->s + 1, &cp)) {
				p->why = "bad \\u escape";
				free(out);
				return NULL;
			}
			p->s += 4;
			if (cp >= 0xD800 && cp < 0xDC00 && p->s[1] == '\\' && p->s[2] == 'u' &&
			    hex4(p->s + 3, &lo) == 0 && lo >= 0xDC00 && lo < 0xE000) {
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				p->s += 6;
			}
			put_utf8(out, &n, cp);
			break;
		}
		default:
			p->why = "bad escape";
			free(out);
			return NULL;
		}
		p->s++;
	}
	if (*p->s != '"') {
		p->why = "unterminated string";
		free(out);
		return NULL;
	}
	p->s++;
	out[n] = '\0';
	*len = n;
	return out;
}

static struct tj *value(struct p *p);

static struct tj *collection(struct p *p, bool obj)
{
	struct tj *v = calloc(1, sizeof *v);
	size_t cap = 0;
	v->kind = obj ? TJ_OBJ : TJ_ARR;
	p->s++;
	ws(p);
	if (*p->s == (obj ? '}' : ']')) {
		p->s++;
		return v;
	}
	for (;;) {
		char *key = NULL;
		size_t klen;
		struct tj *item;
		ws(p);
		if (obj) {
			if (*p->s != '"' || !(key = string(p, &klen))) {
				p->why = p->why ? p->why : "expected a key";
				tj_free(v);
				return NULL;
			}
			ws(p);
			if (*p->s != ':') {
				p->why = "expected ':'";
				free(key);
				tj_free(v);
				return NULL;
			}
			p->s++;
		}
		item = value(p);
		if (!item) {
			free(key);
			tj_free(v);
			return NULL;
		}
		if (v->n == cap) {
			cap = cap ? cap * 2 : 8;
			v->items = realloc(v->items, cap * sizeof *v->items);
			v->keys = realloc(v->keys, cap * sizeof *v->keys);
		}
		v->items[v->n] = item;
		v->keys[v->n] = key;
		v->n++;
		ws(p);
		if (*p->s == ',') {
			p->s++;
			continue;
		}
		if (*p->s == (obj ? '}' : ']')) {
			p->s++;
			return v;
		}
		p->why = "expected ',' or a closing bracket";
		tj_free(v);
		return NULL;
	}
}

static struct tj *value(struct p *p)
{
	const char *start;
	struct tj *v = NULL;
	if (++p->depth > 200) {
		p->why = "too deep";
		return NULL;
	}
	ws(p);
	start = p->s;
	if (*p->s == '{' || *p->s == '[') {
		v = collection(p, *p->s == '{');
	} else if (*p->s == '"') {
		size_t len;
		char *s = string(p, &len);
		if (s) {
			v = calloc(1, sizeof *v);
			v->kind = TJ_STR;
			v->str = s;
			v->len = len;
		}
	} else if (strncmp(p->s, "null", 4) == 0) {
		v = calloc(1, sizeof *v);
		v->kind = TJ_NULL;
		p->s += 4;
	} else if (strncmp(p->s, "true", 4) == 0 || strncmp(p->s, "false", 5) == 0) {
		v = calloc(1, sizeof *v);
		v->kind = TJ_BOOL;
		v->b = *p->s == 't';
		p->s += v->b ? 4 : 5;
	} else if (*p->s == '-' || (*p->s >= '0' && *p->s <= '9')) {
		const char *q = p->s;
		if (*q == '-')
			q++;
		while ((*q >= '0' && *q <= '9') || *q == '.' || *q == 'e' || *q == 'E' || *q == '+' ||
		       *q == '-')
			q++;
		v = calloc(1, sizeof *v);
		v->kind = TJ_NUM;
		v->str = strndup(p->s, (size_t)(q - p->s));
		v->len = (size_t)(q - p->s);
		p->s = q;
	} else {
		p->why = "unexpected character";
	}
	p->depth--;
	if (v)
		v->raw = strndup(start, (size_t)(p->s - start));
	return v;
}

struct tj *tj_parse(const char *text, const char **why)
{
	struct p p = { text, NULL, 0 };
	struct tj *v = value(&p);
	if (v) {
		ws(&p);
		if (*p.s) {
			p.why = "trailing text";
			tj_free(v);
			v = NULL;
		}
	}
	if (!v && why)
		*why = p.why ? p.why : "syntax error";
	return v;
}

void tj_free(struct tj *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++) {
		tj_free(v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->str);
	free(v->raw);
	free(v);
}

struct tj *tj_get(const struct tj *obj, const char *key)
{
	if (!obj || obj->kind != TJ_OBJ)
		return NULL;
	for (size_t i = 0; i < obj->n; i++)
		if (strcmp(obj->keys[i], key) == 0)
			return obj->items[i];
	return NULL;
}
