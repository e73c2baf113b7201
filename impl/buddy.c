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
 *
 * Boot is deferred (struct zone): create() puts no block on a list and
 * writes no struct page; the MAX_ORDER blocks are placed later, in pfn
 * order, exactly where eager boot had put them, when a path is about to
 * look at or behind their place in a list.
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

/*
 * Link a block into its free list.  On free_area[max_order] the unplaced
 * blocks stand right before zone.unplaced_before: a block put at the head
 * goes ahead of them wherever they stand, one put at the tail while they
 * stand last goes behind them, so they now stand before it.
 */
static inline __attribute__((always_inline)) void
free_list_link(struct impl *m, uint32_t pfn, unsigned order, bool to_tail)
{
	struct page_list *list = &m->zone.free_area[order].list;

	if (!to_tail) {
		plist_add_head(m, list, pfn);
		return;
	}
	plist_add_tail(m, list, pfn);
	if (order == m->max_order && m->zone.unplaced_before == NIL)
		m->zone.unplaced_before = pfn;
}

/*
 * Unlink a block; unplaced blocks standing before it now stand before its
 * successor.  (No other free list can hold unplaced_before: free blocks
 * never overlap.)
 */
static inline __attribute__((always_inline)) void
free_list_unlink(struct impl *m, uint32_t pfn, unsigned order)
{
	if (pfn == m->zone.unplaced_before)
		m->zone.unplaced_before = pfn_to_page(m, pfn)->lru.next;
	plist_del(m, &m->zone.free_area[order].list, pfn);
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
	free_list_link(m, pfn, order, to_tail);
	area->nr_free++;
}

/* Take a block off its free list; the unaccepted hint stays on the head. */
static void del_page_from_free_list(struct impl *m, uint32_t pfn, unsigned order)
{
	struct page *page = pfn_to_page(m, pfn);
	struct free_area *area = &m->zone.free_area[order];

	free_list_unlink(m, pfn, order);
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
	free_list_unlink(m, pfn, order);
	free_list_link(m, pfn, order, true);
}

/* ---- deferred boot: the unplaced MAX_ORDER blocks (struct zone) ---- */

/*
 * The first MAX_ORDER block from pfn on whose boot class is a list block
 * (`listed`) or a free one, or nr_frames.  Classes repeat every
 * boot_classes.period frames: O(period blocks) when one exists.
 */
uint32_t next_boot_block(const struct impl *m, uint32_t pfn, bool listed)
{
	for (; pfn < m->nr_frames; pfn += 1u << m->max_order)
		if (boot_listed(boot_class_of(m, pfn)) == listed)
			return pfn;
	return m->nr_frames;
}

/* The unplaced cursor moves past the block at it to the next free one. */
static void unplaced_advance(struct impl *m)
{
	struct zone *z = &m->zone;

	z->unplaced = --z->unplaced_free ?
		      next_boot_block(m, z->unplaced + (1u << m->max_order), false) :
		      m->nr_frames;
}

/*
 * Place the next unplaced block where eager boot put it: on
 * free_area[max_order] right before the block the unplaced ones stand
 * before (struct zone), with the hint and NOLOCK orders of its boot class
 * (the units over it are as at boot).  It was counted at boot: no count
 * changes.  Its head is written for the first time.
 */
/* The head of the unplaced block at pfn, written as its boot class says. */
static struct page *write_boot_head(struct impl *m, uint32_t pfn, unsigned cls)
{
	struct page *page = pfn_to_page(m, pfn);

	page->flags = 0;
	set_page_order(page, m->max_order);
	if (boot_hinted(cls)) {
		__SetPageUnaccepted(page);
		set_page_nolock_orders(page, boot_nolock_orders(cls));
	}
	return page;
}

static void place_next_block(struct impl *m)
{
	struct zone *z = &m->zone;
	uint32_t pfn = z->unplaced;
	struct page_list *list = &z->free_area[m->max_order].list;

	__SetPageBuddy(write_boot_head(m, pfn, boot_class_of(m, pfn)));
	if (z->unplaced_before == NIL)
		plist_add_tail(m, list, pfn);
	else
		plist_add_before(m, list, z->unplaced_before, pfn);
	unplaced_advance(m);
}

/*
 * Place every unplaced block below `end`, in pfn order.  Placing early
 * never changes what the list holds or its order, only how it is stored:
 * any path may place blocks whenever it must read or write them.
 */
void place_unplaced_below(struct impl *m, uint32_t end)
{
	while (m->zone.unplaced < end)
		place_next_block(m);
}

/* Do unplaced blocks lead free_area[max_order] (is its first block unplaced)? */
static bool unplaced_lead(const struct impl *m)
{
	return m->zone.unplaced_free &&
	       m->zone.unplaced_before == m->zone.free_area[m->max_order].list.head;
}

/*
 * The first block on a free list.  At max_order, when the unplaced
 * blocks lead the list, the first of them is placed first.
 */
static uint32_t free_list_first(struct impl *m, unsigned order)
{
	if (order == m->max_order && unplaced_lead(m))
		place_next_block(m);
	return m->zone.free_area[order].list.head;
}

