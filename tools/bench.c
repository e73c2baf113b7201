// SPDX-License-Identifier: MIT
/*
 * bench.c - `pagediff bench`: how fast the impl is, and how much faster
 * than the oracle.
 *
 * The models are driven directly through their op tables (pd_impl_ops,
 * pd_oracle_ops) with a pd_ctx in record mode: each model chooses its own
 * placements, nothing is compared.  Figures are medians of --runs runs:
 *   - ns per order-0 alloc+free pair through the pcp path (impl)
 *   - ops/s of a mixed workload (all orders, fork/COW/swap/pin/get) at
 *     2^20 frames for impl and oracle, and the ratio
 *   - impl ns/op of the same workload at 2^10 and 2^20 frames
 *   - impl bytes per frame at the default configuration
 * Build without sanitizers and with -DPAGEDIFF_IMPL_CHECK=OFF for
 * meaningful numbers (the engine does not run check() here anyway).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pagediff/pagediff.h>

#include "../engine/ctx.h"

int cmd_bench(int argc, char **argv);

#if !PAGEDIFF_HAVE_IMPL
int cmd_bench(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "bench: built without impl/\n");
	return 2;
}
#else
size_t impl_memory_bytes(const void *model);  /* impl/model.c */

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The default configuration of docs/model.md, at 2^frames_log2 frames. */
static struct pd_config bench_config(unsigned frames_log2)
{
	struct pd_config c = {
		.frames_log2 = (uint8_t)frames_log2, .cpus = 2, .max_order = 6,
		.granules = 16, .accept_order = 2, .unaccepted = 0, .tag_ratio_log2 = 3,
		.slots = 1024, .pcp_batch = 4, .pcp_high = 12, .vpages = 64,
		.swap_excl = PD_SWAP_EXCL_KEPT, .accept = PD_ACCEPT_FLAG,
		.tagstore = PD_TAGSTORE_NONE,
	};
	return c;
}

/* xorshift64*: the workload is the same for every model and run. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

struct driver {
	const struct pd_model_ops *ops;
	void *m;
	struct pd_ctx *ctx;
	struct pd_result res;
};

static uint8_t call(struct driver *d, pd_op_fn *fn, struct pd_call c)
{
	pd_ctx_begin_record(d->ctx);
	fn(d->m, d->ctx, &c, &d->res);
	return d->res.status;
}

/*
 * The harness's own share of a pair: two pd_ctx_begin_record() calls and
 * one pd_record_placement(), with no model behind them.
 */
static double bench_ctx_overhead(unsigned pairs)
{
	struct pd_ctx *ctx = malloc(sizeof(*ctx));
	struct pd_placement p = { .kind = PD_PLACE_BLOCK };
	double t0, t1;

	if (!ctx)
		exit(2);
	t0 = now_ns();
	for (unsigned i = 0; i < pairs; i++) {
		pd_ctx_begin_record(ctx);
		p.where = i;
		pd_record_placement(ctx, &p);
		pd_ctx_begin_record(ctx);
		__asm__ volatile("" : : "r"(ctx) : "memory");
	}
	t1 = now_ns();
	free(ctx);
	return (t1 - t0) / pairs;
}

/* ns per alloc+free pair of order 0 on one CPU: the pcp fast path. */
static double bench_pcp_pair(const struct pd_model_ops *ops, unsigned pairs)
{
	struct pd_config cfg = bench_config(20);
	struct driver d = { .ops = ops };
	struct pd_call a = { .code = PD_OP_ALLOC, .order = 0 };
	struct pd_call f = { .code = PD_OP_FREE, .order = 0 };
	char err[128];
	double t0, t1;

	d.ctx = malloc(sizeof(*d.ctx));
	d.m = ops->create(&cfg, err, sizeof(err));
	if (!d.m || !d.ctx) {
		fprintf(stderr, "bench: %s\n", err);
		exit(2);
	}
	for (unsigned i = 0; i < 1000; i++) {  /* warm the pcp list */
		call(&d, ops->alloc, a);
		f.frame = d.res.frame;
		call(&d, ops->free, f);
	}
	t0 = now_ns();
	for (unsigned i = 0; i < pairs; i++) {
		pd_ctx_begin_record(d.ctx);
		ops->alloc(d.m, d.ctx, &a, &d.res);
		f.frame = d.res.frame;
		pd_ctx_begin_record(d.ctx);
		ops->free(d.m, d.ctx, &f, &d.res);
	}
	t1 = now_ns();
	ops->destroy(d.m);
	free(d.ctx);
	return (t1 - t0) / pairs;
}

