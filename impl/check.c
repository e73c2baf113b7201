// SPDX-License-Identifier: MIT
/*
 * check.c - impl_check(), the DEBUG_VM of the impl: O(frames + PTEs +
 * slots) walks verifying the invariants written above the structs in
 * internal.h, page_flags.h and the mechanism files.  Each broken one is
 * reported with pd_violation(ctx, "check", ...).  Never on a fast path:
 * the engine runs it after every op in checking builds.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct checker {
	struct impl *m;
	struct pd_ctx *ctx;
	uint8_t *owner;        /* per frame: 0 unseen, else what covers it */
	uint32_t *slot_ptes;   /* per slot: swap PTEs seen */
	uint32_t *tag_res;     /* per tag block: reservations seen */
	unsigned failures;
};

enum owner { OWN_NONE, OWN_BUDDY, OWN_PCP, OWN_LIST, OWN_DEFERRED, OWN_ALLOC, OWN_UNPLACED };

/*
 * Deferred boot (struct zone) by brute force: the unplaced free blocks
 * and the unaccepted list's blocks, with what eager boot would have made
 * of each, for check_buddy() and check_lists() to add in.
 */
struct unplaced_seen {
	uint32_t free, listed;
	uint32_t hinted[NR_NOLOCK_ORDERS + 1];
};

__attribute__((format(printf, 2, 3)))
static void fail(struct checker *c, const char *fmt, ...)
{
	char msg[224];
	va_list ap;

	c->failures++;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pd_violation(c->ctx, "check", "impl_check: %s", msg);
}

#define CHECK(c, cond, ...) do { if (!(cond)) fail(c, __VA_ARGS__); } while (0)

/* Mark a block's frames as covered by `who`; every frame exactly once. */
static bool cover_block(struct checker *c, uint32_t pfn, unsigned order, enum owner who)
{
	struct impl *m = c->m;

	if (pfn >= m->nr_frames || order > m->max_order || (pfn & ((1u << order) - 1))) {
		fail(c, "block %u order %u is out of range or misaligned", pfn, order);
		return false;
	}
	for (uint32_t f = pfn; f < pfn + (1u << order); f++) {
		if (c->owner[f] != OWN_NONE) {
			fail(c, "frame %u is covered twice (kinds %u and %u)", f,
			     c->owner[f], who);
			return false;
		}
		c->owner[f] = (uint8_t)who;
	}
	return true;
}

/* accept=flag: a free head without the hint lies in accepted units. */
static void check_hint(struct checker *c, uint32_t pfn, unsigned order)
{
	struct impl *m = c->m;
	const struct page *p = pfn_to_page_ro(m, pfn);

	if (m->cfg.accept == PD_ACCEPT_LIST)
		CHECK(c, !PageUnaccepted(p), "free block %u carries the unaccepted type under accept=list", pfn);
	else if (!PageUnaccepted(p))
		CHECK(c, range_accepted(m, pfn, order),
		      "free block %u order %u has no unaccepted hint but unaccepted units", pfn, order);
}

/*
 * NOLOCK orders of a free block by brute force (A5): for each order from
 * 0 up, is some aligned sub-block of it accepted?  Independent of
 * nolock_orders_in()'s bit folding.
 */
static unsigned nolock_orders_brute(struct impl *m, uint32_t pfn, unsigned order)
{
	unsigned n = 0;

	for (unsigned r = 0; r <= order && r < NR_NOLOCK_ORDERS; r++) {
		bool found = false;

		for (uint32_t sub = pfn; sub < pfn + (1u << order) && !found; sub += 1u << r)
			found = range_accepted(m, sub, r);
		if (!found)
			break;
		n = r + 1;
	}
	return n;
}

/*
 * The NOLOCK index (struct free_area): a hinted buddy head records its
 * NOLOCK orders as the bitmap has them; any other head records none.
 * Counts the hinted block into `hinted`.
 */
