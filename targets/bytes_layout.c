// SPDX-License-Identifier: MIT
/*
 * bytes_layout.c - the byte form seen from outside the decoder: op
 * boundaries, the config cap applied to a header, and seeded random ops.
 * Depends on the engine's op table only (optab.c), so the AFL++ custom
 * mutator can carry it into a shared library without the rest.
 */
#include <stdlib.h>
#include <string.h>

#include "optab.h"
#include "fuzz.h"

/* ---- the cap ---- */

void pd_fuzz_cap_init(struct pd_fuzz_cap *cap)
{
	const char *e = getenv("PAGEDIFF_FUZZ_FRAMES_LOG2");
	const char *ce = getenv("PAGEDIFF_FUZZ_CHECK_EVERY");
	const char *fe = getenv("PAGEDIFF_FUZZ_FULL_EVERY");
	const char *pe = getenv("PAGEDIFF_FUZZ_POOL_FRAMES_LOG2");

	cap->frames_log2 = PD_FUZZ_CAP_FRAMES_LOG2;
	cap->vpages = PD_FUZZ_CAP_VPAGES;
	cap->slots = PD_FUZZ_CAP_SLOTS;
	cap->ops = PD_FUZZ_CAP_OPS;
	cap->check_every = ce && *ce ? (unsigned)strtoul(ce, NULL, 10) : 0;
	cap->full_every = fe && *fe ? (unsigned)strtoul(fe, NULL, 10) : PD_FUZZ_FULL_AUTO;
	cap->pool_frames_log2 = 0;
	if (pe && *pe) {
		long v = strtol(pe, NULL, 10);

		/* Below one zone of the largest size the pool would hold nothing. */
		if (v >= PD_MIN_FRAMES_LOG2 && v <= 32)
			cap->pool_frames_log2 = (uint8_t)v;
	}
	if (e && *e) {
		long v = strtol(e, NULL, 10);

		if (v >= PD_MIN_FRAMES_LOG2 && v <= PD_MAX_FRAMES_LOG2)
			cap->frames_log2 = (uint8_t)v;
	}
}

bool pd_fuzz_cap_ok(const struct pd_fuzz_cap *cap, const struct pd_config *cfg, size_t nops)
{
	return cfg->frames_log2 <= cap->frames_log2 && cfg->vpages <= cap->vpages &&
	       cfg->slots <= cap->slots && nops <= cap->ops;
}

/*
 * The header fields the cap constrains, and how the decoder reads them
 * (bytes.c, decode_config()):
 *   frames_log2 = 3 + b % 22      slots = 1 + (lo | hi << 8)
 *   vpages      = 1 + b
 * A byte beyond the cap is reduced into it, so that a mutant of a capped
 * input stays capped.
 */
bool pd_fuzz_clamp_header(uint8_t *hdr, const struct pd_fuzz_cap *cap)
{
	unsigned frames = PD_MIN_FRAMES_LOG2 + hdr[PD_HDR_FRAMES] % 22u;
	unsigned slots = 1u + (hdr[PD_HDR_SLOTS_LO] | (unsigned)hdr[PD_HDR_SLOTS_HI] << 8);
	unsigned span = cap->frames_log2 - PD_MIN_FRAMES_LOG2 + 1u;
	bool changed = false;

	if (frames > cap->frames_log2) {
		hdr[PD_HDR_FRAMES] = (uint8_t)(hdr[PD_HDR_FRAMES] % 22u % span);
		changed = true;
	}
	if (slots > cap->slots) {
		slots = 1 + (slots - 1) % cap->slots;
		hdr[PD_HDR_SLOTS_LO] = (uint8_t)((slots - 1) & 0xff);
		hdr[PD_HDR_SLOTS_HI] = (uint8_t)((slots - 1) >> 8);
		changed = true;
	}
	if (1u + hdr[PD_HDR_VPAGES] > cap->vpages) {
		hdr[PD_HDR_VPAGES] = (uint8_t)(hdr[PD_HDR_VPAGES] % cap->vpages);
		changed = true;
	}
	return changed;
}

/* ---- op boundaries ---- */

