// SPDX-License-Identifier: MIT
/*
 * test_mutator.c - the byte layout and the op-aware mutator:
 *   - op boundaries agree with the decoder (split of an encoded trace
 *     finds exactly its ops)
 *   - every mutant and every crossover is within the cap and non-empty
 *   - mutation is deterministic for a seed
 *   - most mutants keep most of their parent's ops (op-aware edits)
 *   - PAGEDIFF_FUZZ_POOL_FRAMES_LOG2 sets the model pool's budget
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_target.h"

static unsigned run, failed;

#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: %s: CHECK failed: %s\n", __FILE__, __LINE__, \
			__func__, #cond); \
		return false; \
	} \
} while (0)

#define TEST(fn) do { \
	run++; \
	if (!fn()) { \
		failed++; \
		fprintf(stderr, "FAIL %s\n", #fn); \
	} \
} while (0)

#define MAXB 4096

static size_t gen(struct pd_rng *r, const struct pd_fuzz_cap *cap, uint8_t *buf, unsigned nops)
{
	size_t n = PD_BYTES_HEADER;

	pd_fuzz_gen_header(r, cap, 0, buf);
	while (nops--)
		n += pd_fuzz_gen_op(r, buf + n);
	return n;
}

static bool within_cap(const struct pd_fuzz_cap *cap, const uint8_t *b, size_t n)
{
	struct pd_trace t;
	bool ok;

	pd_trace_decode(b, n, &t);
	ok = pd_fuzz_cap_ok(cap, &t.cfg, t.nops);
	pd_trace_free(&t);
	return ok;
}

static bool test_split_matches_decoder(void)
{
	static struct pd_span sp[PD_FUZZ_CAP_OPS * 4];
	struct pd_fuzz_cap cap;
	struct pd_rng r = { 7 };
	uint8_t buf[MAXB], *enc;
	size_t n, elen;
	char err[256];

	pd_fuzz_cap_init(&cap);
	for (int i = 0; i < 2000; i++) {
		struct pd_trace t;

		n = gen(&r, &cap, buf, 1 + pd_rng_below(&r, 100));
		pd_trace_decode(buf, n, &t);
		CHECK(pd_trace_encode(&t, &enc, &elen, err, sizeof(err)) == 0);
		CHECK(pd_fuzz_split(enc, elen, sp, PD_FUZZ_CAP_OPS * 4) == t.nops);
		for (size_t k = 0; k < t.nops; k++)
			CHECK(enc[sp[k].off] == t.ops[k].code);
		free(enc);
		pd_trace_free(&t);
	}
	return true;
}

static bool test_mutants_within_cap(void)
{
	struct pd_fuzz_cap cap;
	struct pd_rng r = { 11 };
	uint8_t a[MAXB], b[MAXB], out[MAXB];
	size_t na, nb, no;

	pd_fuzz_cap_init(&cap);
	na = gen(&r, &cap, a, 30);
	for (int i = 0; i < 20000; i++) {
		size_t max = 64 + pd_rng_below(&r, MAXB - 64);

		if (na > max)
			na = gen(&r, &cap, a, 10);
		/* Now and then a header beyond the cap, or too short to have one. */
		if (i % 97 == 0)
			a[PD_HDR_FRAMES] = 0xff, a[PD_HDR_SLOTS_HI] = 0xff;
		if (i % 101 == 0)
			na = pd_rng_below(&r, PD_BYTES_HEADER);
		na = pd_mutate(a, na, max, &r, &cap, b, 0, NULL);
		CHECK(na >= PD_BYTES_HEADER && na <= max);
		CHECK(within_cap(&cap, a, na));
		nb = gen(&r, &cap, b, pd_rng_below(&r, 40));
		no = pd_crossover(a, na, b, nb, out, MAXB, &r, &cap);
		CHECK(no >= PD_BYTES_HEADER && no <= MAXB);
		CHECK(within_cap(&cap, out, no));
		na = pd_mutate(a, na, MAXB, &r, &cap, b, nb, NULL);
		CHECK(within_cap(&cap, a, na));
	}
	return true;
}

static bool test_deterministic(void)
{
	struct pd_fuzz_cap cap;
	struct pd_rng g = { 3 }, r1 = { 99 }, r2 = { 99 };
	uint8_t a[MAXB], b[MAXB];
	size_t na, nb;

	pd_fuzz_cap_init(&cap);
	na = gen(&g, &cap, a, 40);
	memcpy(b, a, na);
	nb = na;
	for (int i = 0; i < 1000; i++) {
		na = pd_mutate(a, na, MAXB, &r1, &cap, NULL, 0, NULL);
		nb = pd_mutate(b, nb, MAXB, &r2, &cap, NULL, 0, NULL);
		CHECK(na == nb && !memcmp(a, b, na));
	}
	return true;
}

/*
 * A byte mutator would scramble everything after a changed opcode; ours
 * keeps most ops.  Measure: the fraction of mutants whose decoded op
 * sequence shares at least half its ops (as a common prefix plus a common
 * suffix) with the parent's.
 */
