// SPDX-License-Identifier: MIT
/*
 * feedback.c - allocator-state feedback for libFuzzer: a coarse abstract
 * state of the primary model, fed as extra features through
 * __libfuzzer_extra_counters next to code coverage.
 *
 * Code coverage cannot tell "three pages shared and one in the swap cache"
 * from "one page"; the same lines run.  These counters can, coarsely, so
 * the fuzzer keeps inputs that reach new allocator states.  Too fine a
 * state (exact counts, frame numbers) would make every input new and the
 * corpus explode, so every quantity is bucketed:
 *
 *   result   per op: (opcode, status) of each call, 24 x 9
 *   orders   at the end: per order, allocated blocks 1 / 2-3 / 4-15 / 16+
 *   mix      at the end: which of AE, shared (mc >= 2), pinned (rc >= BIAS),
 *            in swap cache, MTE-tagged, tag-reserved, deferred, extra ref
 *            (rc > mc + pins) occur at all: 8 bits, 256 combinations
 *   free     at the end: free frames in eighths of the zone, x deferred > 0
 *   swap     at the end: slots in use 0 / 1 / 2-3 / 4+, x tags saved, x in SC
 *   ptes     at the end: which PTE kinds exist (present, swap, FOA,
 *            writable), x live processes
 *   tags     at the end: some tag block pinned, some reserved
 *
 * The primary is wrapped: every op and state function forwards to the
 * real model, the op results are recorded on the way back, and the state
 * is read once when the engine destroys the model (after the last op, or
 * at the divergence).  The wrapper keeps the model's name, so reports and
 * signatures are those of a plain `pagediff replay`.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_target.h"

#define FB_RESULT  0
#define FB_ORDERS  (FB_RESULT + PD_NR_OPS * PD_NR_STATUS)
#define FB_MIX     (FB_ORDERS + (PD_MAX_ORDER_LIMIT + 1) * 4)
#define FB_FREE    (FB_MIX + 256)
#define FB_SWAP    (FB_FREE + 18)
#define FB_PTES    (FB_SWAP + 16)
#define FB_TAGS    (FB_PTES + 16 * (PD_MAX_PROCS + 1))
#define FB_NR      (FB_TAGS + 4)

/*
 * libFuzzer finds the array by its section (Linux); it clears it before
 * each input and reads it after.  `used` keeps it from being dropped.
 */
__attribute__((used, section("__libfuzzer_extra_counters")))
uint8_t pd_fb_counters[FB_NR];

struct fb_model {
	void            *inner;
	struct pd_config cfg;
};

static const struct pd_model_ops *fb_inner;
static struct pd_model_ops fb_ops;
static pd_op_fn *fb_inner_op[PD_NR_OPS];  /* the inner op members by opcode */

static void fb_hit(unsigned i)
{
	if (pd_fb_counters[i] < 255)
		pd_fb_counters[i]++;
}

/* 0, 1, 2-3, 4+ -> 0..3 */
static unsigned bucket4(uint32_t n)
{
	return n == 0 ? 0 : n == 1 ? 1 : n < 4 ? 2 : 3;
}

/* Allocated blocks of one order, n >= 1: 1, 2-3, 4-15, 16+ -> 0..3 */
static unsigned bucket_heads(uint32_t n)
{
	return n == 1 ? 0 : n < 4 ? 1 : n < 16 ? 2 : 3;
}

/* ---- forwarding ---- */

static void fb_op(void *model, struct pd_ctx *ctx, const struct pd_call *call,
		  struct pd_result *res)
{
	struct fb_model *m = model;

	/* The engine calls an op member only if it is non-NULL: so is ours. */
	fb_inner_op[call->code](m->inner, ctx, call, res);
	fb_hit(FB_RESULT + call->code * PD_NR_STATUS +
	       (res->status < PD_NR_STATUS ? res->status : PD_NR_STATUS - 1));
}

static void fb_frame_state(void *m, uint32_t f, struct pd_frame_state *out)
{
	fb_inner->frame_state(((struct fb_model *)m)->inner, f, out);
}

