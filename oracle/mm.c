// SPDX-License-Identifier: MIT
/*
 * mm.c - the oracle's processes: mappings and PTEs, faults (on none, on
 * a read-only PTE, on a fault-on-access PTE), fork, munmap/exit, and GUP
 * pins and references.  Swap-in lives in swap.c.
 *
 * Every page a process maps is an order-0 anonymous page; all of its
 * state is on its frame (struct o_frame).  The reverse map is a scan of
 * every process's PTEs.
 */
#include <string.h>

#include "oracle.h"

static bool proc_alive(const struct oracle *o, uint8_t proc)
{
	return proc < PD_MAX_PROCS && o->procs[proc].alive;
}

/*
 * The vpage of a call, for reading, or NULL if the process or vpage does
 * not exist.  (The faults below take it for writing with o_vpage().)
 */
static const struct o_vpage *call_vpage(const struct oracle *o, const struct pd_call *call)
{
	if (!proc_alive(o, call->proc) || call->vpage >= o->cfg.vpages)
		return NULL;
	return &o->procs[call->proc].vp[call->vpage];
}

/* ---- helpers: new pages, PTE kinds ----------------------------------- */

/*
 * Allocate an order-0 page for proc/vpage (V3, V5 copy, V8 copy): a
 * placement; a tagged allocation in a PROT_MTE vpage (R2).
 */
static bool alloc_user_page(struct oracle *o, struct pd_ctx *ctx, uint8_t proc,
			    uint16_t vpage, const char *what, uint32_t *out)
{
	struct o_alloc_req rq = {
		.order = 0, .what = what, .of_vpage = true, .proc = proc, .vpage = vpage,
	};

	rq.tagged = o->procs[proc].vp[vpage].mte;
	return o_alloc_block(o, ctx, &rq, out);
}

/*
 * R5: in a PROT_MTE vpage under besteffort, a page that is not reserved
 * is mapped fault-on-access; otherwise present.
 */
static uint8_t pte_kind_for(const struct oracle *o, const struct o_vpage *vp, uint32_t head)
{
	if (vp->mte && o->cfg.tagstore == PD_TAGSTORE_BESTEFFORT &&
	    !o->frames[head].tag_reserved)
		return PD_PTE_FOA;
	return PD_PTE_PRESENT;
}

/* Fill in a new anon page copied from `src` (V5 copy, V8 copy). */
static void copy_page(struct oracle *o, uint32_t dst, uint32_t src)
{
	struct o_frame *d = o_frame(o, dst);
	const struct o_frame *s = &o->frames[src];

	d->anon = true;
	d->anon_exclusive = true;
	d->refcount = 1;
	d->mapcount = 1;
	d->content = s->content;
	d->content_defined = s->content_defined;
	/*
	 * V5, V8: the tags of a tagged page are copied, if the copy can hold
	 * them (R4: an unreserved besteffort copy is not tagged).
	 */
	if (s->mte_tagged && o_tags_capable(o, dst)) {
		memcpy(o_frame_tags(o, dst), o_frame_tags_rd(o, src), o->tag_bytes);
		d->mte_tagged = true;
	}
}

/* ---- faults ---------------------------------------------------------- */

/*
 * V3 (G3): fault on none.  A zeroed order-0 page, anon, AE, rc 1, mc 1,
 * mapped writable (a read pin: read-only).  Allocation failure: enomem,
 * nothing mapped.  R5: if it is mapped FOA the op reports retry.
 */
static uint8_t fault_none(struct oracle *o, struct pd_ctx *ctx, uint8_t proc,
			  uint16_t vpage, bool writable)
{
	struct o_vpage *vp = o_vpage(o, proc, vpage);
	struct o_frame *fr;
	uint32_t head;

	if (!alloc_user_page(o, ctx, proc, vpage, "fault", &head))
		return PD_ENOMEM;
	fr = o_frame(o, head);
	fr->anon = true;
	fr->anon_exclusive = true;
	fr->refcount = 1;
	fr->mapcount = 1;
	fr->content = 0;
	fr->content_defined = true;
	vp->kind = pte_kind_for(o, vp, head);
	vp->writable = writable;
	vp->frame = head;
	return vp->kind == PD_PTE_FOA ? PD_RETRY : PD_OK;
}