/* By opcode byte, not opcode (op_len()). */
static uint8_t op_len_table[256];

/* 1 (opcode) + 1 (used name's index) + argument bytes; flags share one byte. */
static unsigned compute_op_len(unsigned code)
{
	const struct pd_op_desc *d = &pd_op_desc[code];
	unsigned n = 1 + (d->use != PD_L_NONE);
	bool flags = false;

	for (unsigned a = 0; a < d->nargs; a++) {
		switch (d->args[a].kind) {
		case PD_ARG_FLAG:
			n += !flags;
			flags = true;
			break;
		case PD_ARG_VALUE: case PD_ARG_SLOT: case PD_ARG_BLOCK:
			n += 2;
			break;
		default:
			n += 1;
			break;
		}
	}
	return n;
}

/*
 * Each entry filled on first use (every op is at least one byte, so 0 is
 * "not yet"): a race between threads writes the same byte.  Every
 * mutation splits its input (and a splice's other) once or more, so this
 * is one load per op, no modulo.
 */
static inline unsigned op_len(uint8_t opcode_byte)
{
	if (!op_len_table[opcode_byte])
		op_len_table[opcode_byte] = (uint8_t)compute_op_len(opcode_byte % PD_NR_OPS);
	return op_len_table[opcode_byte];
}

unsigned pd_fuzz_op_len(uint8_t opcode_byte)
{
	return op_len(opcode_byte);
}

size_t pd_fuzz_split(const uint8_t *buf, size_t len, struct pd_span *spans, size_t max)
{
	size_t n = 0, pos = PD_BYTES_HEADER;

	while (pos < len) {
		size_t l = op_len(buf[pos]);

		if (l > len - pos)
			l = len - pos;
		if (n < max) {
			spans[n].off = (uint32_t)pos;
			spans[n].len = (uint32_t)l;
		}
		n++;
		pos += l;
	}
	return n;
}

/* ---- generation ---- */

/* Small values most of the time, anything now and then. */
static uint8_t small_byte(struct pd_rng *r, unsigned small)
{
	switch (pd_rng_below(r, 8)) {
	case 0:
		return (uint8_t)pd_rng_next(r);
	case 1: case 2: case 3:
		return 0;
	default:
		return (uint8_t)pd_rng_below(r, small);
	}
}

void pd_fuzz_gen_header(struct pd_rng *r, const struct pd_fuzz_cap *cap,
			unsigned frames_log2, uint8_t *hdr)
{
	unsigned fl, slots;

	memset(hdr, 0, PD_BYTES_HEADER);
	hdr[PD_HDR_VERSION] = PD_BYTES_VERSION;
	fl = frames_log2 ? frames_log2
			 : PD_MIN_FRAMES_LOG2 + pd_rng_below(r, cap->frames_log2 - PD_MIN_FRAMES_LOG2 + 1u);
	hdr[PD_HDR_FRAMES] = (uint8_t)(fl - PD_MIN_FRAMES_LOG2);
	/* Orders up to 6 and lower, clamped to frames by the decoder. */
	hdr[PD_HDR_MAX_ORDER] = (uint8_t)(pd_rng_below(r, 4) ? 3 + pd_rng_below(r, 4)
							 : pd_rng_below(r, 11));
	hdr[PD_HDR_CPUS] = (uint8_t)pd_rng_below(r, 4);
	hdr[PD_HDR_GRANULES] = (uint8_t)pd_rng_below(r, 9);
	hdr[PD_HDR_ACCEPT_ORDER] = (uint8_t)pd_rng_below(r, 6);
	hdr[PD_HDR_UNACCEPTED] = pd_rng_below(r, 2) ? 0 : (uint8_t)pd_rng_next(r);
	hdr[PD_HDR_TAG_RATIO] = (uint8_t)pd_rng_below(r, 6);
	slots = pd_rng_below(r, 4) ? 1 + pd_rng_below(r, 16) : 1 + pd_rng_below(r, cap->slots);
	hdr[PD_HDR_SLOTS_LO] = (uint8_t)((slots - 1) & 0xff);
	hdr[PD_HDR_SLOTS_HI] = (uint8_t)((slots - 1) >> 8);
	hdr[PD_HDR_PCP_BATCH] = (uint8_t)pd_rng_below(r, 8);
	hdr[PD_HDR_PCP_HIGH] = (uint8_t)pd_rng_below(r, 32);
	hdr[PD_HDR_VPAGES] = (uint8_t)(pd_rng_below(r, 4) ? pd_rng_below(r, 16)
							  : pd_rng_below(r, cap->vpages));
	hdr[PD_HDR_OPTS] = (uint8_t)pd_rng_below(r, 12);
	pd_fuzz_clamp_header(hdr, cap);
}

