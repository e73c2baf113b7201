// SPDX-License-Identifier: MIT
/*
 * page_alloc.c - the allocator's entry points: the zone lock, allocation
 * with its fallbacks (pcp, buddy, drain, accept), block preparation and
 * the locked free path (mm/page_alloc.c).
 */
#include <string.h>

#include "internal.h"

/*
 * The simulated zone->lock.  Taking it while an interrupted context holds
 * it (zone_lock op, L1), or while we already hold it, would spin forever:
 * report a deadlock (L4) and go on as if it had been released.
 */
void zone_lock(struct impl *m, const char *who)
{
	if (m->zone.irq_holds_lock)
		pd_violation(m->ctx, "deadlock",
			     "L4: %s takes zone->lock held by the interrupted context on cpu %u",
			     who, m->zone.irq_cpu);
	else if (m->zone.locked)
		pd_violation(m->ctx, "deadlock", "L4: %s takes zone->lock recursively", who);
	m->zone.locked = true;
}

bool zone_trylock(struct impl *m)
{
	if (m->zone.irq_holds_lock || m->zone.locked)
		return false;
	m->zone.locked = true;
	return true;
}

void zone_unlock(struct impl *m)
{
	m->zone.locked = false;
}

/*
 * Turn a block just taken off a free list into an allocated block: head
 * flags, rc 1, acceptance (accept=flag: after taking it off the list,
 * seed 001), zeroing, tag storage; then record the placement.  The
 * block's frames are touched by the allocator's callers, impl_op_alloc
 * and alloc_user_page, at their end: a call in the middle of the inlined
 * fast path would cost register spills around it.
 */
static inline __attribute__((always_inline)) void
__prep_new_page(struct impl *m, uint32_t pfn, unsigned order, alloc_flags_t af)
{
	struct page *page = __pfn_to_page(m, pfn);  /* taken off a list: written */
	bool unaccepted = PageUnaccepted(page);

	page->flags = PG_HEAD_ORDER(order);
	page->_refcount = 1;
	page->lru.next = page->lru.prev = 0;
	page->content = 0;
	if (__builtin_expect(unaccepted, 0) && !(af & ALLOC_NOLOCK))
		accept_page(m, pfn, order);
	VM_BUG_ON(!range_accepted(m, pfn, order));
	if (af & ALLOC_ZERO)
		SetPageUptodate(page);
	if (af & ALLOC_TAGGED)
		tag_prep_new_page(m, pfn, order);
	m->zone.free_frames -= 1u << order;
	record_block_placement(m->ctx, pfn, order);
}

void prep_new_page(struct impl *m, uint32_t pfn, unsigned order, alloc_flags_t af)
{
	__prep_new_page(m, pfn, order, af);
}

/*
 * Allocate a block of `order`: the CPU's pcp list, then the buddy; before
 * failing, drain every CPU and retry (B6); under accept=list accept one
 * unaccepted MAX_ORDER block at a time and retry (A4).
 */
static inline __attribute__((always_inline)) uint32_t
alloc_pages_inline(struct impl *m, unsigned cpu, unsigned order, alloc_flags_t af)
{
	uint32_t pfn = NIL;

	if (order <= PD_PCP_MAX_ORDER) {
		struct per_cpu_pages *pcp = &m->pcp[cpu];
		uint32_t head = pcp->lists[order].head;

		/*
		 * Fast path: an unconstrained allocation off a non-empty list;
		 * an unlink, the head's flag word, rc and counters, and the
		 * placement record: about 30 instructions, no lock.
		 */
		if (__builtin_expect(head != NIL && !(af & (ALLOC_NOLOCK | ALLOC_TAG_STRICT)), 1)) {
			pcp_del(m, pcp, head, order);
			__prep_new_page(m, head, order, af);
			return head;
		}
		pfn = rmqueue_pcplist(m, cpu, order, af);
	}
	if (pfn == NIL) {
		zone_lock(m, "rmqueue");
		pfn = __rmqueue(m, order, af);
		if (pfn == NIL) {
			__drain_all_pages(m);
			pfn = __rmqueue(m, order, af);
		}
		while (pfn == NIL && __accept_one_list_block(m))
			pfn = __rmqueue(m, order, af);
		zone_unlock(m);
		if (pfn == NIL)
			return NIL;
	}
	prep_new_page(m, pfn, order, af);
	return pfn;
}

uint32_t __alloc_pages(struct impl *m, unsigned cpu, unsigned order, alloc_flags_t af)
{
	return alloc_pages_inline(m, cpu, order, af);
}

static alloc_flags_t tagged_alloc_flags(const struct impl *m)
{
	alloc_flags_t af = ALLOC_TAGGED;

	if (m->cfg.tagstore == PD_TAGSTORE_STRICT)
		af |= ALLOC_TAG_STRICT;
	return af;
}