/*
 * R5: an access to a FOA PTE first tries the reservation.  Success: the
 * page becomes reserved, tags 0, tagged, and the PTE present (its
 * writable bit kept).  A page reserved meanwhile through another FOA PTE
 * needs nothing more.  Failure: retry, nothing changes.
 */
static uint8_t foa_access(struct oracle *o, struct o_vpage *vp)
{
	uint32_t head = vp->frame;
	struct o_frame *fr = o_frame(o, head);

	if (!fr->tag_reserved) {
		if (!o_try_reserve(o, head))
			return PD_RETRY;
		memset(o_frame_tags(o, head), 0, o->tag_bytes);
		fr->mte_tagged = true;
	}
	vp->kind = PD_PTE_PRESENT;
	return PD_OK;
}

/*
 * V5: write fault on a read-only present PTE (do_wp_page); with
 * write == false, G2's unshare: the same decision, the PTE stays
 * read-only.
 */
static uint8_t do_wp_page(struct oracle *o, struct pd_ctx *ctx, uint8_t proc,
			  uint16_t vpage, bool write)
{
	struct o_vpage *vp = o_vpage(o, proc, vpage);
	uint32_t old = vp->frame, copy;
	struct o_frame *fr = o_frame(o, old);

	/* V5: AE -> reuse: make writable. */
	if (fr->anon_exclusive) {
		if (write)
			vp->writable = true;
		return PD_OK;
	}
	/*
	 * V5: a page in SC whose slot count is 0 leaves the SC (rc - 1) and
	 * its slot is freed (S7).  This stays done even if the copy below
	 * fails (as folio_free_swap() in wp_can_reuse_anon_folio()).
	 */
	if (fr->in_swapcache && o->slots[fr->sc_slot].count == 0)
		o_swapcache_remove(o, old);
	/* V5: rc == 1 -> reuse: set AE, make writable. */
	if (fr->refcount == 1) {
		fr->anon_exclusive = true;
		if (write)
			vp->writable = true;
		return PD_OK;
	}
	/* V5: copy.  Failure: enomem, the PTE and the old page unchanged. */
	if (!alloc_user_page(o, ctx, proc, vpage, write ? "COW copy" : "unshare copy", &copy))
		return PD_ENOMEM;
	copy_page(o, copy, old);
	vp->frame = copy;
	vp->writable = write;
	vp->kind = pte_kind_for(o, vp, copy);
	fr->mapcount--;
	o_put_page(o, old, 1);
	/* R5: the copy was mapped FOA in this call: retry. */
	return vp->kind == PD_PTE_FOA ? PD_RETRY : PD_OK;
}

/*
 * V6: fault in for a write (V3/V5/S5/R5).  On PD_OK the vpage is present,
 * writable, and its page AE.
 */
static uint8_t fault_write(struct oracle *o, struct pd_ctx *ctx, uint8_t proc, uint16_t vpage)
{
	struct o_vpage *vp = o_vpage(o, proc, vpage);
	uint8_t st;

	switch (vp->kind) {
	case PD_PTE_NONE:
		return fault_none(o, ctx, proc, vpage, true);  /* V3 */
	case PD_PTE_FOA:
		st = foa_access(o, vp);  /* R5 */
		if (st != PD_OK)
			return st;
		break;
	case PD_PTE_SWAP:
		st = o_swapin(o, ctx, proc, vpage, true);  /* S5 */
		if (st != PD_OK)
			return st;
		break;
	default:
		break;
	}
	if (vp->writable)
		return PD_OK;
	/* V5; S5: a write fault on a non-exclusive swap-in continues here. */
	return do_wp_page(o, ctx, proc, vpage, true);
}

/*
 * A read access that must map the page (read of FOA/swap, get, read pin):
 * R5 for FOA, S5 with a read fault for swap.  None is left to the caller.
 */
static uint8_t fault_read(struct oracle *o, struct pd_ctx *ctx, uint8_t proc, uint16_t vpage)
{
	struct o_vpage *vp = o_vpage(o, proc, vpage);

	if (vp->kind == PD_PTE_FOA)
		return foa_access(o, vp);
	if (vp->kind == PD_PTE_SWAP)
		return o_swapin(o, ctx, proc, vpage, false);
	return PD_OK;
}