static void check_nolock_orders(struct checker *c, uint32_t pfn, unsigned order,
				uint32_t hinted[NR_NOLOCK_ORDERS + 1])
{
	struct impl *m = c->m;
	const struct page *p = pfn_to_page_ro(m, pfn);
	unsigned n = page_nolock_orders(p), want;

	if (!PageUnaccepted(p)) {
		CHECK(c, n == 0, "free block %u without the hint records nolock orders %u", pfn, n);
		return;
	}
	want = nolock_orders_brute(m, pfn, order);
	CHECK(c, n == want, "free block %u order %u records nolock orders %u, the bitmap says %u",
	      pfn, order, n, want);
	if (n <= NR_NOLOCK_ORDERS)
		hinted[n]++;
}

/* Every byte of a struct page is zero: as boot left it (unplaced). */
static bool page_is_zero(const struct page *p)
{
	static const struct page zero;

	return !memcmp(p, &zero, sizeof(zero));
}

/* Did boot find an unaccepted unit in the block?  From the config, not the bitmap. */
static bool boot_unaccepted(const struct impl *m, uint32_t pfn, unsigned order)
{
	unsigned ao = m->cfg.accept_order;

	for (uint32_t u = pfn >> ao; u <= (pfn + (1u << order) - 1) >> ao; u++)
		if ((m->cfg.unaccepted >> (u % 8)) & 1)
			return true;
	return false;
}

/* A cursor of deferred boot: aligned, in the zone, at a block of its kind. */
static void check_cursor(struct checker *c, const char *name, uint32_t pfn, uint32_t left,
			 bool listed)
{
	struct impl *m = c->m;

	CHECK(c, !(pfn & ((1u << m->max_order) - 1)) && pfn <= m->nr_frames,
	      "%s cursor %u is misaligned or past the zone", name, pfn);
	if (pfn >= m->nr_frames) {
		CHECK(c, !left, "%s cursor at the zone's end with %u blocks left", name, left);
		return;
	}
	CHECK(c, left && boot_listed(boot_class_of(m, pfn)) == listed,
	      "%s cursor %u is not at a block of its kind (%u left)", name, pfn, left);
}

/*
 * Deferred boot (struct zone): the cursors are aligned and at blocks of
 * their kind, every block's boot class is what eager boot made of it,
 * the unplaced blocks and the list's blocks are counted right, never
 * written and on no list (covered here once, so a list holding one is
 * caught as covering it twice), and the units over unplaced blocks are
 * as at boot.
 */
static void check_unplaced(struct checker *c, struct unplaced_seen *seen)
{
	struct impl *m = c->m;
	const struct zone *z = &m->zone;
	unsigned mo = m->max_order, ao = m->cfg.accept_order, failures = c->failures;

	memset(seen, 0, sizeof(*seen));
	check_cursor(c, "unplaced", z->unplaced, z->unplaced_free, false);
	check_cursor(c, "unaccepted list", z->unaccepted_next,
		     z->unaccepted_frames >> mo, true);
	if (c->failures != failures)
		return;
	for (uint32_t pfn = 0; pfn < m->nr_frames; pfn += 1u << mo) {
		bool listed = m->cfg.accept == PD_ACCEPT_LIST && boot_unaccepted(m, pfn, mo);
		unsigned cls = boot_class_of(m, pfn);

		CHECK(c, boot_listed(cls) == listed &&
			 boot_hinted(cls) == (!listed && boot_unaccepted(m, pfn, mo)),
		      "block %u has boot class %#x, boot's bitmap says otherwise", pfn, cls);
		if (listed ? pfn < z->unaccepted_next : pfn < z->unplaced)
			continue;
		if (listed) {
			seen->listed++;
			cover_block(c, pfn, mo, OWN_LIST);
		} else {
			unsigned n = nolock_orders_brute(m, pfn, mo);

			seen->free++;
			if (boot_hinted(cls)) {
				CHECK(c, boot_nolock_orders(cls) == n,
				      "unplaced block %u: boot class nolock orders %u, bitmap %u",
				      pfn, boot_nolock_orders(cls), n);
				seen->hinted[n]++;
			}
			cover_block(c, pfn, mo, OWN_UNPLACED);
			for (uint32_t u = pfn >> ao; u <= (pfn + (1u << mo) - 1) >> ao; u++)
				CHECK(c, unit_accepted(m, u) == !((m->cfg.unaccepted >> (u % 8)) & 1) &&
					 !m->times_accepted[u],
				      "unit %u over unplaced block %u is not as at boot", u, pfn);
		}
		for (uint32_t f = pfn; f < pfn + (1u << mo); f++)
			if (!page_is_zero(pfn_to_page_ro(m, f))) {
				fail(c, "%s block %u: frame %u was written (flags %#x)",
				     listed ? "list" : "unplaced", pfn, f,
				     pfn_to_page_ro(m, f)->flags);
				break;
			}
	}
	CHECK(c, seen->free == z->unplaced_free, "unplaced_free %u, %u blocks from %u",
	      z->unplaced_free, seen->free, z->unplaced);
	CHECK(c, (uint64_t)seen->listed << mo == z->unaccepted_frames,
	      "unaccepted_frames %u, %u list blocks from %u", z->unaccepted_frames, seen->listed,
	      z->unaccepted_next);
}

