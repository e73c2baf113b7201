// SPDX-License-Identifier: MIT
/*
 * test_reset.c - reusing models between runs (pd_pool, the models'
 * reset()) and the fuzzing mode (pd_run_opts.fast).
 *
 *  1. A reset model is a new model: for random trace pairs A, B of one
 *     config, "run A, then B on the same pooled models" and "run B on
 *     new models" give the same result, and afterwards both models of
 *     the pair are byte for byte in the same observable state (every
 *     frame, PTE, process, slot, unit, tag block and the totals,
 *     including fields a comparison ignores, such as undefined content).
 *     Both built-in models, each as primary (impl) and reference (oracle).
 *  2. A model without reset() still works in a pool: it is destroyed and
 *     created, and the runs agree with runs without a pool.
 *  3. Fast mode reports what the default mode reports: a diverging trace
 *     gets the same signature and report either way.
 *  4. Fast mode runs clean traces clean, and the same traces give the
 *     same results with and without fast mode.
 *
 * PD_RESET_TRACES in the environment overrides the number of random
 * trace pairs (default 400).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pagediff/engine.h>

#include "gen_trace.h"
#include "run.h"
#include "test.h"
#include "toy_model.h"

#define NOPS 150

static unsigned npairs(void)
{
	const char *e = getenv("PD_RESET_TRACES");

	return e && atoi(e) > 0 ? (unsigned)atoi(e) : 400;
}

static int run_bytes(const uint8_t *buf, size_t len, const struct pd_model_ops *p,
		     const struct pd_model_ops *r, bool fast, struct pd_pool *pool,
		     struct pd_run_result *res)
{
	struct pd_run_opts o;
	struct pd_trace t;
	int rc;

	memset(&o, 0, sizeof(o));
	o.primary = p;
	o.reference = r;
	o.file = "random";
	o.fast = fast;
	o.pool = pool;
	pd_trace_decode(buf, len, &t);
	rc = pd_run(&t, &o, res);
	pd_trace_free(&t);
	return rc;
}

/*
 * Byte-compare every object of two models of the same kind and config;
 * names the first object that differs.
 */
static bool same_state(const struct pd_model_ops *ops, void *a, void *b,
		       const struct pd_config *c, const char *what)
{
	struct pd_frame_state fa, fb;
	struct pd_pte_state pa, pb;
	struct pd_proc_state qa, qb;
	struct pd_slot_state sa, sb;
	struct pd_unit_state ua, ub;
	struct pd_tagblock_state ta, tb;
	struct pd_totals ka, kb;

#define SAME(kind, x, y, call_a, call_b, fmt, ...) do {			\
		memset(&x, 0, sizeof(x));					\
		memset(&y, 0, sizeof(y));					\
		call_a;								\
		call_b;								\
		ASSERTF(!memcmp(&x, &y, sizeof(x)), "%s: %s: " kind " " fmt	\
			" differs after reset", what, ops->name, __VA_ARGS__);	\
	} while (0)

	for (uint32_t f = 0; f < pd_nr_frames(c); f++)
		SAME("frame", fa, fb, ops->frame_state(a, f, &fa), ops->frame_state(b, f, &fb),
		     "%u", f);
	for (uint8_t p = 0; p < PD_MAX_PROCS; p++) {
		SAME("proc", qa, qb, ops->proc_state(a, p, &qa), ops->proc_state(b, p, &qb),
		     "%u", p);
		for (uint16_t v = 0; v < c->vpages; v++)
			SAME("pte", pa, pb, ops->pte_state(a, p, v, &pa),
			     ops->pte_state(b, p, v, &pb), "%u/%u", p, v);
	}
	for (uint32_t s = 0; s < c->slots; s++)
		SAME("slot", sa, sb, ops->slot_state(a, s, &sa), ops->slot_state(b, s, &sb),
		     "%u", s);
	for (uint32_t u = 0; u < pd_nr_units(c); u++)
		SAME("unit", ua, ub, ops->unit_state(a, u, &ua), ops->unit_state(b, u, &ub),
		     "%u", u);
	for (uint32_t t = 0; t < pd_nr_tag_blocks(c); t++)
		SAME("tagblock", ta, tb, ops->tagblock_state(a, t, &ta),
		     ops->tagblock_state(b, t, &tb), "%u", t);
	SAME("totals", ka, kb, ops->totals(a, &ka), ops->totals(b, &kb), "%s", "");
