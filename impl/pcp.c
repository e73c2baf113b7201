// SPDX-License-Identifier: MIT
/*
 * pcp.c - per-CPU lists of free blocks of order <= 3 (seed 002;
 * mm/page_alloc.c rmqueue_pcplist, rmqueue_bulk, free_pcppages_bulk).
 *
 * Each CPU keeps one list per order, hot at the head, cold at the tail.
 * Blocks on a pcp list are FREE to the outside but are not buddy-free: they
 * do not merge.  An empty list refills pcp_batch blocks from the buddy
 * under one lock hold; a locked free that brings the CPU's count to
 * pcp_high or more drains pcp_batch blocks, coldest first.  None of this
 * is observable (C1); impl_check covers it.
 */
#include "internal.h"

/* Refill: pull up to `count` blocks of `order` from the buddy, one lock hold. */
static unsigned rmqueue_bulk(struct impl *m, struct per_cpu_pages *pcp,
			     unsigned order, unsigned count)
{
	unsigned i;

	zone_lock(m, "rmqueue_bulk");
	for (i = 0; i < count; i++) {
		uint32_t pfn = __rmqueue_smallest(m, order);

		if (pfn == NIL)
			break;
		/* taken off a free list through pfn_to_page(): a written frame */
		pcp_add(m, pcp, pfn, order, PageUnaccepted(__pfn_to_page(m, pfn)), true);
	}
	zone_unlock(m);
	return i;
}

/*
 * Allocate from this CPU's list.  Fast path (no constraints, list not
 * empty): one unlink and two counter updates, about a dozen instructions.
 * Constrained callers (NOLOCK needs accepted memory, strict tag storage
 * needs unpinned tag blocks) walk the list, bounded by its length.
 * NOLOCK never refills: that would take the zone lock unconditionally.
 */
uint32_t rmqueue_pcplist(struct impl *m, unsigned cpu, unsigned order, alloc_flags_t af)
{
	struct per_cpu_pages *pcp = &m->pcp[cpu];
	struct page_list *list = &pcp->lists[order];
	uint32_t pfn;

	if (plist_empty(list)) {
		if (af & ALLOC_NOLOCK)
			return NIL;
		if (!rmqueue_bulk(m, pcp, order, m->cfg.pcp_batch))
			return NIL;
	}
	pfn = list->head;
	if (!(af & (ALLOC_NOLOCK | ALLOC_TAG_STRICT))) {
		pcp_del(m, pcp, pfn, order);
		return pfn;
	}
	for (; pfn != NIL; pfn = pfn_to_page(m, pfn)->lru.next) {
		if (block_legal(m, pfn, order, af, PageUnaccepted(pfn_to_page(m, pfn)))) {
			pcp_del(m, pcp, pfn, order);
			return pfn;
		}
	}
	return NIL;
}

/* Return up to `count` blocks, coldest first, round-robin over orders. */
static void __free_pcppages_bulk(struct impl *m, struct per_cpu_pages *pcp,
				 unsigned count)
{
	unsigned order = 0;

	while (count && pcp->count) {
		uint32_t pfn;

		while (plist_empty(&pcp->lists[order]))
			order = (order + 1) % NR_PCP_ORDERS;
		pfn = pcp->lists[order].tail;
		pcp_del(m, pcp, pfn, order);
		__free_one_page(m, pfn, order, FPI_NONE);
		count--;
		order = (order + 1) % NR_PCP_ORDERS;
	}
}

/* The drain half of free_unref_page(): a batch back to the buddy. */
void free_pcppages_bulk(struct impl *m, struct per_cpu_pages *pcp)
{
	zone_lock(m, "free_pcppages_bulk");
	__free_pcppages_bulk(m, pcp, m->cfg.pcp_batch);
	zone_unlock(m);
}

void __drain_pages(struct impl *m, unsigned cpu)
{
	struct per_cpu_pages *pcp = &m->pcp[cpu];

	__free_pcppages_bulk(m, pcp, pcp->count);
}

void __drain_all_pages(struct impl *m)
{
	for (unsigned cpu = 0; cpu < m->cfg.cpus; cpu++)
		__drain_pages(m, cpu);
}

void drain_local_pages(struct impl *m, unsigned cpu)
{
	zone_lock(m, "drain_pages");
	__drain_pages(m, cpu);
	zone_unlock(m);
}