#define NPROCS 6
#define NRAW   48
#define NPINS  16
#define NREFS  16

/* Per-model handle tables: each model places its own blocks. */
struct workload {
	struct driver d;
	struct pd_config cfg;
	bool alive[NPROCS];
	uint32_t raw_frame[NRAW];
	uint8_t raw_order[NRAW];
	uint32_t pin_frame[NPINS];
	uint8_t pin_write[NPINS];
	uint32_t ref_frame[NREFS];
	uint64_t ops;
};

static void wl_spawn(struct workload *w, unsigned p, uint64_t *seed)
{
	const struct pd_model_ops *ops = w->d.ops;

	call(&w->d, ops->spawn, (struct pd_call){ .code = PD_OP_SPAWN, .proc = (uint8_t)p });
	call(&w->d, ops->mmap, (struct pd_call){ .code = PD_OP_MMAP, .proc = (uint8_t)p,
		.vpage = 0, .npages = w->cfg.vpages,
		.flags = (rnd(seed) & 1) ? PD_MMAP_MTE : 0 });
	w->alive[p] = true;
	w->ops += 2;
}

static unsigned pick_alive(struct workload *w, uint64_t r)
{
	for (unsigned i = 0; i < NPROCS; i++) {
		unsigned p = (unsigned)((r + i) % NPROCS);

		if (w->alive[p])
			return p;
	}
	return NPROCS;
}

/* One step of the mixed workload; `r` decides what, the same for every model. */
static void wl_step(struct workload *w, uint64_t *seed)
{
	const struct pd_model_ops *ops = w->d.ops;
	uint64_t r = rnd(seed);
	unsigned what = (unsigned)(r % 100), p = pick_alive(w, r >> 8);
	uint16_t v = (uint16_t)((r >> 16) % w->cfg.vpages);
	unsigned h = (unsigned)((r >> 24) % NRAW);
	struct driver *d = &w->d;

	w->ops++;
	if (p == NPROCS) {
		wl_spawn(w, (unsigned)(r >> 32) % NPROCS, seed);
		return;
	}
	if (what < 22) {                       /* raw alloc or free, every order */
		if (w->raw_frame[h] != PD_NO_FRAME) {
			call(d, ops->free, (struct pd_call){ .code = PD_OP_FREE,
				.frame = w->raw_frame[h], .order = w->raw_order[h],
				.cpu = (uint8_t)((r >> 40) & 1),
				.flags = ((r >> 41) & 7) == 0 ? PD_FREE_NOLOCK : 0 });
			w->raw_frame[h] = PD_NO_FRAME;
		} else {
			uint8_t order = (uint8_t)((r >> 44) % 8 < 5 ? 0 : (r >> 48) % (w->cfg.max_order + 1));

			if (call(d, ops->alloc, (struct pd_call){ .code = PD_OP_ALLOC, .order = order,
				 .cpu = (uint8_t)((r >> 40) & 1),
				 .flags = ((r >> 52) & 3) == 0 ? PD_ALLOC_ZERO : 0 }) == PD_OK) {
				w->raw_frame[h] = d->res.frame;
				w->raw_order[h] = order;
			}
		}
	} else if (what < 50) {                /* write: fault, COW */
		call(d, ops->write, (struct pd_call){ .code = PD_OP_WRITE, .proc = (uint8_t)p,
			.vpage = v, .value = r >> 48 });
	} else if (what < 65) {                /* read: swap-in */
		call(d, ops->read, (struct pd_call){ .code = PD_OP_READ, .proc = (uint8_t)p, .vpage = v });
	} else if (what < 72) {                /* fork or exit */
		unsigned c;

		for (c = 0; c < NPROCS && w->alive[c]; c++)
			;
		if (c < NPROCS && (r >> 56) % 2) {
			if (call(d, ops->fork, (struct pd_call){ .code = PD_OP_FORK, .proc = (uint8_t)p,
				 .child = (uint8_t)c }) == PD_OK)
				w->alive[c] = true;
		} else {
			call(d, ops->exit, (struct pd_call){ .code = PD_OP_EXIT, .proc = (uint8_t)p });
			w->alive[p] = false;
		}
	} else if (what < 84) {                /* swap-out */
		call(d, ops->swapout, (struct pd_call){ .code = PD_OP_SWAPOUT, .proc = (uint8_t)p,
			.vpage = v, .flags = ((r >> 40) & 7) == 0 ? PD_SWAPOUT_KEEP : 0 });
	} else if (what < 92) {                /* pin / unpin */
		unsigned k = (unsigned)((r >> 24) % NPINS);

		if (w->pin_frame[k] != PD_NO_FRAME) {
			call(d, ops->unpin, (struct pd_call){ .code = PD_OP_UNPIN,
				.frame = w->pin_frame[k], .flags = w->pin_write[k] });
			w->pin_frame[k] = PD_NO_FRAME;
		} else {
			uint8_t fl = (r >> 40) & 1 ? PD_PIN_WRITE : 0;

			if (call(d, ops->pin, (struct pd_call){ .code = PD_OP_PIN, .proc = (uint8_t)p,
				 .vpage = v, .flags = fl }) == PD_OK) {
				w->pin_frame[k] = d->res.frame;
				w->pin_write[k] = fl;
			}
		}
	} else {                               /* get / put */
		unsigned k = (unsigned)((r >> 24) % NREFS);

		if (w->ref_frame[k] != PD_NO_FRAME) {
			call(d, ops->put, (struct pd_call){ .code = PD_OP_PUT, .frame = w->ref_frame[k] });
			w->ref_frame[k] = PD_NO_FRAME;
		} else if (call(d, ops->get, (struct pd_call){ .code = PD_OP_GET, .proc = (uint8_t)p,
				.vpage = v }) == PD_OK) {
			w->ref_frame[k] = d->res.frame;
		}
	}
}

