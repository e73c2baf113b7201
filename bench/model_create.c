// SPDX-License-Identifier: MIT
/*
 * bench/model_create.c - what a new model costs: create, the first
 * reset() and destroy, per built-in model, the way the fuzz entry's pool
 * pays for a config it has no models for (engine/pool.c).
 *
 *   bench_model_create [--frames-log2 N] [--configs default|random]
 *                      [--nconfigs K] [--seed S] [--reps R] [--model NAME]
 *
 * Each repetition creates, resets and destroys one model per config, so
 * the heap is recycled as it is in a fuzz run (glibc's calloc then
 * clears reused memory).  Prints per model and phase the median over all
 * (config, repetition) pairs in microseconds, wall clock and thread CPU
 * time (CPU includes the page faults the thread took), and the mean over
 * configs of each config's median total.  `random` configs use the ranges
 * of the byte form's header (engine/bytes.c, decode_config) with
 * frames_log2 fixed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pagediff/engine.h>

#define MAX_CONFIGS 64
#define MAX_REPS    1000

enum { PH_CREATE, PH_RESET, PH_DESTROY, PH_TOTAL, NR_PH };
static const char *const phase_name[NR_PH] = { "create", "reset", "destroy", "total" };

static uint64_t rng_state;

static unsigned rnd(void)
{
	rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
	return (unsigned)(rng_state >> 33);
}

/* decode_config's ranges, with frames_log2 given. */
static void random_config(struct pd_config *c, unsigned frames_log2)
{
	unsigned b;

	memset(c, 0, sizeof(*c));
	c->frames_log2 = (uint8_t)frames_log2;
	b = rnd() % 11;
	c->max_order = (uint8_t)(b < frames_log2 ? b : frames_log2);
	c->cpus = (uint8_t)(1 + rnd() % 8);
	c->granules = (uint16_t)(1u << (rnd() % 9));
	b = rnd() % 11;
	c->accept_order = (uint8_t)(b < frames_log2 ? b : frames_log2);
	c->unaccepted = (uint8_t)rnd();
	b = rnd() % 6;
	c->tag_ratio_log2 = (uint8_t)(b < frames_log2 ? b : frames_log2);
	c->slots = 1 + rnd() % 65536;
	c->pcp_batch = (uint16_t)(1 + rnd() % 64);
	b = rnd() % 256;
	c->pcp_high = (uint16_t)(b > c->pcp_batch ? b : c->pcp_batch);
	c->vpages = (uint16_t)(1 + rnd() % 256);
	b = rnd();
	c->swap_excl = b & 1;
	c->accept = (b >> 1) & 1;
	c->tagstore = (uint8_t)((b >> 2) % 3);
}

static double now_us(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* [clock][phase][config][rep] */
static double samples[2][NR_PH][MAX_CONFIGS][MAX_REPS];

static int bench_model(const struct pd_model_ops *ops, const struct pd_config *cfgs,
		       unsigned ncfg, unsigned reps)
{
	static const clockid_t clk[2] = { CLOCK_MONOTONIC, CLOCK_THREAD_CPUTIME_ID };
	static double all[MAX_CONFIGS * MAX_REPS];
	char err[256];

	for (unsigned r = 0; r < reps; r++) {
		for (unsigned k = 0; k < ncfg; k++) {
			double t[2][4];
			void *m;

			for (int c = 0; c < 2; c++)
				t[c][0] = now_us(clk[c]);
			m = ops->create(&cfgs[k], err, sizeof(err));
			if (!m) {
				fprintf(stderr, "%s: config %u: %s\n", ops->name, k, err);
				return -1;
			}
			for (int c = 0; c < 2; c++)
				t[c][1] = now_us(clk[c]);
			if (ops->reset && !ops->reset(m)) {
				fprintf(stderr, "%s: config %u: reset failed\n", ops->name, k);
				return -1;
			}
			for (int c = 0; c < 2; c++)
				t[c][2] = now_us(clk[c]);
			ops->destroy(m);
			for (int c = 0; c < 2; c++) {
				t[c][3] = now_us(clk[c]);
				for (int p = 0; p < PH_TOTAL; p++)
					samples[c][p][k][r] = t[c][p + 1] - t[c][p];
				samples[c][PH_TOTAL][k][r] = t[c][3] - t[c][0];
			}
		}
	}
	for (int c = 0; c < 2; c++) {
		double mean_total = 0;

		printf("%-6s %-4s", ops->name, c ? "cpu" : "wall");
		for (int p = 0; p < NR_PH; p++) {
			size_t n = 0;

			for (unsigned k = 0; k < ncfg; k++)
				for (unsigned r = 0; r < reps; r++)
					all[n++] = samples[c][p][k][r];
			printf("  %s %9.1f", phase_name[p], median(all, n));
		}
		for (unsigned k = 0; k < ncfg; k++) {
			double per[MAX_REPS];

			memcpy(per, samples[c][PH_TOTAL][k], reps * sizeof(double));
			mean_total += median(per, reps);
		}
		printf("  mean-of-config-totals %9.1f us\n", mean_total / ncfg);
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_model_create [--frames-log2 N] [--configs default|random]"
		" [--nconfigs K] [--seed S] [--reps R] [--model NAME] [--print-configs]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static struct pd_config cfgs[MAX_CONFIGS];
	unsigned frames_log2 = 16, ncfg = 8, reps = 21, seed = 1;
	const char *kind = "default", *only = NULL;
	bool print = false;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--frames-log2") && i + 1 < argc)
			frames_log2 = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--configs") && i + 1 < argc)
			kind = argv[++i];
		else if (!strcmp(argv[i], "--nconfigs") && i + 1 < argc)
			ncfg = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
			reps = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--model") && i + 1 < argc)
			only = argv[++i];
		else if (!strcmp(argv[i], "--print-configs"))
			print = true;
		else
			usage();
	}
	if (frames_log2 < PD_MIN_FRAMES_LOG2 || frames_log2 > 20 || !ncfg ||
	    ncfg > MAX_CONFIGS || !reps || reps > MAX_REPS)
		usage();
	rng_state = seed;
	for (unsigned k = 0; k < ncfg; k++) {
		if (!strcmp(kind, "default")) {
			pd_config_default(&cfgs[k]);
			cfgs[k].frames_log2 = (uint8_t)frames_log2;
			cfgs[k].max_order = frames_log2 < 10 ? (uint8_t)frames_log2 : 10;
		} else if (!strcmp(kind, "random")) {
			random_config(&cfgs[k], frames_log2);
		} else {
			usage();
		}
		if (print)
			printf("config %u: max_order %u granules %u accept_order %u unaccepted 0x%02x"
			       " tag_ratio_log2 %u slots %u vpages %u accept %u tagstore %u\n", k,
			       cfgs[k].max_order, cfgs[k].granules, cfgs[k].accept_order,
			       cfgs[k].unaccepted, cfgs[k].tag_ratio_log2, cfgs[k].slots,
			       cfgs[k].vpages, cfgs[k].accept, cfgs[k].tagstore);
	}
	printf("frames 2^%u, %s configs (%u, seed %u), %u reps; medians in us\n", frames_log2,
	       kind, ncfg, seed, reps);
	for (const struct pd_model_ops *const *ops = pd_model_list(); *ops; ops++) {
		if (only && strcmp(only, (*ops)->name))
			continue;
		if (bench_model(*ops, cfgs, ncfg, reps))
			return 1;
	}
	return 0;
}
