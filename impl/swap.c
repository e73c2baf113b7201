// SPDX-License-Identifier: MIT
/*
 * swap.c - swap slots, the swap cache, saved MTE tags, and reclaim of one
 * page (seed 004; mm/swapfile.c, mm/swap_state.c, mm/vmscan.c,
 * arch/arm64/mm/mteswap.c).
 *
 * swap_map[s] holds the number of swap PTEs naming s, plus SWAP_HAS_CACHE
 * while a page for s is in the swap cache; the slot is in use while the
 * byte is non-zero.  Slots are chosen next-fit over an in-use bitmap.  The
 * saved tags live in a radix tree keyed by slot, like mteswap's xarray
 * keyed by swap entry; they are freed with the slot, and a stale entry
 * found at a reused key is freed rather than leaked.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- a two-level radix tree (xarray-like), keys < 2^16 ---- */

static void *xa_load(const struct xarray *xa, uint32_t index)
{
	const struct xa_node *node = xa->root[index >> XA_CHUNK_SHIFT];

	return node ? node->slots[index & (XA_CHUNK_SIZE - 1)] : NULL;
}

/* Store and return the old entry (the caller frees it, seed 004). */
static void *xa_store(struct xarray *xa, uint32_t index, void *entry)
{
	struct xa_node **nodep = &xa->root[index >> XA_CHUNK_SHIFT];
	void **slot, *old;

	if (!*nodep) {
		*nodep = calloc(1, sizeof(**nodep));
		if (!*nodep)
			abort();
	}
	slot = &(*nodep)->slots[index & (XA_CHUNK_SIZE - 1)];
	old = *slot;
	*slot = entry;
	if (!old) {
		(*nodep)->count++;
		xa->nr_entries++;
	}
	return old;
}

static void *xa_erase(struct xarray *xa, uint32_t index)
{
	struct xa_node **nodep = &xa->root[index >> XA_CHUNK_SHIFT];
	void **slot, *old;

	if (!*nodep)
		return NULL;
	slot = &(*nodep)->slots[index & (XA_CHUNK_SIZE - 1)];
	old = *slot;
	*slot = NULL;
	if (old) {
		xa->nr_entries--;
		if (--(*nodep)->count == 0) {
			free(*nodep);
			*nodep = NULL;
		}
	}
	return old;
}

static void xa_destroy(struct xarray *xa)
{
	/* xa_erase frees a node when it empties: no entries, no nodes. */
	if (!xa->nr_entries)
		return;
	for (unsigned i = 0; i < XA_CHUNK_SIZE; i++) {
		struct xa_node *node = xa->root[i];

		if (!node)
			continue;
		for (unsigned j = 0; j < XA_CHUNK_SIZE; j++)
			free(node->slots[j]);
		free(node);
		xa->root[i] = NULL;
	}
	xa->nr_entries = 0;
}

/* ---- slots ---- */

int swap_init(struct impl *m)
{
	struct swap_info *si = &m->si;
	uint32_t n = m->cfg.slots;

	si->nr_slots = n;
	si->used = zalloc_array((n + 63) / 64, sizeof(*si->used));
	si->swap_map = zalloc_array(n, sizeof(*si->swap_map));
	si->cache = zalloc_array(n, sizeof(*si->cache));
	si->content = zalloc_array(n, sizeof(*si->content));
	if (!si->used || !si->swap_map || !si->cache || !si->content)
		return -1;
	return 0;  /* zeroed: every slot free, the swap cache empty */
}

/* Free every saved tag and node (reset): O(roots + nodes * XA_CHUNK_SIZE). */
void swap_tags_destroy(struct impl *m)
{
	xa_destroy(&m->si.tags);
}

void swap_destroy(struct impl *m)
{
	struct swap_info *si = &m->si;

	xa_destroy(&si->tags);
	zfree(si->used, (si->nr_slots + 63) / 64, sizeof(*si->used));
	zfree(si->swap_map, si->nr_slots, sizeof(*si->swap_map));
	zfree(si->cache, si->nr_slots, sizeof(*si->cache));
	zfree(si->content, si->nr_slots, sizeof(*si->content));
}

