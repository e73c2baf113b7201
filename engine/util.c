// SPDX-License-Identifier: MIT
/* util.c - allocation that cannot fail, and a growing string. */
#define _DEFAULT_SOURCE  /* MAP_ANONYMOUS, beside _POSIX_C_SOURCE */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "util.h"

#if defined(__SANITIZE_ADDRESS__)
#define PD_SPARSE_CALLOC_ONLY 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PD_SPARSE_CALLOC_ONLY 1
#endif
#endif
#ifndef PD_SPARSE_CALLOC_ONLY
#define PD_SPARSE_CALLOC_ONLY 0
#endif

/* Sparse arrays this large are mapped fresh rather than calloc'ed. */
#define PD_SPARSE_MMAP_MIN ((size_t)64 << 10)

static void oom(size_t n)
{
	fprintf(stderr, "pagediff: out of memory (%zu bytes)\n", n);
	abort();
}

void *pd_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom(n);
	return p;
}

void *pd_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		oom(n * size);
	return p;
}

static bool sparse_mapped(size_t bytes)
{
	return !PD_SPARSE_CALLOC_ONLY && bytes >= PD_SPARSE_MMAP_MIN;
}

/*
 * A fuzzer's pool creates such arrays for every config it has no models
 * for, and glibc's calloc served them from recycled heap (its mmap
 * threshold rises after big frees), clearing all of it with memset, page
 * faults included, and trimming the heap again on free: at 65,536 frames
 * about a fifth of a new config's cost.  Fresh anonymous memory is zero
 * and costs a page fault only where written.  ASan builds calloc, so that
 * ASan checks the bounds.
 */
void *pd_xzalloc_sparse(size_t n, size_t size)
{
	void *p;

	if (!sparse_mapped(n * size))
		return pd_xcalloc(n, size);
	p = mmap(NULL, n * size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		oom(n * size);
	return p;
}

void pd_zfree_sparse(void *p, size_t n, size_t size)
{
	if (!p)
		return;
	if (sparse_mapped(n * size))
		munmap(p, n * size);
	else
		free(p);
}

void *pd_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom(n);
	return p;
}

char *pd_xstrndup(const char *s, size_t n)
{
	char *d = pd_xmalloc(n + 1);

	memcpy(d, s, n);
	d[n] = 0;
	return d;
}

char *pd_xstrdup(const char *s)
{
	return pd_xstrndup(s, strlen(s));
}

void pd_grow_slow(void **arr, size_t *cap, size_t need, size_t sz)
{
	size_t c = *cap ? *cap : 8;

	if (need <= *cap)
		return;
	while (c < need)
		c *= 2;
	*arr = pd_xrealloc(*arr, c * sz);
	*cap = c;
}

void pd_sb_putn(struct pd_strbuf *sb, const char *s, size_t n)
{
	pd_grow((void **)&sb->s, &sb->cap, sb->len + n + 1, 1);
	memcpy(sb->s + sb->len, s, n);
	sb->len += n;
	sb->s[sb->len] = 0;
}

void pd_sb_puts(struct pd_strbuf *sb, const char *s)
{
	pd_sb_putn(sb, s, strlen(s));
}

void pd_sb_vprintf(struct pd_strbuf *sb, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return;
	pd_grow((void **)&sb->s, &sb->cap, sb->len + (size_t)n + 1, 1);
	vsnprintf(sb->s + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
}

void pd_sb_printf(struct pd_strbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pd_sb_vprintf(sb, fmt, ap);
	va_end(ap);
}

char *pd_sb_take(struct pd_strbuf *sb)
{
	char *s = sb->s ? sb->s : pd_xstrdup("");

	sb->s = NULL;
	sb->len = sb->cap = 0;
	return s;
}

void pd_sb_free(struct pd_strbuf *sb)
{
	free(sb->s);
	sb->s = NULL;
	sb->len = sb->cap = 0;
}
