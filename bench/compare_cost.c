// SPDX-License-Identifier: MIT
/*
 * compare_cost.c - what incremental comparison saves: pd_run of oracle vs
 * oracle on random traces, comparing everything after every op
 * (full_compare) or only what the models touched, at 2^10 and 2^16 frames.
 *
 * Not part of the CMake build; build it against a release build:
 *
 *   cmake -S . -B build/inc -G Ninja -DCMAKE_C_COMPILER=clang \
 *         -DCMAKE_BUILD_TYPE=Release -DPAGEDIFF_IMPL_CHECK=OFF && ninja -C build/inc
 *   clang -std=c11 -O2 -D_POSIX_C_SOURCE=200809L -Iinclude -Iengine bench/compare_cost.c \
 *         build/inc/libpagediff_engine.a build/inc/libpagediff_oracle.a \
 *         build/inc/libpagediff_impl.a -o build/inc/compare_cost
 *   build/inc/compare_cost [TRACES [OPS [FULL_BIG]]]
 *
 * Defaults: 1000 traces of 100 ops (fewer once decoded: an op naming no
 * live process or handle is dropped); full comparison at 2^16 frames on
 * the first FULL_BIG = 100 traces only (it costs ~17 ms per op there).
 *
 * Per size, the same traces (byte form, design options cycling through all
 * 12 combinations, the default config otherwise) are run with
 * check_every 1 (the default: oracle_check, O(frames), after every op) and
 * with check_every = OPS (check at boot and after the last op only).
 * Columns:
 *   us/op      all time / ops, on the 100-op traces
 *   fixed/trace  time of a one-op trace of the same config: create, the
 *              full comparisons at boot and at the end, the last check
 *   marginal   us per op without the fixed cost: (time - time of the
 *              one-op traces) / (ops - traces); for incremental runs
 *              measured on LONG = 10 traces of 20 x OPS ops, since on
 *              100-op traces it is far below the noise of the fixed cost
 * Best of 3 repetitions at 2^10 frames, one at 2^16.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pagediff/engine.h>

#include "optab.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t rng_next(uint64_t *s)  /* splitmix64 */
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* As tests/unit/test_incremental.c: mostly ops that build up state. */
static const unsigned op_weight[PD_NR_OPS] = {
	[PD_OP_ALLOC] = 8, [PD_OP_FREE] = 5, [PD_OP_DRAIN] = 1, [PD_OP_ZONE_LOCK] = 3,
	[PD_OP_ZONE_UNLOCK] = 1, [PD_OP_SPAWN] = 3, [PD_OP_MMAP] = 6, [PD_OP_MUNMAP] = 2,
	[PD_OP_EXIT] = 1, [PD_OP_FORK] = 3, [PD_OP_READ] = 5, [PD_OP_WRITE] = 10,
	[PD_OP_SETTAG] = 4, [PD_OP_SWAPOUT] = 7, [PD_OP_SWAPCACHE_DROP] = 3, [PD_OP_PIN] = 4,
	[PD_OP_UNPIN] = 2, [PD_OP_PIN_READ] = 1, [PD_OP_PIN_WRITE] = 2, [PD_OP_GET] = 3,
	[PD_OP_PUT] = 2, [PD_OP_REF_READ] = 1, [PD_OP_TAGSTORE_PIN] = 3,
	[PD_OP_TAGSTORE_UNPIN] = 2,
};

static unsigned pick_op(uint64_t *s)
{
	unsigned total = 0, r, code;

	for (code = 0; code < PD_NR_OPS; code++)
		total += op_weight[code];
	r = (unsigned)(rng_next(s) % total);
	for (code = 0; r >= op_weight[code]; code++)
		r -= op_weight[code];
	return code;
}

/*
 * Trace i in byte form: the default config (max_order 6, 16 granules,
 * accept_order 2, tag ratio 8, 64 slots, 16 vpages) at 2^fl frames, every
 * other unit unaccepted, design options from i; then `nops` ops.
 */
