/* cdc/bytes.h - bounds-checked little-endian reading of binlog bytes.
 *
 * A reader walks [p, end); every read checks the bytes are there and, when
 * they are not, sets bad and returns 0 / NULL, so decoders can read a whole
 * structure and test bad once. Nothing here reads past end. */
#ifndef CDC_BYTES_H
#define CDC_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cdc_rd {
	const uint8_t *p;
	const uint8_t *end;
	bool bad;
};

static inline struct cdc_rd cdc_rd_make(const uint8_t *p, size_t n)
{
	struct cdc_rd r = { p, p + n, false };
	return r;
}

static inline size_t cdc_rd_left(const struct cdc_rd *r)
{
	return r->bad ? 0 : (size_t)(r->end - r->p);
}

/* n bytes (n <= 8) as a little-endian unsigned integer. */
static inline uint64_t cdc_rd_uint(struct cdc_rd *r, size_t n)
{
	uint64_t v = 0;
	if (r->bad || (size_t)(r->end - r->p) < n) {
		r->bad = true;
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)r->p[i] << (8 * i);
	r->p += n;
	return v;
}

/* A pointer to the next n bytes, or NULL (and bad) when there are fewer. */
static inline const uint8_t *cdc_rd_bytes(struct cdc_rd *r, size_t n)
{
	const uint8_t *p = r->p;
	if (r->bad || (size_t)(r->end - r->p) < n) {
		r->bad = true;
		return NULL;
	}
	r->p += n;
	return p;
}

/* MySQL's length-encoded integer: < 251 in one byte, 0xfc + 2 bytes,
 * 0xfd + 3 bytes, 0xfe + 8 bytes. 0xfb (NULL) and 0xff are bad here. */
static inline uint64_t cdc_rd_packed(struct cdc_rd *r)
{
	uint64_t first = cdc_rd_uint(r, 1);
	if (r->bad)
		return 0;
	if (first < 251)
		return first;
	if (first == 0xfc)
		return cdc_rd_uint(r, 2);
	if (first == 0xfd)
		return cdc_rd_uint(r, 3);
	if (first == 0xfe)
		return cdc_rd_uint(r, 8);
	r->bad = true;
	return 0;
}

static inline uint32_t cdc_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint16_t cdc_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

#endif
