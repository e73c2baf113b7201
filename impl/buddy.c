// SPDX-License-Identifier: MIT
/*
 * buddy.c - the buddy allocator: per-order free lists of naturally aligned
 * blocks, merging on free and splitting on allocation (mm/page_alloc.c).
 *
 * A free block head carries PGTY_buddy and its order, and is linked into
 * zone->free_area[order] through page->lru (O(1) insert and remove).  The
 * other frames of a free block carry nothing.  Under accept=flag a head
 * may also carry PGTY_unaccepted, a hint that the block may still contain
 * unaccepted units (seed 001); the unit bitmap (accept.c) is the truth.
 * A hinted head also records the NOLOCK orders it can serve without
 * accepting, counted per free area, so that a NOLOCK scan passes over
 * what cannot serve it (struct free_area).
 */
#include "internal.h"

/*
 * The buddy of block B at order O is B ^ (1 << O): "if B is #8, its
 * order-1 buddy is #10, its order-2 buddy #12, its order-3 buddy #0", and
 * the merged parent starts at B & buddy.  Find and validate in one place
 * so the check cannot be skipped: a frame is the buddy only if it heads a
 * free buddy-list block of exactly that order.
 */
static uint32_t find_free_buddy(struct impl *m, uint32_t pfn, unsigned order)
{
	uint32_t buddy = pfn ^ (1u << order);
	const struct page *b = pfn_to_page(m, buddy);

	if (PageBuddy(b) && page_order(b) == order)
		return buddy;
	return NIL;
}

/*
 * Set the unaccepted hint on a block going onto a free list, with its
 * NOLOCK orders read from the bitmap, and count it in its free area
 * (struct free_area).  The flags keep the value until the block comes off
 * (or recount_nolock_orders() changes it).  Blocks without the hint are
 * not counted: they serve every order, and their path costs nothing more.
 */
static void set_unaccepted_hint(struct impl *m, struct page *page, uint32_t pfn, unsigned order)
{
	unsigned n = nolock_orders_in(m, pfn, order);

	__SetPageUnaccepted(page);
	set_page_nolock_orders(page, n);
	m->zone.free_area[order].nr_hinted[n]++;
}

static void add_to_free_list(struct impl *m, uint32_t pfn, unsigned order,
			     bool unaccepted, bool to_tail)
{
	struct page *page = pfn_to_page(m, pfn);
	struct free_area *area = &m->zone.free_area[order];

	page->flags = 0;
	__SetPageBuddy(page);
	set_page_order(page, order);
	if (unaccepted)
		set_unaccepted_hint(m, page, pfn, order);
	if (to_tail)
		plist_add_tail(m, &area->list, pfn);
	else
		plist_add_head(m, &area->list, pfn);
	area->nr_free++;
}

/* Take a block off its free list; the unaccepted hint stays on the head. */
static void del_page_from_free_list(struct impl *m, uint32_t pfn, unsigned order)
{
	struct page *page = pfn_to_page(m, pfn);
	struct free_area *area = &m->zone.free_area[order];

	plist_del(m, &area->list, pfn);
	__ClearPageBuddy(page);
	area->nr_free--;
	if (PageUnaccepted(page))
		area->nr_hinted[page_nolock_orders(page)]--;
}

/*
 * Put a refused first candidate back at the tail of its list (RFC v2):
 * what splitting it, then freeing the piece with FPI_TO_TAIL, would leave
 * (the halves merge back into it), without the split.  Flags and counts
 * stay as they are.
 */
static void rotate_to_tail(struct impl *m, uint32_t pfn, unsigned order)
{
	struct page_list *list = &m->zone.free_area[order].list;

	plist_del(m, list, pfn);
	plist_add_tail(m, list, pfn);
}

/*
 * accept_page() accepted a unit larger than the block it handed out:
 * recount the hinted free blocks in [start, end), the rest of the unit.
 * Blocks are aligned and nest, and at that moment the unit holds only the
 * block and free ones (A2), few once merged: walk it head by head.
 * Called from prep_new_page(), after the zone lock is dropped, where the
 * kernel would retake it; the lock is simulated and no NOLOCK path
 * accepts (A5), so nothing can interleave.
 */
void recount_nolock_orders(struct impl *m, uint32_t start, uint32_t end)
{
	for (uint32_t pfn = start; pfn < end;) {
		const struct page *p = pfn_to_page_ro(m, pfn);
		unsigned order = page_order(p), old = page_nolock_orders(p), n;

		if (PageBuddy(p) && PageUnaccepted(p) &&
		    (n = nolock_orders_in(m, pfn, order)) != old) {
			struct free_area *area = &m->zone.free_area[order];

			area->nr_hinted[old]--;
			area->nr_hinted[n]++;
			set_page_nolock_orders(pfn_to_page(m, pfn), n);
		}
		pfn += 1u << order;
	}
}

