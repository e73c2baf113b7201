// SPDX-License-Identifier: MIT
/*
 * test_decode_fuzz.c - the byte form: 10,000 random byte strings from a
 * fixed-seed PRNG.  Each must decode (never crash, ASan on), print as text
 * that parses back to the same ops, validate, and encode to bytes that
 * are a fixed point of encode(decode(.)).  Plus the reduction rules of
 * docs/trace-format.md on hand-made bytes.
 */
#include <stdlib.h>
#include <string.h>

#include <pagediff/engine.h>

#include "test.h"

#define ITERATIONS 10000

/* splitmix64: deterministic, no global state. */
static uint64_t next_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static bool check_one(const uint8_t *b, size_t n, size_t iter)
{
	struct pd_trace d, p, d2;
	uint8_t *e1, *e2;
	size_t n1, n2;
	char err[256];
	char *text;

	pd_trace_decode(b, n, &d);
	ASSERTF(pd_trace_validate(&d, err, sizeof(err)) == 0, "iter %zu: %s", iter, err);
	text = pd_trace_print(&d, 0);
	ASSERTF(pd_trace_parse(text, strlen(text), "decoded", &p, err, sizeof(err)) == 0,
		"iter %zu: printed text does not parse: %s\n%s", iter, err, text);
	ASSERTF(pd_trace_ops_equal(&d, &p), "iter %zu: parse(print(decode(B))) differs", iter);
	ASSERTF(pd_trace_encode(&d, &e1, &n1, err, sizeof(err)) == 0, "iter %zu: %s", iter, err);
	pd_trace_decode(e1, n1, &d2);
	ASSERTF(pd_trace_ops_equal(&d, &d2), "iter %zu: decode(encode(decode(B))) differs", iter);
	ASSERTF(pd_trace_encode(&d2, &e2, &n2, err, sizeof(err)) == 0, "iter %zu: %s", iter, err);
	ASSERTF(n1 == n2 && !memcmp(e1, e2, n1), "iter %zu: encode(decode(.)) not a fixed point",
		iter);
	free(text);
	free(e1);
	free(e2);
	pd_trace_free(&d);
	pd_trace_free(&p);
	pd_trace_free(&d2);
	return true;
}

static bool test_random_bytes(void)
{
	uint64_t seed = 0x5eed;
	uint8_t buf[512];
	size_t total_ops = 0;

	for (size_t it = 0; it < ITERATIONS; it++) {
		uint64_t r = next_rand(&seed);
		size_t n = (size_t)(r % sizeof(buf));
		struct pd_trace d;

		for (size_t i = 0; i < n; i++)
			buf[i] = (uint8_t)next_rand(&seed);
		/* Small zones and many processes now and then: more live names. */
		if (n > 2 && (r >> 20) % 2)
			buf[1] = (uint8_t)((r >> 24) % 4);
		if (!check_one(buf, n, it))
			return false;
		pd_trace_decode(buf, n, &d);
		total_ops += d.nops;
		pd_trace_free(&d);
	}
	/* The generator must reach ops at all (a decoder dropping all would pass). */
	ASSERTF(total_ops > ITERATIONS * 10, "only %zu ops decoded", total_ops);
	return true;
}

static bool test_empty_and_header(void)
{
	struct pd_trace t;
	static const uint8_t hdr[] = { 9, 255, 255, 255, 255, 255, 7, 255, 0xff, 0xff,
				       255, 3, 255, 0xff, 1, 2 };
	const struct pd_config *c = &t.cfg;

	/* Missing bytes read as 0. */
	pd_trace_decode(NULL, 0, &t);
	ASSERT(t.nops == 0);
	ASSERT(c->frames_log2 == 3 && c->max_order == 0 && c->cpus == 1 && c->granules == 1);
	ASSERT(c->accept_order == 0 && c->unaccepted == 0 && c->tag_ratio_log2 == 0);
	ASSERT(c->slots == 1 && c->pcp_batch == 1 && c->pcp_high == 1 && c->vpages == 1);
	ASSERT(c->swap_excl == 0 && c->accept == 0 && c->tagstore == 0);
	pd_trace_free(&t);

	/* Each header byte reduced as the table says; a version other than 1 reads as 1. */
	pd_trace_decode(hdr, sizeof(hdr), &t);
	ASSERT(c->frames_log2 == 16 && c->max_order == 2 && c->cpus == 8 && c->granules == 8);
	ASSERT(c->accept_order == 2 && c->unaccepted == 7 && c->tag_ratio_log2 == 3);
	ASSERT(c->slots == 65536 && c->pcp_batch == 64 && c->pcp_high == 64 && c->vpages == 256);
	ASSERT(c->swap_excl == 1 && c->accept == 1 && c->tagstore == 0);
	ASSERT(pd_config_validate(c, NULL, 0) == 0);
	pd_trace_free(&t);
	return true;
}

/* 16 header bytes: version 1, frames=8, everything else minimal. */
#define HDR0 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0

static bool decodes_to(const uint8_t *b, size_t n, const char *want)
{
	struct pd_trace t;
	char *s;
	bool ok;

	pd_trace_decode(b, n, &t);
	s = pd_trace_print(&t, 0);
	ok = strcmp(s, want) == 0;
	if (!ok)
		fprintf(stderr, "decoded:\n%s\nexpected:\n%s\n", s, want);
	free(s);
	pd_trace_free(&t);
	return ok;
}

