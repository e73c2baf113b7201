// SPDX-License-Identifier: MIT
/*
 * test_engine.c - the runner: a deliberately wrong model (the toy, whose
 * fork keeps PG_anon_exclusive) is reported at the fork with the frame,
 * the field and a stable signature; oracle vs oracle is clean; unsupported
 * ops are skipped; dead handles give nohandle without reaching a model;
 * the implicit zone_unlock; expectations; every divergence class.
 */
#include <stdlib.h>
#include <string.h>

#include <pagediff/engine.h>

#include "test.h"
#include "toy_model.h"

/*
 * p0 maps two pages and writes both (AE, rc 1); the fork must clear AE on
 * both frames.  The toy keeps it set.
 */
static const char fork_trace[] =
	"config frames=64 max_order=3\n"
	"p0 = spawn\n"
	"mmap p0 vpage=0 pages=2\n"
	"write p0 vpage=0 value=0x10\n"
	"write p0 vpage=1 value=0x20\n"
	"p1 = fork p0\n"
	"expect page p0 vpage=0 ae=0 mc=2 rc=2\n"
	"write p1 vpage=0 value=0x30\n"
	"read p0 vpage=0\n"
	"expect result ok value=0x10\n";

static bool parse(const char *text, struct pd_trace *t)
{
	char err[256] = "";

	if (pd_trace_parse(text, strlen(text), "t.trace", t, err, sizeof(err))) {
		fprintf(stderr, "parse error: %s\n", err);
		return false;
	}
	return true;
}

static int run(const char *text, const struct pd_model_ops *primary,
	       const struct pd_model_ops *reference, struct pd_run_result *r)
{
	struct pd_run_opts o;
	struct pd_trace t;
	int rc;

	memset(&o, 0, sizeof(o));
	o.primary = primary;
	o.reference = reference;
	o.file = "t.trace";
	o.expect = true;
	if (!parse(text, &t)) {
		memset(r, 0, sizeof(*r));
		return -1;
	}
	rc = pd_run(&t, &o, r);
	pd_trace_free(&t);
	return rc;
}

static void show(const struct pd_run_result *r)
{
	if (r->messages)
		fprintf(stderr, "%s", r->messages);
	if (r->report)
		fprintf(stderr, "%s", r->report);
}

static bool test_toy_fork_diverges(void)
{
	struct pd_run_result r, r2;
	const struct pd_model_ops *oracle = pd_model_find("oracle");

	ASSERT(oracle);
	ASSERT(run(fork_trace, toy_model(TOY_FORK_KEEPS_AE), oracle, &r) == 1);
	show(&r);
	ASSERT(r.diverged);
	ASSERT(r.div_op == 4);          /* p1 = fork p0 */
	ASSERT(r.div_line == 6);
	ASSERT(r.div_class == PD_DIV_STATE);
	ASSERT_STREQ(r.signature, "state.frame.anon_exclusive@fork");
	ASSERT(r.report);
	ASSERT(strstr(r.report, "DIVERGENCE at op 4 (t.trace:6): p1 = fork p0"));
	ASSERT(strstr(r.report, ": anon_exclusive: toy=1 oracle=0"));
	ASSERT(strstr(r.report, "state differences (2 fields)"));
	/* The frames are named, and the history lists the writes that made them AE. */
	ASSERT(strstr(r.report, "  frame "));
	ASSERT(strstr(r.report, "op 2 (t.trace:4): write p0 vpage=0 value=0x10"));
	ASSERT(strstr(r.report, "op 3 (t.trace:5): write p0 vpage=1 value=0x20"));
	/* The expectation after the fork fails on the toy only. */
	ASSERT(r.expects_failed == 1);
	ASSERT(strstr(r.messages, "t.trace:7: expectation failed on model toy (primary): page p0 "
				  "vpage=0 (frame "));
	ASSERT(strstr(r.messages, "field=ae expected 0 got 1"));

	/* Deterministic: the same run gives the same report, byte for byte. */
	ASSERT(run(fork_trace, toy_model(TOY_FORK_KEEPS_AE), oracle, &r2) == 1);
	ASSERT_STREQ(r2.report, r.report);
	pd_run_result_free(&r);
	pd_run_result_free(&r2);
	return true;
}

static bool test_signature_is_stable(void)
{
	/* A different shape (other frames, other vpage, more ops): same signature. */
	static const char other[] =
		"config frames=128 max_order=4\n"
		"a0 = alloc order=2\n"
		"p0 = spawn\n"
		"mmap p0 vpage=3 pages=1\n"
		"write p0 vpage=3 value=0x99\n"
		"drain\n"
		"p1 = fork p0\n";
	struct pd_run_result r;

	ASSERT(run(other, toy_model(TOY_FORK_KEEPS_AE), pd_model_find("oracle"), &r) == 1);
	ASSERT(r.div_op == 5);
	ASSERT_STREQ(r.signature, "state.frame.anon_exclusive@fork");
	ASSERT(!strstr(r.signature, "0x"));
	pd_run_result_free(&r);
	return true;
}