/* ---- unmapping (V9) -------------------------------------------------- */

/*
 * V9: drop one PTE (vp from o_vpage() or o_vpages()).  Present/FOA:
 * mc - 1, rc - 1, the page freed at rc 0 (locked free, B5).  Swap: slot
 * count - 1, at 0 a slot not in SC is freed (S7).
 */
void o_zap_pte(struct oracle *o, struct o_vpage *vp)
{
	switch (vp->kind) {
	case PD_PTE_PRESENT:
	case PD_PTE_FOA:
		o_frame(o, vp->frame)->mapcount--;
		o_put_page(o, vp->frame, 1);
		break;
	case PD_PTE_SWAP:
		o_slot_put(o, vp->slot);
		break;
	default:
		break;
	}
	vp->kind = PD_PTE_NONE;
	vp->writable = false;
	vp->exclusive = false;
	vp->frame = PD_NO_FRAME;
	vp->slot = PD_NO_SLOT;
}

/* V1, V9: unmap [first, end) of a process; vpages outside a mapping are skipped. */
static void unmap_range(struct oracle *o, uint8_t proc, uint32_t first, uint32_t end)
{
	struct o_vpage *vp;
	uint32_t i;

	if (first >= end)
		return;
	vp = o_vpages(o, proc, (uint16_t)first, end - first);
	for (i = 0; i < end - first; i++) {
		if (!vp[i].mapped)
			continue;
		o_zap_pte(o, &vp[i]);
		vp[i].mapped = false;
		vp[i].mte = false;
	}
}

/* V1: a vpage at boot, and of a new process: outside any mapping, PTE none. */
static void o_vpage_init(struct o_vpage *vp)
{
	memset(vp, 0, sizeof(*vp));
	vp->frame = PD_NO_FRAME;
	vp->slot = PD_NO_SLOT;
}

/* V1: vp[0 .. n) as at boot (o_vpage_init). */
void o_vpages_init(struct o_vpage *vp, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		o_vpage_init(&vp[i]);
}

/* A process slot's flags at boot and after exit: not alive, not "has pinned". */
void o_proc_init(struct o_proc *p)
{
	p->alive = false;
	p->has_pinned = false;
}

/*
 * The span [*first, *end) of a process's mapped vpages, from the lowest
 * mapped vpage to the highest (empty, *first == *end, if none).  Outside
 * it every vpage is as at boot (o_vpage_init): only mmap maps a vpage and
 * unmap_range puts it back.  Exit and fork walk only the span, so what
 * they touch, and the engine compares, is the mappings.
 */
static void mapped_span(const struct oracle *o, uint8_t proc, uint32_t *first, uint32_t *end)
{
	const struct o_vpage *vp = o->procs[proc].vp;
	uint32_t lo = 0, hi = o->cfg.vpages;

	while (lo < hi && !vp[lo].mapped)
		lo++;
	while (hi > lo && !vp[hi - 1].mapped)
		hi--;
	*first = lo;
	*end = hi;
}

/*
 * V9: exit drops every mapping; pins and refs outlive the process.  The
 * slot is then as at boot: not alive, not "has pinned", nothing mapped.
 */
static void exit_proc(struct oracle *o, uint8_t proc)
{
	uint32_t first, end;

	mapped_span(o, proc, &first, &end);
	unmap_range(o, proc, first, end);
	o_proc_init(o_proc(o, proc));
}

/* ---- process ops ----------------------------------------------------- */

/* V1: a process with no mappings. */
void o_op_spawn(void *model, struct pd_ctx *ctx, const struct pd_call *call,
		struct pd_result *res)
{
	struct oracle *o = model;

	o_res_init(res);
	if (call->proc >= PD_MAX_PROCS || o->procs[call->proc].alive) {
		res->status = PD_EINVAL;
		return;
	}
	/* A slot not alive is as at boot (exit_proc): nothing mapped. */
	o_proc(o, call->proc)->alive = true;
}

/* V1: map [V, min(V+N, vpages)), unmapping what was there (MAP_FIXED). */
void o_op_mmap(void *model, struct pd_ctx *ctx, const struct pd_call *call,
	       struct pd_result *res)
{
	struct oracle *o = model;
	struct o_vpage *vp;
	uint32_t i, end;

