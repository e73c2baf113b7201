// SPDX-License-Identifier: MIT
/*
 * zalloc.c - zeroed arrays that cost what is used of them.
 *
 * A new model's arrays (mem_map, the tags, the swap arrays, reset's boot
 * images) are mostly zero at boot and stay mostly untouched: at 2^16
 * frames and 256 granules the tags alone are 8 MB.  glibc's calloc
 * clears recycled heap memory with memset, and after a few big frees its
 * mmap threshold has risen (dynamically, up to 32 MB) so that a model's
 * arrays are recycled heap memory: a new model paid for clearing all of
 * them.  Arrays of ZALLOC_MMAP_MIN bytes or more are mapped instead:
 * fresh anonymous pages are zero, and a page costs a fault only when it
 * is first touched.
 *
 * Under ASan every array is calloc'ed, so that ASan keeps checking their
 * bounds (and its allocator maps big blocks itself).
 */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE  /* MAP_ANONYMOUS, beside _POSIX_C_SOURCE */
#endif

#include <stdlib.h>
#include <sys/mman.h>

#include "internal.h"

#if defined(__SANITIZE_ADDRESS__)
#define ZALLOC_USE_CALLOC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ZALLOC_USE_CALLOC 1
#endif
#endif
#ifndef ZALLOC_USE_CALLOC
#define ZALLOC_USE_CALLOC 0
#endif

/* glibc's own initial mmap threshold: below it calloc's memset is cheap. */
#define ZALLOC_MMAP_MIN ((size_t)128 << 10)

static bool zalloc_mapped(size_t bytes)
{
	return !ZALLOC_USE_CALLOC && bytes >= ZALLOC_MMAP_MIN;
}

static void *__zalloc_array(size_t n, size_t size, int mmap_flags)
{
	size_t bytes = n * size;
	void *p;

	if (size && bytes / size != n)
		return NULL;
	if (!zalloc_mapped(bytes))
		return calloc(n ? n : 1, size ? size : 1);
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | mmap_flags, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* n zeroed objects of `size` bytes, or NULL; free with zfree(). */
void *zalloc_array(size_t n, size_t size)
{
	return __zalloc_array(n, size, 0);
}

/*
 * The same for an array whose every page the caller is about to write
 * (mem_map when boot puts a block head on each page): one mmap with
 * MAP_POPULATE allocates the pages at about half the cost of faulting
 * them in one by one (measured: ~0.6 against ~1.2 us a page).
 */
void *zalloc_array_prefault(size_t n, size_t size)
{
	return __zalloc_array(n, size, MAP_POPULATE);
}

/*
 * Free what zalloc_array() returned for n objects of `size` bytes (the
 * same n and size: they say whether it was mapped).  NULL is a no-op.
 */
void zfree(void *p, size_t n, size_t size)
{
	if (!p)
		return;
	if (zalloc_mapped(n * size))
		munmap(p, n * size);
	else
		free(p);
}