static void fb_pte_state(void *m, uint8_t p, uint16_t v, struct pd_pte_state *out)
{
	fb_inner->pte_state(((struct fb_model *)m)->inner, p, v, out);
}

static void fb_proc_state(void *m, uint8_t p, struct pd_proc_state *out)
{
	fb_inner->proc_state(((struct fb_model *)m)->inner, p, out);
}

static void fb_slot_state(void *m, uint32_t s, struct pd_slot_state *out)
{
	fb_inner->slot_state(((struct fb_model *)m)->inner, s, out);
}

static void fb_unit_state(void *m, uint32_t u, struct pd_unit_state *out)
{
	fb_inner->unit_state(((struct fb_model *)m)->inner, u, out);
}

static void fb_tagblock_state(void *m, uint32_t b, struct pd_tagblock_state *out)
{
	fb_inner->tagblock_state(((struct fb_model *)m)->inner, b, out);
}

static void fb_totals(void *m, struct pd_totals *out)
{
	fb_inner->totals(((struct fb_model *)m)->inner, out);
}

static void fb_check(void *m, struct pd_ctx *ctx)
{
	fb_inner->check(((struct fb_model *)m)->inner, ctx);
}

/* ---- the abstract state, read once at the end ---- */

static void fb_frames(struct fb_model *m)
{
	uint32_t heads[PD_MAX_ORDER_LIMIT + 1] = { 0 };
	uint32_t nframes = pd_nr_frames(&m->cfg);
	struct pd_frame_state fs;
	struct pd_totals tot;
	unsigned mix = 0;

	for (uint32_t f = 0; f < nframes; f++) {
		fb_inner->frame_state(m->inner, f, &fs);
		if (fs.kind == PD_FRAME_DEFERRED)
			mix |= 1u << 6;
		if (fs.kind != PD_FRAME_HEAD)
			continue;
		heads[fs.order <= PD_MAX_ORDER_LIMIT ? fs.order : PD_MAX_ORDER_LIMIT]++;
		mix |= (unsigned)!!fs.anon_exclusive << 0;
		mix |= (unsigned)(fs.mapcount >= 2) << 1;
		mix |= (unsigned)(fs.refcount >= PD_PIN_BIAS) << 2;
		mix |= (unsigned)!!fs.in_swapcache << 3;
		mix |= (unsigned)!!fs.mte_tagged << 4;
		mix |= (unsigned)!!fs.tag_reserved << 5;
		mix |= (unsigned)(fs.refcount % PD_PIN_BIAS > fs.mapcount + fs.in_swapcache) << 7;
	}
	for (unsigned o = 0; o <= PD_MAX_ORDER_LIMIT; o++)
		if (heads[o])
			fb_hit(FB_ORDERS + o * 4 + bucket_heads(heads[o]));
	fb_hit(FB_MIX + mix);
	fb_inner->totals(m->inner, &tot);
	fb_hit(FB_FREE + (tot.deferred_frames ? 9 : 0) +
	       (unsigned)((uint64_t)tot.free_frames * 8 / nframes));
}

static void fb_slots(struct fb_model *m)
{
	struct pd_slot_state ss;
	unsigned tags = 0, sc = 0;
	uint32_t used = 0;

	for (uint32_t s = 0; s < m->cfg.slots; s++) {
		fb_inner->slot_state(m->inner, s, &ss);
		used += ss.in_use;
		tags |= ss.tags_saved;
		sc |= ss.in_swapcache;
	}
	fb_hit(FB_SWAP + bucket4(used) * 4 + (tags ? 2 : 0) + (sc ? 1 : 0));
}