/* Walk a list, bounded by the number of frames; returns blocks seen. */
#define for_each_listed(m, l, pfn, n)                                          \
	for ((pfn) = (l)->head, (n) = 0; (pfn) != NIL && (n) <= (m)->nr_frames;  \
	     (pfn) = pfn_to_page_ro(m, pfn)->lru.next, (n)++)

static uint64_t check_buddy(struct checker *c, const struct unplaced_seen *unplaced)
{
	struct impl *m = c->m;
	uint64_t frames = 0;

	for (unsigned o = 0; o <= m->max_order; o++) {
		const struct free_area *area = &m->zone.free_area[o];
		uint32_t hinted[NR_NOLOCK_ORDERS + 1] = { 0 };
		uint32_t pfn, n;
		bool before_seen = m->zone.unplaced_before == NIL;

		for_each_listed(m, &area->list, pfn, n) {
			const struct page *p;

			if (pfn >= m->nr_frames) {
				fail(c, "free_area[%u] links to frame %u", o, pfn);
				break;
			}
			p = pfn_to_page_ro(m, pfn);
			CHECK(c, PageBuddy(p) && page_order(p) == o && !PagePcp(p) &&
				 !PageHead(p) && !PageDeferred(p),
			      "frame %u on free_area[%u] has flags %#x", pfn, o, p->flags);
			cover_block(c, pfn, o, OWN_BUDDY);
			check_hint(c, pfn, o);
			check_nolock_orders(c, pfn, o, hinted);
			if (o == m->max_order && pfn == m->zone.unplaced_before)
				before_seen = true;
			if (o < m->max_order) {
				const struct page *b = pfn_to_page_ro(m, pfn ^ (1u << o));

				CHECK(c, !(PageBuddy(b) && page_order(b) == o),
				      "B3: free buddies %u and %u of order %u are not merged",
				      pfn, pfn ^ (1u << o), o);
			}
		}
		if (o == m->max_order) {
			CHECK(c, before_seen, "unplaced blocks stand before %u, not on free_area[%u]",
			      m->zone.unplaced_before, o);
			n += unplaced->free;
			for (unsigned k = 0; k <= NR_NOLOCK_ORDERS; k++)
				hinted[k] += unplaced->hinted[k];
		}
		CHECK(c, n == area->nr_free, "free_area[%u].nr_free %u, list holds %u", o,
		      area->nr_free, n);
		for (unsigned k = 0; k <= NR_NOLOCK_ORDERS; k++)
			CHECK(c, hinted[k] == area->nr_hinted[k],
			      "free_area[%u].nr_hinted[%u] %u, list holds %u", o, k,
			      area->nr_hinted[k], hinted[k]);
		frames += (uint64_t)n << o;
	}
	return frames;
}

