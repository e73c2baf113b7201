// SPDX-License-Identifier: MIT
/*
 * random.c - `pagediff random`: the fuzz target's driver for machines
 * without clang.  QuickCheck-style: input i of seed S is generated from
 * a PRNG seeded with (S, i), so `--seed S` finds the same divergences on
 * every machine, and each input goes through the same entry as the
 * libFuzzer and AFL++ targets (pd_fuzz_one(), targets/fuzz_core.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fuzz.h"
#include "tool.h"

/* Distinct signatures remembered (one saved input each). */
#define MAX_SIGS 256

struct rnd_opts {
	uint64_t    seed;
	uint64_t    runs;
	unsigned    ops;          /* 0: random 1..64 per input */
	unsigned    frames_log2;  /* 0: random within the cap */
	const char *out;          /* where divergent inputs go */
	const char *emit;         /* write inputs here instead of running them */
	const struct pd_model_ops *primary;
	bool        quiet;
};

struct rnd_stats {
	uint64_t clean, diverged, rejected, setup, ops;
	unsigned nsigs;
	char     sigs[MAX_SIGS][128];
	uint64_t sig_count[MAX_SIGS];
	int64_t  first;           /* index of the first divergent run, or -1 */
};

static void random_help(FILE *out)
{
	fprintf(out,
		"usage: pagediff random [--seed N] [--runs M] [--ops K] [--frames-log2 F]\n"
		"                      [--out DIR] [--primary NAME] [--emit DIR] [-q]\n"
		"\n"
		"Generate M random byte-form inputs from seed N (deterministic: input i of\n"
		"seed N is the same everywhere) and run each on the primary model against the\n"
		"oracle through the fuzz targets' entry (docs/fuzzing.md).  Inputs are within\n"
		"the fuzz config cap (frames <= 2^%d, vpages <= %d, slots <= %d) unless\n"
		"--frames-log2 asks for more frames.\n"
		"\n"
		"Each divergent input is saved, once per signature, as DIR/crash-SIGNATURE\n"
		"(written atomically); `pagediff replay DIR/crash-SIGNATURE` reproduces it.\n"
		"\n"
		"  --seed N          default 1\n"
		"  --runs M          default 1000\n"
		"  --ops K           ops per input (default: random 1..64)\n"
		"  --frames-log2 F   frames = 2^F in every input (default: random, 3..%d)\n"
		"  --out DIR         where divergent inputs go (default: .)\n"
		"  --primary NAME    default: impl if built, else oracle\n"
		"  --emit DIR        write the inputs as DIR/random-N-I (a corpus), run nothing\n"
		"  -q                no report per signature, only the summary\n"
		"\n"
		"Exit status: 0 no divergence, 1 at least one divergence, 2 bad usage or an\n"
		"unwritable output.\n",
		PD_FUZZ_CAP_FRAMES_LOG2, PD_FUZZ_CAP_VPAGES, PD_FUZZ_CAP_SLOTS,
		PD_FUZZ_CAP_FRAMES_LOG2);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!s || !*s || *s == '-')
		return false;
	*v = strtoull(s, &end, 0);
	return !*end;
}

/* Input i of a seed: its own PRNG stream, independent of the other inputs. */
static size_t gen_input(const struct rnd_opts *o, const struct pd_fuzz_cap *cap, uint64_t i,
			uint8_t *buf)
{
	struct pd_rng r = { o->seed * 0x9e3779b97f4a7c15ull ^ (i + 1) * 0xd1b54a32d192ed03ull };
	unsigned nops = o->ops ? o->ops : 1 + pd_rng_below(&r, 64);
	size_t n = PD_BYTES_HEADER;

	pd_fuzz_gen_header(&r, cap, o->frames_log2, buf);
	/* Most inputs start with a process and a mapping: most ops need one. */
	if (pd_rng_below(&r, 4)) {
		buf[n++] = PD_OP_SPAWN;
		buf[n++] = PD_OP_MMAP;
		buf[n++] = 0;
		buf[n++] = 0;
		buf[n++] = (uint8_t)pd_rng_below(&r, 16);
		buf[n++] = (uint8_t)pd_rng_below(&r, 2);
		nops = nops > 2 ? nops - 2 : 1;
	}
	while (nops--)
		n += pd_fuzz_gen_op(&r, buf + n);
	return n;
}

