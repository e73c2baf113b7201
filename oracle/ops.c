// SPDX-License-Identifier: MIT
/*
 * ops.c - the oracle's model table: create/destroy/reset, the observable
 * state (spec.md §2, the structs of pagediff.h), its consistency check,
 * what an op changed (o_touch, the dirty log), and pd_oracle_ops.
 */
#define _DEFAULT_SOURCE  /* MAP_ANONYMOUS, beside _POSIX_C_SOURCE */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "oracle.h"

#if defined(__SANITIZE_ADDRESS__)
#define O_ZALLOC_CALLOC_ONLY 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define O_ZALLOC_CALLOC_ONLY 1
#endif
#endif
#ifndef O_ZALLOC_CALLOC_ONLY
#define O_ZALLOC_CALLOC_ONLY 0
#endif

/* Arrays this large are mapped fresh rather than calloc'ed (o_zalloc). */
#define O_ZALLOC_MMAP_MIN ((size_t)128 << 10)

static bool o_zalloc_mapped(size_t bytes)
{
	return !O_ZALLOC_CALLOC_ONLY && bytes >= O_ZALLOC_MMAP_MIN;
}

/*
 * n zeroed objects of `size` bytes.  A large array is fresh anonymous
 * memory, zero and paid for only where touched: calloc clears recycled
 * heap memory with memset, every array whole on every create (8 MB of
 * slot tags at 65,536 slots and 256 granules), and glibc's dynamic mmap
 * threshold makes big arrays recycled heap memory after a few frees.
 * ASan builds calloc them all, so that ASan checks their bounds.
 */