static bool test_oracle_self_clean(void)
{
	struct pd_run_result r;
	const struct pd_model_ops *oracle = pd_model_find("oracle");

	ASSERT(run(fork_trace, oracle, oracle, &r) == 0);
	show(&r);
	ASSERT(!r.diverged && !r.incomplete && r.expects_failed == 0);
	ASSERT(r.ops_total == 7 && r.ops_run == 7 && r.ops_skipped == 0 && r.ops_nohandle == 0);
	ASSERT(r.expects_checked == 4);   /* 2 lines x 2 models */
	ASSERT(r.report == NULL);
	pd_run_result_free(&r);

	/* The delegating wrapper is indistinguishable from the oracle. */
	ASSERT(run(fork_trace, toy_model(TOY_NONE), oracle, &r) == 0);
	ASSERT(!r.diverged);
	pd_run_result_free(&r);
	return true;
}

static const char drain_trace[] =
	"p0 = spawn\n"
	"a0 = alloc order=0\n"
	"free a0\n"
	"drain cpu=1\n"
	"expect result ok\n"
	"a1 = alloc order=1\n"
	"expect result ok\n";

static bool test_unsupported_null_member_skipped(void)
{
	struct pd_run_result r;
	const struct pd_model_ops *oracle = pd_model_find("oracle");

	/* As primary and as reference: the op is skipped on both, not a divergence. */
	ASSERT(run(drain_trace, toy_model(TOY_NO_DRAIN), oracle, &r) == 0);
	show(&r);
	ASSERT(!r.diverged && r.ops_skipped == 1 && r.ops_run == 4);
	/* "expect result ok" after the skipped drain is not evaluated. */
	ASSERT(r.expects_checked == 2 && r.expects_failed == 0);
	pd_run_result_free(&r);
	ASSERT(run(drain_trace, oracle, toy_model(TOY_NO_DRAIN), &r) == 0);
	ASSERT(!r.diverged && r.ops_skipped == 1);
	pd_run_result_free(&r);
	return true;
}

static bool test_unsupported_at_run_time(void)
{
	struct pd_run_result r;
	const struct pd_model_ops *oracle = pd_model_find("oracle");

	/* The primary cannot comply: the reference is not asked, the run goes on. */
	ASSERT(run(drain_trace, toy_model(TOY_DRAIN_UNSUPPORTED), oracle, &r) == 0);
	ASSERT(!r.diverged && !r.incomplete && r.ops_skipped == 1 && r.ops_run == 4);
	pd_run_result_free(&r);
	/* The reference cannot comply after the primary ran: stop, not a divergence. */
	ASSERT(run(drain_trace, oracle, toy_model(TOY_DRAIN_UNSUPPORTED), &r) == 0);
	ASSERT(!r.diverged && r.incomplete && r.ops_run == 3);
	ASSERT(r.messages && strstr(r.messages, "cannot comply with op 3 (drain)"));
	pd_run_result_free(&r);
	return true;
}

static bool test_dead_handles_nohandle(void)
{
	/* The zone is full: a1's alloc fails, so a1 is dead; a free of it reaches no model. */
	static const char trace[] =
		"config frames=8 max_order=3\n"
		"a0 = alloc order=3\n"
		"a1 = alloc order=0\n"
		"expect result enomem\n"
		"expect page a1 kind=free\n"
		"free a1\n"
		"expect result nohandle\n"
		"free a0\n"
		"expect result ok\n";
	struct pd_run_result r;

	memset(toy_calls, 0, sizeof(toy_calls));
	ASSERT(run(trace, toy_model(TOY_NONE), pd_model_find("oracle"), &r) == 1);
	show(&r);
	ASSERT(!r.diverged);
	ASSERT(r.ops_nohandle == 1 && r.ops_run == 3);
	ASSERT(toy_calls[PD_OP_ALLOC] == 2 && toy_calls[PD_OP_FREE] == 1);
	/* "expect page a1" cannot hold: a1 is dead (on both models). */
	ASSERT(r.expects_failed == 2);
	ASSERT(strstr(r.messages, "t.trace:5: expectation failed on model wrap (primary): page a1: "
				  "a1 is dead (the op that created it failed)"));
	pd_run_result_free(&r);
	return true;
}