/* DIR/crash-<signature>, the signature made a file name as triage does. */
static char *crash_path(const char *dir, const char *sig)
{
	char name[160];
	size_t n;
	char *p;

	tool_sig_filename(sig, name, sizeof(name));
	n = strlen(dir) + strlen(name) + 16;
	p = malloc(n);
	if (p)
		snprintf(p, n, "%s/crash-%s", dir, name);
	return p;
}

/* A new signature is saved and reported; a known one only counted. */
static int record(const struct rnd_opts *o, struct rnd_stats *st, uint64_t i,
		  const uint8_t *buf, size_t len, const struct pd_run_result *r)
{
	char err[512], *path;
	unsigned k;

	if (st->first < 0)
		st->first = (int64_t)i;
	for (k = 0; k < st->nsigs; k++)
		if (!strcmp(st->sigs[k], r->signature)) {
			st->sig_count[k]++;
			return 0;
		}
	if (st->nsigs == MAX_SIGS)
		return 0;
	snprintf(st->sigs[st->nsigs], sizeof(st->sigs[0]), "%s", r->signature);
	st->sig_count[st->nsigs++] = 1;
	path = crash_path(o->out, r->signature);
	if (!path || tool_write_file(path, buf, len, err, sizeof(err))) {
		fprintf(stderr, "pagediff random: %s\n", path ? err : "out of memory");
		free(path);
		return -1;
	}
	printf("DIVERGENCE: %s (seed %llu, run %llu) -> %s\n", r->signature,
	       (unsigned long long)o->seed, (unsigned long long)i, path);
	if (!o->quiet && r->report)
		fprintf(stderr, "%s", r->report);
	free(path);
	return 0;
}

static int emit(const struct rnd_opts *o, const struct pd_fuzz_cap *cap)
{
	uint8_t *buf = malloc(PD_BYTES_HEADER + ((size_t)(o->ops ? o->ops : 64) + 2) *
			      PD_FUZZ_OP_MAX_BYTES);
	size_t plen = strlen(o->emit) + 64;
	char *path = malloc(plen), err[512];

	if (!buf || !path) {
		fprintf(stderr, "pagediff random: out of memory\n");
		return EXIT_BADINPUT;
	}
	for (uint64_t i = 0; i < o->runs; i++) {
		size_t n = gen_input(o, cap, i, buf);

		snprintf(path, plen, "%s/random-%llu-%llu", o->emit,
			 (unsigned long long)o->seed, (unsigned long long)i);
		if (tool_write_file(path, buf, n, err, sizeof(err))) {
			fprintf(stderr, "pagediff random: %s\n", err);
			free(buf);
			free(path);
			return EXIT_BADINPUT;
		}
	}
	printf("random: wrote %llu inputs to %s\n", (unsigned long long)o->runs, o->emit);
	free(buf);
	free(path);
	return EXIT_CLEAN;
}