/*
 * Take the first block off free_area[max_order] while the unplaced blocks
 * lead it: what placing it and then del_page_from_free_list() would
 * leave (its head with order and hint, the counts less it), without
 * linking and unlinking it.  The usual way out of the unplaced region: an
 * allocation from a new zone.  Its struct page is still zero (no link to
 * clear).
 */
static uint32_t take_next_unplaced(struct impl *m)
{
	struct free_area *area = &m->zone.free_area[m->max_order];
	uint32_t pfn = m->zone.unplaced;
	unsigned cls = boot_class_of(m, pfn);

	write_boot_head(m, pfn, cls);
	if (boot_hinted(cls))
		area->nr_hinted[boot_nolock_orders(cls)]--;
	area->nr_free--;
	unplaced_advance(m);
	return pfn;
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
 * they go.  The merged block needs acceptance if any piece did (seed 001).
 * (Boot frees nothing through here: its blocks are placed directly,
 * deferred, with the hint of their boot class.)
 */
void __free_one_page(struct impl *m, uint32_t pfn, unsigned order, fpi_t fpi)
{
	struct page *page = pfn_to_page(m, pfn);
	bool unaccepted = PageUnaccepted(page);

	VM_BUG_ON(!m->zone.locked);
	VM_BUG_ON(pfn & ((1u << order) - 1));
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

/* __rmqueue_smallest() when the first block is unplaced: off the fast path. */
static __attribute__((noinline)) uint32_t __rmqueue_unplaced(struct impl *m, unsigned order)
{
	uint32_t pfn = take_next_unplaced(m);

	expand(m, pfn, order, m->max_order, PageUnaccepted(pfn_to_page(m, pfn)));
	return pfn;
}

/*
 * The first block of the smallest order >= `order`, split down to it.
 * At max_order the first block may be unplaced (deferred boot): tested
 * only once the lower lists are found empty.
 */
uint32_t __rmqueue_smallest(struct impl *m, unsigned order)
{
	for (unsigned o = order; o <= m->max_order; o++) {
		uint32_t pfn = m->zone.free_area[o].list.head;

		if (pfn == NIL)
			continue;
		if (o == m->max_order && unplaced_lead(m))
			break;
		del_page_from_free_list(m, pfn, o);
		expand(m, pfn, order, o, PageUnaccepted(pfn_to_page(m, pfn)));
		return pfn;
	}
	return unplaced_lead(m) ? __rmqueue_unplaced(m, order) : NIL;
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
 * The first aligned sub-block of `order` in the free block [pfn, pfn +
 * 2^o) that the flags allow, or NIL.  `hint` and `nolock_orders` are the
 * block's (its flags, or its boot class while unplaced).  NOLOCK passes
 * over a hinted block that cannot serve with one test, no bitmap read
 * (struct free_area).  Reads only: no chunk made dirty (reset.c).
 */
static uint32_t legal_subblock(struct impl *m, uint32_t pfn, unsigned o, unsigned order,
			       alloc_flags_t af, bool hint, unsigned nolock_orders)
{
	uint32_t step = 1u << order, end = pfn + (1u << o);
	bool nolock = af & ALLOC_NOLOCK;

	if (nolock && hint && nolock_orders <= order)
		return NIL;
	for (uint32_t sub = pfn; sub < end; sub += step) {
		uint32_t u;

		if (nolock && hint && (u = last_unaccepted_unit(m, sub, order)) != NIL) {
			sub = skip_unit(m, u, step);
			continue;
		}
		if (block_legal(m, sub, order, af, hint))
			return sub;
	}
	return NIL;
}

/*
 * Can some unplaced block serve a NOLOCK allocation of `order`?  By boot
 * class: O(classes), so a scan passes over the unplaced blocks at once
 * when none can.
 */
static bool unplaced_serve_nolock(const struct impl *m, unsigned order)
{
	const struct boot_classes *b = &m->boot_classes;

	for (uint32_t c = 0; c < (b->period >> b->shift); c++) {
		unsigned cls = b->cls[c];

		if (!boot_listed(cls) && (!boot_hinted(cls) || boot_nolock_orders(cls) > order))
			return true;
	}
	return false;
}

/*
 * The scan has reached the unplaced blocks' place in free_area[max_order]:
 * look through them as eager boot left them, by boot class and without
 * writing (a failing scan places nothing), and place them only up to the
 * one that serves, then carve it.  A NOLOCK scan that some class serves
 * stops within one period of classes.
 */
static uint32_t scan_unplaced(struct impl *m, unsigned order, alloc_flags_t af)
{
	unsigned mo = m->max_order;

	if ((af & ALLOC_NOLOCK) && !unplaced_serve_nolock(m, order))
		return NIL;
	for (uint32_t pfn = m->zone.unplaced; pfn < m->nr_frames; pfn += 1u << mo) {
		unsigned cls = boot_class_of(m, pfn);
		uint32_t sub;

		if (boot_listed(cls))
			continue;
		sub = legal_subblock(m, pfn, mo, order, af, boot_hinted(cls),
				     boot_nolock_orders(cls));
		if (sub != NIL) {
			place_unplaced_below(m, pfn + 1);
			take_subblock(m, pfn, mo, sub, order);
			return sub;
		}
	}
	return NIL;
}

/*
 * Walk one free list, in list order, for a sub-block the flags allow and
 * carve it out.  At max_order the unplaced blocks are looked at where
 * they stand: before zone.unplaced_before (or last).
 */
static uint32_t scan_free_list(struct impl *m, unsigned o, unsigned order, alloc_flags_t af)
{
	bool unplaced = o == m->max_order && m->zone.unplaced_free;
	uint32_t pfn, sub;

	for (pfn = m->zone.free_area[o].list.head; pfn != NIL;
	     pfn = pfn_to_page_ro(m, pfn)->lru.next) {
		const struct page *page = pfn_to_page_ro(m, pfn);

		if (unplaced && pfn == m->zone.unplaced_before &&
		    (sub = scan_unplaced(m, order, af)) != NIL)
			return sub;
		sub = legal_subblock(m, pfn, o, order, af, PageUnaccepted(page),
				     page_nolock_orders(page));
		if (sub != NIL) {
			take_subblock(m, pfn, o, sub, order);
			return sub;
		}
	}
	if (unplaced && m->zone.unplaced_before == NIL)
		return scan_unplaced(m, order, af);
	return NIL;
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
	bool nolock = af & ALLOC_NOLOCK;

	for (unsigned o = order; o <= m->max_order; o++) {
		uint32_t sub;

		if (nolock && !free_area_serves_nolock(&m->zone.free_area[o], order))
			continue;
		sub = scan_free_list(m, o, order, af);
		if (sub != NIL)
			return sub;
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
	while (o <= m->max_order && (pfn = free_list_first(m, o)) == NIL)
		o++;
	if (o > m->max_order)
		return NIL;
	if (block_legal(m, pfn, order, af, PageUnaccepted(pfn_to_page(m, pfn))))
		return __rmqueue_smallest(m, order);
	rotate_to_tail(m, pfn, o);
	return __rmqueue_scan(m, order, af);
}

/*
 * The boot classes (struct boot_classes).  The boot bitmap repeats every
 * 8 units; a MAX_ORDER block covers 2^(max_order - accept_order) units,
 * or lies in one unit with 2^(accept_order - max_order) - 1 others of the
 * same class.  So one class covers 2^max(max_order, accept_order) frames
 * in a row, and the classes repeat every max(8 units, one block), at most
 * the zone: "max_order 3, accept_order 2, unaccepted 0x05: blocks cover
 * units 0-1, 2-3, 4-5, 6-7: period 32 frames, classes hinted, hinted,
 * plain, plain".  Read from the bitmap at create, before anything can
 * accept.
 */
static void set_boot_classes(struct impl *m)
{
	struct boot_classes *b = &m->boot_classes;
	unsigned mo = m->max_order, ao = m->cfg.accept_order;
	uint32_t period = (8u << ao) > (1u << mo) ? 8u << ao : 1u << mo;

	b->period = period < m->nr_frames ? period : m->nr_frames;
	b->shift = mo > ao ? mo : ao;
	for (uint32_t c = 0; c < (b->period >> b->shift); c++) {
		uint32_t pfn = c << b->shift;
		unsigned cls = 0;

		if (!range_accepted(m, pfn, mo))
			cls = m->cfg.accept == PD_ACCEPT_LIST ? BOOT_LISTED :
			      BOOT_HINTED | nolock_orders_in(m, pfn, mo);
		b->cls[c] = (uint8_t)cls;
	}
}

/*
 * Boot: every MAX_ORDER block goes to the allocator, lowest first, at the
 * tail of free_area[max_order], or under accept=list, if it has an
 * unaccepted unit, at the tail of the zone's unaccepted list (A4).  It is
 * deferred: the free blocks stay unplaced and the list is the list
 * blocks from a cursor up (struct zone); only the counts are set, class
 * by class, as placing every block would set them.  O(1): no struct page
 * is written, so mem_map can be fresh zero pages.
 */
void buddy_boot(struct impl *m)
{
	struct zone *z = &m->zone;
	struct boot_classes *b = &m->boot_classes;
	struct free_area *area = &z->free_area[m->max_order];
	uint32_t per_class, listed = 0;

	set_boot_classes(m);
	/* blocks per class: each class covers 2^shift frames once a period */
	per_class = (m->nr_frames / b->period) << (b->shift - m->max_order);
	for (uint32_t c = 0; c < (b->period >> b->shift); c++) {
		unsigned cls = b->cls[c];

		if (boot_listed(cls)) {
			listed += per_class;
			continue;
		}
		area->nr_free += per_class;
		if (boot_hinted(cls))
			area->nr_hinted[boot_nolock_orders(cls)] += per_class;
	}
	z->unplaced_free = area->nr_free;
	z->unplaced = z->unplaced_free ? next_boot_block(m, 0, false) : m->nr_frames;
	z->unplaced_before = NIL;
	z->unaccepted_frames = listed << m->max_order;
	z->unaccepted_next = listed ? next_boot_block(m, 0, true) : m->nr_frames;
	z->free_frames = m->nr_frames;
}