static bool test_failed_fork_child_is_dead(void)
{
	/* As V8-fork-copy-enomem: the fork needs a copy of the pinned page, the zone is full. */
	static const char trace[] =
		"config frames=8 max_order=3\n"
		"p0 = spawn\n"
		"mmap p0 vpage=0 pages=1\n"
		"k0 = pin p0 vpage=0 write\n"
		"a0 = alloc order=2\n"
		"a1 = alloc order=1\n"
		"a2 = alloc order=0\n"
		"p1 = fork p0\n"
		"expect result enomem\n"
		"read p1 vpage=0\n"
		"expect result nohandle\n"
		"k1 = pin p1 vpage=0\n"
		"expect result nohandle\n"
		"unpin k1\n"
		"expect result nohandle\n"
		"exit p1\n"
		"expect result nohandle\n"
		"p2 = spawn\n"
		"expect result ok\n"
		"expect proc p2 alive=1 pinned=0\n"
		"expect proc p0 alive=1 pinned=1\n"
		"expect totals procs=2\n";
	struct pd_run_result r;
	const struct pd_model_ops *oracle = pd_model_find("oracle");

	ASSERT(run(trace, oracle, oracle, &r) == 0);
	show(&r);
	ASSERT(!r.diverged && r.ops_nohandle == 4 && r.expects_failed == 0);
	pd_run_result_free(&r);
	return true;
}

static bool test_implicit_zone_unlock(void)
{
	static const char trace[] =
		"config frames=64 max_order=3\n"
		"zone_lock cpu=1\n"
		"a0 = alloc order=0 nolock\n"   /* lock held: no unlock first */
		"free a0 nolock\n"              /* nor here */
		"a1 = alloc order=0\n"          /* implicit zone_unlock first */
		"expect result ok\n"
		"zone_lock\n"
		"zone_unlock\n"                 /* explicit: no implicit one before it */
		"drain\n";                      /* lock not held: nothing implicit */
	struct pd_run_result r;

	memset(toy_calls, 0, sizeof(toy_calls));
	ASSERT(run(trace, toy_model(TOY_NONE), pd_model_find("oracle"), &r) == 0);
	show(&r);
	ASSERT(!r.diverged);
	ASSERT(toy_calls[PD_OP_ZONE_LOCK] == 2);
	ASSERT(toy_calls[PD_OP_ZONE_UNLOCK] == 2);   /* one implicit, one explicit */
	pd_run_result_free(&r);
	return true;
}

static bool test_expectation_failure(void)
{
	static const char trace[] =
		"p0 = spawn\n"
		"mmap p0 vpage=0 pages=1\n"
		"write p0 vpage=0 value=0x5\n"
		"expect page p0 vpage=0 mc=5 content=0x5\n"
		"expect pte p0 vpage=0 kind=swap\n"
		"expect totals procs=1\n";
	struct pd_run_result r;
	const struct pd_model_ops *oracle = pd_model_find("oracle");

	ASSERT(run(trace, oracle, oracle, &r) == 1);
	ASSERT(!r.diverged && r.expects_checked == 6 && r.expects_failed == 4);
	ASSERT(strstr(r.messages, "t.trace:4: expectation failed on model oracle (primary): page p0 "
				  "vpage=0 (frame "));
	ASSERT(strstr(r.messages, "): field=mc expected 5 got 1\n"));
	ASSERT(strstr(r.messages, "t.trace:5: expectation failed on model oracle (reference): pte p0 "
				  "vpage=0: field=kind expected swap got present\n"));
	ASSERT(!strstr(r.messages, "t.trace:6"));
	pd_run_result_free(&r);
	return true;
}

static bool test_result_divergence(void)
{
	struct pd_run_result r;

	ASSERT(run(fork_trace, toy_model(TOY_READ_PLUS_ONE), pd_model_find("oracle"), &r) == 1);
	ASSERT(r.diverged && r.div_op == 6 && r.div_class == PD_DIV_RESULT);
	ASSERT_STREQ(r.signature, "result.value@read");
	ASSERT(strstr(r.report, "toy-read: ok value=0x11"));
	ASSERT(strstr(r.report, "oracle: ok value=0x10   <-- differs"));
	pd_run_result_free(&r);
	return true;
}

static bool test_unneeded_placement(void)
{
	struct pd_run_result r;

	ASSERT(run(drain_trace, toy_model(TOY_EXTRA_PLACEMENT), pd_model_find("oracle"), &r) == 1);
	show(&r);
	ASSERT(r.diverged && r.div_op == 1 && r.div_class == PD_DIV_PLACEMENT);
	ASSERT_STREQ(r.signature, "violation.unneeded-placement@alloc");
	ASSERT(strstr(r.report, "unneeded placements: toy-place recorded 2, oracle used 1"));
	pd_run_result_free(&r);
	return true;
}

