/* SPDX-License-Identifier: MIT */
/*
 * fuzz.h - what every fuzz driver shares: the config cap, the layout of
 * the byte form (op boundaries, from the engine's op table), a seeded op
 * generator, and the one entry that decodes and runs an input.
 *
 * Glossary (beyond engine.h)
 *   cap      the largest config a fuzz input may ask for; inputs beyond
 *            it are rejected (not run), so that executions stay fast and
 *            a saved input replays bit for bit with plain `pagediff replay`
 *   span     one op's bytes in an input: offset and length
 *   driver   libFuzzer, AFL++ (libAFLDriver) or `pagediff random`
 *
 * Layout of an input (docs/trace-format.md): PD_BYTES_HEADER bytes of
 * version and config, then ops.  An op's length depends on its opcode
 * byte only (1, the used name's index byte if any, then its arguments),
 * never on liveness or on the config, so boundaries can be found without
 * decoding.  The last op may be cut short: missing bytes read as 0.
 */
#ifndef PAGEDIFF_FUZZ_H
#define PAGEDIFF_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pagediff/engine.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the cap (docs/fuzzing.md, "The config cap") -------------------- */

#define PD_FUZZ_CAP_FRAMES_LOG2 12    /* frames <= 4096 */
#define PD_FUZZ_CAP_VPAGES      64
#define PD_FUZZ_CAP_SLOTS       256
#define PD_FUZZ_CAP_OPS         1024

struct pd_fuzz_cap {
	uint8_t  frames_log2;
	uint16_t vpages;
	uint32_t slots;
	uint32_t ops;
	/*
	 * Not caps: how an input runs (docs/fuzzing.md, "What one execution
	 * compares").  check_every: pd_run_opts.check_every of the fast run
	 * (0: check() only with the full end, and at a divergence).
	 * full_every: one input in full_every (chosen by a hash of its bytes,
	 * so the same input always gets the same) ends with the whole-state
	 * comparison and check(); 1: every input; 0: none;
	 * PD_FUZZ_FULL_AUTO (the default): pd_fuzz_full_every() of the
	 * input's config.
	 */
	unsigned check_every;
	unsigned full_every;
	/*
	 * The model pool's budget in frames, log2 (PAGEDIFF_FUZZ_POOL_FRAMES_LOG2);
	 * 0: the default, pool_frames() in fuzz_core.c.  Memory for exec/s at
	 * large zones: docs/fuzzing.md, "The model pool".
	 */
	uint8_t  pool_frames_log2;
};

#define PD_FUZZ_FULL_EVERY 64
#define PD_FUZZ_FULL_AUTO  UINT32_MAX

/*
 * The default full_every for a config: PD_FUZZ_FULL_EVERY, or one input
 * in frames / 64 in zones above 4,096 frames.  The whole state costs
 * O(frames) (at 65,536 frames both models' check() and the comparison
 * take about 2 ms, the time of ~50 executions), so its share of an
 * execution's average cost stays what it is at 4,096 frames.
 */
static inline unsigned pd_fuzz_full_every(const struct pd_config *cfg)
{
	uint32_t by_size = (uint32_t)(pd_nr_frames(cfg) / 64);

	return by_size > PD_FUZZ_FULL_EVERY ? by_size : PD_FUZZ_FULL_EVERY;
}

/*
 * The defaults above, with frames_log2 raised or lowered by the
 * environment variable PAGEDIFF_FUZZ_FRAMES_LOG2 (3..24; benchmarks use
 * 16), check_every from PAGEDIFF_FUZZ_CHECK_EVERY (default 0) and
 * full_every from PAGEDIFF_FUZZ_FULL_EVERY (default PD_FUZZ_FULL_AUTO).
 * Neither changes what a divergence reports: it is re-run the way
 * `pagediff replay` runs it.  Read once per process by each driver.
 */
void pd_fuzz_cap_init(struct pd_fuzz_cap *cap);
/* Whether a decoded config and op count lie within the cap. */
bool pd_fuzz_cap_ok(const struct pd_fuzz_cap *cap, const struct pd_config *cfg, size_t nops);