#undef SAME
	return true;
}

static bool same_result(const struct pd_run_result *a, const struct pd_run_result *b,
			unsigned i)
{
	ASSERTF(a->status == b->status, "pair %u: status %d vs %d", i, a->status, b->status);
	ASSERTF(a->diverged == b->diverged, "pair %u", i);
	ASSERTF(a->ops_run == b->ops_run, "pair %u: %u vs %u ops run", i, a->ops_run, b->ops_run);
	ASSERTF(a->div_op == b->div_op, "pair %u: diverged at %d vs %d", i, a->div_op, b->div_op);
	ASSERTF(!strcmp(a->signature, b->signature), "pair %u: %s vs %s", i, a->signature,
		b->signature);
	return true;
}

/* Trace pair i: A and B with B's header replaced by A's (one config). */
static void gen_pair(uint64_t *seed, unsigned i, uint8_t *a, size_t *na, uint8_t *b,
		     size_t *nb)
{
	*na = pdt_gen_trace(seed, i, NOPS, a);
	*nb = pdt_gen_trace(seed, i, NOPS, b);
	memcpy(b, a, PD_BYTES_HEADER);
}

static bool pool_reset_equals_new(const struct pd_model_ops *p, const struct pd_model_ops *r)
{
	static uint8_t a[PD_BYTES_HEADER + 8 * NOPS], b[PD_BYTES_HEADER + 8 * NOPS];
	struct pd_pool *used = pd_pool_new(), *fresh;
	unsigned long long hits, misses;
	uint64_t seed = 0x5e7;
	unsigned n = npairs(), resets = 0;

	for (unsigned i = 0; i < n; i++) {
		struct pd_run_result ra, rb, rf;
		struct pd_pool_entry *eu, *ef;
		struct pd_trace t;
		size_t na, nb;
		bool ok;

		gen_pair(&seed, i, a, &na, b, &nb);
		fresh = pd_pool_new();
		run_bytes(a, na, p, r, true, used, &ra);
		run_bytes(b, nb, p, r, true, used, &rb);
		run_bytes(b, nb, p, r, true, fresh, &rf);
		ok = same_result(&rb, &rf, i);
		pd_run_result_free(&ra);
		pd_run_result_free(&rb);
		pd_run_result_free(&rf);
		if (!ok)
			return false;
		pd_trace_decode(b, nb, &t);
		eu = pd_pool_peek(used, &t.cfg, p, r);
		ef = pd_pool_peek(fresh, &t.cfg, p, r);
		ok = eu && ef && (!eu->m[0] || (same_state(p, eu->m[0], ef->m[0], &t.cfg, "primary") &&
						 same_state(r, eu->m[1], ef->m[1], &t.cfg, "reference")));
		if (!ok)
			fprintf(stderr, "pair %u (%s vs %s)\n", i, p->name, r->name);
		resets += eu && eu->m[0];
		pd_trace_free(&t);
		pd_pool_free(fresh);
		if (!ok)
			return false;
	}
	pd_pool_stats(used, &hits, &misses);
	pd_pool_free(used);
	/* Every B ran on reset models (a config the models reject aside). */
	ASSERTF(hits == resets && resets > n * 9 / 10, "%llu hits, %u pairs ran, of %u",
		hits, resets, n);
	return true;
}

static bool test_oracle_reset_is_new(void)
{
	ASSERT(pd_oracle_ops.reset);
	return pool_reset_equals_new(&pd_oracle_ops, &pd_oracle_ops);
}

