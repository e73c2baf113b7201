// SPDX-License-Identifier: MIT
/*
 * exec_inproc.c - the differential target's own cost per execution: the
 * inputs are read into memory once, then LLVMFuzzerTestOneInput's work
 * (pd_fuzz_one: cap, decode, run on pooled models, the end comparison)
 * runs on them in rotation, with no fuzzer around it.
 *
 * `libFuzzer -runs=K FILES` measures the same work plus an open/read/close
 * of the file per execution (~14% of it at 1,024 frames); libFuzzer
 * fuzzing adds its mutation and feature bookkeeping.  This is the part of
 * either that the project's code decides.
 *
 *   exec_inproc [-r ROUNDS] [-n EXECS] FILE...
 *
 * Prints exec/s of each round and the median, by the wall clock and per
 * second of the process's CPU time (less noisy on a shared machine: time
 * the process waited for the CPU is not in it).  Same environment as the
 * target: PAGEDIFF_FUZZ_FRAMES_LOG2, PAGEDIFF_FUZZ_FULL_EVERY, ...
 * A divergence stops the run with status 1 (it is a finding, not a figure).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fuzz.h"

struct input {
	uint8_t *buf;
	size_t len;
};

static double now_s(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int read_input(const char *path, struct input *in)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f || fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fprintf(stderr, "exec_inproc: %s: cannot read\n", path);
		if (f)
			fclose(f);
		return -1;
	}
	in->len = (size_t)n;
	in->buf = malloc(in->len ? in->len : 1);
	if (!in->buf || fread(in->buf, 1, in->len, f) != in->len) {
		fprintf(stderr, "exec_inproc: %s: short read\n", path);
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	unsigned rounds = 5, execs = 20000;
	struct pd_fuzz_cap cap;
	struct input *in;
	double *rate, *cpu_rate;
	int first = 1, nin;

	while (first < argc && argv[first][0] == '-') {
		if (!strcmp(argv[first], "-r") && first + 1 < argc)
			rounds = (unsigned)strtoul(argv[first + 1], NULL, 0);
		else if (!strcmp(argv[first], "-n") && first + 1 < argc)
			execs = (unsigned)strtoul(argv[first + 1], NULL, 0);
		else {
			fprintf(stderr, "usage: exec_inproc [-r ROUNDS] [-n EXECS] FILE...\n");
			return 2;
		}
		first += 2;
	}
	nin = argc - first;
	if (nin <= 0 || !rounds || !execs) {
		fprintf(stderr, "usage: exec_inproc [-r ROUNDS] [-n EXECS] FILE...\n");
		return 2;
	}
	in = calloc((size_t)nin, sizeof(*in));
	rate = calloc(rounds, sizeof(*rate));
	cpu_rate = calloc(rounds, sizeof(*cpu_rate));
	if (!in || !rate || !cpu_rate)
		return 2;
	for (int i = 0; i < nin; i++)
		if (read_input(argv[first + i], &in[i]))
			return 2;
	pd_fuzz_cap_init(&cap);

	for (unsigned r = 0; r < rounds; r++) {
		double t0 = now_s(CLOCK_MONOTONIC), c0 = now_s(CLOCK_PROCESS_CPUTIME_ID);

		for (unsigned k = 0; k < execs; k++) {
			const struct input *x = &in[k % (unsigned)nin];
			struct pd_run_result res;

			if (pd_fuzz_one(x->buf, x->len, &cap, NULL, &res) == PD_FUZZ_DIVERGED) {
				fprintf(stderr, "exec_inproc: %s diverges: %s\n",
					argv[first + (int)(k % (unsigned)nin)], res.signature);
				return 1;
			}
			pd_run_result_free(&res);
		}
		rate[r] = execs / (now_s(CLOCK_MONOTONIC) - t0);
		cpu_rate[r] = execs / (now_s(CLOCK_PROCESS_CPUTIME_ID) - c0);
		printf("round %u: %.0f exec/s (%.0f per CPU second)\n", r + 1, rate[r], cpu_rate[r]);
	}
	qsort(rate, rounds, sizeof(*rate), cmp_double);
	qsort(cpu_rate, rounds, sizeof(*cpu_rate), cmp_double);
	printf("median: %.0f exec/s, %.0f per CPU second (%u rounds of %u executions, %d inputs)\n",
	       rate[rounds / 2], cpu_rate[rounds / 2], rounds, execs, nin);
	for (int i = 0; i < nin; i++)
		free(in[i].buf);
	free(in);
	free(rate);
	free(cpu_rate);
	return 0;
}
