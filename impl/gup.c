// SPDX-License-Identifier: MIT
/*
 * gup.c - get_user_pages: FOLL_PIN (rc += PD_PIN_BIAS) and FOLL_GET
 * (rc += 1) references (seed 003; mm/gup.c).
 *
 * A pin must see what the page table sees: a write pin takes a write
 * fault, a read pin of a page that may be shared unshares first, so the
 * pinned page is always AE (G4).  A get takes no such care (the
 * CVE-2020-29374 shape).  Per-frame pin/ref counts are kept only so that
 * impl_check can verify the refcount equation.
 */
#include "internal.h"

static struct gup_rec *gup_find(struct impl *m, uint32_t pfn)
{
	for (uint32_t i = 0; i < m->nr_gup; i++)
		if (m->gup[i].pfn == pfn)
			return &m->gup[i];
	return NULL;
}

const struct gup_rec *gup_lookup(const struct impl *m, uint32_t pfn)
{
	return gup_find((struct impl *)m, pfn);
}

void gup_record(struct impl *m, uint32_t pfn, int dpins, int drefs)
{
	struct gup_rec *r = gup_find(m, pfn);

	if (!r) {
		if (m->nr_gup == GUP_RECS)
			return;  /* beyond the format's handle limits: not tracked */
		r = &m->gup[m->nr_gup++];
		r->pfn = pfn;
		r->pins = r->refs = 0;
	}
	r->pins = (uint16_t)(r->pins + dpins);
	r->refs = (uint16_t)(r->refs + drefs);
	if (!r->pins && !r->refs)
		*r = m->gup[--m->nr_gup];
}

/* Drop `nr` references held through GUP; the last one frees the page. */
static void gup_put(struct impl *m, uint32_t pfn, uint32_t nr)
{
	struct page *page = pfn_to_page(m, pfn);

	VM_BUG_ON(page->_refcount < nr);
	touch_frame(m, pfn);
	page->_refcount -= nr;
	if (page->_refcount == 0)
		free_pages_locked(m, m->cpu, pfn, page_order(page));
}

/* Does the handle's frame head a page holding at least `refs` references? */
static bool held_page(struct impl *m, uint32_t pfn, uint32_t refs)
{
	return pfn < m->nr_frames && PageHead(pfn_to_page(m, pfn)) &&
	       pfn_to_page(m, pfn)->_refcount >= refs;
}

/* G1-G3: fault so that the page is AE (and writable for a write pin). */
void impl_op_pin(void *model, struct pd_ctx *ctx, const struct pd_call *call,
		 struct pd_result *res)
{
	struct impl *m = impl_enter(model, ctx, call, res);
	unsigned flags = (call->flags & PD_PIN_WRITE) ? FAULT_FLAG_WRITE : FAULT_FLAG_UNSHARE;
	uint32_t pfn;
	int ret;

	res->status = (uint8_t)access_check(m->mm, m->cfg.vpages, call);
	if (res->status != PD_OK)
		return;
	ret = handle_mm_fault(m, call->proc, call->vpage, flags, &pfn);
	if (ret != PD_OK) {
		res->status = (uint8_t)ret;
		return;
	}
	VM_BUG_ON(!PageAnonExclusive(pfn_to_page(m, pfn)));
	touch_frame(m, pfn);
	pfn_to_page(m, pfn)->_refcount += PD_PIN_BIAS;
	if (!m->mm[call->proc].has_pinned)
		touch_proc(m, call->proc);
	m->mm[call->proc].has_pinned = true;
	gup_record(m, pfn, 1, 0);
	res->frame = pfn;
}

void impl_op_unpin(void *model, struct pd_ctx *ctx, const struct pd_call *call,
		   struct pd_result *res)
{
	struct impl *m = impl_enter(model, ctx, call, res);

	if (!held_page(m, call->frame, PD_PIN_BIAS)) {
		res->status = PD_EINVAL;
		return;
	}

	gup_record(m, call->frame, -1, 0);
	gup_put(m, call->frame, PD_PIN_BIAS);
}

void impl_op_pin_read(void *model, struct pd_ctx *ctx, const struct pd_call *call,
		      struct pd_result *res)
{
	struct impl *m = impl_enter(model, ctx, call, res);

	if (!held_page(m, call->frame, PD_PIN_BIAS)) {
		res->status = PD_EINVAL;
		return;
	}

	res->value = pfn_to_page(m, call->frame)->content;
}

/* G5: DMA through the pin; a read pin cannot write. */
void impl_op_pin_write(void *model, struct pd_ctx *ctx, const struct pd_call *call,
		       struct pd_result *res)
{
	struct impl *m = impl_enter(model, ctx, call, res);
	struct page *page;

	if (!held_page(m, call->frame, PD_PIN_BIAS)) {
		res->status = PD_EINVAL;
		return;
	}

	if (!(call->flags & PD_PIN_WRITE)) {
		res->status = PD_EFAULT;
		return;
	}
	page = pfn_to_page(m, call->frame);
	touch_frame(m, call->frame);
	page->content = call->value;
	SetPageUptodate(page);
}

/* G6: a none PTE is efault; swap and FOA fault in (read); no unshare. */
void impl_op_get(void *model, struct pd_ctx *ctx, const struct pd_call *call,
		 struct pd_result *res)
{
	struct impl *m = impl_enter(model, ctx, call, res);
	uint32_t pfn;
	int ret;

	res->status = (uint8_t)access_check(m->mm, m->cfg.vpages, call);
	if (res->status == PD_OK && pte_none(pte_get(&m->mm[call->proc], call->vpage)))
		res->status = PD_EFAULT;
	if (res->status != PD_OK)
		return;
	ret = handle_mm_fault(m, call->proc, call->vpage, 0, &pfn);
	if (ret != PD_OK) {
		res->status = (uint8_t)ret;
		return;
	}
	touch_frame(m, pfn);
	pfn_to_page(m, pfn)->_refcount++;
	gup_record(m, pfn, 0, 1);
	res->frame = pfn;
}

void impl_op_put(void *model, struct pd_ctx *ctx, const struct pd_call *call,
		 struct pd_result *res)
{
	struct impl *m = impl_enter(model, ctx, call, res);

	if (!held_page(m, call->frame, 1)) {
		res->status = PD_EINVAL;
		return;
	}

	gup_record(m, call->frame, 0, -1);
	gup_put(m, call->frame, 1);
}

void impl_op_ref_read(void *model, struct pd_ctx *ctx, const struct pd_call *call,
		      struct pd_result *res)
{
	struct impl *m = impl_enter(model, ctx, call, res);

	if (!held_page(m, call->frame, 1)) {
		res->status = PD_EINVAL;
		return;
	}

	res->value = pfn_to_page(m, call->frame)->content;
}