static uint64_t check_pcp(struct checker *c)
{
	struct impl *m = c->m;
	uint64_t frames = 0;

	for (unsigned cpu = 0; cpu < PD_MAX_CPUS; cpu++) {
		const struct per_cpu_pages *pcp = &m->pcp[cpu];
		uint32_t count = 0, cpu_frames = 0;

		for (unsigned o = 0; o < NR_PCP_ORDERS; o++) {
			uint32_t pfn, n;

			for_each_listed(m, &pcp->lists[o], pfn, n) {
				const struct page *p;

				if (pfn >= m->nr_frames) {
					fail(c, "pcp %u order %u links to frame %u", cpu, o, pfn);
					break;
				}
				p = pfn_to_page_ro(m, pfn);
				CHECK(c, PagePcp(p) && !PageBuddy(p) && page_order(p) == o &&
					 !page_nolock_orders(p),
				      "frame %u on pcp %u order %u has flags %#x", pfn, cpu, o,
				      p->flags);
				cover_block(c, pfn, o, OWN_PCP);
				check_hint(c, pfn, o);
			}
			count += n;
			cpu_frames += n << o;
		}
		CHECK(c, cpu < m->cfg.cpus || count == 0, "pcp of absent cpu %u holds pages", cpu);
		CHECK(c, count == pcp->count && cpu_frames == pcp->frames,
		      "pcp %u counts %u blocks/%u frames, lists hold %u/%u", cpu,
		      pcp->count, pcp->frames, count, cpu_frames);
		frames += cpu_frames;
	}
	return frames;
}

/* The unaccepted list (check_unplaced()) and the deferred list; returns the former's frames. */
static uint64_t check_lists(struct checker *c, const struct unplaced_seen *unplaced,
			    uint64_t *deferred)
{
	struct impl *m = c->m;
	uint64_t frames = (uint64_t)unplaced->listed << m->max_order;
	uint32_t pfn, n;

	*deferred = 0;
	for_each_listed(m, &m->zone.deferred, pfn, n) {
		const struct page *p = pfn_to_page_ro(m, pfn);

		CHECK(c, PageDeferred(p) && !PageHead(p) && page_order(p) > PD_PCP_MAX_ORDER,
		      "frame %u on the deferred list has flags %#x", pfn, p->flags);
		cover_block(c, pfn, page_order(p), OWN_DEFERRED);
		*deferred += 1u << page_order(p);
	}
	CHECK(c, *deferred == m->zone.deferred_frames, "deferred_frames %u, list holds %llu",
	      m->zone.deferred_frames, (unsigned long long)*deferred);
	return frames;
}

/* refcount == raw + mapcount + pins * BIAS + refs + swapcache (G4, S4). */
static void check_allocated_page(struct checker *c, uint32_t pfn)
{
	struct impl *m = c->m;
	const struct page *p = pfn_to_page_ro(m, pfn);
	const struct gup_rec *g = gup_lookup(m, pfn);
	uint32_t pins = g ? g->pins : 0, refs = g ? g->refs : 0;
	uint32_t expect;

	CHECK(c, range_accepted(m, pfn, page_order(p)), "A2: allocated block %u is not accepted", pfn);
	CHECK(c, !PageTagReserved(p) || m->cfg.tagstore != PD_TAGSTORE_NONE,
	      "page %u reserved under tagstore=none", pfn);
	if (PageTagReserved(p)) {
		uint32_t last = (pfn + (1u << page_order(p)) - 1) >> m->cfg.tag_ratio_log2;

		for (uint32_t b = pfn >> m->cfg.tag_ratio_log2; b <= last; b++)
			c->tag_res[b]++;
	}
	if (!PageAnon(p)) {
		CHECK(c, p->_refcount == 1 && !PageSwapCache(p) && !pins && !refs &&
			 !(p->flags & (1u << PG_mappedtodisk)),
		      "raw block %u: rc %u, swapcache %d, pins %u, refs %u", pfn, p->_refcount,
		      PageSwapCache(p), pins, refs);
		return;
	}
	CHECK(c, page_order(p) == 0, "anon page %u has order %u", pfn, page_order(p));
	expect = page_mapcount(p) + pins * PD_PIN_BIAS + refs + (PageSwapCache(p) ? 1 : 0);
	CHECK(c, p->_refcount == expect,
	      "page %u: rc %u != mc %u + pins %u * BIAS + refs %u + swapcache %d", pfn,
	      p->_refcount, page_mapcount(p), pins, refs, PageSwapCache(p));
	CHECK(c, !pins || PageAnonExclusive(p), "G4: pinned page %u is not AE", pfn);
	CHECK(c, !PageAnonExclusive(p) || page_mapcount(p) <= 1,
	      "AE page %u has mapcount %u", pfn, page_mapcount(p));
	if (PageSwapCache(p)) {
		uint32_t slot = p->anon.private;

		CHECK(c, slot < m->si.nr_slots && swap_cache_pfn(m, slot) == pfn,
		      "swap-cache page %u names slot %u which does not name it", pfn, slot);
	}
	for (unsigned q = 0; q < PD_MAX_PROCS; q++) {
		pte_t pte;

		if (!(p->anon.mappers & (1u << q)))
			continue;
		pte = m->mm[q].alive ? pte_get(&m->mm[q], p->anon.index) : 0;
		CHECK(c, pte_present(pte) && pte_pfn(pte) == pfn,
		      "rmap: page %u says p%u maps it at vpage %u, the PTE is %#x", pfn, q,
		      p->anon.index, pte);
	}
}

