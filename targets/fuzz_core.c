// SPDX-License-Identifier: MIT
/*
 * fuzz_core.c - the one entry every driver goes through: decode an input,
 * apply the cap, run it on the primary and the oracle.
 *
 * The cap rejects, it never rewrites: an input that runs here runs the
 * same way under plain `pagediff replay FILE`, so a crash file reproduces
 * bit for bit without fuzz-only flags.  For the same reason an input that
 * would read as a text trace is rejected too (replay guesses the form).
 *
 * An input runs in the engine's fast mode (pd_run_opts.fast) on models
 * kept in a pool and reset between inputs, so that its cost follows its
 * ops, not the memory size; a divergence is re-run as `pagediff replay`
 * runs it, on new models, and reported from that run.
 */
#include <string.h>

#include "fuzz.h"

/* The models of earlier inputs, reset for the next (one driver thread). */
static struct pd_pool *pool;
/* The decoded input; its arrays are reused, its contents are not. */
static struct pd_trace trace;
static bool trace_ready;

/*
 * One input in `every` ends with the whole-state comparison: chosen by a
 * hash of its bytes (FNV-1a), so that a run of the same input compares
 * the same whatever ran before it.
 */
static bool full_end_due(const uint8_t *buf, size_t len, unsigned every)
{
	uint64_t h = 0xcbf29ce484222325ull;

	if (every <= 1)
		return every == 1;
	for (size_t i = 0; i < len; i++)
		h = (h ^ buf[i]) * 0x100000001b3ull;
	return h % every == 0;
}

/*
 * Pool room: 64 configs at the cap's largest zone, within 2^20..2^22
 * frames.  A fuzzer's corpus soon holds more configs than that (each that
 * reached new code was kept: 179 configs in 970 inputs after 10 s at
 * 2^16 frames), and an input whose config has no models pays for two new
 * ones.  Models take memory only where they were written (their large
 * zeroed arrays are mapped fresh), so a pooled model costs what its
 * inputs touched, not its zone; the cap still bounds the worst case (a
 * model whose every frame and tag was written: at 2^22 frames about
 * libFuzzer's -rss_limit_mb=2048, where the typical is ~200 MB;
 * docs/fuzzing.md, "Figures").  PAGEDIFF_FUZZ_POOL_FRAMES_LOG2 sets it
 * (cap->pool_frames_log2): at large zones a miss costs more than the
 * execution, and a machine with memory to spare buys exec/s with it.
 */
static size_t pool_frames(const struct pd_fuzz_cap *cap)
{
	size_t want = (size_t)64 << cap->frames_log2;

	if (cap->pool_frames_log2)
		return (size_t)1 << cap->pool_frames_log2;

	if (want < ((size_t)1 << 20))
		return (size_t)1 << 20;
	return want < ((size_t)1 << 22) ? want : (size_t)1 << 22;
}

void pd_fuzz_pool_stats(unsigned long long *hits, unsigned long long *misses)
{
	pd_pool_stats(pool, hits, misses);
}

enum pd_fuzz_verdict pd_fuzz_one(const uint8_t *buf, size_t len, const struct pd_fuzz_cap *cap,
				 const struct pd_model_ops *primary, struct pd_run_result *r)
{
	struct pd_run_opts o;
	struct pd_trace *t = &trace;
	enum pd_fuzz_verdict v;

	memset(r, 0, sizeof(*r));
	r->div_op = -1;
	/*
	 * The header alone says whether the config is within the cap; check
	 * it before decoding thousands of ops of an input we will not run.
	 */
	if (len > PD_BYTES_HEADER + (size_t)cap->ops * PD_FUZZ_OP_MAX_BYTES + PD_FUZZ_OP_MAX_BYTES)
		return PD_FUZZ_REJECTED;
	if (pd_looks_like_text(buf, len))
		return PD_FUZZ_REJECTED;
	if (!trace_ready) {
		pd_trace_init(t);
		trace_ready = true;
	}
	pd_trace_decode_into(buf, len, t);
	if (!pd_fuzz_cap_ok(cap, &t->cfg, t->nops))
		return PD_FUZZ_REJECTED;
	memset(&o, 0, sizeof(o));
	o.primary = primary ? primary : pd_model_default_primary();
	o.reference = pd_model_find("oracle");
	o.file = "<fuzz>";
	o.check_every = cap->check_every;
	o.fast = true;
	o.fast_full_end = full_end_due(buf, len, cap->full_every == PD_FUZZ_FULL_AUTO
						 ? pd_fuzz_full_every(&t->cfg) : cap->full_every);
	if (!pool)
		pool = pd_pool_new_sized(pool_frames(cap));
	o.pool = pool;
	o.valid = true;  /* straight from the decoder */
	pd_run(t, &o, r);
	if (r->diverged)
		v = PD_FUZZ_DIVERGED;
	else if (r->status == 2)
		v = PD_FUZZ_SETUP;
	else
		v = PD_FUZZ_CLEAN;
	return v;
}