	o_res_init(res);
	if (!proc_alive(o, call->proc)) {
		res->status = PD_EINVAL;
		return;
	}
	end = (uint32_t)call->vpage + call->npages;
	if (end > o->cfg.vpages)
		end = o->cfg.vpages;
	unmap_range(o, call->proc, call->vpage, end);
	vp = o_vpages(o, call->proc, call->vpage, end - call->vpage);
	for (i = 0; i < end - call->vpage; i++) {
		vp[i].mapped = true;
		vp[i].mte = call->flags & PD_MMAP_MTE;
	}
}

/* V1, V9 */
void o_op_munmap(void *model, struct pd_ctx *ctx, const struct pd_call *call,
		 struct pd_result *res)
{
	struct oracle *o = model;
	uint32_t end;

	o_res_init(res);
	if (!proc_alive(o, call->proc)) {
		res->status = PD_EINVAL;
		return;
	}
	end = (uint32_t)call->vpage + call->npages;
	if (end > o->cfg.vpages)
		end = o->cfg.vpages;
	unmap_range(o, call->proc, call->vpage, end);
}

/* V9 */
void o_op_exit(void *model, struct pd_ctx *ctx, const struct pd_call *call,
	       struct pd_result *res)
{
	struct oracle *o = model;

	o_res_init(res);
	if (!proc_alive(o, call->proc)) {
		res->status = PD_EINVAL;
		return;
	}
	exit_proc(o, call->proc);
}

/*
 * V8: fork.  The child gets the parent's mappings and "has pinned" clear;
 * then each vpage in ascending order.
 */
void o_op_fork(void *model, struct pd_ctx *ctx, const struct pd_call *call,
	       struct pd_result *res)
{
	struct oracle *o = model;
	struct o_vpage *pvp, *cvp;
	uint32_t first, end, i, v, head, copy;

	o_res_init(res);
	if (!proc_alive(o, call->proc) || call->child >= PD_MAX_PROCS ||
	    o->procs[call->child].alive) {
		res->status = PD_EINVAL;
		return;
	}
	/* The child's slot is as at boot (exit_proc); it gets the parent's mappings. */
	o_proc(o, call->child)->alive = true;
	mapped_span(o, call->proc, &first, &end);
	if (first == end)
		return;
	/* Both processes' PTEs, at once: the parent's are write-protected below. */
	pvp = o_vpages(o, call->proc, (uint16_t)first, end - first);
	cvp = o_vpages(o, call->child, (uint16_t)first, end - first);
	for (i = 0; i < end - first; i++) {
		cvp[i].mapped = pvp[i].mapped;
		cvp[i].mte = pvp[i].mte;
	}

	for (i = 0; i < end - first; i++) {
		struct o_vpage *pv = &pvp[i], *cv = &cvp[i];
		struct o_frame *fr;

		v = first + i;
		if (!pv->mapped)
			continue;
		switch (pv->kind) {
		case PD_PTE_PRESENT:
		case PD_PTE_FOA:
			head = pv->frame;
			/*
			 * V8: the parent has ever pinned and the page may be
			 * pinned (rc >= BIAS): the child gets a copy now; the
			 * parent keeps its page and PTE unchanged.
			 */
			if (o->procs[call->proc].has_pinned &&
			    o->frames[head].refcount >= PD_PIN_BIAS) {
				if (!alloc_user_page(o, ctx, call->child, (uint16_t)v,
						     "fork copy", &copy)) {
					/* V8: the partial child is torn down as by exit. */
					exit_proc(o, call->child);
					res->status = PD_ENOMEM;
					return;
				}
				copy_page(o, copy, head);
				cv->frame = copy;
				cv->writable = true;
				cv->kind = pte_kind_for(o, cv, copy);
				break;
			}
			/*
			 * V8: otherwise AE cleared, both PTEs write-protected
			 * (same kind), mc + 1, rc + 1.
			 */
			fr = o_frame(o, head);
			fr->anon_exclusive = false;
			pv->writable = false;
			cv->kind = pv->kind;
			cv->frame = head;
			cv->writable = false;
			fr->mapcount++;
			fr->refcount++;
			break;
		case PD_PTE_SWAP:
			/* V8: slot count + 1; the exclusive bit cleared in both. */
			o_slot(o, pv->slot)->count++;
			pv->exclusive = false;
			cv->kind = PD_PTE_SWAP;
			cv->slot = pv->slot;
			cv->exclusive = false;
			break;
		default:
			break;
		}
	}
}