/* ---- layout of the byte form (bytes_layout.c) ----------------------- */

#define PD_FUZZ_OP_MAX_BYTES 8  /* longest op: write = 1 + 1 + 1 + 2 + 1 + 1 = 7 */

/* Offsets of the config fields in the header (docs/trace-format.md). */
enum {
	PD_HDR_VERSION, PD_HDR_FRAMES, PD_HDR_MAX_ORDER, PD_HDR_CPUS, PD_HDR_GRANULES,
	PD_HDR_ACCEPT_ORDER, PD_HDR_UNACCEPTED, PD_HDR_TAG_RATIO, PD_HDR_SLOTS_LO,
	PD_HDR_SLOTS_HI, PD_HDR_PCP_BATCH, PD_HDR_PCP_HIGH, PD_HDR_VPAGES, PD_HDR_OPTS,
	PD_HDR_RESERVED0, PD_HDR_RESERVED1,
};

struct pd_span {
	uint32_t off;
	uint32_t len;
};

/* Bytes an op with this opcode byte takes (opcode % PD_NR_OPS). */
unsigned pd_fuzz_op_len(uint8_t opcode_byte);
/*
 * Split buf[PD_BYTES_HEADER..len) into op spans; returns how many there
 * are (at most max are stored; the count is exact regardless).
 */
size_t pd_fuzz_split(const uint8_t *buf, size_t len, struct pd_span *spans, size_t max);
/*
 * Rewrite a full header (PD_BYTES_HEADER bytes) so its config lies within
 * the cap; fields already within it keep their bytes.  Returns whether
 * anything changed.
 */
bool pd_fuzz_clamp_header(uint8_t *hdr, const struct pd_fuzz_cap *cap);

/* ---- seeded generation ---------------------------------------------- */

/* splitmix64: tiny, full period, and the same sequence on every machine. */
struct pd_rng {
	uint64_t s;
};

static inline uint64_t pd_rng_next(struct pd_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n); n > 0.  The modulo bias is irrelevant here. */
static inline uint32_t pd_rng_below(struct pd_rng *r, uint32_t n)
{
	return (uint32_t)(pd_rng_next(r) % n);
}

/*
 * A random header within the cap; frames_log2 is forced when
 * frames_log2 != 0.  Biased towards the small, busy configs that find
 * bugs (few slots, few vpages, small orders).
 */
void pd_fuzz_gen_header(struct pd_rng *r, const struct pd_fuzz_cap *cap,
			unsigned frames_log2, uint8_t *hdr);
/*
 * One random op into out (PD_FUZZ_OP_MAX_BYTES); returns its length.
 * Opcodes are weighted towards the ops that build state (alloc, mmap,
 * write, fork, swapout), arguments towards small values.
 */
unsigned pd_fuzz_gen_op(struct pd_rng *r, uint8_t *out);

/* ---- the entry (fuzz_core.c) ----------------------------------------- */

enum pd_fuzz_verdict {
	PD_FUZZ_REJECTED = -1,  /* beyond the cap, or reads as text: not run */
	PD_FUZZ_CLEAN    = 0,
	PD_FUZZ_DIVERGED = 1,   /* r->diverged; r->signature, r->report */
	PD_FUZZ_SETUP    = 2,   /* a model rejected the config (r->messages) */
};

/* Inputs that got pooled models (hits) or created them (misses). */
void pd_fuzz_pool_stats(unsigned long long *hits, unsigned long long *misses);

/*
 * Decode buf and run it on primary (NULL: the default, impl if built)
 * against the oracle, in the engine's fast mode, on models reset between
 * inputs (a pool kept by fuzz_core.c): reset() leaves nothing of one
 * input for the next (tests/unit/test_reset.c).  *r is always filled;
 * free it with pd_run_result_free().
 */
enum pd_fuzz_verdict pd_fuzz_one(const uint8_t *buf, size_t len, const struct pd_fuzz_cap *cap,
				 const struct pd_model_ops *primary, struct pd_run_result *r);

#ifdef __cplusplus
}
#endif
#endif