#ifdef PAGEDIFF_HAVE_IMPL
static bool test_impl_reset_is_new(void)
{
	ASSERT(pd_impl_ops.reset);
	return pool_reset_equals_new(&pd_impl_ops, &pd_oracle_ops);
}
#endif

/* A model without reset(): destroyed and created, same results. */
static bool test_pool_without_reset(void)
{
	static uint8_t a[PD_BYTES_HEADER + 8 * NOPS], b[PD_BYTES_HEADER + 8 * NOPS];
	const struct pd_model_ops *wrap = toy_model(TOY_NONE);
	struct pd_pool *pool = pd_pool_new();
	unsigned long long hits, misses;
	uint64_t seed = 0xab;

	ASSERT(!wrap->reset);
	for (unsigned i = 0; i < 50; i++) {
		struct pd_run_result rp, rn;
		size_t na, nb;
		bool ok;

		gen_pair(&seed, i, a, &na, b, &nb);
		run_bytes(a, na, wrap, &pd_oracle_ops, true, pool, &rp);
		pd_run_result_free(&rp);
		run_bytes(b, nb, wrap, &pd_oracle_ops, true, pool, &rp);
		run_bytes(b, nb, wrap, &pd_oracle_ops, true, NULL, &rn);
		ok = same_result(&rp, &rn, i);
		pd_run_result_free(&rp);
		pd_run_result_free(&rn);
		if (!ok)
			return false;
	}
	pd_pool_stats(pool, &hits, &misses);
	pd_pool_free(pool);
	ASSERTF(hits == 0 && misses == 100, "%llu hits, %llu misses", hits, misses);
	return true;
}

/* Run a one-op trace of config "frames=8 max_order=0 slots=N" on the pool. */
static bool run_slots_cfg(struct pd_pool *pool, unsigned slots, struct pd_config *cfg)
{
	char text[128], err[256];
	struct pd_run_opts o;
	struct pd_run_result r;
	struct pd_trace t;

	snprintf(text, sizeof(text), "config frames=8 max_order=0 slots=%u\na0 = alloc order=0\n",
		 slots);
	ASSERTF(pd_trace_parse(text, strlen(text), "t", &t, err, sizeof(err)) == 0, "%s", err);
	memset(&o, 0, sizeof(o));
	o.primary = &pd_oracle_ops;
	o.reference = &pd_oracle_ops;
	o.fast = true;
	o.pool = pool;
	ASSERT(pd_run(&t, &o, &r) == 0);
	*cfg = t.cfg;
	pd_run_result_free(&r);
	pd_trace_free(&t);
	return true;
}

/*
 * A full pool drops a config that was never reused before one that was:
 * a fuzzer's mutated configs run once and must not push out the corpus's.
 */
static bool test_pool_keeps_reused_configs(void)
{
	struct pd_pool *pool = pd_pool_new();
	struct pd_config reused, first_once, c;

	ASSERT(run_slots_cfg(pool, 1, &reused));
	ASSERT(run_slots_cfg(pool, 1, &reused));   /* reused */
	ASSERT(run_slots_cfg(pool, 2, &first_once));
	for (unsigned s = 3; s < 3 + 300; s++)     /* more configs than the pool holds (256) */
		ASSERT(run_slots_cfg(pool, s, &c));
	ASSERT(pd_pool_peek(pool, &c, &pd_oracle_ops, &pd_oracle_ops));
	ASSERTF(!pd_pool_peek(pool, &first_once, &pd_oracle_ops, &pd_oracle_ops),
		"the pool never filled up: the test tests nothing");
	ASSERT(pd_pool_peek(pool, &reused, &pd_oracle_ops, &pd_oracle_ops));
	pd_pool_free(pool);
	return true;
}