/* ---- accesses -------------------------------------------------------- */

/*
 * V4: read.  None: 0, nothing mapped.  Swap: swap-in (read fault).  FOA:
 * R5.  Present: the content.
 */
void o_op_read(void *model, struct pd_ctx *ctx, const struct pd_call *call,
	       struct pd_result *res)
{
	struct oracle *o = model;
	const struct o_vpage *vp = call_vpage(o, call);
	const struct o_frame *fr;

	o_res_init(res);
	if (!vp) {
		res->status = PD_EINVAL;
		return;
	}
	if (!vp->mapped) {
		res->status = PD_EFAULT;  /* V2 */
		return;
	}
	if (vp->kind == PD_PTE_NONE)
		return;
	res->status = fault_read(o, ctx, call->proc, call->vpage);
	if (res->status != PD_OK)
		return;
	fr = &o->frames[vp->frame];
	res->value = fr->content_defined ? fr->content : 0;
}

/*
 * V6: write.  Fault in for a write; then in a PROT_MTE vpage a pointer
 * tag different from the granule's memory tag is a tagcheck fault and the
 * store is suppressed (the fault-in stays).
 */
void o_op_write(void *model, struct pd_ctx *ctx, const struct pd_call *call,
		struct pd_result *res)
{
	struct oracle *o = model;
	const struct o_vpage *vp = call_vpage(o, call);
	struct o_frame *fr;

	o_res_init(res);
	if (!vp || (vp->mte && call->granule >= o->cfg.granules)) {
		res->status = PD_EINVAL;
		return;
	}
	if (!vp->mapped) {
		res->status = PD_EFAULT;  /* V2 */
		return;
	}
	res->status = fault_write(o, ctx, call->proc, call->vpage);
	if (res->status != PD_OK)
		return;
	if (vp->mte && pd_tag_get(o_frame_tags_rd(o, vp->frame), call->granule) != (call->tag & 0xf)) {
		res->status = PD_TAGCHECK;
		return;
	}
	fr = o_frame(o, vp->frame);
	fr->content = call->value;
	fr->content_defined = true;
}

/* V7: settag.  PROT_MTE only (V2); write-fault in; set the tag and PG_mte_tagged. */
void o_op_settag(void *model, struct pd_ctx *ctx, const struct pd_call *call,
		 struct pd_result *res)
{
	struct oracle *o = model;
	const struct o_vpage *vp = call_vpage(o, call);

	o_res_init(res);
	if (!vp || call->granule >= o->cfg.granules) {
		res->status = PD_EINVAL;
		return;
	}
	if (!vp->mapped || !vp->mte) {
		res->status = PD_EFAULT;  /* V2 */
		return;
	}
	res->status = fault_write(o, ctx, call->proc, call->vpage);
	if (res->status != PD_OK)
		return;
	pd_tag_set(o_frame_tags(o, vp->frame), call->granule, call->tag);
	o_frame(o, vp->frame)->mte_tagged = true;
}

/* ---- GUP ------------------------------------------------------------- */

/*
 * G1: a write pin takes a write fault (the page is AE and writable).
 * G2, G3: a read pin faults in read-only (none: a zeroed AE page mapped
 * read-only; swap: swap-in with a read fault; FOA: R5) and unshares a
 * not-AE page.  Then rc += BIAS and the process's "has pinned" is set.
 */
void o_op_pin(void *model, struct pd_ctx *ctx, const struct pd_call *call,
	      struct pd_result *res)
{
	struct oracle *o = model;
	const struct o_vpage *vp = call_vpage(o, call);
	uint8_t st;

