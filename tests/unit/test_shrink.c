// SPDX-License-Identifier: MIT
/*
 * test_shrink.c - pd_shrink(): a long diverging trace on a deliberately
 * wrong toy model (tests/support/toy_model.h) shrinks to a handful of ops
 * with the same signature; the result is valid, renumbered and diverges
 * at its last op; a smaller config is found; dependent ops go with the op
 * that created their name; a clean trace is reported as such; bad input
 * is status 2; the result is deterministic; max_runs stops it.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <pagediff/engine.h>

#include "test.h"
#include "toy_model.h"

/* A growing text trace. */
struct text {
	char   s[1 << 16];
	size_t len;
};

static void add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	t->len += (size_t)vsnprintf(t->s + t->len, sizeof(t->s) - t->len, fmt, ap);
	va_end(ap);
}

static bool parse(const char *text, struct pd_trace *t)
{
	char err[256] = "";

	if (pd_trace_parse(text, strlen(text), "t.trace", t, err, sizeof(err))) {
		fprintf(stderr, "parse error: %s\n", err);
		return false;
	}
	return true;
}

static struct pd_run_opts opts(const struct pd_model_ops *primary)
{
	struct pd_run_opts o;

	memset(&o, 0, sizeof(o));
	o.primary = primary;
	o.reference = pd_model_find("oracle");
	o.file = "t.trace";
	return o;
}

/*
 * `rounds` rounds of noise that no toy bug shows in: allocs and frees on
 * both cpus, drains, a second process p1 mapping, writing, reading,
 * swapping out and pinning.  p0 is spawned, maps and writes in the
 * middle; `tail` ends the trace.
 */
static void noisy(struct text *t, unsigned rounds, const char *tail)
{
	unsigned a = 0, k = 0, live_a = 0, seed = 12345;

	add(t, "config frames=256 cpus=2 max_order=4 slots=32\n");
	add(t, "p0 = spawn\np1 = spawn\nmmap p1 vpage=0 pages=8\n");
	for (unsigned i = 0; i < rounds; i++) {
		seed = seed * 1103515245u + 12345u;
		switch ((seed >> 16) % 7) {
		case 0:
			add(t, "a%u = alloc cpu=%u order=%u\n", a++, (seed >> 8) & 1, (seed >> 4) % 3);
			live_a++;
			break;
		case 1:
			if (live_a) {
				add(t, "free a%u cpu=%u\n", a - live_a, (seed >> 9) & 1);
				live_a--;
			} else {
				add(t, "drain cpu=1\n");
			}
			break;
		case 2:
			add(t, "write p1 vpage=%u value=0x%x\n", (seed >> 5) % 8, (seed >> 3) & 0xfff);
			break;
		case 3:
			add(t, "read p1 vpage=%u\n", (seed >> 5) % 8);
			break;
		case 4:
			add(t, "swapout p1 vpage=%u\n", (seed >> 5) % 8);
			break;
		case 5:
			add(t, "k%u = pin p1 vpage=%u\nunpin k%u\n", k, (seed >> 5) % 8, k);
			k++;
			break;
		default:
			add(t, "drain\n");
			break;
		}
		if (i == rounds / 2)
			add(t, "mmap p0 vpage=2 pages=4\nwrite p0 vpage=3 value=0x77\n");
	}
	add(t, "%s", tail);
}

/* in diverges with its signature; out too, at its last op. */
static bool same_divergence(const struct pd_trace *in, const struct pd_trace *out,
			    const struct pd_model_ops *primary, char *sig, size_t len)
{
	struct pd_run_opts o = opts(primary);
	struct pd_run_result a, b;
	bool ok;

	pd_run(in, &o, &a);
	pd_run(out, &o, &b);
	ok = a.diverged && b.diverged && !strcmp(a.signature, b.signature) &&
	     b.div_op == (int)out->nops - 1;
	if (!ok)
		fprintf(stderr, "in: %s, out: %s at op %d of %zu\n", a.diverged ? a.signature : "-",
			b.diverged ? b.signature : "-", b.div_op, out->nops);
	snprintf(sig, len, "%s", a.signature);
	pd_run_result_free(&a);
	pd_run_result_free(&b);
	return ok;
}

static void show(const struct pd_trace *t)
{
	char *s = pd_trace_print(t, PD_PRINT_OPS_ONLY);

	fprintf(stderr, "%s", s);
	free(s);
}

