// SPDX-License-Identifier: MIT
/*
 * gen_trace.c - seeded random traces in the byte form, for tests that run
 * thousands of them (test_incremental, test_reset).
 */
#include "gen_trace.h"

#include "optab.h"

uint64_t pdt_rng_next(uint64_t *s)  /* splitmix64 */
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

unsigned pdt_below(uint64_t *s, unsigned n)
{
	return (unsigned)(pdt_rng_next(s) % n);
}

/* How often each op is generated: mostly ops that build up state. */
static const unsigned op_weight[PD_NR_OPS] = {
	[PD_OP_ALLOC] = 8, [PD_OP_FREE] = 5, [PD_OP_DRAIN] = 1, [PD_OP_ZONE_LOCK] = 3,
	[PD_OP_ZONE_UNLOCK] = 1, [PD_OP_SPAWN] = 3, [PD_OP_MMAP] = 6, [PD_OP_MUNMAP] = 2,
	[PD_OP_EXIT] = 1, [PD_OP_FORK] = 3, [PD_OP_READ] = 5, [PD_OP_WRITE] = 10,
	[PD_OP_SETTAG] = 4, [PD_OP_SWAPOUT] = 7, [PD_OP_SWAPCACHE_DROP] = 3, [PD_OP_PIN] = 4,
	[PD_OP_UNPIN] = 2, [PD_OP_PIN_READ] = 1, [PD_OP_PIN_WRITE] = 2, [PD_OP_GET] = 3,
	[PD_OP_PUT] = 2, [PD_OP_REF_READ] = 1, [PD_OP_TAGSTORE_PIN] = 3,
	[PD_OP_TAGSTORE_UNPIN] = 2,
};

static unsigned pick_op(uint64_t *s)
{
	unsigned total = 0, r, code;

	for (code = 0; code < PD_NR_OPS; code++)
		total += op_weight[code];
	r = pdt_below(s, total);
	for (code = 0; r >= op_weight[code]; code++)
		r -= op_weight[code];
	return code;
}

/*
 * The byte form of trace i (docs/trace-format.md): a config header with
 * design options cycling through all 12 combinations (swap_excl, accept,
 * tagstore) and small sizes, so that ops meet each other; then `nops` ops,
 * each written with exactly the bytes the decoder reads for it.
 */
size_t pdt_gen_trace(uint64_t *s, unsigned i, unsigned nops, uint8_t *buf)
{
	size_t n = 0;
	unsigned fl = i % 50 == 49 ? 10 : 3 + pdt_below(s, 6);   /* 8..256 frames, sometimes 1024 */
	unsigned opts = (i & 1) | ((i >> 1) & 1) << 1 | ((i >> 2) % 3) << 2;

	buf[n++] = 1;                                   /* version */
	buf[n++] = (uint8_t)(fl - 3);                   /* frames_log2 */
	buf[n++] = (uint8_t)pdt_below(s, 11);               /* max_order (<= frames_log2) */
	buf[n++] = (uint8_t)pdt_below(s, 8);                /* cpus - 1 */
	buf[n++] = (uint8_t)pdt_below(s, 9);                /* log2 granules */
	buf[n++] = (uint8_t)pdt_below(s, 11);               /* accept_order */
	buf[n++] = (uint8_t)pdt_rng_next(s);                /* unaccepted */
	buf[n++] = (uint8_t)pdt_below(s, 6);                /* tag_ratio_log2 */
	buf[n++] = (uint8_t)pdt_below(s, 12);               /* slots - 1, low byte */
	buf[n++] = 0;
	buf[n++] = (uint8_t)pdt_below(s, 64);               /* pcp_batch - 1 */
	buf[n++] = (uint8_t)pdt_rng_next(s);                /* pcp_high */
	buf[n++] = (uint8_t)(pdt_below(s, 4) ? pdt_below(s, 16) : pdt_rng_next(s));  /* vpages - 1 */
	buf[n++] = (uint8_t)opts;
	buf[n++] = 0;
	buf[n++] = 0;

	for (unsigned k = 0; k < nops; k++) {
		unsigned code = pick_op(s);
		const struct pd_op_desc *d = &pd_op_desc[code];
		bool flags = false;

		buf[n++] = (uint8_t)code;
		if (d->use != PD_L_NONE)
			buf[n++] = (uint8_t)pdt_rng_next(s);    /* which live name */
		for (unsigned a = 0; a < d->nargs; a++) {
			switch (d->args[a].kind) {
			case PD_ARG_FLAG:
				if (!flags)
					buf[n++] = (uint8_t)pdt_rng_next(s);
				flags = true;
				break;
			case PD_ARG_VALUE:
			case PD_ARG_SLOT:
			case PD_ARG_BLOCK:
				buf[n++] = (uint8_t)pdt_rng_next(s);
				buf[n++] = (uint8_t)pdt_rng_next(s);
				break;
			default:
				buf[n++] = (uint8_t)pdt_rng_next(s);
				break;
			}
		}
	}
	return n;
}