static void fb_ptes(struct fb_model *m)
{
	struct pd_proc_state ps;
	struct pd_pte_state pt;
	unsigned kinds = 0, live = 0;

	for (uint8_t p = 0; p < PD_MAX_PROCS; p++) {
		fb_inner->proc_state(m->inner, p, &ps);
		if (!ps.alive)
			continue;
		live++;
		for (uint16_t v = 0; v < m->cfg.vpages; v++) {
			fb_inner->pte_state(m->inner, p, v, &pt);
			if (pt.kind == PD_PTE_PRESENT)
				kinds |= 1;
			else if (pt.kind == PD_PTE_SWAP)
				kinds |= 2;
			else if (pt.kind == PD_PTE_FOA)
				kinds |= 4;
			if (pt.writable)
				kinds |= 8;
		}
	}
	fb_hit(FB_PTES + live * 16 + kinds);
}

static void fb_tagblocks(struct fb_model *m)
{
	uint32_t n = pd_nr_tag_blocks(&m->cfg);
	struct pd_tagblock_state tb;
	unsigned bits = 0;

	if (m->cfg.tagstore == PD_TAGSTORE_NONE)
		return;
	for (uint32_t b = 0; b < n; b++) {
		fb_inner->tagblock_state(m->inner, b, &tb);
		bits |= (tb.pins ? 1u : 0u) | (tb.reservations ? 2u : 0u);
	}
	fb_hit(FB_TAGS + bits);
}

/* ---- lifetime ---- */

static void *fb_create(const struct pd_config *cfg, char *err, size_t errlen)
{
	struct fb_model *m;
	void *inner = fb_inner->create(cfg, err, errlen);

	if (!inner)
		return NULL;
	m = malloc(sizeof(*m));
	if (!m) {
		fb_inner->destroy(inner);
		return NULL;
	}
	m->inner = inner;
	m->cfg = *cfg;
	return m;
}

static void fb_destroy(void *model)
{
	struct fb_model *m = model;

	fb_frames(m);
	fb_slots(m);
	fb_ptes(m);
	fb_tagblocks(m);
	fb_inner->destroy(m->inner);
	free(m);
}

const struct pd_model_ops *pd_fb_wrap(const struct pd_model_ops *inner)
{
	fb_inner = inner;
	fb_ops = *inner;
	fb_ops.create = fb_create;
	fb_ops.destroy = fb_destroy;
#define FWD(code, op) do { \
		fb_inner_op[code] = inner->op; \
		fb_ops.op = inner->op ? fb_op : NULL; \
	} while (0)
	FWD(PD_OP_ALLOC, alloc); FWD(PD_OP_FREE, free); FWD(PD_OP_DRAIN, drain);
	FWD(PD_OP_ZONE_LOCK, zone_lock); FWD(PD_OP_ZONE_UNLOCK, zone_unlock);
	FWD(PD_OP_SPAWN, spawn); FWD(PD_OP_MMAP, mmap); FWD(PD_OP_MUNMAP, munmap);
	FWD(PD_OP_EXIT, exit); FWD(PD_OP_FORK, fork); FWD(PD_OP_READ, read);
	FWD(PD_OP_WRITE, write); FWD(PD_OP_SETTAG, settag); FWD(PD_OP_SWAPOUT, swapout);
	FWD(PD_OP_SWAPCACHE_DROP, swapcache_drop); FWD(PD_OP_PIN, pin);
	FWD(PD_OP_UNPIN, unpin); FWD(PD_OP_PIN_READ, pin_read);
	FWD(PD_OP_PIN_WRITE, pin_write); FWD(PD_OP_GET, get); FWD(PD_OP_PUT, put);
	FWD(PD_OP_REF_READ, ref_read); FWD(PD_OP_TAGSTORE_PIN, tagstore_pin);
	FWD(PD_OP_TAGSTORE_UNPIN, tagstore_unpin);
#undef FWD
	fb_ops.frame_state = fb_frame_state;
	fb_ops.pte_state = fb_pte_state;
	fb_ops.proc_state = fb_proc_state;
	fb_ops.slot_state = fb_slot_state;
	fb_ops.unit_state = fb_unit_state;
	fb_ops.tagblock_state = fb_tagblock_state;
	fb_ops.totals = fb_totals;
	fb_ops.check = inner->check ? fb_check : NULL;
	return &fb_ops;
}
