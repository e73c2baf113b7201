// SPDX-License-Identifier: MIT
/*
 * tagstore.c - MTE tag storage reservation (seed 000; RFC v2 strict, RFC v3
 * best effort, or static storage = none).
 *
 * Tag block b covers frames [b << r, (b + 1) << r), r = tag_ratio_log2; a
 * block covers every tag block it overlaps.  A reservation is
 * all-or-nothing and fails while any covered tag block has a short pin.
 *
 *   tag_blocks[b].reservations == #{allocated blocks with PG_tag_reserved
 *                                   overlapping b}
 */
#include <string.h>

#include "internal.h"

static uint32_t first_tag_block(const struct impl *m, uint32_t pfn)
{
	return pfn >> m->cfg.tag_ratio_log2;
}
static uint32_t last_tag_block(const struct impl *m, uint32_t pfn, unsigned order)
{
	return (pfn + (1u << order) - 1) >> m->cfg.tag_ratio_log2;
}

bool tag_blocks_pinned(struct impl *m, uint32_t pfn, unsigned order)
{
	uint32_t last = last_tag_block(m, pfn, order);

	for (uint32_t b = first_tag_block(m, pfn); b <= last; b++)
		if (m->tag_blocks[b].pins)
			return true;
	return false;
}

bool tag_reserve(struct impl *m, uint32_t pfn, unsigned order)
{
	uint32_t last = last_tag_block(m, pfn, order);

	if (tag_blocks_pinned(m, pfn, order))
		return false;
	for (uint32_t b = first_tag_block(m, pfn); b <= last; b++)
		tag_block_mut(m, b)->reservations++;
	impl_touch(m, PD_OBJ_TAGBLOCK, first_tag_block(m, pfn),
		   last - first_tag_block(m, pfn) + 1);
	return true;
}

void tag_unreserve(struct impl *m, uint32_t pfn, unsigned order)
{
	uint32_t last = last_tag_block(m, pfn, order);

	for (uint32_t b = first_tag_block(m, pfn); b <= last; b++) {
		struct tag_block *tb = tag_block_mut(m, b);

		VM_BUG_ON(tb->reservations == 0);
		tb->reservations--;
	}
	impl_touch(m, PD_OBJ_TAGBLOCK, first_tag_block(m, pfn),
		   last - first_tag_block(m, pfn) + 1);
}

static void mte_clear_page_tags(struct impl *m, uint32_t pfn)
{
	memset(page_tags(m, pfn), 0, m->tag_bytes);
	SetPageMteTagged(pfn_to_page(m, pfn));
}

/*
 * arch_prep_new_page() for a tagged allocation (R2, R4): none needs no
 * reservation; strict callers only hand us blocks that can be reserved;
 * besteffort hands the block out unreserved and untagged on failure.
 */
bool tag_prep_new_page(struct impl *m, uint32_t pfn, unsigned order)
{
	if (m->cfg.tagstore != PD_TAGSTORE_NONE) {
		if (!tag_reserve(m, pfn, order)) {
			VM_BUG_ON(m->cfg.tagstore == PD_TAGSTORE_STRICT);
			return false;
		}
		SetPageTagReserved(pfn_to_page(m, pfn));
	}
	mte_clear_page_tags(m, pfn);
	return true;
}

/*
 * Besteffort, an access to an unreserved page (a FOA PTE, or a swap-cache
 * page, R5/S6): retry the reservation.  Success makes the page reserved,
 * tagged, tags 0.  A page that is already reserved needs nothing.
 */
bool mte_foa_reserve(struct impl *m, uint32_t pfn)
{
	struct page *page = pfn_to_page(m, pfn);

	if (PageTagReserved(page))
		return true;
	if (!tag_reserve(m, pfn, 0))
		return false;
	touch_frame(m, pfn);
	SetPageTagReserved(page);
	mte_clear_page_tags(m, pfn);
	return true;
}

/* Does a page of a PROT_MTE vpage need a fault-on-access mapping (R5)? */
bool mte_needs_foa(struct impl *m, uint32_t pfn, bool mte)
{
	return mte && m->cfg.tagstore == PD_TAGSTORE_BESTEFFORT &&
	       !PageTagReserved(pfn_to_page(m, pfn));
}

void impl_op_tagstore_pin(void *model, struct pd_ctx *ctx, const struct pd_call *call,
			  struct pd_result *res)
{
	struct impl *m = impl_enter(model, ctx, call, res);

	if (call->block >= m->nr_tag_blocks) {
		res->status = PD_EINVAL;
		return;
	}
	tag_block_mut(m, call->block)->pins++;
	impl_touch(m, PD_OBJ_TAGBLOCK, call->block, 1);
}

void impl_op_tagstore_unpin(void *model, struct pd_ctx *ctx, const struct pd_call *call,
			    struct pd_result *res)
{
	struct impl *m = impl_enter(model, ctx, call, res);

	if (call->block >= m->nr_tag_blocks || m->tag_blocks[call->block].pins == 0) {
		res->status = PD_EINVAL;
		return;
	}
	tag_block_mut(m, call->block)->pins--;
	impl_touch(m, PD_OBJ_TAGBLOCK, call->block, 1);
}