static bool test_mutants_stay_close(void)
{
	struct pd_fuzz_cap cap;
	struct pd_rng r = { 5 };
	uint8_t a[MAXB], m[MAXB];
	unsigned close = 0, total = 2000;

	pd_fuzz_cap_init(&cap);
	for (unsigned i = 0; i < total; i++) {
		struct pd_trace ta, tm;
		size_t na = gen(&r, &cap, a, 20 + pd_rng_below(&r, 60)), nm, pre = 0, suf = 0;

		memcpy(m, a, na);
		nm = pd_mutate(m, na, MAXB, &r, &cap, NULL, 0, NULL);
		pd_trace_decode(a, na, &ta);
		pd_trace_decode(m, nm, &tm);
		while (pre < ta.nops && pre < tm.nops &&
		       !memcmp(&ta.ops[pre], &tm.ops[pre], sizeof(struct pd_op)))
			pre++;
		while (suf < ta.nops - pre && suf < tm.nops - pre &&
		       ta.ops[ta.nops - 1 - suf].code == tm.ops[tm.nops - 1 - suf].code)
			suf++;
		close += 2 * (pre + suf) >= ta.nops;
		pd_trace_free(&ta);
		pd_trace_free(&tm);
	}
	printf("mutants keeping half their parent's ops: %u of %u\n", close, total);
	CHECK(close * 10 >= total * 7);
	return true;
}

/*
 * A crossover keeps the first parent's config almost always: a new config
 * costs two new models, so config changes are left to m_header's edits.
 */
static bool test_crossover_keeps_config(void)
{
	static uint8_t a[MAXB], b[MAXB], out[MAXB];
	struct pd_fuzz_cap cap;
	struct pd_rng r = { 7 };
	unsigned kept = 0, total = 2000;

	pd_fuzz_cap_init(&cap);
	for (unsigned i = 0; i < total; i++) {
		size_t na = gen(&r, &cap, a, 20), nb = gen(&r, &cap, b, 20), n;

		b[PD_HDR_CPUS] = (uint8_t)(a[PD_HDR_CPUS] + 1);  /* the configs differ */
		n = pd_crossover(a, na, b, nb, out, sizeof(out), &r, &cap);
		CHECK(n >= PD_BYTES_HEADER);
		kept += !memcmp(out, a, PD_BYTES_HEADER);
	}
	printf("crossovers keeping the first parent's config: %u of %u\n", kept, total);
	CHECK(kept * 100 >= total * 95);
	return true;
}

/* The whole-state end of an input: one in 64, rarer in proportion above 4,096 frames. */
static bool test_full_every_scales(void)
{
	struct pd_config c;

	pd_config_default(&c);
	c.frames_log2 = 10;
	CHECK(pd_fuzz_full_every(&c) == PD_FUZZ_FULL_EVERY);
	c.frames_log2 = 12;
	CHECK(pd_fuzz_full_every(&c) == PD_FUZZ_FULL_EVERY);
	c.frames_log2 = 16;
	CHECK(pd_fuzz_full_every(&c) == 1024);
	return true;
}

/*
 * PAGEDIFF_FUZZ_POOL_FRAMES_LOG2: values out of range are ignored; 2^13
 * frames hold two 4,096-frame configs, so a third evicts the first and
 * running the first again needs new models (under the default budget,
 * 2^20 frames, it would find them pooled).  The pool is made at the
 * process's first pd_fuzz_one(), so this test is the only one to run it.
 */
static bool test_pool_budget_from_env(void)
{
	struct pd_fuzz_cap cap;
	struct pd_run_result res;
	struct pd_rng r = { 11 };
	uint8_t in[3][PD_BYTES_HEADER + 4 * PD_FUZZ_OP_MAX_BYTES];
	size_t len[3];
	unsigned long long hits, misses;

	setenv("PAGEDIFF_FUZZ_POOL_FRAMES_LOG2", "2", 1);
	pd_fuzz_cap_init(&cap);
	CHECK(cap.pool_frames_log2 == 0);
	setenv("PAGEDIFF_FUZZ_POOL_FRAMES_LOG2", "13", 1);
	pd_fuzz_cap_init(&cap);
	unsetenv("PAGEDIFF_FUZZ_POOL_FRAMES_LOG2");
	CHECK(cap.pool_frames_log2 == 13);
	for (int i = 0; i < 3; i++) {
		len[i] = PD_BYTES_HEADER;
		pd_fuzz_gen_header(&r, &cap, 12, in[i]);
		in[i][PD_HDR_PCP_HIGH] = (uint8_t)(100 + i);  /* three distinct configs */
		for (int k = 0; k < 4; k++)
			len[i] += pd_fuzz_gen_op(&r, in[i] + len[i]);
	}
	for (int i = 0; i < 3; i++) {
		CHECK(pd_fuzz_one(in[i], len[i], &cap, NULL, &res) == PD_FUZZ_CLEAN);
		pd_run_result_free(&res);
	}
	CHECK(pd_fuzz_one(in[0], len[0], &cap, NULL, &res) == PD_FUZZ_CLEAN);
	pd_run_result_free(&res);
	pd_fuzz_pool_stats(&hits, &misses);
	CHECK(hits == 0 && misses == 4);
	return true;
}

int main(void)
{
	TEST(test_split_matches_decoder);
	TEST(test_mutants_within_cap);
	TEST(test_deterministic);
	TEST(test_mutants_stay_close);
	TEST(test_crossover_keeps_config);
	TEST(test_full_every_scales);
	TEST(test_pool_budget_from_env);
	printf("%u run, %u passed, %u failed\n", run, run - failed, failed);
	return failed ? 1 : 0;
}