	o_res_init(res);
	if (!vp) {
		res->status = PD_EINVAL;
		return;
	}
	if (!vp->mapped) {
		res->status = PD_EFAULT;  /* V2 */
		return;
	}
	if (call->flags & PD_PIN_WRITE) {
		st = fault_write(o, ctx, call->proc, call->vpage);  /* G1 */
	} else if (vp->kind == PD_PTE_NONE) {
		st = fault_none(o, ctx, call->proc, call->vpage, false);  /* G3 */
	} else {
		st = fault_read(o, ctx, call->proc, call->vpage);  /* G3, R5 */
		/* G2: unshare a not-AE page. */
		if (st == PD_OK && !o->frames[vp->frame].anon_exclusive)
			st = do_wp_page(o, ctx, call->proc, call->vpage, false);
	}
	if (st != PD_OK) {
		res->status = st;
		return;
	}
	o_frame(o, vp->frame)->refcount += PD_PIN_BIAS;
	o_proc(o, call->proc)->has_pinned = true;
	res->frame = vp->frame;
}

/* Is `frame` the head of a page that can carry `refs` more references dropped? */
static bool held_page(const struct oracle *o, uint32_t frame, uint32_t refs)
{
	return frame < o->nr_frames && o->frames[frame].kind == PD_FRAME_HEAD &&
	       o->frames[frame].refcount >= refs;
}

/* G4: unpin is rc -= BIAS, the page freed at 0. */
void o_op_unpin(void *model, struct pd_ctx *ctx, const struct pd_call *call,
		struct pd_result *res)
{
	struct oracle *o = model;

	o_res_init(res);
	if (!held_page(o, call->frame, PD_PIN_BIAS)) {
		res->status = PD_EINVAL;
		return;
	}
	o_put_page(o, call->frame, PD_PIN_BIAS);
}

/* G5: read the content through the pin; never faults. */
void o_op_pin_read(void *model, struct pd_ctx *ctx, const struct pd_call *call,
		   struct pd_result *res)
{
	struct oracle *o = model;
	const struct o_frame *fr;

	o_res_init(res);
	if (!held_page(o, call->frame, PD_PIN_BIAS)) {
		res->status = PD_EINVAL;
		return;
	}
	fr = &o->frames[call->frame];
	res->value = fr->content_defined ? fr->content : 0;
}

/* G5: replace the content through a write pin; through a read pin: efault. */
void o_op_pin_write(void *model, struct pd_ctx *ctx, const struct pd_call *call,
		    struct pd_result *res)
{
	struct oracle *o = model;
	struct o_frame *fr;

	o_res_init(res);
	if (!held_page(o, call->frame, PD_PIN_BIAS)) {
		res->status = PD_EINVAL;
		return;
	}
	if (!(call->flags & PD_PIN_WRITE)) {
		res->status = PD_EFAULT;
		return;
	}
	fr = o_frame(o, call->frame);
	fr->content = call->value;
	fr->content_defined = true;
}

/*
 * G6: get.  None: efault.  Swap: swap-in (read fault).  FOA: R5.  Then
 * rc + 1, no unshare.
 */
void o_op_get(void *model, struct pd_ctx *ctx, const struct pd_call *call,
	      struct pd_result *res)
{
	struct oracle *o = model;
	const struct o_vpage *vp = call_vpage(o, call);

	o_res_init(res);
	if (!vp) {
		res->status = PD_EINVAL;
		return;
	}
	if (!vp->mapped || vp->kind == PD_PTE_NONE) {
		res->status = PD_EFAULT;  /* V2, G6 */
		return;
	}
	res->status = fault_read(o, ctx, call->proc, call->vpage);
	if (res->status != PD_OK)
		return;
	o_frame(o, vp->frame)->refcount++;
	res->frame = vp->frame;
}

/* G6: put is rc - 1, the page freed at 0. */
void o_op_put(void *model, struct pd_ctx *ctx, const struct pd_call *call,
	      struct pd_result *res)
{
	struct oracle *o = model;

	o_res_init(res);
	if (!held_page(o, call->frame, 1)) {
		res->status = PD_EINVAL;
		return;
	}
	o_put_page(o, call->frame, 1);
}

/* G6: read the content through the reference. */
void o_op_ref_read(void *model, struct pd_ctx *ctx, const struct pd_call *call,
		   struct pd_result *res)
{
	struct oracle *o = model;
	const struct o_frame *fr;

	o_res_init(res);
	if (!held_page(o, call->frame, 1)) {
		res->status = PD_EINVAL;
		return;
	}
	fr = &o->frames[call->frame];
	res->value = fr->content_defined ? fr->content : 0;
}