static bool test_check_violation(void)
{
	struct pd_run_result r;

	ASSERT(run(fork_trace, toy_model(TOY_CHECK_FAILS), pd_model_find("oracle"), &r) == 1);
	ASSERT(r.diverged && r.div_op == 1 && r.div_class == PD_DIV_CHECK);
	ASSERT_STREQ(r.signature, "check@mmap");
	ASSERT(strstr(r.report, "toy-check (check): check: toy_check: mmap happened"));
	pd_run_result_free(&r);
	return true;
}

static bool test_setup_errors(void)
{
	struct pd_model_ops noreplay = *pd_model_find("oracle");
	struct pd_run_result r;
	struct pd_run_opts o;
	struct pd_trace t;

	noreplay.caps = 0;
	ASSERT(run(fork_trace, pd_model_find("oracle"), &noreplay, &r) == 2);
	ASSERT(strstr(r.messages, "cannot be a reference"));
	pd_run_result_free(&r);

	/* A hand-built invalid trace is refused before any model is created. */
	pd_trace_init(&t);
	t.cfg.cpus = 0;
	memset(&o, 0, sizeof(o));
	o.primary = o.reference = pd_model_find("oracle");
	ASSERT(pd_run(&t, &o, &r) == 2);
	ASSERT(strstr(r.messages, "invalid trace"));
	pd_run_result_free(&r);
	pd_trace_free(&t);
	return true;
}

static bool test_registry(void)
{
	const struct pd_model_ops *const *l = pd_model_list();

	ASSERT(pd_model_find("oracle") == &pd_oracle_ops);
	ASSERT(pd_model_find("nosuch") == NULL);
	ASSERT(l[0] == &pd_oracle_ops);
#ifdef PAGEDIFF_HAVE_IMPL
	ASSERT(pd_model_find("impl") == &pd_impl_ops);
	ASSERT(pd_model_default_primary() == &pd_impl_ops);
#else
	ASSERT(pd_model_find("impl") == NULL);
	ASSERT(pd_model_default_primary() == &pd_oracle_ops);
#endif
	return true;
}

/* splitmix64 */
static uint64_t next_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/*
 * Random byte traces, oracle vs oracle: the engine and the oracle's
 * record/replay must agree with themselves on every decoded input.
 */
static bool test_random_bytes_self_clean(void)
{
	const struct pd_model_ops *oracle = pd_model_find("oracle");
	uint64_t seed = 42;
	uint8_t buf[200];
	unsigned ops = 0;

	for (int it = 0; it < 300; it++) {
		struct pd_run_opts o;
		struct pd_run_result r;
		struct pd_trace t;
		size_t n = PD_BYTES_HEADER + next_rand(&seed) % (sizeof(buf) - PD_BYTES_HEADER);

		for (size_t i = 0; i < n; i++)
			buf[i] = (uint8_t)next_rand(&seed);
		buf[1] %= 5;            /* frames 8..128: fast */
		buf[7] = 0;             /* tag_ratio 1 */
		buf[8] %= 16;           /* slots */
		buf[9] = 0;
		buf[12] %= 16;          /* vpages 1..16 */
		pd_trace_decode(buf, n, &t);
		memset(&o, 0, sizeof(o));
		o.primary = o.reference = oracle;
		o.file = "random";
		if (pd_run(&t, &o, &r) != 0) {
			char *text = pd_trace_print(&t, 0);

			fprintf(stderr, "iteration %d:\n%s", it, text);
			show(&r);
			free(text);
			pd_run_result_free(&r);
			pd_trace_free(&t);
			return false;
		}
		ops += r.ops_run;
		pd_run_result_free(&r);
		pd_trace_free(&t);
	}
	ASSERT(ops > 1000);
	return true;
}

int main(void)
{
	static const struct test tests[] = {
		TEST(test_toy_fork_diverges),
		TEST(test_signature_is_stable),
		TEST(test_oracle_self_clean),
		TEST(test_unsupported_null_member_skipped),
		TEST(test_unsupported_at_run_time),
		TEST(test_dead_handles_nohandle),
		TEST(test_failed_fork_child_is_dead),
		TEST(test_implicit_zone_unlock),
		TEST(test_expectation_failure),
		TEST(test_result_divergence),
		TEST(test_unneeded_placement),
		TEST(test_check_violation),
		TEST(test_setup_errors),
		TEST(test_registry),
		TEST(test_random_bytes_self_clean),
	};

	return RUN_TESTS(tests);
}