static uint64_t check_frames(struct checker *c)
{
	struct impl *m = c->m;
	uint64_t allocated = 0;

	for (uint32_t pfn = 0; pfn < m->nr_frames; pfn++) {
		const struct page *p = pfn_to_page_ro(m, pfn);

		if (PageHead(p)) {
			CHECK(c, !PageBuddy(p) && !PagePcp(p) && !PageUnaccepted(p) && !PageDeferred(p),
			      "allocated head %u has free-list flags %#x", pfn, p->flags);
			if (cover_block(c, pfn, page_order(p), OWN_ALLOC))
				allocated += 1u << page_order(p);
			check_allocated_page(c, pfn);
		}
	}
	for (uint32_t pfn = 0; pfn < m->nr_frames; pfn++) {
		const struct page *p = pfn_to_page_ro(m, pfn);
		bool is_head = (PageHead(p) || PageBuddy(p) || PagePcp(p) || PageDeferred(p)) &&
			       c->owner[pfn] != OWN_UNPLACED && c->owner[pfn] != OWN_LIST;

		if (c->owner[pfn] == OWN_NONE)
			fail(c, "frame %u is neither free, allocated nor deferred (flags %#x)",
			     pfn, p->flags);
		else if (!is_head && p->flags)
			fail(c, "non-head frame %u carries flags %#x", pfn, p->flags);
	}
	return allocated;
}

static void check_ptes(struct checker *c)
{
	struct impl *m = c->m;
	uint32_t live = 0;

	for (unsigned q = 0; q < PD_MAX_PROCS; q++) {
		struct mm *mm = &m->mm[q];

		if (!mm->alive) {
			for (unsigned i = 0; i < PTRS_PER_PGD; i++)
				CHECK(c, !mm->pgd[i], "dead process p%u keeps page tables", q);
			continue;
		}
		live++;
		for (unsigned v = 0; v < PD_MAX_VPAGES; v++) {
			pte_t pte = pte_get(mm, v);
			const struct page *p;

			if (pte_none(pte))
				continue;
			CHECK(c, v < m->cfg.vpages && vma_mapped(mm, v),
			      "p%u vpage %u has a PTE outside any mapping", q, v);
			if (is_swap_pte(pte)) {
				uint32_t slot = pte_swp_offset(pte);

				if (slot < m->si.nr_slots)
					c->slot_ptes[slot]++;
				else
					fail(c, "p%u vpage %u names slot %u", q, v, slot);
				continue;
			}
			if (pte_pfn(pte) >= m->nr_frames) {
				fail(c, "p%u vpage %u maps frame %u", q, v, pte_pfn(pte));
				continue;
			}
			p = pfn_to_page_ro(m, pte_pfn(pte));
			CHECK(c, PageHead(p) && PageAnon(p) && (p->anon.mappers & (1u << q)) &&
				 p->anon.index == v,
			      "rmap: p%u vpage %u maps frame %u, which does not list it", q, v,
			      pte_pfn(pte));
			CHECK(c, !pte_write(pte) || (PageAnon(p) && PageAnonExclusive(p)),
			      "p%u vpage %u: writable PTE to non-AE page %u", q, v, pte_pfn(pte));
			/* A FOA PTE may name a page reserved meanwhile through another mapper. */
			CHECK(c, !pte_foa(pte) || (m->cfg.tagstore == PD_TAGSTORE_BESTEFFORT &&
						   vma_mte(mm, v)),
			      "p%u vpage %u: FOA PTE outside a besteffort PROT_MTE mapping", q, v);
		}
	}
	CHECK(c, live == m->live_procs, "live_procs %u, alive %u", m->live_procs, live);
}