/*
 * Untimed: fill half of the zone with MAX_ORDER blocks, lowest first, so
 * that the workload runs in a zone in use (a reference that scans for the
 * lowest free block pays for it, as it would in any loaded system).
 */
static void populate(struct workload *w)
{
	uint32_t need = pd_nr_frames(&w->cfg) / 2, got = 0;
	struct pd_call a = { .code = PD_OP_ALLOC, .order = w->cfg.max_order };

	while (got < need && call(&w->d, w->d.ops->alloc, a) == PD_OK)
		got += 1u << a.order;
}

/* ns per op of `steps` workload steps on a fresh model with 2^log2 frames. */
static double bench_mixed(const struct pd_model_ops *ops, unsigned log2, unsigned steps,
			  bool fill)
{
	struct workload *w = calloc(1, sizeof(*w));
	uint64_t seed = 0x9e3779b97f4a7c15ull;
	char err[128];
	double t0, t1;

	w->cfg = bench_config(log2);
	w->d.ops = ops;
	w->d.ctx = malloc(sizeof(*w->d.ctx));
	w->d.m = ops->create(&w->cfg, err, sizeof(err));
	if (!w->d.m || !w->d.ctx) {
		fprintf(stderr, "bench: %s\n", err);
		exit(2);
	}
	memset(w->raw_frame, 0xff, sizeof(w->raw_frame));
	memset(w->pin_frame, 0xff, sizeof(w->pin_frame));
	memset(w->ref_frame, 0xff, sizeof(w->ref_frame));
	if (fill)
		populate(w);
	t0 = now_ns();
	for (unsigned p = 0; p < 3; p++)
		wl_spawn(w, p, &seed);
	for (unsigned i = 0; i < steps; i++)
		wl_step(w, &seed);
	t1 = now_ns();
	ops->destroy(w->d.m);
	free(w->d.ctx);
	t0 = (t1 - t0) / (double)w->ops;
	free(w);
	return t0;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: pagediff bench [--runs N] [--quick] [--pair]\n\n"
		"Time the impl and the oracle through their op tables (record mode,\n"
		"nothing compared) and print medians of N runs (default 5):\n"
		"order-0 alloc+free pair through the pcp, a mixed workload at 2^20\n"
		"frames, half of them allocated first (impl and oracle ops/s, ratio;\n"
		"also on an empty zone, where the oracle's lowest-block scans are short),\n"
		"impl ns/op at 2^10 and 2^20\n"
		"frames, impl bytes per frame.  --quick: fewer operations; --pair: the\n"
		"pair figure only.\n"
		"Build without sanitizers and with PAGEDIFF_IMPL_CHECK=OFF.\n");
}

