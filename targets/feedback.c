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
 * real model, the op results are recorded on the way back, and so is
 * what each op touched (the model's pd_touch() reports).  The end state
 * is read by pd_fb_collect() after the run, from the objects touched
 * during the input only: everything else is still in its boot state,
 * which contributes nothing (no heads, no slots, no PTEs, no pins), so
 * the features are those of a whole-state walk at a cost that follows
 * the ops (a walk of everything only when an op overflowed its touch
 * list).  The wrapper keeps the model's name, so reports and signatures
 * are those of a plain `pagediff replay`.
 */
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
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
	/* Objects the ops touched since the last collect (frames, slots, PTEs, tag blocks). */
	struct pd_touch_rec *touched;
	size_t           ntouched, cap;
	bool             touch_all;
	/* Per frame / slot / tag block: the collect that last counted it. */
	uint32_t        *seen_frame, *seen_slot, *seen_tb, seen_pte[PD_MAX_PROCS][PD_MAX_VPAGES];
	uint32_t         epoch;
	bool             collected;
};

/* The model the last op ran on: pd_fb_collect() reads it. */
static struct fb_model *fb_current;

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

/* Keep what the op touched, for the end-of-input features. */
static void fb_note_touches(struct fb_model *m, const struct pd_ctx *ctx)
{
	if (m->touch_all || ctx->touch_all) {
		m->touch_all = true;
		return;
	}
	if (!ctx->ntouch)
		return;
	if (m->ntouched + ctx->ntouch > m->cap) {
		size_t cap = (m->ntouched + ctx->ntouch) * 2;
		struct pd_touch_rec *t = realloc(m->touched, cap * sizeof(*t));

		if (!t) {
			m->touch_all = true;
			return;
		}
		m->touched = t;
		m->cap = cap;
	}
	memcpy(&m->touched[m->ntouched], ctx->touch, ctx->ntouch * sizeof(*ctx->touch));
	m->ntouched += ctx->ntouch;
}

static void fb_op(void *model, struct pd_ctx *ctx, const struct pd_call *call,
		  struct pd_result *res)
{
	struct fb_model *m = model;

	/* The engine calls an op member only if it is non-NULL: so is ours. */
	fb_inner_op[call->code](m->inner, ctx, call, res);
	fb_current = m;
	m->collected = false;
	fb_note_touches(m, ctx);
	fb_hit(FB_RESULT + call->code * PD_NR_STATUS +
	       (res->status < PD_NR_STATUS ? res->status : PD_NR_STATUS - 1));
}

static void fb_frame_state(void *m, uint32_t f, struct pd_frame_state *out)
{
	fb_inner->frame_state(((struct fb_model *)m)->inner, f, out);
}