/*
 * Might some block on the list serve a NOLOCK allocation of `order`
 * without accepting?  O(NOLOCK orders): one without the hint serves
 * any; a hinted one if its nolock orders exceed `order`.
 */
static bool free_area_serves_nolock(const struct free_area *area, unsigned order)
{
	uint32_t hinted = 0;

	for (unsigned n = 0; n <= NR_NOLOCK_ORDERS; n++) {
		if (n > order && area->nr_hinted[n])
			return true;
		hinted += area->nr_hinted[n];
	}
	return hinted < area->nr_free;
}

/*
 * Free a block into the buddy and merge it with free buddies as far as
 * they go.  The merged block needs acceptance if any piece did (seed 001);
 * FPI_CHECK_UNACCEPTED is the slow path for memory entering the allocator
 * for the first time, whose heads carry no hint yet: their flags are not
 * read (at boot a head's first access is then a write, and a fresh page
 * of mem_map faults once, not twice: zalloc.c).
 */
void __free_one_page(struct impl *m, uint32_t pfn, unsigned order, fpi_t fpi)
{
	struct page *page = pfn_to_page(m, pfn);
	bool unaccepted;

	VM_BUG_ON(!m->zone.locked);
	VM_BUG_ON(pfn & ((1u << order) - 1));
	if (fpi & FPI_CHECK_UNACCEPTED)
		unaccepted = !range_accepted(m, pfn, order);
	else
		unaccepted = PageUnaccepted(page);
	page->flags = 0;

	while (order < m->max_order) {
		uint32_t buddy = find_free_buddy(m, pfn, order);

		if (buddy == NIL)
			break;
		if (PageUnaccepted(pfn_to_page(m, buddy)))
			unaccepted = true;
		del_page_from_free_list(m, buddy, order);
		pfn_to_page(m, buddy)->flags = 0;
		pfn &= buddy;
		order++;
	}
	add_to_free_list(m, pfn, order, unaccepted, fpi & FPI_TO_TAIL);
}

/*
 * Split a block of order `high` at pfn down to order `low`, returning the
 * upper halves to the free lists; the caller keeps the low block.  Halves
 * inherit the unaccepted hint.
 */
static void expand(struct impl *m, uint32_t pfn, unsigned low, unsigned high,
		   bool unaccepted)
{
	while (high > low) {
		high--;
		add_to_free_list(m, pfn + (1u << high), high, unaccepted, false);
	}
}

/* The first block of the smallest order >= `order`, split down to it. */
uint32_t __rmqueue_smallest(struct impl *m, unsigned order)
{
	for (unsigned o = order; o <= m->max_order; o++) {
		struct free_area *area = &m->zone.free_area[o];
		uint32_t pfn = area->list.head;

		if (pfn == NIL)
			continue;
		del_page_from_free_list(m, pfn, o);
		expand(m, pfn, order, o, PageUnaccepted(pfn_to_page(m, pfn)));
		return pfn;
	}
	return NIL;
}

/*
 * May a block be handed out under these allocation flags?  Unconstrained
 * allocations take any free block (accept=flag accepts it afterwards).
 * `hint` is the unaccepted hint of the free block containing pfn: without
 * it the block is known accepted and the bitmap is not consulted.
 */
bool block_legal(struct impl *m, uint32_t pfn, unsigned order, alloc_flags_t af,
		 bool hint)
{
	if ((af & ALLOC_NOLOCK) && hint && !range_accepted(m, pfn, order))
		return false;
	if ((af & ALLOC_TAG_STRICT) && tag_blocks_pinned(m, pfn, order))
		return false;
	return true;
}

/*
 * Carve the aligned sub-block [sub, sub + 2^order) out of the free block
 * [pfn, pfn + 2^high): halve repeatedly, returning the half that does not
 * contain `sub`.  Those halves' buddies are the halves being carved, so
 * the free lists stay fully merged.
 */
static void take_subblock(struct impl *m, uint32_t pfn, unsigned high,
			  uint32_t sub, unsigned order)
{
	bool hint = PageUnaccepted(pfn_to_page(m, pfn));

	del_page_from_free_list(m, pfn, high);
	pfn_to_page(m, pfn)->flags = 0;
	while (high > order) {
		uint32_t half;

		high--;
		half = 1u << high;
		if (sub >= pfn + half) {
			add_to_free_list(m, pfn, high, hint, false);
			pfn += half;
		} else {
			add_to_free_list(m, pfn + half, high, hint, false);
		}
	}
	pfn_to_page(m, sub)->flags = hint ? PGTY_unaccepted : 0;
}