#define CFG0 "config frames=8 cpus=1 max_order=0 granules=1 accept_order=0 tag_ratio=1 " \
	     "slots=1 pcp_batch=1 pcp_high=1 vpages=1 swap_excl=lost\n"

static bool test_drop_rules(void)
{
	static const uint8_t b[] = {
		HDR0,
		1, 0, 0, 0,        /* free: no live alloc handle -> dropped */
		5, 5, 5, 5, 5, 5, 5, 5,
		5,                 /* a ninth live process -> dropped */
		9, 0,              /* fork with 8 live -> dropped */
		8, 11,             /* exit p(11 mod 8 = 3) */
		9, 0,              /* fork p0 -> p8 */
		16, 0,             /* unpin: no live pin -> dropped */
	};

	ASSERT(decodes_to(b, sizeof(b),
		CFG0
		"p0 = spawn\np1 = spawn\np2 = spawn\np3 = spawn\n"
		"p4 = spawn\np5 = spawn\np6 = spawn\np7 = spawn\n"
		"exit p3\np8 = fork p0\n"));
	return true;
}

static bool test_reductions(void)
{
	static const uint8_t b[] = {
		HDR0,
		24, 5, 7, 0xff,    /* opcode 24 = alloc; cpu 5 mod 1, order 7 mod 1, flags & 7 */
		5,                 /* p0 */
		6, 0, 9, 9, 0xfe,  /* mmap p0 vpage 9 mod 1, pages 1 + 9 mod 1, flags & 1 = 0 */
		11, 0, 0, 0x34, 0x12, 7, 0xf3, /* write value 0x1234, granule 7 mod 1, tag & 15 */
		14, 0xff, 0xff,    /* swapcache_drop slot 0xffff mod 1 */
		22, 9, 0,          /* tagstore_pin block 9 mod 8 tag blocks */
		1, 7, 3, 3,        /* free a(7 mod 1 = a0) cpu 0, nolock */
		0,                 /* alloc with its argument bytes missing */
	};

	ASSERT(decodes_to(b, sizeof(b),
		CFG0
		"a0 = alloc order=0 zero nolock tagged\n"
		"p0 = spawn\n"
		"mmap p0 vpage=0 pages=1\n"
		"write p0 vpage=0 value=0x1234 tag=3\n"
		"swapcache_drop slot=0\n"
		"tagstore_pin block=1\n"
		"free a0 nolock\n"
		"a1 = alloc order=0\n"));
	return true;
}

static bool test_live_index(void)
{
	/* P and H index the live names in creation order, modulo their count. */
	static const uint8_t b[] = {
		HDR0,
		5, 5, 5,           /* p0 p1 p2 */
		8, 1,              /* exit p1 -> live p0 p2 */
		10, 1, 0,          /* read p(1) = p2 */
		10, 2, 0,          /* read p(2 mod 2 = 0) = p0 */
		19, 3, 0,          /* r0 = get p(3 mod 2 = 1) = p2 */
		19, 0, 0,          /* r1 = get p0 */
		20, 1,             /* put r1 */
		21, 5,             /* ref_read r(5 mod 1 = 0) = r0 */
	};

	ASSERT(decodes_to(b, sizeof(b),
		CFG0
		"p0 = spawn\np1 = spawn\np2 = spawn\nexit p1\n"
		"read p2 vpage=0\nread p0 vpage=0\n"
		"r0 = get p2 vpage=0\nr1 = get p0 vpage=0\nput r1\nref_read r0\n"));
	return true;
}

/*
 * pd_trace_decode_into(), as the fuzz targets use it: one trace reused for
 * every input (after a parsed trace with comments and expectations, and
 * after longer and shorter inputs) decodes each as a new trace would.
 */
static bool test_decode_into_reuses(void)
{
	static const char text[] = "config frames=16 max_order=2\n# a comment\na0 = alloc order=1\n"
				   "expect result ok\nfree a0\n";
	uint64_t seed = 0xdec0de;
	uint8_t buf[512];
	struct pd_trace reused, fresh;
	char err[256];

	ASSERTF(pd_trace_parse(text, sizeof(text) - 1, "t", &reused, err, sizeof(err)) == 0, "%s", err);
	ASSERT(reused.nexpects == 1 && reused.nops == 2);
	for (int it = 0; it < 2000; it++) {
		size_t n = (size_t)(next_rand(&seed) % sizeof(buf));

		for (size_t i = 0; i < n; i++)
			buf[i] = (uint8_t)next_rand(&seed);
		pd_trace_decode_into(buf, n, &reused);
		pd_trace_decode(buf, n, &fresh);
		ASSERTF(pd_trace_ops_equal(&reused, &fresh), "iter %d: decode_into differs", it);
		ASSERTF(reused.nexpects == 0 && reused.nitems == fresh.nitems,
			"iter %d: %zu expects, %zu items left over", it, reused.nexpects,
			reused.nitems);
		pd_trace_free(&fresh);
	}
	pd_trace_free(&reused);
	return true;
}

int main(void)
{
	static const struct test tests[] = {
		TEST(test_empty_and_header),
		TEST(test_drop_rules),
		TEST(test_reductions),
		TEST(test_live_index),
		TEST(test_random_bytes),
		TEST(test_decode_into_reuses),
	};

	return RUN_TESTS(tests);
}
