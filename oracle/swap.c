// SPDX-License-Identifier: MIT
/*
 * swap.c - the oracle's swap: slots with their saved content and tags,
 * the swap cache, swap-out, swap-in and swapcache_drop (S1..S9).
 *
 * A slot is in use while its count (the swap PTEs naming it) is > 0 or a
 * page is in the swap cache for it.  The swap-cache page of slot s is
 * slots[s].frame, and that frame has in_swapcache set and sc_slot == s.
 */
#include <string.h>

#include "oracle.h"

bool o_slot_in_use(const struct oracle *o, uint32_t s)
{
	return o->slots[s].count > 0 || o->slots[s].in_swapcache;
}

/*
 * S7: a free slot, as at boot: count 0, not in SC (`frame` is meaningful
 * only in SC, like a frame's sc_slot), nothing saved, its saved tags
 * (`tags`, tag_bytes of them) zero.  All zero: create()'s zeroed arrays
 * are free slots already.
 */
void o_slot_init(struct o_slot *sl, uint8_t *tags, uint32_t tag_bytes)
{
	memset(sl, 0, sizeof(*sl));
	memset(tags, 0, tag_bytes);
}

/* S7: a slot is freed (count 0, not in SC) together with its saved tags. */
static void free_slot(struct oracle *o, uint32_t s)
{
	o_slot_init(o_slot(o, s), o_slot_tags(o, s), o->tag_bytes);
}

/* V9: drop one swap PTE's reference; at 0 a slot not in SC is freed (S7). */
void o_slot_put(struct oracle *o, uint32_t s)
{
	struct o_slot *sl = o_slot(o, s);

	sl->count--;
	if (sl->count == 0 && !sl->in_swapcache)
		free_slot(o, s);
}

/*
 * Remove a page from the swap cache: rc - 1 (the cache's reference); its
 * slot is freed if its count is 0 (S7); the page is freed at rc 0 (S8).
 */
void o_swapcache_remove(struct oracle *o, uint32_t head)
{
	struct o_frame *fr = o_frame(o, head);
	uint32_t s = fr->sc_slot;
	struct o_slot *sl = o_slot(o, s);

	fr->in_swapcache = false;
	fr->sc_slot = 0;
	sl->in_swapcache = false;
	sl->frame = 0;
	if (sl->count == 0)
		free_slot(o, s);
	o_put_page(o, head, 1);
}

/* The lowest slot not in use, or PD_NO_SLOT. */
static uint32_t lowest_free_slot(const struct oracle *o)
{
	uint32_t s;

	for (s = 0; s < o->cfg.slots; s++)
		if (!o_slot_in_use(o, s))
			return s;
	return PD_NO_SLOT;
}

/*
 * S1: choose a slot for a swap-out: record mode, the lowest slot not in
 * use; replay mode, the logged SLOT placement, checked.  PD_NO_SLOT: the
 * swap-out fails with enomem.
 */
static uint32_t choose_slot(struct oracle *o, struct pd_ctx *ctx, uint8_t proc,
			    uint16_t vpage)
{
	struct pd_placement p;
	uint32_t s;

	if (!pd_replaying(ctx)) {
		s = lowest_free_slot(o);
		if (s != PD_NO_SLOT) {
			p.kind = PD_PLACE_SLOT;
			p.order = 0;
			p.where = s;
			pd_record_placement(ctx, &p);
		}
		return s;
	}
	if (!pd_peek_placement(ctx, &p)) {
		/* S1: no slot chosen is legal only when none is free. */
		s = lowest_free_slot(o);
		if (s != PD_NO_SLOT)
			pd_violation(ctx, "illegal-failure",
				     "swapout proc %u vpage %u: no slot chosen, but slot %u was free (S1)",
				     proc, vpage, s);
		return PD_NO_SLOT;
	}
	if (p.kind != PD_PLACE_SLOT) {
		pd_violation(ctx, "missing-placement",
			     "swapout proc %u vpage %u: a SLOT placement is needed, but the log has %s %u next",
			     proc, vpage, p.kind == PD_PLACE_BLOCK ? "BLOCK" : "ACCEPT", p.where);
		return PD_NO_SLOT;
	}
	pd_next_placement(ctx, &p);
	if (p.where >= o->cfg.slots) {
		pd_violation(ctx, "illegal-placement",
			     "swapout proc %u vpage %u: slot %u does not exist (%u slots) (S1)",
			     proc, vpage, p.where, o->cfg.slots);
		return PD_NO_SLOT;
	}
	if (o_slot_in_use(o, p.where)) {
		pd_violation(ctx, "illegal-placement",
			     "swapout proc %u vpage %u: slot %u is in use (count %u%s) (S1)",
			     proc, vpage, p.where, o->slots[p.where].count,
			     o->slots[p.where].in_swapcache ? ", in swap cache" : "");
		return PD_NO_SLOT;
	}
	return p.where;
}

