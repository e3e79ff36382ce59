/* lib/utf8.h - UTF-8 sequences, as the JSON writers need them (cdc's
 * value encoder, fc_buf_put_utf8). Header-only: the decoder calls it per
 * byte of text. */
#ifndef FC_UTF8_H
#define FC_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Length of the valid UTF-8 sequence at s (1-4 bytes), or 0 when s starts
 * an invalid one; then *bad is how many bytes one U+FFFD replaces (the
 * maximal valid prefix, at least 1, as Unicode recommends). */
static inline size_t fc_utf8_len(const uint8_t *s, size_t n, size_t *bad)
{
	uint8_t c = s[0], lo = 0x80, hi = 0xbf;
	size_t more;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		more = 1;
	} else if (c >= 0xe0 && c <= 0xef) {
		more = 2;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;          /* no UTF-16 surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		more = 3;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;          /* nothing past U+10FFFF */
	} else {
		*bad = 1;
		return 0;
	}
	for (size_t i = 1; i <= more; i++) {
		if (i >= n || s[i] < lo || s[i] > hi) {
			*bad = i;
			return 0;
		}
		lo = 0x80;
		hi = 0xbf;
	}
	return more + 1;
}

#endif