/*
 * Opcode weights: state builders (alloc, mmap, write, fork, swapout) often,
 * the ops that only end or read things less.
 */
static const uint8_t op_weight[PD_NR_OPS] = {
	[PD_OP_ALLOC] = 12, [PD_OP_FREE] = 8, [PD_OP_DRAIN] = 2, [PD_OP_ZONE_LOCK] = 2,
	[PD_OP_ZONE_UNLOCK] = 1, [PD_OP_SPAWN] = 4, [PD_OP_MMAP] = 6, [PD_OP_MUNMAP] = 2,
	[PD_OP_EXIT] = 1, [PD_OP_FORK] = 4, [PD_OP_READ] = 5, [PD_OP_WRITE] = 8,
	[PD_OP_SETTAG] = 3, [PD_OP_SWAPOUT] = 6, [PD_OP_SWAPCACHE_DROP] = 2, [PD_OP_PIN] = 4,
	[PD_OP_UNPIN] = 3, [PD_OP_PIN_READ] = 2, [PD_OP_PIN_WRITE] = 2, [PD_OP_GET] = 3,
	[PD_OP_PUT] = 2, [PD_OP_REF_READ] = 2, [PD_OP_TAGSTORE_PIN] = 2,
	[PD_OP_TAGSTORE_UNPIN] = 2,
};

static unsigned pick_opcode(struct pd_rng *r)
{
	unsigned total = 0, x;

	for (unsigned i = 0; i < PD_NR_OPS; i++)
		total += op_weight[i];
	x = pd_rng_below(r, total);
	for (unsigned i = 0; i < PD_NR_OPS; i++) {
		if (x < op_weight[i])
			return i;
		x -= op_weight[i];
	}
	return PD_OP_ALLOC;
}

unsigned pd_fuzz_gen_op(struct pd_rng *r, uint8_t *out)
{
	unsigned code = pick_opcode(r);
	const struct pd_op_desc *d = &pd_op_desc[code];
	unsigned n = 0;
	bool flags = false;

	out[n++] = (uint8_t)code;
	if (d->use != PD_L_NONE)
		out[n++] = small_byte(r, 4);
	for (unsigned a = 0; a < d->nargs; a++) {
		uint64_t v = pd_rng_next(r);

		switch (d->args[a].kind) {
		case PD_ARG_FLAG:
			if (!flags)
				out[n++] = (uint8_t)(v & pd_op_flag_mask(code) & (v >> 8));
			flags = true;
			break;
		case PD_ARG_VALUE:
			/* A few distinct values make reads after writes comparable. */
			out[n++] = (uint8_t)(pd_rng_below(r, 2) ? v & 0x7 : v);
			out[n++] = (uint8_t)(pd_rng_below(r, 2) ? 0 : v >> 8);
			break;
		case PD_ARG_SLOT: case PD_ARG_BLOCK:
			out[n++] = small_byte(r, 8);
			out[n++] = pd_rng_below(r, 8) ? 0 : (uint8_t)v;
			break;
		case PD_ARG_ORDER:
			out[n++] = pd_rng_below(r, 4) ? (uint8_t)pd_rng_below(r, 2 + pd_rng_below(r, 3))
						      : (uint8_t)v;
			break;
		case PD_ARG_PAGES:
			out[n++] = small_byte(r, 8);
			break;
		case PD_ARG_TAG: case PD_ARG_GRANULE:
			out[n++] = small_byte(r, 4);
			break;
		default:  /* cpu, vpage */
			out[n++] = small_byte(r, 8);
			break;
		}
	}
	return n;
}