/*
 * S1..S4: swap out the page mapped at proc/vpage.
 */
void o_op_swapout(void *model, struct pd_ctx *ctx, const struct pd_call *call,
		  struct pd_result *res)
{
	struct oracle *o = model;
	const struct o_vpage *vp;
	struct o_frame *fr;
	struct o_slot *sl;
	uint32_t head, s, n, p, v;
	bool ae, sc;

	o_res_init(res);
	if (call->proc >= PD_MAX_PROCS || !o->procs[call->proc].alive ||
	    call->vpage >= o->cfg.vpages) {
		res->status = PD_EINVAL;
		return;
	}
	vp = &o->procs[call->proc].vp[call->vpage];
	/* S1: unmapped: efault; not present/FOA: refused; may be pinned: refused. */
	if (!vp->mapped) {
		res->status = PD_EFAULT;
		return;
	}
	if (vp->kind != PD_PTE_PRESENT && vp->kind != PD_PTE_FOA) {
		res->status = PD_REFUSED;
		return;
	}
	head = vp->frame;
	if (o->frames[head].refcount >= PD_PIN_BIAS) {
		res->status = PD_REFUSED;
		return;
	}
	/*
	 * S1: a slot is chosen.  A page already in the swap cache keeps its
	 * slot (no placement), as in shrink_folio_list(), which only calls
	 * add_to_swap() for a folio not in the swap cache.
	 */
	sc = o->frames[head].in_swapcache;
	if (sc) {
		s = o->frames[head].sc_slot;
	} else {
		s = choose_slot(o, ctx, call->proc, call->vpage);
		if (s == PD_NO_SLOT) {
			res->status = PD_ENOMEM;
			return;
		}
	}
	fr = o_frame(o, head);
	sl = o_slot(o, s);

	/*
	 * S2, S3: every PTE mapping the page (reverse map: all processes)
	 * becomes a swap PTE naming the slot; kept: its exclusive bit is the
	 * page's AE before clearing; lost: 0.  There are mapcount of them
	 * (V9, verified by oracle_check): the scan stops at the last.
	 */
	ae = fr->anon_exclusive;
	n = 0;
	for (p = 0; p < PD_MAX_PROCS && n < fr->mapcount; p++) {
		if (!o->procs[p].alive)
			continue;
		for (v = 0; v < o->cfg.vpages && n < fr->mapcount; v++) {
			const struct o_vpage *r = &o->procs[p].vp[v];
			struct o_vpage *w;

			if ((r->kind != PD_PTE_PRESENT && r->kind != PD_PTE_FOA) ||
			    r->frame != head)
				continue;
			w = o_vpage(o, (uint8_t)p, (uint16_t)v);
			w->kind = PD_PTE_SWAP;
			w->writable = false;
			w->frame = PD_NO_FRAME;
			w->slot = s;
			w->exclusive = o->cfg.swap_excl == PD_SWAP_EXCL_KEPT && ae;
			n++;
		}
	}
	sl->count += n;
	/* S2: the slot saves the content and, if PG_mte_tagged, the tags. */
	sl->content = fr->content_defined ? fr->content : 0;
	if (fr->mte_tagged) {
		memcpy(o_slot_tags(o, s), o_frame_tags_rd(o, head), o->tag_bytes);
		sl->tags_saved = true;
	} else {
		memset(o_slot_tags(o, s), 0, o->tag_bytes);
		sl->tags_saved = false;
	}
	/* S3: AE is cleared. */
	fr->anon_exclusive = false;
	fr->mapcount -= n;

	/*
	 * S4: nothing but the mappings (and the swap cache's own reference)
	 * holds it, and not keep: the page is freed.  Else it stays in SC,
	 * holding one reference for the cache.
	 */
	if (!(call->flags & PD_SWAPOUT_KEEP) && fr->refcount == n + (sc ? 1u : 0u)) {
		fr->refcount -= n;
		if (sc)
			o_swapcache_remove(o, head);  /* rc 1 -> 0: freed */
		else
			o_free_block_locked(o, head);  /* rc 0 */
		return;
	}
	fr->refcount -= n;
	if (!sc) {
		fr->refcount += 1;
		fr->in_swapcache = true;
		fr->sc_slot = s;
		sl->in_swapcache = true;
		sl->frame = head;
	}
}

