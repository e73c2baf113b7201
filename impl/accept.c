// SPDX-License-Identifier: MIT
/*
 * accept.c - unaccepted memory (seed 001; drivers/firmware/efi/
 * unaccepted_memory.c).
 *
 * The truth is a bitmap with one bit per unit (set = not yet accepted).
 * accept=flag keeps a PGTY_unaccepted hint on free block heads so that the
 * allocator consults the bitmap only for blocks that may need it.
 * accept=list keeps whole MAX_ORDER blocks off the buddy on a FIFO list,
 * counted free, and accepts one when nothing else can be found; the list
 * only ever loses its head, so it is kept as a cursor (struct zone).
 *
 *   a free buddy/pcp block without the hint lies in accepted units
 *   times_accepted[u] <= 1, and == 1 iff u was accepted after boot
 */
#include <stdlib.h>

#include "internal.h"

/*
 * Boot: unit u is unaccepted iff bit (u % 8) of cfg.unaccepted is set.
 * 64 is a multiple of 8, so every bitmap word is that byte eight times
 * ("unaccepted 0x05: units 0, 2, 8, 10, ... : word 0x0505050505050505"),
 * the last one cut at nr_units.  All accepted: the zeroed map is right.
 */
void accept_boot(struct impl *m)
{
	uint64_t word = 0x0101010101010101ull * m->cfg.unaccepted;
	uint32_t nr_words = (m->nr_units + 63) / 64;

	if (!word)
		return;
	for (uint32_t w = 0; w < nr_words; w++)
		m->unaccepted_map[w] = word;
	if (m->nr_units % 64)
		m->unaccepted_map[nr_words - 1] &= (1ull << (m->nr_units % 64)) - 1;
}

static uint32_t first_unit(const struct impl *m, uint32_t pfn)
{
	return pfn >> m->cfg.accept_order;
}
static uint32_t last_unit(const struct impl *m, uint32_t pfn, unsigned order)
{
	return (pfn + (1u << order) - 1) >> m->cfg.accept_order;
}

/*
 * The last still-unaccepted unit overlapping the block, or NIL: a NOLOCK
 * scan may skip every candidate up to that unit's end (A5).  Word at a
 * time, from the block's last unit down.
 */
uint32_t last_unaccepted_unit(struct impl *m, uint32_t pfn, unsigned order)
{
	uint32_t first = first_unit(m, pfn), u = last_unit(m, pfn, order);

	for (;;) {
		uint32_t base = u & ~63u, lo = first > base ? first - base : 0;
		uint64_t word = m->unaccepted_map[u / 64];

		word &= ~0ull >> (63 - u % 64);  /* bits 0 .. u % 64 */
		word &= ~0ull << lo;             /* bits lo .. 63 */
		if (word)
			return base + 63 - (uint32_t)__builtin_clzll(word);
		if (base <= first)
			return NIL;
		u = base - 1;
	}
}

/* Every unit overlapping the block is accepted (word-at-a-time scan). */
bool range_accepted(struct impl *m, uint32_t pfn, unsigned order)
{
	uint32_t u = first_unit(m, pfn), last = last_unit(m, pfn, order);

	while (u <= last) {
		uint64_t word = m->unaccepted_map[u / 64] >> (u % 64);
		uint32_t span = 64 - u % 64;

		if (last - u + 1 < span) {
			span = last - u + 1;
			word &= (1ull << span) - 1;
		}
		if (word)
			return false;
		u += span;
	}
	return true;
}

/*
 * The largest k <= kmax such that `accepted` (one bit per unit, bit 0 at
 * an aligned unit) has 2^k aligned units all set: fold pairs, then pairs
 * of pairs ("units 4..7 accepted: 0xf0 -> pairs 0x50 -> quads 0x10").
 */
static unsigned accepted_run_order(uint64_t accepted, unsigned kmax)
{
	static const uint64_t first_of[] = {
		0x5555555555555555ull, 0x1111111111111111ull, 0x0101010101010101ull,
	};
	unsigned k = 0;

	while (k < kmax) {
		uint64_t runs = accepted & (accepted >> (1u << k)) & first_of[k];

		if (!runs)
			break;
		accepted = runs;
		k++;
	}
	return k;
}

/*
 * How many NOLOCK orders the free block [pfn, pfn + 2^order) can serve
 * without accepting (A5): n such that for each r < n some aligned 2^r
 * sub-block lies in accepted units.  A sub-block of order r <= accept_order
 * lies in one unit, so any accepted unit serves every such order; order
 * accept_order + k needs 2^k aligned units accepted.  At most
 * min(order, PD_NOLOCK_MAX_ORDER) + 1.  Word at a time: a block of up to
 * 64 units is one load and a few folds, some 60 instructions with the call.
 */
