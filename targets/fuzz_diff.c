// SPDX-License-Identifier: MIT
/*
 * fuzz_diff.c - the differential fuzz target: bytes -> trace -> impl
 * (primary, record) against oracle (reference, replay).
 *
 * One source, three drivers: libFuzzer (-fsanitize=fuzzer), AFL++
 * persistent mode (afl-clang-fast + libAFLDriver.a, shared-memory test
 * cases) and `pagediff random` (tools/random.c, which calls
 * pd_fuzz_one() directly and does not abort).
 *
 * A divergence prints one stable title line, `DIVERGENCE: <signature>`,
 * then the engine's report, and aborts through one non-inlined function
 * per divergence class: stack-based grouping (ClusterFuzz's crash state,
 * ASan's dedup token) then keeps a state mismatch and a bad placement
 * apart even though both end in abort().
 *
 * Environment (read once, at initialization):
 *   PAGEDIFF_FUZZ_FRAMES_LOG2  raise/lower the frames cap (fuzz.h)
 *   PAGEDIFF_FUZZ_FULL_EVERY   one input in N ends with the whole-state
 *                              comparison and check() (default 64, or
 *                              frames / 64 above 4,096 frames; fuzz.h)
 *   PAGEDIFF_FUZZ_CHECK_EVERY  check() every Nth op too (default 0)
 *   PAGEDIFF_FUZZ_FEEDBACK=1   allocator-state feedback (if built in; off by
 *                              default: it did not find the planted bugs
 *                              sooner, docs/fuzzing.md)
 *   PAGEDIFF_FUZZ_MUTATOR=0    libFuzzer's own mutations only (mutator.c)
 *   PAGEDIFF_FUZZ_STATS=PREFIX every 1024 inputs and at exit, write
 *                              "ran N refused M pool_hits H pool_misses X"
 *                              to PREFIX.<pid>: how many inputs ran, how
 *                              many the cap refused, and how many found
 *                              models of their config in the pool
 *                              (bench/fuzz_exec.sh; AFL++'s own mutations
 *                              are not cap-aware).  Periodic because
 *                              afl-fuzz ends its persistent children with
 *                              SIGKILL, so exit handlers never run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_target.h"

#ifndef PAGEDIFF_FUZZ_FEEDBACK
#define PAGEDIFF_FUZZ_FEEDBACK 0
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pd_fuzz_cap cap;
static const struct pd_model_ops *primary;
static unsigned long long nr_ran, nr_refused;
static const char *stats_file;

static void write_stats(void)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s.%ld", stats_file, (long)getpid());
	f = fopen(path, "w");
	if (f) {
		unsigned long long hits = 0, misses = 0;

		pd_fuzz_pool_stats(&hits, &misses);
		fprintf(f, "ran %llu refused %llu pool_hits %llu pool_misses %llu\n", nr_ran,
			nr_refused, hits, misses);
		fclose(f);
	}
}

/*
 * The crash sites.  noinline and a distinct body each (the signature is
 * passed in and printed) so that the compiler cannot merge them.
 */
__attribute__((noinline, noreturn)) void pd_crash_violation(const char *sig);
__attribute__((noinline, noreturn)) void pd_crash_result_mismatch(const char *sig);
__attribute__((noinline, noreturn)) void pd_crash_placement(const char *sig);
__attribute__((noinline, noreturn)) void pd_crash_state_mismatch(const char *sig);
__attribute__((noinline, noreturn)) void pd_crash_check(const char *sig);
__attribute__((noinline, noreturn)) void pd_crash_other(const char *sig);

void pd_crash_violation(const char *sig)
{
	fprintf(stderr, "pagediff: a model reported a rule violation (%s)\n", sig);
	abort();
}

void pd_crash_result_mismatch(const char *sig)
{
	fprintf(stderr, "pagediff: the models' results differ (%s)\n", sig);
	abort();
}

void pd_crash_placement(const char *sig)
{
	fprintf(stderr, "pagediff: the reference left placements unused (%s)\n", sig);
	abort();
}

void pd_crash_state_mismatch(const char *sig)
{
	fprintf(stderr, "pagediff: the models' observable state differs (%s)\n", sig);
	abort();
}

void pd_crash_check(const char *sig)
{
	fprintf(stderr, "pagediff: a model's check() found a broken invariant (%s)\n", sig);
	abort();
}

void pd_crash_other(const char *sig)
{
	fprintf(stderr, "pagediff: divergence of unknown class (%s)\n", sig);
	abort();
}

static void diverged(const struct pd_run_result *r)
{
	fprintf(stderr, "DIVERGENCE: %s\n%s", r->signature, r->report ? r->report : "");
	fflush(stderr);
	switch (r->div_class) {
	case PD_DIV_VIOLATION: pd_crash_violation(r->signature);
	case PD_DIV_RESULT:    pd_crash_result_mismatch(r->signature);
	case PD_DIV_PLACEMENT: pd_crash_placement(r->signature);
	case PD_DIV_STATE:     pd_crash_state_mismatch(r->signature);
	case PD_DIV_CHECK:     pd_crash_check(r->signature);
	default:               pd_crash_other(r->signature);
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *fb = getenv("PAGEDIFF_FUZZ_FEEDBACK");

	pd_fuzz_cap_init(&cap);
	primary = pd_model_default_primary();
	if (PAGEDIFF_FUZZ_FEEDBACK && fb && !strcmp(fb, "1"))
		primary = pd_fb_wrap(primary);
	stats_file = getenv("PAGEDIFF_FUZZ_STATS");
	if (stats_file && !*stats_file)
		stats_file = NULL;
	if (stats_file)
		atexit(write_stats);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pd_run_result r;
	enum pd_fuzz_verdict v;

	/* For a driver that does not call LLVMFuzzerInitialize() first. */
	if (!primary)
		LLVMFuzzerInitialize(NULL, NULL);
	v = pd_fuzz_one(data, size, &cap, primary, &r);
	/* The end state's features, now: libFuzzer reads the counters on return. */
	pd_fb_collect();
	if (v == PD_FUZZ_REJECTED)
		nr_refused++;
	else
		nr_ran++;
	if (stats_file && (nr_ran + nr_refused) % 1024 == 0)
		write_stats();
	if (v == PD_FUZZ_DIVERGED)
		diverged(&r);
	pd_run_result_free(&r);
	/* -1: libFuzzer does not add the input to the corpus. */
	return v == PD_FUZZ_REJECTED ? -1 : 0;
}