static void check_slots(struct checker *c)
{
	struct impl *m = c->m;
	struct swap_info *si = &m->si;
	uint32_t inuse = 0, saved = 0;

	for (uint32_t s = 0; s < si->nr_slots; s++) {
		bool used = (si->used[s / 64] >> (s % 64)) & 1;
		uint32_t pfn = swap_cache_pfn(m, s);

		CHECK(c, swap_count(m, s) == c->slot_ptes[s], "slot %u count %u, swap PTEs %u", s,
		      swap_count(m, s), c->slot_ptes[s]);
		CHECK(c, used == (si->swap_map[s] != 0), "slot %u: bitmap %d, swap_map %#x", s,
		      used, si->swap_map[s]);
		CHECK(c, ((si->swap_map[s] & SWAP_HAS_CACHE) != 0) == (pfn != NIL),
		      "slot %u: SWAP_HAS_CACHE disagrees with the cache", s);
		if (pfn != NIL)
			CHECK(c, pfn < m->nr_frames && PageSwapCache(pfn_to_page_ro(m, pfn)) &&
				 pfn_to_page_ro(m, pfn)->anon.private == s,
			      "slot %u caches frame %u which is not its swap-cache page", s, pfn);
		if (mte_saved_tags(m, s)) {
			saved++;
			CHECK(c, si->swap_map[s] != 0, "S7: free slot %u keeps saved tags", s);
		}
		inuse += used;
	}
	CHECK(c, inuse == si->inuse, "swap inuse %u, bitmap %u", si->inuse, inuse);
	CHECK(c, saved == si->tags.nr_entries, "saved-tags map holds %u entries, %u reachable",
	      si->tags.nr_entries, saved);
}

static void check_tags_and_units(struct checker *c)
{
	struct impl *m = c->m;

	for (uint32_t b = 0; b < m->nr_tag_blocks; b++)
		CHECK(c, m->tag_blocks[b].reservations == c->tag_res[b],
		      "tag block %u: %u reservations, %u reserved blocks cover it", b,
		      m->tag_blocks[b].reservations, c->tag_res[b]);
	for (uint32_t u = 0; u < m->nr_units; u++)
		CHECK(c, m->times_accepted[u] <= 1 && (!m->times_accepted[u] || unit_accepted(m, u)),
		      "A1: unit %u accepted %u times", u, m->times_accepted[u]);
}

void impl_check(void *model, struct pd_ctx *ctx)
{
	struct impl *m = model;
	struct checker c = { .m = m, .ctx = ctx };
	uint64_t buddy, pcp, list, deferred, allocated;
	struct unplaced_seen unplaced;

	c.owner = calloc(m->nr_frames, 1);
	c.slot_ptes = calloc(m->si.nr_slots, sizeof(uint32_t));
	c.tag_res = calloc(m->nr_tag_blocks, sizeof(uint32_t));
	if (!c.owner || !c.slot_ptes || !c.tag_res)
		abort();

	CHECK(&c, !m->zone.locked, "zone lock left held after an op");
	check_unplaced(&c, &unplaced);
	buddy = check_buddy(&c, &unplaced);
	pcp = check_pcp(&c);
	list = check_lists(&c, &unplaced, &deferred);
	allocated = check_frames(&c);
	CHECK(&c, buddy + pcp + list == m->zone.free_frames,
	      "free_frames %u != buddy %llu + pcp %llu + list %llu", m->zone.free_frames,
	      (unsigned long long)buddy, (unsigned long long)pcp, (unsigned long long)list);
	CHECK(&c, buddy + pcp + list + allocated + deferred == m->nr_frames,
	      "free %llu + allocated %llu + deferred %llu != %u frames",
	      (unsigned long long)(buddy + pcp + list), (unsigned long long)allocated,
	      (unsigned long long)deferred, m->nr_frames);
	check_ptes(&c);
	check_slots(&c);
	check_tags_and_units(&c);

	free(c.owner);
	free(c.slot_ptes);
	free(c.tag_res);
}