/*
 * S5, S6, S9: swap-in on a fault at proc/vpage, whose PTE is a swap PTE.
 * On PD_OK the PTE is present (writable only for a write fault on an
 * exclusive page); a write fault on a non-exclusive page continues with
 * V5 in the caller.
 */
uint8_t o_swapin(struct oracle *o, struct pd_ctx *ctx, uint8_t proc,
		 uint16_t vpage, bool write)
{
	struct o_vpage *vp = o_vpage(o, proc, vpage);
	uint32_t s = vp->slot, head;
	struct o_slot *sl = o_slot(o, s);
	struct o_frame *fr;
	bool needs_reserve = vp->mte && o->cfg.tagstore == PD_TAGSTORE_BESTEFFORT;
	bool fresh = false, reserved_now = false, excl, exclusive;
	struct o_alloc_req rq = { .order = 0 };

	if (sl->in_swapcache) {
		/* S5: take the SC page of the slot. */
		head = sl->frame;
		fr = o_frame(o, head);
		/* S6, R5: an unreserved SC page retries the reservation. */
		if (needs_reserve && !fr->tag_reserved) {
			if (!o_try_reserve(o, head))
				return PD_RETRY;
			reserved_now = true;
		}
	} else {
		/*
		 * S5: allocate one (a placement; a tagged allocation in a
		 * PROT_MTE vpage, R2) with the slot's content, and put it in
		 * SC: rc 1, anon.
		 */
		rq.tagged = vp->mte;
		rq.what = "swap-in";
		rq.of_vpage = true;
		rq.has_slot = true;
		rq.proc = proc;
		rq.vpage = vpage;
		rq.slot = s;
		if (!o_alloc_block(o, ctx, &rq, &head))
			return PD_ENOMEM;
		fresh = true;
		fr = o_frame(o, head);
		fr->anon = true;
		fr->content = sl->content;
		fr->content_defined = true;
		fr->in_swapcache = true;
		fr->sc_slot = s;
		sl->in_swapcache = true;
		sl->frame = head;
	}

	/*
	 * S5, S9: restore the saved tags unless the page is already tagged
	 * (then it keeps its tags).  A page allocated here, or reserved only
	 * now, has no tags of its own yet (the R4 zero tags of a new tagged
	 * allocation are what a restore replaces).  R5: a page reserved now
	 * without saved tags gets tags 0.
	 */
	if (o_tags_capable(o, head) && (fresh || reserved_now || !fr->mte_tagged)) {
		if (sl->tags_saved) {
			memcpy(o_frame_tags(o, head), o_slot_tags_rd(o, s), o->tag_bytes);
			fr->mte_tagged = true;
		} else if (reserved_now) {
			memset(o_frame_tags(o, head), 0, o->tag_bytes);
			fr->mte_tagged = true;
		}
	}

	/*
	 * S6: besteffort, PROT_MTE, the page is not reserved: it stays in
	 * SC, unmapped, the PTE stays swap: retry.
	 */
	if (needs_reserve && !fr->tag_reserved)
		return PD_RETRY;

	/* S5: map it: rc + 1, mc + 1; drop this PTE's slot reference. */
	excl = vp->exclusive;
	fr->refcount++;
	fr->mapcount++;
	vp->kind = PD_PTE_PRESENT;
	vp->frame = head;
	vp->slot = PD_NO_SLOT;
	vp->exclusive = false;
	sl->count--;
	/* S5: at count 0 the page leaves SC (rc - 1) and the slot is freed (S7). */
	if (sl->count == 0)
		o_swapcache_remove(o, head);
	/*
	 * S5: exclusive if the swap PTE carried the bit or rc == 1 now;
	 * writable only on a write fault to an exclusive page.
	 */
	exclusive = excl || fr->refcount == 1;
	if (exclusive)
		fr->anon_exclusive = true;
	vp->writable = write && exclusive;
	return PD_OK;
}

/*
 * S8: swapcache_drop.  If the slot's SC page has rc == 1, remove it from
 * SC and free it, then free the slot if its count is 0.  Otherwise, or
 * with no page in SC for the slot: refused.
 */
void o_op_swapcache_drop(void *model, struct pd_ctx *ctx, const struct pd_call *call,
			 struct pd_result *res)
{
	struct oracle *o = model;
	const struct o_slot *sl;

	o_res_init(res);
	if (call->slot >= o->cfg.slots) {
		res->status = PD_EINVAL;
		return;
	}
	sl = &o->slots[call->slot];
	if (!sl->in_swapcache || o->frames[sl->frame].refcount != 1) {
		res->status = PD_REFUSED;
		return;
	}
	o_swapcache_remove(o, sl->frame);
}