/* A zeroed order-0 page for a process; a tagged allocation in PROT_MTE (R2). */
uint32_t alloc_user_page(struct impl *m, bool mte)
{
	alloc_flags_t af = ALLOC_ZERO;

	uint32_t pfn;

	if (mte)
		af |= tagged_alloc_flags(m);
	pfn = __alloc_pages(m, m->cpu, 0, af);
	if (pfn != NIL)
		touch_frame(m, pfn);
	return pfn;
}

/* B5: what a freed block must not carry; drops the tag reservation (R3). */
static inline __attribute__((always_inline)) void
__free_pages_prepare(struct impl *m, uint32_t pfn, unsigned order)
{
	struct page *page = __pfn_to_page(m, pfn);  /* an allocated head: written */

	VM_BUG_ON(PageSwapCache(page));
	if (PageTagReserved(page))
		tag_unreserve(m, pfn, order);
	page_reset(page);
}

/* The out-of-line entry points touch the block; impl_op_free does at its end. */
void free_pages_prepare(struct impl *m, uint32_t pfn, unsigned order)
{
	touch_block(m, pfn, order);
	__free_pages_prepare(m, pfn, order);
}

/*
 * The locked free path: every block freed by any op but `free nolock`.
 * Deferred blocks go first (L5), then this one: order <= 3 to the pcp,
 * larger straight to the buddy.
 */
static inline __attribute__((always_inline)) void
__free_pages_locked(struct impl *m, unsigned cpu, uint32_t pfn, unsigned order)
{
	free_deferred_pages(m);
	__free_pages_prepare(m, pfn, order);
	m->zone.free_frames += 1u << order;
	if (order <= PD_PCP_MAX_ORDER) {
		free_unref_page(m, cpu, pfn, order, false);
		return;
	}
	zone_lock(m, "free_one_page");
	__free_one_page(m, pfn, order, FPI_NONE);
	zone_unlock(m);
}

void free_pages_locked(struct impl *m, unsigned cpu, uint32_t pfn, unsigned order)
{
	touch_block(m, pfn, order);
	__free_pages_locked(m, cpu, pfn, order);
}

/* Drop one reference; the last one frees the page. */
void put_page(struct impl *m, uint32_t pfn)
{
	struct page *page = pfn_to_page(m, pfn);

	VM_BUG_ON(page->_refcount == 0);
	touch_frame(m, pfn);
	if (--page->_refcount == 0)
		free_pages_locked(m, m->cpu, pfn, page_order(page));
}

/* ---- ops ---- */

void impl_op_alloc(void *model, struct pd_ctx *ctx, const struct pd_call *call,
		   struct pd_result *res)
{
	struct impl *m = impl_enter(model, ctx, call, res);
	uint32_t pfn;

	if (call->flags & PD_ALLOC_NOLOCK) {
		if ((call->flags & PD_ALLOC_TAGGED) || call->order > PD_NOLOCK_MAX_ORDER ||
		    call->order > m->max_order) {
			res->status = PD_EINVAL;
			return;
		}
		pfn = alloc_pages_nolock(m, m->cpu, call->order);
	} else {
		alloc_flags_t af = 0;

		if (call->order > m->max_order) {
			res->status = PD_EINVAL;
			return;
		}
		if (call->flags & PD_ALLOC_ZERO)
			af |= ALLOC_ZERO;
		if (call->flags & PD_ALLOC_TAGGED)
			af |= tagged_alloc_flags(m);
		pfn = alloc_pages_inline(m, m->cpu, call->order, af);
	}
	if (pfn == NIL) {
		res->status = PD_ENOMEM;
		return;
	}
	res->frame = pfn;
	res->order = call->order;
	touch_block(m, pfn, call->order);  /* last: a tail call */
}

void impl_op_free(void *model, struct pd_ctx *ctx, const struct pd_call *call,
		  struct pd_result *res)
{
	struct impl *m = impl_enter(model, ctx, call, res);
	struct page *page = __pfn_to_page(m, call->frame);  /* an allocated head */

	VM_BUG_ON(!PageHead(page) || page_order(page) != call->order);
	VM_BUG_ON(PageAnon(page));
	page->_refcount = 0;
	if (call->flags & PD_FREE_NOLOCK) {
		free_pages_nolock(m, m->cpu, call->frame, call->order);  /* touches */
		return;
	}
	__free_pages_locked(m, m->cpu, call->frame, call->order);
	touch_block(m, call->frame, call->order);  /* last: a tail call */
}

void impl_op_drain(void *model, struct pd_ctx *ctx, const struct pd_call *call,
		   struct pd_result *res)
{
	impl_enter(model, ctx, call, res);
	drain_local_pages(model, ((struct impl *)model)->cpu);
}

void impl_op_zone_lock(void *model, struct pd_ctx *ctx, const struct pd_call *call,
		       struct pd_result *res)
{
	struct impl *m = impl_enter(model, ctx, call, res);

	m->zone.irq_holds_lock = true;
	m->zone.irq_cpu = m->cpu;
}

void impl_op_zone_unlock(void *model, struct pd_ctx *ctx, const struct pd_call *call,
			 struct pd_result *res)
{
	struct impl *m = impl_enter(model, ctx, call, res);

	m->zone.irq_holds_lock = false;
}