int cmd_bench(int argc, char **argv)
{
	unsigned runs = 5, pairs = 2000000, steps = 400000, ostep = 2000;
	bool pair_only = false;
	double v[32], pair, harness, small, big, oracle, empty_impl, empty_oracle;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
			runs = (unsigned)atoi(argv[++i]);
			if (runs < 1 || runs > 32)
				runs = 5;
		} else if (!strcmp(argv[i], "--pair")) {
			pair_only = true;
		} else if (!strcmp(argv[i], "--quick")) {
			pairs /= 10;
			steps /= 10;
			ostep /= 4;
		} else {
			usage(stderr);
			return 2;
		}
	}
	for (unsigned i = 0; i < runs; i++)
		v[i] = bench_pcp_pair(&pd_impl_ops, pairs);
	pair = median(v, runs);
	for (unsigned i = 0; i < runs; i++)
		v[i] = bench_ctx_overhead(pairs);
	harness = median(v, runs);
	if (pair_only) {
		printf("impl order-0 alloc+free pair (pcp): %8.1f ns (of which pd_ctx harness %.1f ns)\n",
		       pair, harness);
		return 0;
	}
	for (unsigned i = 0; i < runs; i++)
		v[i] = bench_mixed(&pd_impl_ops, 10, steps, true);
	small = median(v, runs);
	for (unsigned i = 0; i < runs; i++)
		v[i] = bench_mixed(&pd_impl_ops, 20, steps, true);
	big = median(v, runs);
	for (unsigned i = 0; i < runs; i++)
		v[i] = bench_mixed(&pd_oracle_ops, 20, ostep, true);
	oracle = median(v, runs);
	for (unsigned i = 0; i < runs; i++)
		v[i] = bench_mixed(&pd_impl_ops, 20, steps, false);
	empty_impl = median(v, runs);
	for (unsigned i = 0; i < runs; i++)
		v[i] = bench_mixed(&pd_oracle_ops, 20, steps / 10, false);
	empty_oracle = median(v, runs);

	{
		struct pd_config cfg = bench_config(20);
		char err[128];
		void *m = pd_impl_ops.create(&cfg, err, sizeof(err));
		double bpf = m ? (double)impl_memory_bytes(m) / (double)pd_nr_frames(&cfg) : 0;

		if (m)
			pd_impl_ops.destroy(m);
		printf("runs: %u (medians)\n", runs);
		printf("impl order-0 alloc+free pair (pcp): %8.1f ns   (goal <= 20; of which the\n"
		       "  pd_ctx record-mode harness, no model: %.1f ns)\n", pair, harness);
		printf("mixed workload at 2^20 frames: impl %10.0f ops/s, oracle %8.0f ops/s, "
		       "ratio %6.0fx   (goal >= 100x)\n", 1e9 / big, 1e9 / oracle, oracle / big);
		printf("  same on an empty zone: impl %10.0f ops/s, oracle %8.0f ops/s, ratio %6.1fx\n",
		       1e9 / empty_impl, 1e9 / empty_oracle, empty_oracle / empty_impl);
		printf("impl ns/op: 2^10 frames %7.1f, 2^20 frames %7.1f, ratio %.2f   (goal <= 2)\n",
		       small, big, big / small);
		printf("impl bytes per frame (default config, 2^20 frames): %.1f   (goal <= 64)\n", bpf);
	}
	return 0;
}
#endif /* PAGEDIFF_HAVE_IMPL */