static size_t gen_trace(uint64_t *s, unsigned i, unsigned fl, unsigned nops, uint8_t *buf)
{
	unsigned opts = (i & 1) | ((i >> 1) & 1) << 1 | ((i >> 2) % 3) << 2;
	size_t n = 0;

	buf[n++] = 1;                 /* version */
	buf[n++] = (uint8_t)(fl - 3); /* frames_log2 */
	buf[n++] = 6;                 /* max_order */
	buf[n++] = 1;                 /* cpus - 1 */
	buf[n++] = 4;                 /* log2 granules */
	buf[n++] = 2;                 /* accept_order */
	buf[n++] = 0xaa;              /* unaccepted */
	buf[n++] = 3;                 /* tag_ratio_log2 */
	buf[n++] = 63;                /* slots - 1 */
	buf[n++] = 0;
	buf[n++] = 3;                 /* pcp_batch - 1 */
	buf[n++] = 12;                /* pcp_high */
	buf[n++] = 15;                /* vpages - 1 */
	buf[n++] = (uint8_t)opts;
	buf[n++] = 0;
	buf[n++] = 0;
	for (unsigned k = 0; k < nops; k++) {
		unsigned code = pick_op(s);
		const struct pd_op_desc *d = &pd_op_desc[code];
		bool flags = false;

		buf[n++] = (uint8_t)code;
		if (d->use != PD_L_NONE)
			buf[n++] = (uint8_t)rng_next(s);
		for (unsigned a = 0; a < d->nargs; a++) {
			unsigned kind = d->args[a].kind;

			if (kind == PD_ARG_FLAG) {
				if (!flags)
					buf[n++] = (uint8_t)rng_next(s);
				flags = true;
			} else {
				buf[n++] = (uint8_t)rng_next(s);
				if (kind == PD_ARG_VALUE || kind == PD_ARG_SLOT ||
				    kind == PD_ARG_BLOCK)
					buf[n++] = (uint8_t)rng_next(s);
			}
		}
	}
	return n;
}

struct figures {
	double seconds;
	unsigned long ops, reruns, diverged, incremental;
};

/* Run every trace once; the best of `reps` repetitions. */
static struct figures run_all(struct pd_trace *t, unsigned ntraces, int reps,
			      const struct pd_model_ops *primary, bool full, unsigned check_every)
{
	struct pd_run_opts o = {
		.primary = primary, .reference = &pd_oracle_ops, .file = "bench",
		.full_compare = full, .check_every = check_every,
	};
	struct figures best = { 0 };

	for (int rep = 0; rep < reps; rep++) {
		struct figures f = { 0 };
		double t0 = now_s();

		for (unsigned i = 0; i < ntraces; i++) {
			struct pd_run_result r;

			pd_run(&t[i], &o, &r);
			f.ops += t[i].nops;
			f.reruns += r.rerun_full;
			f.diverged += r.diverged;
			f.incremental += r.incremental;
			pd_run_result_free(&r);
		}
		f.seconds = now_s() - t0;
		if (rep == 0 || f.seconds < best.seconds)
			best = f;
	}
	return best;
}

/* Marginal us per op: time minus the one-op traces', per op beyond the first. */
static double marginal(const struct figures *f, const struct figures *one)
{
	return (f->seconds - one->seconds) * 1e6 / (double)(f->ops - one->ops);
}

static void row(const char *label, const struct figures *f, const struct figures *one,
		unsigned ntraces, double marg)
{
	printf("  %-38s %9.2f %13.1f %9.2f %7lu%s\n", label,
	       f->seconds * 1e6 / (double)f->ops, one->seconds * 1e6 / ntraces, marg,
	       f->reruns, f->diverged ? "  DIVERGED" : "");
	if (f->incremental && f->incremental != ntraces)
		printf("  (only %lu of %u runs incremental)\n", f->incremental, ntraces);
}

#define LONG 10