/*
 * The toy's fork keeps PG_anon_exclusive: ~300 ops of noise, then the
 * fork.  What must stay: a process, a mapping, a page faulted in, the
 * fork; so 4 ops, with every argument as low as it goes.
 */
static bool test_fork_bug_shrinks_to_four_ops(void)
{
	static struct text t;
	struct pd_run_opts o = opts(toy_model(TOY_FORK_KEEPS_AE));
	struct pd_shrink_stats st;
	struct pd_trace in, out;
	char sig[128];

	t.len = 0;
	noisy(&t, 300, "p2 = fork p0\nwrite p0 vpage=3 value=0x78\n");
	ASSERT(parse(t.s, &in));
	ASSERT(in.nops > 300);
	ASSERT(pd_shrink(&in, &o, NULL, &out, &st) == 1);
	show(&out);
	ASSERT(st.diverged && !st.limited);
	ASSERT_STREQ(st.signature, "state.frame.anon_exclusive@fork");
	ASSERT(st.ops_before == in.nops && st.ops_after == out.nops);
	ASSERTF(out.nops <= 4, "%zu ops", out.nops);
	ASSERT(out.ops[out.nops - 1].code == PD_OP_FORK);
	ASSERT(pd_trace_validate(&out, NULL, 0) == 0);
	ASSERT(same_divergence(&in, &out, o.primary, sig, sizeof(sig)));
	ASSERT_STREQ(sig, st.signature);
	/* Names start again at 0, the config is as small as the bug allows. */
	ASSERT(out.ops[0].code == PD_OP_SPAWN && out.ops[0].name == 0);
	ASSERT(out.ops[out.nops - 1].name == 1 && out.ops[out.nops - 1].proc == 0);
	ASSERT(out.cfg.frames_log2 == PD_MIN_FRAMES_LOG2);
	ASSERT(out.cfg.cpus == 1);
	for (size_t i = 0; i < out.nops; i++)
		ASSERT(out.ops[i].vpage == 0 && out.ops[i].value == 0 && out.ops[i].cpu == 0);
	pd_trace_free(&out);
	pd_trace_free(&in);
	return true;
}

/* The toy's read returns content + 1: spawn, mmap, read (or one more). */
static bool test_read_bug_keeps_result_signature(void)
{
	static struct text t;
	struct pd_run_opts o = opts(toy_model(TOY_READ_PLUS_ONE));
	struct pd_shrink_stats st;
	struct pd_trace in, out;
	char sig[128];

	t.len = 0;
	/* The noise reads p1, so the first read already diverges: cut there. */
	noisy(&t, 120, "read p0 vpage=3\n");
	ASSERT(parse(t.s, &in));
	ASSERT(pd_shrink(&in, &o, NULL, &out, &st) == 1);
	show(&out);
	ASSERT_STREQ(st.signature, "result.value@read");
	ASSERTF(out.nops <= 4, "%zu ops", out.nops);
	ASSERT(out.ops[out.nops - 1].code == PD_OP_READ);
	ASSERT(same_divergence(&in, &out, o.primary, sig, sizeof(sig)));
	pd_trace_free(&out);
	pd_trace_free(&in);
	return true;
}

/*
 * Dropping `p1 = spawn` drops everything p1 did; dropping an alloc drops
 * its free.  The shrunk trace must stay valid at every step, which the
 * runner checks (status 2 otherwise) -- and the fork of p1 must survive
 * as a fork of the only process left.
 */
static bool test_dependent_ops_go_with_their_name(void)
{
	static const char text[] =
		"config frames=64 max_order=3\n"
		"p0 = spawn\n"
		"a0 = alloc order=2\n"
		"p1 = spawn\n"
		"mmap p1 vpage=1 pages=3\n"
		"k0 = pin p1 vpage=2 write\n"
		"r0 = get p1 vpage=1\n"
		"mmap p0 vpage=0 pages=1\n"
		"write p0 vpage=0 value=0x5\n"
		"free a0\n"
		"unpin k0\n"
		"put r0\n"
		"exit p1\n"
		"p2 = fork p0\n";
	struct pd_run_opts o = opts(toy_model(TOY_FORK_KEEPS_AE));
	struct pd_shrink_stats st;
	struct pd_trace in, out;

	ASSERT(parse(text, &in));
	ASSERT(pd_shrink(&in, &o, NULL, &out, &st) == 1);
	show(&out);
	ASSERT(pd_trace_validate(&out, NULL, 0) == 0);
	ASSERT(out.nops == 4);
	for (size_t i = 0; i < out.nops; i++)
		ASSERT(out.ops[i].code != PD_OP_ALLOC && out.ops[i].code != PD_OP_PIN &&
		       out.ops[i].code != PD_OP_GET && out.ops[i].code != PD_OP_EXIT);
	ASSERT(out.ops[3].code == PD_OP_FORK && out.ops[3].name == 1);
	pd_trace_free(&out);
	pd_trace_free(&in);
	return true;
}