static void *o_zalloc(size_t n, size_t size)
{
	void *p;

	if (!o_zalloc_mapped(n * size))
		return calloc(n ? n : 1, size);
	p = mmap(NULL, n * size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* Free what o_zalloc(n, size) returned (the same n and size). */
static void o_zfree(void *p, size_t n, size_t size)
{
	if (!p)
		return;
	if (o_zalloc_mapped(n * size))
		munmap(p, n * size);
	else
		free(p);
}


/* Packed tag storage of all frames is capped: 2^20 frames x 256 granules. */
#define O_MAX_FRAME_TAG_BYTES ((size_t)1 << 27)

/* The arrays of the state (not `scratch`, which is the check's). */
static void free_state(struct oracle *o)
{
	o_zfree(o->frames, o->nr_frames, sizeof(*o->frames));
	o_zfree(o->frame_tags, o->nr_frames, o->tag_bytes);
	o_zfree(o->units, o->nr_units, sizeof(*o->units));
	o_zfree(o->tagblocks, o->nr_tagblocks, sizeof(*o->tagblocks));
	o_zfree(o->on_list, o->nr_list_blocks, sizeof(*o->on_list));
	o_zfree(o->slots, o->cfg.slots, sizeof(*o->slots));
	o_zfree(o->slot_tags, o->cfg.slots, o->tag_bytes);
	free(o->deferred);
	o->frames = NULL;
	o->frame_tags = NULL;
	o->units = NULL;
	o->tagblocks = NULL;
	o->on_list = NULL;
	o->slots = NULL;
	o->slot_tags = NULL;
	o->deferred = NULL;
}

static void oracle_destroy(void *model)
{
	struct oracle *o = model;

	if (!o)
		return;
	free_state(o);
	free(o->scratch);
	free(o);
}

/*
 * The arrays, all zero (o_zalloc): an all-zero frame is FREE (B3), an
 * all-zero unit as at boot (A1), an all-zero slot free (S7), so untouched
 * parts of a large zone cost no resident memory.  The deferred
 * list holds at most one head per 2^(PD_PCP_MAX_ORDER + 1) frames (L5:
 * only blocks above the pcp orders are deferred); its unused end is
 * never read.
 */
static bool alloc_state(struct oracle *o)
{
	const struct pd_config *cfg = &o->cfg;
	uint32_t max_deferred = (o->nr_frames >> (PD_PCP_MAX_ORDER + 1)) + 1;

	o->frames = o_zalloc(o->nr_frames, sizeof(*o->frames));
	o->frame_tags = o_zalloc(o->nr_frames, o->tag_bytes);
	o->units = o_zalloc(o->nr_units, sizeof(*o->units));
	o->tagblocks = o_zalloc(o->nr_tagblocks, sizeof(*o->tagblocks));
	o->on_list = o_zalloc(o->nr_list_blocks, sizeof(*o->on_list));
	o->slots = o_zalloc(cfg->slots, sizeof(*o->slots));
	o->slot_tags = o_zalloc(cfg->slots, o->tag_bytes);
	o->deferred = malloc((size_t)max_deferred * sizeof(*o->deferred));
	return o->frames && o->frame_tags && o->units && o->tagblocks &&
	       o->on_list && o->slots && o->slot_tags && o->deferred;
}

/* An empty dirty log: nothing written since. */
static void dirty_log_clear(struct oracle *o)
{
	unsigned k;

	o->ndirty = 0;
	o->dirty_overflow = false;
	for (k = 0; k < O_DIRTY_KINDS; k++)
		o->dirty_last[k] = UINT32_MAX;
}

/*
 * Everything as at boot, on arrays fresh from alloc_state(): the frames,
 * units, tag blocks and slots are zero already, which is their boot
 * value (B3, A1, R1, S7); processes, the unaccepted list and the
 * counters by their boot rules; nothing dirty.
 */
static void boot_state(struct oracle *o)
{
	unsigned p;

	memset(o->procs, 0, sizeof(o->procs));
	for (p = 0; p < PD_MAX_PROCS; p++) {
		o_proc_init(&o->procs[p]);
		o_vpages_init(o->procs[p].vp, PD_MAX_VPAGES);
	}
	o_zone_init(o);
	o->ctx = NULL;
	dirty_log_clear(o);
}

static bool is_pow2(uint32_t x)
{
	return x && !(x & (x - 1));
}

/* Reject a configuration outside docs/model.md's ranges; say which key. */
static bool config_ok(const struct pd_config *c, char *err, size_t errlen)
{
	if (c->frames_log2 < PD_MIN_FRAMES_LOG2 || c->frames_log2 > PD_MAX_FRAMES_LOG2) {
		snprintf(err, errlen, "oracle: frames must be 2^%u..2^%u, not 2^%u",
			 PD_MIN_FRAMES_LOG2, PD_MAX_FRAMES_LOG2, c->frames_log2);
		return false;
	}
	if (c->cpus < 1 || c->cpus > PD_MAX_CPUS) {
		snprintf(err, errlen, "oracle: cpus must be 1..%u, not %u", PD_MAX_CPUS, c->cpus);
		return false;
	}
	if (c->max_order > PD_MAX_ORDER_LIMIT || c->max_order > c->frames_log2) {
		snprintf(err, errlen, "oracle: max_order %u must be <= %u and <= log2(frames) %u",
			 c->max_order, PD_MAX_ORDER_LIMIT, c->frames_log2);
		return false;
	}
	if (!is_pow2(c->granules) || c->granules > PD_MAX_GRANULES) {
		snprintf(err, errlen, "oracle: granules must be a power of two 1..%u, not %u",
			 PD_MAX_GRANULES, c->granules);
		return false;
	}
	if (c->accept_order > PD_MAX_ORDER_LIMIT || c->accept_order > c->frames_log2) {
		snprintf(err, errlen, "oracle: accept_order %u must be <= %u and <= log2(frames) %u",
			 c->accept_order, PD_MAX_ORDER_LIMIT, c->frames_log2);
		return false;
	}
	if (c->tag_ratio_log2 > 5 || c->tag_ratio_log2 > c->frames_log2) {
		snprintf(err, errlen, "oracle: tag_ratio 2^%u must be <= 32 and <= frames",
			 c->tag_ratio_log2);
		return false;
	}
	if (c->slots < 1 || c->slots > 65536) {
		snprintf(err, errlen, "oracle: slots must be 1..65536, not %u", c->slots);
		return false;
	}
	if (c->vpages < 1 || c->vpages > PD_MAX_VPAGES) {
		snprintf(err, errlen, "oracle: vpages must be 1..%u, not %u", PD_MAX_VPAGES, c->vpages);
		return false;
	}
	if (c->swap_excl > PD_SWAP_EXCL_KEPT || c->accept > PD_ACCEPT_LIST ||
	    c->tagstore > PD_TAGSTORE_BESTEFFORT) {
		snprintf(err, errlen, "oracle: bad design option (swap_excl %u, accept %u, tagstore %u)",
			 c->swap_excl, c->accept, c->tagstore);
		return false;
	}
	return true;
}

static void *oracle_create(const struct pd_config *cfg, char *err, size_t errlen)
{
	struct oracle *o;
	size_t tag_total;

	if (!config_ok(cfg, err, errlen))
		return NULL;
	tag_total = ((size_t)1 << cfg->frames_log2) * ((cfg->granules + 1u) / 2);
	if (tag_total > O_MAX_FRAME_TAG_BYTES) {
		snprintf(err, errlen,
			 "oracle: tags of 2^%u frames x %u granules need %zu MiB, more than the %zu MiB the oracle keeps; use fewer frames or granules",
			 cfg->frames_log2, cfg->granules, tag_total >> 20, O_MAX_FRAME_TAG_BYTES >> 20);
		return NULL;
	}
	o = calloc(1, sizeof(*o));
	if (!o)
		goto nomem;
	o->cfg = *cfg;
	o->nr_frames = pd_nr_frames(cfg);
	o->nr_units = pd_nr_units(cfg);
	o->nr_tagblocks = pd_nr_tag_blocks(cfg);
	o->nr_list_blocks = o->nr_frames >> cfg->max_order;
	o->tag_bytes = (cfg->granules + 1u) / 2;
	if (!alloc_state(o))
		goto nomem;
	boot_state(o);
	return o;
nomem:
	snprintf(err, errlen, "oracle: out of memory for 2^%u frames", cfg->frames_log2);
	oracle_destroy(o);
	return NULL;
}

/* ---- reset ----------------------------------------------------------- */

/* Put logged objects first .. first+n-1 of `kind` back to their boot value. */
static void restore_dirty(struct oracle *o, unsigned kind, uint32_t first, uint32_t n)
{
	uint32_t i;

	switch (kind) {
	case PD_OBJ_FRAME:
		o_frames_boot(o, first, n);
		break;
	case PD_OBJ_PTE:
		/* A range of PTE ids is one process's vpages (PD_PTE_ID). */
		o_vpages_init(&o->procs[first >> 16].vp[first & 0xffff], n);
		break;
	case PD_OBJ_PROC:
		for (i = 0; i < n; i++)
			o_proc_init(&o->procs[first + i]);
		break;
	case PD_OBJ_SLOT:
		for (i = first; i < first + n; i++)
			o_slot_init(&o->slots[i], &o->slot_tags[(size_t)i * o->tag_bytes],
				    o->tag_bytes);
		break;
	case PD_OBJ_UNIT:
		for (i = first; i < first + n; i++)
			o_unit_boot(o, i);
		break;
	case PD_OBJ_TAGBLOCK:
		/* R1: no reservations, no pins. */
		memset(&o->tagblocks[first], 0, (size_t)n * sizeof(*o->tagblocks));
		break;
	case O_DIRTY_LIST_BLOCK:
		for (i = first; i < first + n; i++)
			o->on_list[i] = o_list_block_boot(o, i);
		break;
	default:
		break;  /* totals: counters, restored below */
	}
}

/*
 * Back to the state create() left: every object written since (the dirty
 * log) to its boot value, and the counters.  If the log overflowed, the
 * arrays are re-created as create() does; false if that runs out of
 * memory (the engine then destroys the model).
 */
static bool oracle_reset(void *model)
{
	struct oracle *o = model;
	uint32_t i;

	if (o->dirty_overflow) {
		free_state(o);
		if (!alloc_state(o))
			return false;
		boot_state(o);
		return true;
	}
	for (i = 0; i < o->ndirty; i++)
		restore_dirty(o, o->dirty[i].kind, o->dirty[i].first, o->dirty[i].n);
	dirty_log_clear(o);
	o_zone_boot_counters(o);
	o->ctx = NULL;
	return true;
}

/* ---- observable state ------------------------------------------------ */

/*
 * Per frame.  FREE and TAIL frames: everything but `accepted` is zero
 * (swapcache_slot is PD_NO_SLOT).  content only when defined, tags only
 * when tagged (zero otherwise).  Fills what is not zero, into out zeroed
 * up to its tags.
 */
static void fill_frame_state(struct oracle *o, uint32_t frame, struct pd_frame_state *out)
{
	const struct o_frame *fr;

	out->swapcache_slot = PD_NO_SLOT;
	if (frame >= o->nr_frames)
		return;
	fr = &o->frames[frame];
	out->kind = fr->kind;
	out->accepted = o_unit_accepted(o, frame);  /* A2 */
	if (fr->kind == PD_FRAME_FREE || fr->kind == PD_FRAME_TAIL)
		return;
	out->order = fr->order;
	out->anon = fr->anon;
	out->anon_exclusive = fr->anon_exclusive;
	out->mte_tagged = fr->mte_tagged;
	out->tag_reserved = fr->tag_reserved;
	out->in_swapcache = fr->in_swapcache;
	out->content_defined = fr->content_defined;
	out->mapcount = fr->mapcount;
	out->refcount = fr->refcount;
	if (fr->in_swapcache)
		out->swapcache_slot = fr->sc_slot;
	if (fr->content_defined)
		out->content = fr->content;
	if (fr->mte_tagged)
		memcpy(out->tags, o_frame_tags_rd(o, frame), o->tag_bytes);
}

/* One frame after the other (the engine zeroed out[]). */
static void oracle_frame_state_range(void *model, uint32_t first, uint32_t n,
				     struct pd_frame_state *out)
{
	for (uint32_t i = 0; i < n; i++)
		fill_frame_state(model, first + i, &out[i]);
}

/* One frame: the range of one, into out zeroed here. */
static void oracle_frame_state(void *model, uint32_t frame, struct pd_frame_state *out)
{
	memset(out, 0, sizeof(*out));
	oracle_frame_state_range(model, frame, 1, out);
}

/* Per PTE.  A dead process or an unmapped vpage reports NONE, no frame, no slot. */
static void oracle_pte_state(void *model, uint8_t proc, uint16_t vpage, struct pd_pte_state *out)
{
	struct oracle *o = model;
	const struct o_vpage *vp;

	memset(out, 0, sizeof(*out));
	out->frame = PD_NO_FRAME;
	out->slot = PD_NO_SLOT;
	if (proc >= PD_MAX_PROCS || !o->procs[proc].alive || vpage >= o->cfg.vpages)
		return;
	vp = &o->procs[proc].vp[vpage];
	if (!vp->mapped)
		return;
	out->mapped = 1;
	out->mte = vp->mte;
	out->kind = vp->kind;
	switch (vp->kind) {
	case PD_PTE_PRESENT:
	case PD_PTE_FOA:
		out->writable = vp->writable;
		out->frame = vp->frame;
		break;
	case PD_PTE_SWAP:
		out->exclusive = vp->exclusive;
		out->slot = vp->slot;
		break;
	default:
		break;
	}
}

/* A dead process reports alive 0 and has_pinned 0. */
static void oracle_proc_state(void *model, uint8_t proc, struct pd_proc_state *out)
{
	struct oracle *o = model;

	memset(out, 0, sizeof(*out));
	if (proc >= PD_MAX_PROCS || !o->procs[proc].alive)
		return;
	out->alive = 1;
	out->has_pinned = o->procs[proc].has_pinned;
}

static void oracle_slot_state(void *model, uint32_t slot, struct pd_slot_state *out)
{
	struct oracle *o = model;
	const struct o_slot *sl;

	memset(out, 0, sizeof(*out));
	out->frame = PD_NO_FRAME;
	if (slot >= o->cfg.slots)
		return;
	sl = &o->slots[slot];
	out->in_use = o_slot_in_use(o, slot);
	out->in_swapcache = sl->in_swapcache;
	out->tags_saved = sl->tags_saved;
	out->count = sl->count;
	if (sl->in_swapcache)
		out->frame = sl->frame;
	if (out->in_use)
		out->content = sl->content;
	if (sl->tags_saved)
		memcpy(out->tags, o_slot_tags_rd(o, slot), o->tag_bytes);
}

static void oracle_unit_state(void *model, uint32_t unit, struct pd_unit_state *out)
{
	struct oracle *o = model;

	memset(out, 0, sizeof(*out));
	if (unit >= o->nr_units)
		return;
	out->accepted = o_unit_is_accepted(o, unit);
	out->times_accepted = o->units[unit].times_accepted;
}

static void oracle_tagblock_state(void *model, uint32_t block, struct pd_tagblock_state *out)
{
	struct oracle *o = model;

	memset(out, 0, sizeof(*out));
	if (block >= o->nr_tagblocks)
		return;
	out->reservations = o->tagblocks[block].reservations;
	out->pins = o->tagblocks[block].pins;
}

/* The counts oracle_check recounts (B3, L5), so that this is not a scan. */
static void oracle_totals(void *model, struct pd_totals *out)
{
	struct oracle *o = model;
	unsigned p;

	memset(out, 0, sizeof(*out));
	out->free_frames = o->free_frames;
	out->deferred_frames = o->deferred_frames;
	for (p = 0; p < PD_MAX_PROCS; p++)
		out->live_procs += o->procs[p].alive;
}

/* ---- consistency check (the invariants of oracle.h) ------------------ */

#if PAGEDIFF_ORACLE_CHECK
static void oracle_check(void *model, struct pd_ctx *ctx)
{
	struct oracle *o = model;
	uint32_t f, s, b, u, n, first, last, deferred = 0, nfree = 0, max;
	unsigned p, v;

	max = o->nr_frames;
	if (o->cfg.slots > max)
		max = o->cfg.slots;
	if (o->nr_tagblocks > max)
		max = o->nr_tagblocks;
	if (!o->scratch) {
		o->scratch = calloc(max, sizeof(*o->scratch));
		if (!o->scratch) {
			pd_violation(ctx, "check", "oracle: no memory for the check");
			return;
		}
	}

	/* A1 */
	for (u = 0; u < o->nr_units; u++)
		if (o->units[u].times_accepted > 1)
			pd_violation(ctx, "check", "oracle: unit %u accepted %u times (A1)",
				     u, o->units[u].times_accepted);

	/* B1, A2, G4, rc >= mc + SC; the deferred count (L5). */
	for (f = 0; f < o->nr_frames; f++) {
		const struct o_frame *fr = &o->frames[f];

		if (fr->kind == PD_FRAME_FREE) {
			nfree++;
			continue;
		}
		if (!o_unit_accepted(o, f))
			pd_violation(ctx, "check", "oracle: %s frame %u in unaccepted unit %u (A2)",
				     fr->kind == PD_FRAME_TAIL ? "tail" : "allocated", f,
				     f >> o->cfg.accept_order);
		if (fr->kind == PD_FRAME_TAIL)
			continue;
		n = 1u << fr->order;
		if (f % n || f + n > o->nr_frames) {
			pd_violation(ctx, "check", "oracle: head %u order %u misaligned (B2)", f, fr->order);
			continue;
		}
		for (b = f + 1; b < f + n; b++)
			if (o->frames[b].kind != PD_FRAME_TAIL)
				pd_violation(ctx, "check", "oracle: frame %u of block %u order %u is not a tail (B1)",
					     b, f, fr->order);
		if (fr->kind == PD_FRAME_DEFERRED) {
			deferred += n;
			continue;
		}
		if (fr->refcount < fr->mapcount + fr->in_swapcache)
			pd_violation(ctx, "check", "oracle: frame %u rc %u < mc %u + swapcache %u",
				     f, fr->refcount, fr->mapcount, fr->in_swapcache);
		if (fr->anon && fr->refcount >= PD_PIN_BIAS && !fr->anon_exclusive)
			pd_violation(ctx, "check", "oracle: frame %u may be pinned (rc %u) but is not AE (G4)",
				     f, fr->refcount);
		if (fr->in_swapcache && (fr->sc_slot >= o->cfg.slots ||
					 !o->slots[fr->sc_slot].in_swapcache ||
					 o->slots[fr->sc_slot].frame != f))
			pd_violation(ctx, "check", "oracle: frame %u in swap cache, but its slot does not name it (S4)", f);
	}
	if (deferred != o->deferred_frames)
		pd_violation(ctx, "check", "oracle: %u deferred frames counted, %u on DEFERRED blocks (L5)",
			     o->deferred_frames, deferred);
	/* L5: the deferred list is the DEFERRED heads (distinct: their frames add up). */
	n = 0;
	for (u = 0; u < o->nr_deferred; u++) {
		f = o->deferred[u];
		if (f >= o->nr_frames || o->frames[f].kind != PD_FRAME_DEFERRED)
			pd_violation(ctx, "check", "oracle: deferred list entry %u names frame %u, not a DEFERRED head (L5)",
				     u, f);
		else
			n += 1u << o->frames[f].order;
	}
	if (n != deferred)
		pd_violation(ctx, "check", "oracle: the deferred list holds %u frames, %u on DEFERRED blocks (L5)",
			     n, deferred);
	if (nfree != o->free_frames)
		pd_violation(ctx, "check", "oracle: %u free frames counted, %u frames FREE (B3)",
			     o->free_frames, nfree);

	/* V1, V9: outside a mapping, and in a dead process, a vpage is as at boot. */
	for (p = 0; p < PD_MAX_PROCS; p++) {
		for (v = 0; v < o->cfg.vpages; v++) {
			const struct o_vpage *vp = &o->procs[p].vp[v];

			if (o->procs[p].alive && vp->mapped)
				continue;
			if (vp->mapped || vp->mte || vp->kind != PD_PTE_NONE || vp->writable ||
			    vp->exclusive || vp->frame != PD_NO_FRAME || vp->slot != PD_NO_SLOT)
				pd_violation(ctx, "check", "oracle: proc %u vpage %u is not as at boot, but %s",
					     p, v, o->procs[p].alive ? "unmapped" : "its process is not alive");
		}
	}

	/* V9: mapcount == #PRESENT/FOA PTEs; writable => AE. */
	memset(o->scratch, 0, (size_t)max * sizeof(*o->scratch));
	for (p = 0; p < PD_MAX_PROCS; p++) {
		if (!o->procs[p].alive)
			continue;
		for (v = 0; v < o->cfg.vpages; v++) {
			const struct o_vpage *vp = &o->procs[p].vp[v];

			if (vp->kind != PD_PTE_PRESENT && vp->kind != PD_PTE_FOA)
				continue;
			if (vp->frame >= o->nr_frames || o->frames[vp->frame].kind != PD_FRAME_HEAD) {
				pd_violation(ctx, "check", "oracle: proc %u vpage %u maps frame %u, not an allocated head",
					     p, v, vp->frame);
				continue;
			}
			o->scratch[vp->frame]++;
			if (vp->writable && !o->frames[vp->frame].anon_exclusive)
				pd_violation(ctx, "check", "oracle: proc %u vpage %u writable, frame %u not AE",
					     p, v, vp->frame);
		}
	}
	for (f = 0; f < o->nr_frames; f++)
		if (o->frames[f].kind == PD_FRAME_HEAD && o->scratch[f] != o->frames[f].mapcount)
			pd_violation(ctx, "check", "oracle: frame %u mapcount %u, %u PTEs map it (V9)",
				     f, o->frames[f].mapcount, o->scratch[f]);

	/* S2: slot count == #SWAP PTEs; S4: SC slot names an SC frame. */
	memset(o->scratch, 0, (size_t)max * sizeof(*o->scratch));
	for (p = 0; p < PD_MAX_PROCS; p++) {
		if (!o->procs[p].alive)
			continue;
		for (v = 0; v < o->cfg.vpages; v++)
			if (o->procs[p].vp[v].kind == PD_PTE_SWAP && o->procs[p].vp[v].slot < o->cfg.slots)
				o->scratch[o->procs[p].vp[v].slot]++;
	}
	for (s = 0; s < o->cfg.slots; s++) {
		const struct o_slot *sl = &o->slots[s];

		if (o->scratch[s] != sl->count)
			pd_violation(ctx, "check", "oracle: slot %u count %u, %u swap PTEs name it (S2)",
				     s, sl->count, o->scratch[s]);
		if (sl->in_swapcache && (sl->frame >= o->nr_frames ||
					 !o->frames[sl->frame].in_swapcache ||
					 o->frames[sl->frame].sc_slot != s))
			pd_violation(ctx, "check", "oracle: slot %u in swap cache, frame %u does not name it (S4)",
				     s, sl->frame);
	}

	/* R2, R3: reservations == reserved heads covering the tag block. */
	memset(o->scratch, 0, (size_t)max * sizeof(*o->scratch));
	for (f = 0; f < o->nr_frames; f++) {
		const struct o_frame *fr = &o->frames[f];

		if (fr->kind != PD_FRAME_HEAD || !fr->tag_reserved)
			continue;
		first = f >> o->cfg.tag_ratio_log2;
		last = (f + (1u << fr->order) - 1) >> o->cfg.tag_ratio_log2;
		for (b = first; b <= last; b++)
			o->scratch[b]++;
	}
	for (b = 0; b < o->nr_tagblocks; b++)
		if (o->scratch[b] != o->tagblocks[b].reservations)
			pd_violation(ctx, "check", "oracle: tag block %u has %u reservations, %u reserved blocks cover it (R2)",
				     b, o->tagblocks[b].reservations, o->scratch[b]);
}
#endif /* PAGEDIFF_ORACLE_CHECK */

/* ---- what an op changed (PD_CAP_TOUCH) ------------------------------- */

/*
 * Note objects id .. id+n-1 of `kind` in the dirty log, extending the
 * latest range of that kind when this one starts inside it or right after
 * it (a block's head again, after its PTE; a run of PTEs), so the log
 * grows with the objects written rather than with the writes.
 */
void o_dirty(struct oracle *o, unsigned kind, uint32_t id, uint32_t n)
{
	struct o_dirty *d;

	if (!n || o->dirty_overflow)
		return;
	if (o->dirty_last[kind] < o->ndirty) {
		d = &o->dirty[o->dirty_last[kind]];
		if (id >= d->first && id <= d->first + d->n) {
			if (id + n > d->first + d->n)
				d->n = id + n - d->first;
			return;
		}
	}
	if (o->ndirty == O_DIRTY_MAX) {
		o->dirty_overflow = true;
		return;
	}
	o->dirty_last[kind] = o->ndirty;
	d = &o->dirty[o->ndirty++];
	d->kind = (uint8_t)kind;
	d->first = id;
	d->n = n;
}

/*
 * Called by the accessors of oracle.h for what they hand out for writing:
 * the dirty log always (reset), the call's ctx while a call is in progress.
 */
void o_touch(struct oracle *o, unsigned obj, uint32_t id, uint32_t n)
{
	o_dirty(o, obj, id, n);
	if (o->ctx)
		pd_touch(o->ctx, obj, id, n);
}

/* Every op runs with o->ctx set to its call's ctx (o_touch reports there). */
#define O_ENTRY(op)							\
	static void oracle_##op(void *model, struct pd_ctx *ctx,	\
				const struct pd_call *call, struct pd_result *res) \
	{								\
		struct oracle *o = model;				\
									\
		o->ctx = ctx;						\
		o_op_##op(model, ctx, call, res);			\
		o->ctx = NULL;						\
	}

O_ENTRY(alloc)
O_ENTRY(free)
O_ENTRY(drain)
O_ENTRY(zone_lock)
O_ENTRY(zone_unlock)
O_ENTRY(spawn)
O_ENTRY(mmap)
O_ENTRY(munmap)
O_ENTRY(exit)
O_ENTRY(fork)
O_ENTRY(read)
O_ENTRY(write)
O_ENTRY(settag)
O_ENTRY(swapout)
O_ENTRY(swapcache_drop)
O_ENTRY(pin)
O_ENTRY(unpin)
O_ENTRY(pin_read)
O_ENTRY(pin_write)
O_ENTRY(get)
O_ENTRY(put)
O_ENTRY(ref_read)
O_ENTRY(tagstore_pin)
O_ENTRY(tagstore_unpin)

const struct pd_model_ops pd_oracle_ops = {
	.name = "oracle",
	.caps = PD_CAP_REPLAY | PD_CAP_TOUCH,
	.create = oracle_create,
	.destroy = oracle_destroy,

	.alloc = oracle_alloc,
	.free = oracle_free,
	.drain = oracle_drain,
	.zone_lock = oracle_zone_lock,
	.zone_unlock = oracle_zone_unlock,
	.spawn = oracle_spawn,
	.mmap = oracle_mmap,
	.munmap = oracle_munmap,
	.exit = oracle_exit,
	.fork = oracle_fork,
	.read = oracle_read,
	.write = oracle_write,
	.settag = oracle_settag,
	.swapout = oracle_swapout,
	.swapcache_drop = oracle_swapcache_drop,
	.pin = oracle_pin,
	.unpin = oracle_unpin,
	.pin_read = oracle_pin_read,
	.pin_write = oracle_pin_write,
	.get = oracle_get,
	.put = oracle_put,
	.ref_read = oracle_ref_read,
	.tagstore_pin = oracle_tagstore_pin,
	.tagstore_unpin = oracle_tagstore_unpin,

	.frame_state = oracle_frame_state,
	.frame_state_range = oracle_frame_state_range,
	.pte_state = oracle_pte_state,
	.proc_state = oracle_proc_state,
	.slot_state = oracle_slot_state,
	.unit_state = oracle_unit_state,
	.tagblock_state = oracle_tagblock_state,
	.totals = oracle_totals,
	.reset = oracle_reset,
#if PAGEDIFF_ORACLE_CHECK
	.check = oracle_check,  /* O(frames): the engine runs it after every op */
#endif
};