static int parse_args(int argc, char **argv, struct rnd_opts *o)
{
	uint64_t v;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (tool_is_help(a)) {
			random_help(stdout);
			return 1;
		} else if (!strcmp(a, "-q")) {
			o->quiet = true;
			continue;
		}
		if (!val) {
			fprintf(stderr, "pagediff random: '%s' needs a value or is unknown\n", a);
			return -1;
		}
		i++;
		if (!strcmp(a, "--seed") && parse_u64(val, &v)) {
			o->seed = v;
		} else if (!strcmp(a, "--runs") && parse_u64(val, &v)) {
			o->runs = v;
		} else if (!strcmp(a, "--ops") && parse_u64(val, &v) && v >= 1 &&
			   v <= PD_FUZZ_CAP_OPS) {
			o->ops = (unsigned)v;
		} else if (!strcmp(a, "--frames-log2") && parse_u64(val, &v) &&
			   v >= PD_MIN_FRAMES_LOG2 && v <= PD_MAX_FRAMES_LOG2) {
			o->frames_log2 = (unsigned)v;
		} else if (!strcmp(a, "--out")) {
			o->out = val;
		} else if (!strcmp(a, "--emit")) {
			o->emit = val;
		} else if (!strcmp(a, "--primary") && (o->primary = pd_model_find(val))) {
			continue;
		} else {
			fprintf(stderr, "pagediff random: bad option or value: %s %s\n", a, val);
			return -1;
		}
	}
	return 0;
}

int cmd_random(int argc, char **argv)
{
	struct rnd_opts o = { .seed = 1, .runs = 1000, .out = "." };
	struct pd_fuzz_cap cap;
	struct rnd_stats *st;
	uint8_t *buf;
	double t0, dt;
	int rc;

	o.primary = pd_model_default_primary();
	rc = parse_args(argc, argv, &o);
	if (rc)
		return rc > 0 ? EXIT_CLEAN : (random_help(stderr), EXIT_BADINPUT);
	pd_fuzz_cap_init(&cap);
	/* Asked for more frames than the cap: the cap follows (replay has none). */
	if (o.frames_log2 > cap.frames_log2)
		cap.frames_log2 = (uint8_t)o.frames_log2;
	if (o.emit)
		return emit(&o, &cap);

	st = calloc(1, sizeof(*st));
	buf = malloc(PD_BYTES_HEADER + ((size_t)(o.ops ? o.ops : 64) + 2) * PD_FUZZ_OP_MAX_BYTES);
	if (!st || !buf) {
		fprintf(stderr, "pagediff random: out of memory\n");
		return EXIT_BADINPUT;
	}
	st->first = -1;
	rc = EXIT_CLEAN;
	t0 = now_s();
	for (uint64_t i = 0; i < o.runs && rc != EXIT_BADINPUT; i++) {
		struct pd_run_result r;
		size_t n = gen_input(&o, &cap, i, buf);

		switch (pd_fuzz_one(buf, n, &cap, o.primary, &r)) {
		case PD_FUZZ_CLEAN:    st->clean++; break;
		case PD_FUZZ_REJECTED: st->rejected++; break;
		case PD_FUZZ_SETUP:    st->setup++; break;
		case PD_FUZZ_DIVERGED:
			st->diverged++;
			if (record(&o, st, i, buf, n, &r))
				rc = EXIT_BADINPUT;
			break;
		}
		st->ops += r.ops_run;
		pd_run_result_free(&r);
	}
	dt = now_s() - t0;
	printf("random: seed %llu, %llu runs in %.2f s (%.4g runs/s, %.4g ops/s): "
	       "%llu clean, %llu diverged (%u signatures), %llu rejected, %llu setup errors\n",
	       (unsigned long long)o.seed, (unsigned long long)o.runs, dt,
	       dt > 0 ? (double)o.runs / dt : 0.0, dt > 0 ? (double)st->ops / dt : 0.0,
	       (unsigned long long)st->clean, (unsigned long long)st->diverged, st->nsigs,
	       (unsigned long long)st->rejected, (unsigned long long)st->setup);
	for (unsigned k = 0; k < st->nsigs; k++)
		printf("  %6llu x %s\n", (unsigned long long)st->sig_count[k], st->sigs[k]);
	if (st->first >= 0)
		printf("random: first divergence at run %lld\n", (long long)st->first);
	if (rc == EXIT_CLEAN && st->diverged)
		rc = EXIT_DIVERGED;
	free(buf);
	free(st);
	return rc;
}
