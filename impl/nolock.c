// SPDX-License-Identifier: MIT
/*
 * nolock.c - alloc_pages_nolock() / free_pages_nolock() (seed 002) and the
 * deferred list of blocks freed while the zone lock was held.
 *
 * A NOLOCK path may run in a context that interrupted the zone lock's
 * holder: it must never spin on the lock (L4), never drain on behalf of
 * the holder, and never accept memory (A5).
 */
#include "internal.h"

/*
 * Order <= 3, always zeroed.  This CPU's pcp list first (no lock), then
 * the buddy under a trylock.  L3 makes failure illegal whenever an
 * accepted free block of the order exists, even one sitting on another
 * CPU's pcp list; the kernel would fail there.  Holding the lock by
 * trylock, we may return those lists to the buddy as a last resort: this
 * is the one place a NOLOCK path drains, and it never waits to do so.
 */
uint32_t alloc_pages_nolock(struct impl *m, unsigned cpu, unsigned order)
{
	uint32_t pfn = rmqueue_pcplist(m, cpu, order, ALLOC_NOLOCK);

	if (pfn == NIL) {
		if (!zone_trylock(m))
			return NIL;
		pfn = __rmqueue(m, order, ALLOC_NOLOCK);
		if (pfn == NIL) {
			__drain_all_pages(m);
			pfn = __rmqueue(m, order, ALLOC_NOLOCK);
		}
		zone_unlock(m);
		if (pfn == NIL)
			return NIL;
	}
	prep_new_page(m, pfn, order, ALLOC_NOLOCK | ALLOC_ZERO);
	return pfn;
}

/*
 * L5: order <= 3 to the pcp without draining; larger blocks to the buddy
 * if the trylock succeeds, else onto the deferred list, where they are
 * neither free nor allocatable until the next locked free.
 */
void free_pages_nolock(struct impl *m, unsigned cpu, uint32_t pfn, unsigned order)
{
	struct page *page = pfn_to_page(m, pfn);

	free_pages_prepare(m, pfn, order);
	if (order <= PD_PCP_MAX_ORDER) {
		m->zone.free_frames += 1u << order;
		free_unref_page(m, cpu, pfn, order, true);
		return;
	}
	if (zone_trylock(m)) {
		m->zone.free_frames += 1u << order;
		__free_one_page(m, pfn, order, FPI_NONE);
		zone_unlock(m);
		return;
	}
	SetPageDeferred(page);
	set_page_order(page, order);
	plist_add_tail(m, &m->zone.deferred, pfn);
	m->zone.deferred_frames += 1u << order;
}

/* Free every deferred block into the buddy; called before a locked free. */
void __free_deferred_pages(struct impl *m)
{
	zone_lock(m, "free_deferred_pages");
	while (!plist_empty(&m->zone.deferred)) {
		uint32_t pfn = m->zone.deferred.head;
		struct page *page = pfn_to_page(m, pfn);
		unsigned order = page_order(page);

		plist_del(m, &m->zone.deferred, pfn);
		page->flags = 0;
		touch_block(m, pfn, order);
		m->zone.deferred_frames -= 1u << order;
		m->zone.free_frames += 1u << order;
		__free_one_page(m, pfn, order, FPI_NONE);
	}
	zone_unlock(m);
}