/*
 * Choose a free slot: next-fit from the cursor, a 64-bit word at a time,
 * and record it (placement SLOT).  Amortised O(1) while the device is not
 * nearly full.
 */
uint32_t get_swap_page(struct impl *m)
{
	struct swap_info *si = &m->si;
	uint32_t nwords = (si->nr_slots + 63) / 64;
	uint32_t w = si->cursor / 64;
	struct pd_placement place = { .kind = PD_PLACE_SLOT };

	if (si->inuse == si->nr_slots)
		return NIL;
	for (uint32_t i = 0; i <= nwords; i++, w = (w + 1) % nwords) {
		uint64_t freebits = ~si->used[w];
		uint32_t slot;

		if (i == 0)  /* start at the cursor within its word */
			freebits &= ~0ull << (si->cursor % 64);
		if (w == nwords - 1 && si->nr_slots % 64)
			freebits &= (1ull << (si->nr_slots % 64)) - 1;
		if (!freebits)
			continue;
		slot = w * 64 + (uint32_t)__builtin_ctzll(freebits);
		mark_slot_dirty(m, slot);
		si->used[w] |= 1ull << (slot % 64);
		si->inuse++;
		si->cursor = (slot + 1) % si->nr_slots;
		place.where = slot;
		pd_record_placement(m->ctx, &place);
		return slot;
	}
	VM_BUG_ON(1);
	return NIL;
}

/* S7: the slot is free again, and so are its saved tags. */
static void swap_slot_free(struct impl *m, uint32_t slot)
{
	struct swap_info *si = &m->si;

	VM_BUG_ON(si->swap_map[slot] != 0);
	mark_slot_dirty(m, slot);
	si->used[slot / 64] &= ~(1ull << (slot % 64));
	si->inuse--;
	si->content[slot] = 0;
	free(xa_erase(&si->tags, slot));
}

void swap_duplicate(struct impl *m, uint32_t slot)
{
	VM_BUG_ON(swap_count(m, slot) == SWAP_MAP_MAX);
	mark_slot_dirty(m, slot);
	m->si.swap_map[slot]++;
	touch_slot(m, slot);
}

/* Drop one swap PTE's reference; the slot goes when nothing names it. */
void swap_free_entry(struct impl *m, uint32_t slot)
{
	VM_BUG_ON(swap_count(m, slot) == 0);
	touch_slot(m, slot);
	mark_slot_dirty(m, slot);
	if (--m->si.swap_map[slot] == 0)
		swap_slot_free(m, slot);
}

/* The caller accounts the cache's reference in the refcount. */
void add_to_swap_cache(struct impl *m, uint32_t pfn, uint32_t slot)
{
	struct page *page = pfn_to_page(m, pfn);

	VM_BUG_ON(PageSwapCache(page) || swap_cache_pfn(m, slot) != NIL);
	touch_frame(m, pfn);
	touch_slot(m, slot);
	mark_slot_dirty(m, slot);
	SetPageSwapCache(page);
	page->anon.private = slot;
	set_swap_cache_pfn(m, slot, pfn);
	m->si.swap_map[slot] |= SWAP_HAS_CACHE;
}

void delete_from_swap_cache(struct impl *m, uint32_t pfn)
{
	struct page *page = pfn_to_page(m, pfn);
	uint32_t slot = page->anon.private;

	VM_BUG_ON(!PageSwapCache(page) || swap_cache_pfn(m, slot) != pfn);
	touch_frame(m, pfn);
	touch_slot(m, slot);
	mark_slot_dirty(m, slot);
	ClearPageSwapCache(page);
	page->anon.private = 0;
	set_swap_cache_pfn(m, slot, NIL);
	m->si.swap_map[slot] &= ~SWAP_HAS_CACHE;
	if (m->si.swap_map[slot] == 0)
		swap_slot_free(m, slot);
}

/* mte_save_tags(): a stale entry at this key is replaced and freed. */
void mte_save_tags(struct impl *m, uint32_t pfn, uint32_t slot)
{
	uint8_t *buf = malloc(m->tag_bytes);

	if (!buf)
		abort();
	memcpy(buf, page_tags(m, pfn), m->tag_bytes);
	free(xa_store(&m->si.tags, slot, buf));
}