/* A sized pool holds configs of at most that many frames together. */
static bool test_pool_frames_limit(void)
{
	struct pd_pool *pool = pd_pool_new_sized(16);
	struct pd_config c1, c2, c3;

	ASSERT(run_slots_cfg(pool, 1, &c1));  /* 8 frames each */
	ASSERT(run_slots_cfg(pool, 2, &c2));
	ASSERT(pd_pool_peek(pool, &c1, &pd_oracle_ops, &pd_oracle_ops));
	ASSERT(run_slots_cfg(pool, 3, &c3));
	ASSERT(!pd_pool_peek(pool, &c1, &pd_oracle_ops, &pd_oracle_ops));
	ASSERT(pd_pool_peek(pool, &c2, &pd_oracle_ops, &pd_oracle_ops));
	ASSERT(pd_pool_peek(pool, &c3, &pd_oracle_ops, &pd_oracle_ops));
	pd_pool_free(pool);
	return true;
}

/* The toy's bug found in fast mode is reported as in the default mode. */
static bool test_fast_reports_like_default(void)
{
	static uint8_t a[PD_BYTES_HEADER + 8 * NOPS], b[PD_BYTES_HEADER + 8 * NOPS];
	static struct pd_model_ops toy;
	struct pd_pool *pool = pd_pool_new();
	uint64_t seed = 0xf00;
	unsigned diverged = 0;

	/*
	 * The toy forwards the oracle's touches, and its bug only shows on
	 * frames a fork touches: it may claim PD_CAP_TOUCH, so fast mode runs.
	 */
	toy = *toy_model(TOY_FORK_KEEPS_AE);
	toy.caps |= PD_CAP_TOUCH;
	for (unsigned i = 0; i < 200; i++) {
		struct pd_run_result rf, rd;
		size_t na, nb;
		bool ok;

		gen_pair(&seed, i, a, &na, b, &nb);
		run_bytes(a, na, &toy, &pd_oracle_ops, true, pool, &rf);
		run_bytes(a, na, &toy, &pd_oracle_ops, false, NULL, &rd);
		ok = same_result(&rf, &rd, i);
		if (ok && rf.diverged) {
			diverged++;
			ok = rf.report && rd.report && !strcmp(rf.report, rd.report);
			if (!ok)
				fprintf(stderr, "pair %u: reports differ:\n%s\n---\n%s\n", i,
					rf.report ? rf.report : "(none)", rd.report ? rd.report : "(none)");
		}
		pd_run_result_free(&rf);
		pd_run_result_free(&rd);
		if (!ok)
			return false;
	}
	pd_pool_free(pool);
	/* The bug needs a fork of an exclusive page: some traces find it. */
	ASSERTF(diverged >= 10, "only %u of 200 traces diverged", diverged);
	return true;
}

/* Clean pairs stay clean in fast mode, with the same results. */
static bool test_fast_clean_is_clean(void)
{
	static uint8_t a[PD_BYTES_HEADER + 8 * NOPS], b[PD_BYTES_HEADER + 8 * NOPS];
	const struct pd_model_ops *p = pd_model_default_primary();
	struct pd_pool *pool = pd_pool_new();
	uint64_t seed = 0xc1ea;

	for (unsigned i = 0; i < 200; i++) {
		struct pd_run_result rf, rd;
		size_t na, nb;
		bool ok;

		gen_pair(&seed, i, a, &na, b, &nb);
		run_bytes(a, na, p, &pd_oracle_ops, true, pool, &rf);
		run_bytes(a, na, p, &pd_oracle_ops, false, NULL, &rd);
		ok = same_result(&rf, &rd, i) && rf.status != 1;
		pd_run_result_free(&rf);
		pd_run_result_free(&rd);
		if (!ok)
			return false;
	}
	pd_pool_free(pool);
	return true;
}

int main(void)
{
	static const struct test tests[] = {
		TEST(test_oracle_reset_is_new),
#ifdef PAGEDIFF_HAVE_IMPL
		TEST(test_impl_reset_is_new),
#endif
		TEST(test_pool_without_reset),
		TEST(test_pool_keeps_reused_configs),
		TEST(test_pool_frames_limit),
		TEST(test_fast_reports_like_default),
		TEST(test_fast_clean_is_clean),
	};

	return RUN_TESTS(tests);
}