int main(int argc, char **argv)
{
	unsigned ntraces = argc > 1 ? (unsigned)atoi(argv[1]) : 1000;
	unsigned nops = argc > 2 ? (unsigned)atoi(argv[2]) : 100;
	unsigned full_big = argc > 3 ? (unsigned)atoi(argv[3]) : 100;
	static const unsigned sizes[] = { 10, 16 };
	const struct pd_model_ops *impl = pd_model_find("impl");
	uint8_t *buf = malloc(16 + (size_t)nops * 8);
	uint8_t *lbuf = malloc(16 + (size_t)nops * 20 * 8);
	struct pd_trace *t = calloc(ntraces, sizeof(*t)), *one = calloc(ntraces, sizeof(*one));
	struct pd_trace lt[LONG], lone[LONG];

	if (!buf || !lbuf || !t || !one || !ntraces || nops < 2)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("pd_run, reference oracle; %u random traces of %u ops before decoding\n",
	       ntraces, nops);
	for (unsigned z = 0; z < sizeof(sizes) / sizeof(sizes[0]); z++) {
		unsigned fl = sizes[z], nfull = fl > 10 && full_big < ntraces ? full_big : ntraces;
		int reps = fl > 10 ? 1 : 3;
		uint64_t seed = 42;
		unsigned long ops = 0;

		for (unsigned i = 0; i < ntraces; i++) {
			size_t len = gen_trace(&seed, i, fl, nops, buf);

			pd_trace_decode(buf, len, &t[i]);
			/* The same config and one op (drain): the fixed cost. */
			buf[16] = PD_OP_DRAIN;
			buf[17] = 0;
			pd_trace_decode(buf, 18, &one[i]);
			ops += t[i].nops;
		}
		for (unsigned i = 0; i < LONG; i++) {
			size_t len = gen_trace(&seed, i, fl, nops * 20, lbuf);

			pd_trace_decode(lbuf, len, &lt[i]);
			lbuf[16] = PD_OP_DRAIN;
			lbuf[17] = 0;
			pd_trace_decode(lbuf, 18, &lone[i]);
		}
		printf("\n2^%u frames: %lu ops in %u traces (full comparison: the first %u)\n",
		       fl, ops, ntraces, nfull);
		printf("  %-38s %9s %13s %9s %7s\n", "", "us/op", "fixed/trace", "marginal",
		       "reruns");
		for (int every = 0; every < 2; every++) {
			unsigned ce = every ? nops : 1;

			for (int full = 1; full >= 0; full--) {
				unsigned n = full ? nfull : ntraces;
				struct figures f = run_all(t, n, reps, &pd_oracle_ops, full, ce);
				struct figures o = run_all(one, n, reps, &pd_oracle_ops, full, ce);
				double marg = marginal(&f, &o);
				char label[64];

				if (!full) {
					struct figures lf = run_all(lt, LONG, 3, &pd_oracle_ops,
								    false, ce);
					struct figures lo = run_all(lone, LONG, 3, &pd_oracle_ops,
								    false, ce);

					marg = marginal(&lf, &lo);
				}
				snprintf(label, sizeof(label), "oracle, %s, check_every %u",
					 full ? "full" : "incremental", ce);
				row(label, &f, &o, n, marg);
			}
		}
		if (impl) {
			struct figures f = run_all(t, nfull, reps, impl, false, 1);
			struct figures o = run_all(one, nfull, reps, impl, false, 1);

			row(impl->caps & PD_CAP_TOUCH ? "impl, incremental, check_every 1" :
							"impl, full (no touches), check_every 1",
			    &f, &o, nfull, marginal(&f, &o));
		}
		for (unsigned i = 0; i < ntraces; i++) {
			pd_trace_free(&t[i]);
			pd_trace_free(&one[i]);
		}
		for (unsigned i = 0; i < LONG; i++) {
			pd_trace_free(&lt[i]);
			pd_trace_free(&lone[i]);
		}
	}
	free(buf);
	free(lbuf);
	free(t);
	free(one);
	return 0;
}