bool mte_restore_tags(struct impl *m, uint32_t slot, uint32_t pfn)
{
	const uint8_t *buf = xa_load(&m->si.tags, slot);

	if (!buf)
		return false;
	memcpy(page_tags(m, pfn), buf, m->tag_bytes);
	return true;
}

const uint8_t *mte_saved_tags(struct impl *m, uint32_t slot)
{
	return xa_load(&m->si.tags, slot);
}

/* ---- ops ---- */

/*
 * Reclaim the page mapped at proc/vpage (S1-S4): every mapping becomes a
 * swap PTE, content and tags go to the slot, AE is cleared (kept in the
 * swap PTE under swap_excl=kept); the page is freed if only the mappings
 * (and the swap cache) held it, else it stays in the swap cache.
 */
void impl_op_swapout(void *model, struct pd_ctx *ctx, const struct pd_call *call,
		     struct pd_result *res)
{
	struct impl *m = impl_enter(model, ctx, call, res);
	struct mm *mm = &m->mm[call->proc];
	unsigned v = call->vpage;
	struct page *page;
	uint32_t pfn, slot, nr;
	pte_t pte;
	bool excl, sc;

	res->status = (uint8_t)access_check(m->mm, m->cfg.vpages, call);
	if (res->status != PD_OK)
		return;
	pte = pte_get(mm, v);
	if (!pte_present(pte)) {
		res->status = PD_REFUSED;
		return;
	}
	pfn = pte_pfn(pte);
	page = pfn_to_page(m, pfn);
	if (page->_refcount >= PD_PIN_BIAS) {
		res->status = PD_REFUSED;
		return;
	}
	/*
	 * A page still in the swap cache keeps its slot (shrink_folio_list
	 * calls add_to_swap only for a folio not in the cache): no placement.
	 */
	sc = PageSwapCache(page);
	if (sc) {
		slot = page->anon.private;
	} else {
		slot = get_swap_page(m);
		if (slot == NIL) {
			res->status = PD_ENOMEM;
			return;
		}
	}
	touch_frame(m, pfn);   /* AE, refcount, swap cache; the PTEs in try_to_unmap_swap */
	touch_slot(m, slot);   /* content, tags, count */
	mark_slot_dirty(m, slot);
	m->si.content[slot] = page->content;
	if (PageMteTagged(page))
		mte_save_tags(m, pfn, slot);
	else
		free(xa_erase(&m->si.tags, slot));
	excl = m->cfg.swap_excl == PD_SWAP_EXCL_KEPT && PageAnonExclusive(page);
	nr = try_to_unmap_swap(m, pfn, swp_entry_to_pte(slot, excl));
	ClearPageAnonExclusive(page);
	page->_refcount -= nr;
	if (!(call->flags & PD_SWAPOUT_KEEP) && page->_refcount == (sc ? 1u : 0u)) {
		if (sc)
			delete_from_swap_cache(m, pfn);
		page->_refcount = 0;
		free_pages_locked(m, m->cpu, pfn, 0);
		return;
	}
	if (!sc) {
		page->_refcount++;  /* the swap cache's reference */
		add_to_swap_cache(m, pfn, slot);
	}
}

/* S8: drop a swap-cache page whose only reference is the cache's. */
void impl_op_swapcache_drop(void *model, struct pd_ctx *ctx, const struct pd_call *call,
			    struct pd_result *res)
{
	struct impl *m = impl_enter(model, ctx, call, res);
	uint32_t pfn;

	if (call->slot >= m->si.nr_slots) {
		res->status = PD_EINVAL;
		return;
	}
	pfn = swap_cache_pfn(m, call->slot);
	if (pfn == NIL || pfn_to_page(m, pfn)->_refcount != 1) {
		res->status = PD_REFUSED;
		return;
	}
	delete_from_swap_cache(m, pfn);
	pfn_to_page(m, pfn)->_refcount = 0;
	free_pages_locked(m, m->cpu, pfn, 0);
}
