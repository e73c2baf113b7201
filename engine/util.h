/* SPDX-License-Identifier: MIT */
/* util.h - internal to the engine: allocation that cannot fail, and a growing string. */
#ifndef PAGEDIFF_UTIL_H
#define PAGEDIFF_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/*
 * For the few helpers run several times per op: inlined in every build.
 * Under ASan+UBSan the inliner kept them as calls (each instrumented
 * function is bigger), and the calls were a visible part of an execution.
 */
#define PD_HOT_INLINE inline __attribute__((always_inline))

/* ---- util.c ---- */
/* Out of memory aborts with a message: pagediff is a test tool. */
void *pd_xmalloc(size_t n);
void *pd_xcalloc(size_t n, size_t size);
void *pd_xrealloc(void *p, size_t n);
/*
 * n zeroed elements of an array that is mostly never written (visit
 * stamps): large ones are fresh pages, paid for only where written.
 * Freed with pd_zfree_sparse() and the same n and size.
 */
void *pd_xzalloc_sparse(size_t n, size_t size);
void pd_zfree_sparse(void *p, size_t n, size_t size);
char *pd_xstrdup(const char *s);
char *pd_xstrndup(const char *s, size_t n);
/* Grow *arr (of *cap elements of size sz) to hold at least `need`. */
void pd_grow_slow(void **arr, size_t *cap, size_t need, size_t sz);
static PD_HOT_INLINE void pd_grow(void **arr, size_t *cap, size_t need, size_t sz)
{
	if (need > *cap)
		pd_grow_slow(arr, cap, need, sz);
}

struct pd_strbuf {
	char  *s;     /* NUL-terminated once anything was added; may be NULL */
	size_t len, cap;
};

void pd_sb_puts(struct pd_strbuf *sb, const char *s);
void pd_sb_putn(struct pd_strbuf *sb, const char *s, size_t n);
void pd_sb_printf(struct pd_strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void pd_sb_vprintf(struct pd_strbuf *sb, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* Hand the string to the caller (an empty string, never NULL). */
char *pd_sb_take(struct pd_strbuf *sb);
void pd_sb_free(struct pd_strbuf *sb);

/* floor(log2(v)) for v >= 1; the config's sizes are powers of two. */
static inline unsigned pd_ilog2(uint32_t v)
{
	unsigned l = 0;

	while (v > 1) {
		v >>= 1;
		l++;
	}
	return l;
}

/*
 * Whether two small objects are byte-equal, compiled inline.  libFuzzer
 * builds compile with -fno-builtin-memcmp so that its interceptor sees
 * every memcmp; the engine's per-object comparisons, a few hundred per
 * input, then each became a library call through that interceptor.
 */
static PD_HOT_INLINE bool pd_bytes_equal(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a, *q = b;
	uint64_t x, y;

	for (; n >= 8; n -= 8, p += 8, q += 8) {
		memcpy(&x, p, 8);
		memcpy(&y, q, 8);
		if (x != y)
			return false;
	}
	for (; n; n--)
		if (*p++ != *q++)
			return false;
	return true;
}

#endif
