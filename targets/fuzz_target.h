/* SPDX-License-Identifier: MIT */
/*
 * fuzz_target.h - pieces of the fuzz targets proper (not of the pagediff
 * command): the op-aware mutator and the allocator-state feedback.
 */
#ifndef PAGEDIFF_FUZZ_TARGET_H
#define PAGEDIFF_FUZZ_TARGET_H

#include "fuzz.h"

/* ---- mutator.c ---- */

/* A byte-level mutator to fall back on (libFuzzer's LLVMFuzzerMutate). */
typedef size_t pd_byte_mutator(uint8_t *data, size_t size, size_t max_size);

/*
 * Mutate data[0..size) in place (max_size bytes available) with whole-op
 * edits: insert, delete, duplicate, swap, replace and splice ops, tweak an
 * argument byte, now and then a config field; `other` (may be NULL) is a
 * second input to splice from, `bytes` (may be NULL) a byte-level mutator
 * used now and then.  The result's header is within the cap.  Returns the
 * new size (>= PD_BYTES_HEADER when max_size allows it).
 */
size_t pd_mutate(uint8_t *data, size_t size, size_t max_size, struct pd_rng *r,
		 const struct pd_fuzz_cap *cap, const uint8_t *other, size_t other_size,
		 pd_byte_mutator *bytes);
/*
 * Splice two inputs at op boundaries into out: a's header, then a's ops
 * with a run of b's ops inserted, or a's head and b's tail.  Returns the
 * size written.
 */
size_t pd_crossover(const uint8_t *a, size_t na, const uint8_t *b, size_t nb,
		    uint8_t *out, size_t max_out, struct pd_rng *r,
		    const struct pd_fuzz_cap *cap);

/* ---- feedback.c ---- */

/*
 * The primary wrapped so that its results and final state feed
 * __libfuzzer_extra_counters; same name, same behaviour.  One wrapper
 * per process (it keeps `inner` in a static).
 */
const struct pd_model_ops *pd_fb_wrap(const struct pd_model_ops *inner);
/*
 * Feed the end state of the input just run to the counters: call after
 * each run, before returning to libFuzzer (it reads them then).
 */
void pd_fb_collect(void);

#endif
