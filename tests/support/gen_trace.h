/* SPDX-License-Identifier: MIT */
/*
 * gen_trace.h - seeded random traces in the byte form (tests only).
 */
#ifndef PAGEDIFF_GEN_TRACE_H
#define PAGEDIFF_GEN_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

uint64_t pdt_rng_next(uint64_t *s);
/* Uniform in [0, n). */
unsigned pdt_below(uint64_t *s, unsigned n);
/*
 * The byte form of trace i (docs/trace-format.md): a config header with
 * design options cycling through all 12 combinations (swap_excl, accept,
 * tagstore) by i, small sizes (every 50th at 1024 frames), then `nops`
 * random ops, each written with exactly the bytes the decoder reads for
 * it.  buf needs PD_BYTES_HEADER + 8 * nops bytes.
 */
size_t pdt_gen_trace(uint64_t *s, unsigned i, unsigned nops, uint8_t *buf);

#endif