static void fb_frame_state_range(void *m, uint32_t first, uint32_t n, struct pd_frame_state *out)
{
	fb_inner->frame_state_range(((struct fb_model *)m)->inner, first, n, out);
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

struct fb_acc {
	uint32_t heads[PD_MAX_ORDER_LIMIT + 1];
	unsigned mix;
	uint32_t slots_used;
	unsigned slot_tags, slot_sc;
	unsigned pte_kinds;
	unsigned tb_bits;
};

/* First time this collect counts the object? */
static bool fb_first(struct fb_model *m, uint32_t *seen)
{
	if (*seen == m->epoch)
		return false;
	*seen = m->epoch;
	return true;
}

static void fb_frame(struct fb_model *m, struct fb_acc *a, uint32_t f)
{
	struct pd_frame_state fs;

	fb_inner->frame_state(m->inner, f, &fs);
	if (fs.kind == PD_FRAME_DEFERRED)
		a->mix |= 1u << 6;
	if (fs.kind != PD_FRAME_HEAD)
		return;
	a->heads[fs.order <= PD_MAX_ORDER_LIMIT ? fs.order : PD_MAX_ORDER_LIMIT]++;
	a->mix |= (unsigned)!!fs.anon_exclusive << 0;
	a->mix |= (unsigned)(fs.mapcount >= 2) << 1;
	a->mix |= (unsigned)(fs.refcount >= PD_PIN_BIAS) << 2;
	a->mix |= (unsigned)!!fs.in_swapcache << 3;
	a->mix |= (unsigned)!!fs.mte_tagged << 4;
	a->mix |= (unsigned)!!fs.tag_reserved << 5;
	a->mix |= (unsigned)(fs.refcount % PD_PIN_BIAS > fs.mapcount + fs.in_swapcache) << 7;
}

static void fb_slot(struct fb_model *m, struct fb_acc *a, uint32_t s)
{
	struct pd_slot_state ss;

	fb_inner->slot_state(m->inner, s, &ss);
	a->slots_used += ss.in_use;
	a->slot_tags |= ss.tags_saved;
	a->slot_sc |= ss.in_swapcache;
}

static void fb_pte(struct fb_model *m, struct fb_acc *a, uint8_t p, uint16_t v)
{
	struct pd_pte_state pt;

	fb_inner->pte_state(m->inner, p, v, &pt);
	if (pt.kind == PD_PTE_PRESENT)
		a->pte_kinds |= 1;
	else if (pt.kind == PD_PTE_SWAP)
		a->pte_kinds |= 2;
	else if (pt.kind == PD_PTE_FOA)
		a->pte_kinds |= 4;
	if (pt.writable)
		a->pte_kinds |= 8;
}

static void fb_tagblock(struct fb_model *m, struct fb_acc *a, uint32_t b)
{
	struct pd_tagblock_state tb;

	fb_inner->tagblock_state(m->inner, b, &tb);
	a->tb_bits |= (tb.pins ? 1u : 0u) | (tb.reservations ? 2u : 0u);
}

/* Count objects [first, first + n) of one kind, each once, clipped to the config. */
static void fb_visit(struct fb_model *m, struct fb_acc *a, unsigned obj, uint32_t first,
		     uint32_t n)
{
	uint64_t end = (uint64_t)first + n;

	switch (obj) {
	case PD_OBJ_FRAME:
		for (uint64_t f = first; f < end && f < pd_nr_frames(&m->cfg); f++)
			if (fb_first(m, &m->seen_frame[f]))
				fb_frame(m, a, (uint32_t)f);
		break;
	case PD_OBJ_SLOT:
		for (uint64_t s = first; s < end && s < m->cfg.slots; s++)
			if (fb_first(m, &m->seen_slot[s]))
				fb_slot(m, a, (uint32_t)s);
		break;
	case PD_OBJ_PTE: {
		uint32_t p = first >> 16, v0 = first & 0xffff;

		if (p >= PD_MAX_PROCS)
			break;
		for (uint64_t v = v0; v < (uint64_t)v0 + n && v < m->cfg.vpages; v++)
			if (fb_first(m, &m->seen_pte[p][v]))
				fb_pte(m, a, (uint8_t)p, (uint16_t)v);
		break;
	}
	case PD_OBJ_TAGBLOCK:
		for (uint64_t b = first; b < end && b < pd_nr_tag_blocks(&m->cfg); b++)
			if (fb_first(m, &m->seen_tb[b]))
				fb_tagblock(m, a, (uint32_t)b);
		break;
	default:
		break;
	}
}

/* Every object (an op overflowed its touch list). */
static void fb_visit_all(struct fb_model *m, struct fb_acc *a)
{
	fb_visit(m, a, PD_OBJ_FRAME, 0, pd_nr_frames(&m->cfg));
	fb_visit(m, a, PD_OBJ_SLOT, 0, m->cfg.slots);
	for (uint32_t p = 0; p < PD_MAX_PROCS; p++)
		fb_visit(m, a, PD_OBJ_PTE, PD_PTE_ID(p, 0), m->cfg.vpages);
	fb_visit(m, a, PD_OBJ_TAGBLOCK, 0, pd_nr_tag_blocks(&m->cfg));
}

static void fb_next_epoch(struct fb_model *m)
{
	if (++m->epoch)
		return;
	memset(m->seen_frame, 0, pd_nr_frames(&m->cfg) * sizeof(uint32_t));
	memset(m->seen_slot, 0, m->cfg.slots * sizeof(uint32_t));
	memset(m->seen_tb, 0, pd_nr_tag_blocks(&m->cfg) * sizeof(uint32_t));
	memset(m->seen_pte, 0, sizeof(m->seen_pte));
	m->epoch = 1;
}

/* The features of m's state now; forgets the touches. */
static void fb_collect(struct fb_model *m)
{
	uint32_t nframes = pd_nr_frames(&m->cfg);
	struct fb_acc a;
	struct pd_proc_state ps;
	struct pd_totals tot;
	unsigned live = 0;

	if (m->collected)
		return;
	memset(&a, 0, sizeof(a));
	fb_next_epoch(m);
	if (m->touch_all)
		fb_visit_all(m, &a);
	else
		for (size_t k = 0; k < m->ntouched; k++)
			fb_visit(m, &a, m->touched[k].obj, m->touched[k].first, m->touched[k].n);

	for (unsigned o = 0; o <= PD_MAX_ORDER_LIMIT; o++)
		if (a.heads[o])
			fb_hit(FB_ORDERS + o * 4 + bucket_heads(a.heads[o]));
	fb_hit(FB_MIX + a.mix);
	fb_inner->totals(m->inner, &tot);
	fb_hit(FB_FREE + (tot.deferred_frames ? 9 : 0) +
	       (unsigned)((uint64_t)tot.free_frames * 8 / nframes));
	fb_hit(FB_SWAP + bucket4(a.slots_used) * 4 + (a.slot_tags ? 2 : 0) + (a.slot_sc ? 1 : 0));
	for (uint8_t p = 0; p < PD_MAX_PROCS; p++) {
		fb_inner->proc_state(m->inner, p, &ps);
		live += ps.alive ? 1 : 0;
	}
	fb_hit(FB_PTES + live * 16 + a.pte_kinds);
	if (m->cfg.tagstore != PD_TAGSTORE_NONE)
		fb_hit(FB_TAGS + a.tb_bits);
	m->ntouched = 0;
	m->touch_all = false;
	m->collected = true;
}

void pd_fb_collect(void)
{
	if (fb_current)
		fb_collect(fb_current);
}

/* ---- lifetime ---- */

static void fb_free(struct fb_model *m)
{
	if (fb_current == m)
		fb_current = NULL;
	free(m->touched);
	free(m->seen_frame);
	free(m->seen_slot);
	free(m->seen_tb);
	free(m);
}

static void *fb_create(const struct pd_config *cfg, char *err, size_t errlen)
{
	struct fb_model *m;
	void *inner = fb_inner->create(cfg, err, errlen);

	if (!inner)
		return NULL;
	m = calloc(1, sizeof(*m));
	if (m) {
		m->seen_frame = calloc(pd_nr_frames(cfg), sizeof(uint32_t));
		m->seen_slot = calloc(cfg->slots, sizeof(uint32_t));
		m->seen_tb = calloc(pd_nr_tag_blocks(cfg), sizeof(uint32_t));
	}
	if (!m || !m->seen_frame || !m->seen_slot || !m->seen_tb) {
		if (m)
			fb_free(m);
		fb_inner->destroy(inner);
		return NULL;
	}
	m->inner = inner;
	m->cfg = *cfg;
	m->collected = true;  /* nothing ran yet */
	return m;
}

/* A driver that does not call pd_fb_collect() still gets the features. */
static void fb_destroy(void *model)
{
	struct fb_model *m = model;

	fb_collect(m);
	fb_inner->destroy(m->inner);
	fb_free(m);
}

/* Reused for the next input (pd_pool): what it touched is forgotten. */
static bool fb_reset(void *model)
{
	struct fb_model *m = model;

	m->ntouched = 0;
	m->touch_all = false;
	m->collected = true;
	return fb_inner->reset && fb_inner->reset(m->inner);
}

const struct pd_model_ops *pd_fb_wrap(const struct pd_model_ops *inner)
{
	fb_inner = inner;
	fb_ops = *inner;
	fb_ops.create = fb_create;
	fb_ops.destroy = fb_destroy;
	fb_ops.reset = inner->reset ? fb_reset : NULL;
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
	fb_ops.frame_state_range = inner->frame_state_range ? fb_frame_state_range : NULL;
	return &fb_ops;
}