unsigned nolock_orders_in(struct impl *m, uint32_t pfn, unsigned order)
{
	unsigned ao = m->cfg.accept_order;
	unsigned top = order < PD_NOLOCK_MAX_ORDER ? order : PD_NOLOCK_MAX_ORDER;
	unsigned kmax = top > ao ? top - ao : 0, best = 0;
	uint32_t u = first_unit(m, pfn), n;

	if (order <= ao)
		return unit_accepted(m, u) ? top + 1 : 0;
	n = 1u << (order - ao);  /* units in the block; u is a multiple of n */
	for (uint32_t done = 0; done < n; done += 64) {
		uint64_t accepted = ~m->unaccepted_map[(u + done) / 64];
		unsigned r;

		if (n < 64)
			accepted = (accepted >> (u % 64)) & ((1ull << n) - 1);
		if (!accepted)
			continue;
		r = ao + accepted_run_order(accepted, kmax);
		if (r > top)
			r = top;
		if (r + 1 > best)
			best = r + 1;
		if (best == top + 1)
			break;
	}
	return best;
}

/*
 * A unit larger than the block accepted: the rest of the unit may hold
 * hinted free blocks (accept=flag), which a NOLOCK allocation may now
 * take.  Recount them, on both sides of the block.
 */
static void recount_unit_rest(struct impl *m, uint32_t unit, uint32_t pfn, unsigned order)
{
	uint32_t start = unit << m->cfg.accept_order;

	recount_nolock_orders(m, start, pfn);
	recount_nolock_orders(m, pfn + (1u << order), start + (1u << m->cfg.accept_order));
}

/*
 * Accept every still-unaccepted unit the block overlaps, once each (A3).
 * The units accepted, and all their frames (`accepted` is per frame, and
 * a unit may be larger than the block), are touched; a stale hint that
 * leads here with nothing left to accept touches nothing.  A unit larger
 * than a MAX_ORDER block may reach over unplaced blocks, whose boot class
 * holds only while their units are as at boot: they are placed first
 * (struct zone), and then recounted with the rest.
 */
void accept_page(struct impl *m, uint32_t pfn, unsigned order)
{
	uint32_t last = last_unit(m, pfn, order), lo = NIL, hi = 0;
	unsigned ao = m->cfg.accept_order;
	uint32_t units_end = (last + 1) << ao;

	if (units_end > m->zone.unplaced && !range_accepted(m, pfn, order))
		place_unplaced_below(m, units_end);
	for (uint32_t u = first_unit(m, pfn); u <= last; u++) {
		if (unit_accepted(m, u))
			continue;
		mark_unit_dirty(m, u);
		m->unaccepted_map[u / 64] &= ~(1ull << (u % 64));
		if (m->times_accepted[u] < UINT8_MAX)
			m->times_accepted[u]++;
		if (lo == NIL)
			lo = u;
		hi = u;
	}
	if (lo == NIL)
		return;
	impl_touch(m, PD_OBJ_UNIT, lo, hi - lo + 1);
	impl_touch(m, PD_OBJ_FRAME, lo << ao, (hi - lo + 1) << ao);
	if (ao > order && m->cfg.accept == PD_ACCEPT_FLAG)
		recount_unit_rest(m, lo, pfn, order);
}

/*
 * accept=list, nothing else found: accept the oldest list block (placement
 * ACCEPT) and free it into the buddy.  Its frames were already counted
 * free.  The list is the list blocks from zone.unaccepted_next up, in pfn
 * order: boot appended them so and only the head is ever taken (struct
 * zone); they were never written.  Never called on the NOLOCK path.
 */
bool __accept_one_list_block(struct impl *m)
{
	struct zone *z = &m->zone;
	uint32_t pfn = z->unaccepted_next, block = 1u << m->max_order;
	struct pd_placement place = { .kind = PD_PLACE_ACCEPT, .where = pfn };

	if (!z->unaccepted_frames)
		return false;
	z->unaccepted_frames -= block;
	z->unaccepted_next = z->unaccepted_frames ?
			     next_boot_block(m, pfn + block, true) : m->nr_frames;
	pd_record_placement(m->ctx, &place);
	accept_page(m, pfn, m->max_order);
	__free_one_page(m, pfn, m->max_order, FPI_NONE);
	return true;
}