/*
 * A5: a NOLOCK allocation cannot use an unaccepted unit, so no candidate
 * overlapping unit `u` can serve it: the scan goes on at the first
 * candidate past the unit's end.  Returns the one before it (the loop
 * adds `step`).
 */
static uint32_t skip_unit(struct impl *m, uint32_t u, uint32_t step)
{
	uint32_t unit_end = (u + 1) << m->cfg.accept_order;

	return (unit_end + step - 1) / step * step - step;
}

/*
 * Slow path: walk every free list from `order` up for an aligned
 * sub-block the flags allow (accepted for NOLOCK, tag blocks unpinned for
 * strict).  Reached only after the first candidate was refused.  NOLOCK
 * passes over every list that cannot serve it in O(1), and over every
 * hinted block that cannot with one flag test, no bitmap read (the counts
 * and nolock orders, struct free_area): failing costs O(orders), not
 * O(free blocks).  Strict tag storage walks every block, O(free blocks +
 * frames scanned).
 */
static uint32_t __rmqueue_scan(struct impl *m, unsigned order, alloc_flags_t af)
{
	uint32_t step = 1u << order;
	bool nolock = af & ALLOC_NOLOCK;

	for (unsigned o = order; o <= m->max_order; o++) {
		const struct free_area *area = &m->zone.free_area[o];
		uint32_t pfn = area->list.head;

		if (nolock && !free_area_serves_nolock(area, order))
			continue;
		/* Only reads until a block is taken: no chunk made dirty (reset.c). */
		for (; pfn != NIL; pfn = pfn_to_page_ro(m, pfn)->lru.next) {
			const struct page *page = pfn_to_page_ro(m, pfn);
			bool hint = PageUnaccepted(page);
			uint32_t end = pfn + (1u << o);

			if (nolock && hint && page_nolock_orders(page) <= order)
				continue;

			for (uint32_t sub = pfn; sub < end; sub += step) {
				uint32_t u;

				if ((af & ALLOC_NOLOCK) && hint &&
				    (u = last_unaccepted_unit(m, sub, order)) != NIL) {
					sub = skip_unit(m, u, step);
					continue;
				}
				if (block_legal(m, sub, order, af, hint)) {
					take_subblock(m, pfn, o, sub, order);
					return sub;
				}
			}
		}
	}
	return NIL;
}

/*
 * Take a block for an allocation.  The first candidate is the usual
 * smallest-order block; if the flags refuse it (NOLOCK and an unaccepted
 * unit, A5; strict tag storage and a pinned tag block, RFC v2), it goes
 * back to the tail of its free list and the slow scan looks for another.
 */
uint32_t __rmqueue(struct impl *m, unsigned order, alloc_flags_t af)
{
	const alloc_flags_t constrained = ALLOC_NOLOCK | ALLOC_TAG_STRICT;
	unsigned o = order;
	uint32_t pfn;

	if (!(af & constrained))
		return __rmqueue_smallest(m, order);
	while (o <= m->max_order && plist_empty(&m->zone.free_area[o].list))
		o++;
	if (o > m->max_order)
		return NIL;
	pfn = m->zone.free_area[o].list.head;
	if (block_legal(m, pfn, order, af, PageUnaccepted(pfn_to_page(m, pfn))))
		return __rmqueue_smallest(m, order);
	rotate_to_tail(m, pfn, o);
	return __rmqueue_scan(m, order, af);
}

/*
 * Boot: hand every MAX_ORDER block to the allocator, lowest first.  Under
 * accept=list a block with an unaccepted unit goes to the zone's
 * unaccepted list instead (A4).
 */
void buddy_boot(struct impl *m)
{
	uint32_t step = 1u << m->max_order;

	m->zone.locked = true;
	for (uint32_t pfn = 0; pfn < m->nr_frames; pfn += step) {
		if (m->cfg.accept == PD_ACCEPT_LIST && !range_accepted(m, pfn, m->max_order))
			unaccepted_list_add(m, pfn);
		else
			__free_one_page(m, pfn, m->max_order,
					FPI_CHECK_UNACCEPTED | FPI_TO_TAIL);
	}
	m->zone.locked = false;
	m->zone.free_frames = m->nr_frames;
}