/* A trace that does not diverge: status 0, nothing shrunk, ops copied. */
static bool test_clean_trace_is_reported(void)
{
	struct pd_run_opts o = opts(toy_model(TOY_NONE));
	struct pd_shrink_stats st;
	struct pd_trace in, out;
	static struct text t;

	t.len = 0;
	noisy(&t, 50, "p2 = fork p0\n");
	ASSERT(parse(t.s, &in));
	ASSERT(pd_shrink(&in, &o, NULL, &out, &st) == 0);
	ASSERT(!st.diverged);
	ASSERT(st.signature[0] == 0);
	ASSERT(st.runs == 1);
	ASSERT(pd_trace_ops_equal(&in, &out));
	pd_trace_free(&out);
	pd_trace_free(&in);
	return true;
}

/* A trace the runner rejects: status 2 with the reason. */
static bool test_bad_trace_is_status_2(void)
{
	struct pd_run_opts o = opts(toy_model(TOY_FORK_KEEPS_AE));
	struct pd_shrink_stats st;
	struct pd_trace in, out;
	struct pd_op op;

	pd_trace_init(&in);
	memset(&op, 0, sizeof(op));
	op.code = PD_OP_MMAP;      /* p3 was never spawned */
	op.proc = 3;
	op.npages = 1;
	pd_trace_add_op(&in, &op, 0);
	ASSERT(pd_shrink(&in, &o, NULL, &out, &st) == 2);
	ASSERT(!st.diverged);
	ASSERTF(strstr(st.message, "invalid trace") != NULL, "%s", st.message);
	pd_trace_free(&out);
	pd_trace_free(&in);
	return true;
}

/* Same input, same output; max_runs stops early and says so. */
static bool test_deterministic_and_bounded(void)
{
	struct pd_run_opts o = opts(toy_model(TOY_FORK_KEEPS_AE));
	struct pd_shrink_opts so = { .max_runs = 5 };
	struct pd_shrink_stats s1, s2, s3;
	struct pd_trace in, a, b, c;
	static struct text t;

	t.len = 0;
	noisy(&t, 100, "p2 = fork p0\n");
	ASSERT(parse(t.s, &in));
	ASSERT(pd_shrink(&in, &o, NULL, &a, &s1) == 1);
	ASSERT(pd_shrink(&in, &o, NULL, &b, &s2) == 1);
	ASSERT(pd_trace_ops_equal(&a, &b));
	ASSERT(s1.runs == s2.runs && s1.kept == s2.kept);
	ASSERT(pd_shrink(&in, &o, &so, &c, &s3) == 1);
	ASSERT(s3.limited && s3.runs == 5);
	ASSERT(c.nops >= a.nops);
	ASSERT_STREQ(s3.signature, s1.signature);
	pd_trace_free(&a);
	pd_trace_free(&b);
	pd_trace_free(&c);
	pd_trace_free(&in);
	return true;
}

/* keep_config leaves the config alone. */
static bool test_keep_config(void)
{
	struct pd_run_opts o = opts(toy_model(TOY_FORK_KEEPS_AE));
	struct pd_shrink_opts so = { .keep_config = true };
	struct pd_shrink_stats st;
	struct pd_trace in, out;
	static struct text t;

	t.len = 0;
	noisy(&t, 40, "p2 = fork p0\n");
	ASSERT(parse(t.s, &in));
	ASSERT(pd_shrink(&in, &o, &so, &out, &st) == 1);
	ASSERT(pd_config_equal(&in.cfg, &out.cfg));
	ASSERT(out.nops <= 4);
	pd_trace_free(&out);
	pd_trace_free(&in);
	return true;
}

static const struct test tests[] = {
	TEST(test_fork_bug_shrinks_to_four_ops),
	TEST(test_read_bug_keeps_result_signature),
	TEST(test_dependent_ops_go_with_their_name),
	TEST(test_clean_trace_is_reported),
	TEST(test_bad_trace_is_status_2),
	TEST(test_deterministic_and_bounded),
	TEST(test_keep_config),
};

int main(void)
{
	return RUN_TESTS(tests);
}
