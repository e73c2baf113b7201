// SPDX-License-Identifier: MIT
/*
 * model.c - the impl as a pagediff model: create/destroy (boot), the op
 * table, and the observable state (pd_frame_state and friends).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static bool config_supported(const struct pd_config *c, char *err, size_t errlen)
{
	const char *why = NULL;

	if (c->frames_log2 < PD_MIN_FRAMES_LOG2 || c->frames_log2 > PD_MAX_FRAMES_LOG2)
		why = "frames out of range";
	else if (c->max_order > c->frames_log2 || c->max_order > PD_MAX_ORDER_LIMIT)
		why = "max_order out of range";
	else if (c->cpus < 1 || c->cpus > PD_MAX_CPUS)
		why = "cpus out of range";
	else if (!c->granules || c->granules > PD_MAX_GRANULES ||
		 (c->granules & (c->granules - 1)))
		why = "granules must be a power of two <= 256";
	else if (c->accept_order > c->frames_log2)
		why = "accept_order out of range";
	else if (c->tag_ratio_log2 > c->frames_log2)
		why = "tag_ratio out of range";
	else if (c->slots < 1 || c->slots > 65536)
		why = "slots out of range";
	else if (!c->pcp_batch || c->pcp_high < c->pcp_batch)
		why = "pcp_batch/pcp_high out of range";
	else if (c->vpages < 1 || c->vpages > PD_MAX_VPAGES)
		why = "vpages out of range";
	else if (c->swap_excl > PD_SWAP_EXCL_KEPT || c->accept > PD_ACCEPT_LIST ||
		 c->tagstore > PD_TAGSTORE_BESTEFFORT)
		why = "unknown design option";
	if (why && err && errlen)
		snprintf(err, errlen, "impl: %s", why);
	return !why;
}

static void impl_destroy(void *model)
{
	struct impl *m = model;

	if (!m)
		return;
	for (unsigned p = 0; p < PD_MAX_PROCS; p++)
		free_pgtables(m, &m->mm[p]);
	pte_quicklist_free(m);
	impl_dirty_free(m);
	swap_destroy(m);
	zfree(m->mem_map, m->nr_frames, sizeof(struct page));
	zfree(m->tags, m->nr_frames, m->tag_bytes);
	zfree(m->unaccepted_map, (m->nr_units + 63) / 64, sizeof(uint64_t));
	zfree(m->times_accepted, m->nr_units, 1);
	zfree(m->tag_blocks, m->nr_tag_blocks, sizeof(*m->tag_blocks));
	free(m);
}


static void *impl_create(const struct pd_config *cfg, char *err, size_t errlen)
{
	struct impl *m;

	if (!config_supported(cfg, err, errlen))
		return NULL;
	m = calloc(1, sizeof(*m));
	if (!m)
		goto nomem;
	m->cfg = *cfg;
	m->nr_frames = pd_nr_frames(cfg);
	m->max_order = cfg->max_order;
	m->tag_bytes = (cfg->granules + 1u) / 2;
	m->nr_units = pd_nr_units(cfg);
	m->nr_tag_blocks = pd_nr_tag_blocks(cfg);
	/* Boot writes no struct page (deferred boot, buddy.c): fresh zero pages. */
	m->mem_map = zalloc_array(m->nr_frames, sizeof(struct page));
	m->tags = zalloc_array(m->nr_frames, m->tag_bytes);
	m->unaccepted_map = zalloc_array((m->nr_units + 63) / 64, sizeof(uint64_t));
	m->times_accepted = zalloc_array(m->nr_units, 1);
	m->tag_blocks = zalloc_array(m->nr_tag_blocks, sizeof(*m->tag_blocks));
	if (!m->mem_map || !m->tags || !m->unaccepted_map || !m->times_accepted ||
	    !m->tag_blocks || swap_init(m) || impl_dirty_init(m))
		goto nomem;

	for (unsigned o = 0; o <= PD_MAX_ORDER_LIMIT; o++)
		plist_init(&m->zone.free_area[o].list);
	plist_init(&m->zone.deferred);
	for (unsigned c = 0; c < PD_MAX_CPUS; c++)
		for (unsigned o = 0; o < NR_PCP_ORDERS; o++)
			plist_init(&m->pcp[c].lists[o]);
	accept_boot(m);
	buddy_boot(m);
	impl_boot_done(m);  /* what boot left is what reset() restores */
	return m;
nomem:
	if (err && errlen)
		snprintf(err, errlen, "impl: out of memory");
	impl_destroy(m);
	return NULL;
}

/*
 * Back to the state impl_create() left the model in: impl_restore()
 * copies back what changed since, from the boot images saved at each
 * chunk's first write (reset.c).  Never fails: it allocates nothing.
 */
static bool impl_reset(void *model)
{
	impl_restore(model);
	return true;
}

/* All memory the model holds, for bytes-per-frame figures. */
size_t impl_memory_bytes(const void *model)
{
	const struct impl *m = model;
	size_t bytes = sizeof(*m);

	bytes += (size_t)m->nr_frames * (sizeof(struct page) + m->tag_bytes);
	bytes += (size_t)(m->nr_units + 63) / 64 * 8 + m->nr_units;
	bytes += (size_t)m->nr_tag_blocks * sizeof(struct tag_block);
	bytes += (size_t)(m->si.nr_slots + 63) / 64 * 8;
	bytes += (size_t)m->si.nr_slots * (1 + 4 + 8);
	bytes += (size_t)m->si.tags.nr_entries * m->tag_bytes;
	for (unsigned i = 0; i < XA_CHUNK_SIZE; i++)
		if (m->si.tags.root[i])
			bytes += sizeof(struct xa_node);
	for (unsigned p = 0; p < PD_MAX_PROCS; p++)
		for (unsigned i = 0; i < PTRS_PER_PGD; i++)
			if (m->mm[p].pgd[i])
				bytes += PTRS_PER_PTE * sizeof(pte_t);
	bytes += dirty_set_bytes(&m->frames_dirty) + dirty_set_bytes(&m->units_dirty) +
		 dirty_set_bytes(&m->tag_blocks_dirty) + dirty_set_bytes(&m->slots_dirty);
	return bytes;
}

/* ---- observable state ---- */

/*
 * The allocated (or deferred) block containing pfn, or NIL.  Blocks are
 * aligned, so the head is pfn rounded down to some order: O(max_order).
 */
static uint32_t block_head(struct impl *m, uint32_t pfn)
{
	for (unsigned o = 0; o <= m->max_order; o++) {
		uint32_t head = pfn & ~((1u << o) - 1);
		const struct page *p = pfn_to_page_ro(m, head);

		if ((PageHead(p) || PageDeferred(p)) && page_order(p) >= o)
			return head;
	}
	return NIL;
}

/* pfn starts an allocated or a deferred block: block_head()'s order-0 case. */
static bool starts_block(const struct impl *m, uint32_t pfn)
{
	const struct page *p = pfn_to_page_ro(m, pfn);

	return PageHead(p) || PageDeferred(p);
}

/* A frame of no block (FREE) or a block's tail: all but `accepted` as at zero. */
static void plain_frame_state(struct impl *m, uint32_t pfn, unsigned kind,
			      struct pd_frame_state *out)
{
	out->kind = (uint8_t)kind;
	out->swapcache_slot = PD_NO_SLOT;
	out->accepted = unit_accepted(m, pfn >> m->cfg.accept_order);
}

/* The head of an allocated or deferred block, into out zeroed up to its tags. */
static void head_frame_state(struct impl *m, uint32_t pfn, struct pd_frame_state *out)
{
	const struct page *page = pfn_to_page_ro(m, pfn);

	plain_frame_state(m, pfn, PD_FRAME_HEAD, out);
	out->order = (uint8_t)page_order(page);
	if (PageDeferred(page)) {
		out->kind = PD_FRAME_DEFERRED;
		return;
	}
	out->anon = PageAnon(page);
	out->anon_exclusive = PageAnon(page) && PageAnonExclusive(page);
	out->mte_tagged = PageMteTagged(page);
	out->tag_reserved = PageTagReserved(page);
	out->in_swapcache = PageSwapCache(page);
	out->content_defined = PageUptodate(page);
	out->mapcount = page_mapcount(page);
	out->refcount = page->_refcount;
	if (PageSwapCache(page))
		out->swapcache_slot = page->anon.private;
	if (PageUptodate(page))
		out->content = page->content;
	if (PageMteTagged(page))
		memcpy(out->tags, page_tags_ro(m, pfn), m->tag_bytes);
}

static void impl_frame_state(void *model, uint32_t pfn, struct pd_frame_state *out)
{
	struct impl *m = model;
	uint32_t head = block_head(m, pfn);

	memset(out, 0, sizeof(*out));
	if (head == pfn)
		head_frame_state(m, pfn, out);
	else
		plain_frame_state(m, pfn, head == NIL ? PD_FRAME_FREE : PD_FRAME_TAIL, out);
}

/*
 * A run of frames by walking blocks, not n block_head() searches of
 * O(max_order) each (a freed or refilled run is all FREE frames, each the
 * search's worst case).  Blocks are aligned and never overlap, so once
 * the walk is past a free frame or a block's end, a block holding the
 * next frame can only start at it: only the run's first frame may sit
 * inside a block that began before the run.
 */
static void impl_frame_state_range(void *model, uint32_t first, uint32_t n,
				   struct pd_frame_state *out)
{
	struct impl *m = model;
	uint32_t end = first + n, pfn = first, head = block_head(m, first);

	while (pfn < end) {
		if (head == NIL) {
			plain_frame_state(m, pfn, PD_FRAME_FREE, &out[pfn - first]);
			pfn++;
		} else {
			uint32_t block_end = head + (1u << page_order(pfn_to_page_ro(m, head)));

			if (head == pfn) {
				head_frame_state(m, pfn, &out[pfn - first]);
				pfn++;
			}
			for (; pfn < block_end && pfn < end; pfn++)
				plain_frame_state(m, pfn, PD_FRAME_TAIL, &out[pfn - first]);
		}
		if (pfn < end)
			head = starts_block(m, pfn) ? pfn : NIL;
	}
}

static void impl_pte_state(void *model, uint8_t proc, uint16_t vpage,
			   struct pd_pte_state *out)
{
	struct impl *m = model;
	struct mm *mm = &m->mm[proc];
	pte_t pte;

	memset(out, 0, sizeof(*out));
	out->frame = PD_NO_FRAME;
	out->slot = PD_NO_SLOT;
	if (proc >= PD_MAX_PROCS || !mm->alive || vpage >= m->cfg.vpages ||
	    !vma_mapped(mm, vpage))
		return;
	out->mapped = 1;
	out->mte = vma_mte(mm, vpage);
	pte = pte_get(mm, vpage);
	out->kind = (uint8_t)pte_kind(pte);
	if (pte_present(pte)) {
		out->writable = pte_write(pte);
		out->frame = pte_pfn(pte);
	} else if (is_swap_pte(pte)) {
		out->exclusive = pte_swp_exclusive(pte);
		out->slot = pte_swp_offset(pte);
	}
}

static void impl_proc_state(void *model, uint8_t proc, struct pd_proc_state *out)
{
	struct impl *m = model;

	memset(out, 0, sizeof(*out));
	if (proc >= PD_MAX_PROCS)
		return;
	out->alive = m->mm[proc].alive;
	out->has_pinned = m->mm[proc].has_pinned;
}

static void impl_slot_state(void *model, uint32_t slot, struct pd_slot_state *out)
{
	struct impl *m = model;
	const uint8_t *tags;

	memset(out, 0, sizeof(*out));
	out->frame = PD_NO_FRAME;
	if (slot >= m->si.nr_slots)
		return;
	out->in_use = m->si.swap_map[slot] != 0;
	out->in_swapcache = (m->si.swap_map[slot] & SWAP_HAS_CACHE) != 0;
	out->count = swap_count(m, slot);
	out->frame = swap_cache_pfn(m, slot);
	if (out->in_use)
		out->content = m->si.content[slot];
	tags = mte_saved_tags(m, slot);
	if (tags) {
		out->tags_saved = 1;
		memcpy(out->tags, tags, m->tag_bytes);
	}
}

static void impl_unit_state(void *model, uint32_t unit, struct pd_unit_state *out)
{
	struct impl *m = model;

	memset(out, 0, sizeof(*out));
	if (unit >= m->nr_units)
		return;
	out->accepted = unit_accepted(m, unit);
	out->times_accepted = m->times_accepted[unit];
}

static void impl_tagblock_state(void *model, uint32_t block, struct pd_tagblock_state *out)
{
	struct impl *m = model;

	memset(out, 0, sizeof(*out));
	if (block >= m->nr_tag_blocks)
		return;
	out->reservations = m->tag_blocks[block].reservations;
	out->pins = m->tag_blocks[block].pins;
}

static void impl_totals(void *model, struct pd_totals *out)
{
	struct impl *m = model;

	memset(out, 0, sizeof(*out));
	out->free_frames = m->zone.free_frames;
	out->deferred_frames = m->zone.deferred_frames;
	out->live_procs = m->live_procs;
}

const struct pd_model_ops pd_impl_ops = {
	.name = "impl",
	.caps = PD_CAP_TOUCH,  /* every change is pd_touch()ed: internal.h, "What an op changed" */
	.create = impl_create,
	.destroy = impl_destroy,
	.alloc = impl_op_alloc,
	.free = impl_op_free,
	.drain = impl_op_drain,
	.zone_lock = impl_op_zone_lock,
	.zone_unlock = impl_op_zone_unlock,
	.spawn = impl_op_spawn,
	.mmap = impl_op_mmap,
	.munmap = impl_op_munmap,
	.exit = impl_op_exit,
	.fork = impl_op_fork,
	.read = impl_op_read,
	.write = impl_op_write,
	.settag = impl_op_settag,
	.swapout = impl_op_swapout,
	.swapcache_drop = impl_op_swapcache_drop,
	.pin = impl_op_pin,
	.unpin = impl_op_unpin,
	.pin_read = impl_op_pin_read,
	.pin_write = impl_op_pin_write,
	.get = impl_op_get,
	.put = impl_op_put,
	.ref_read = impl_op_ref_read,
	.tagstore_pin = impl_op_tagstore_pin,
	.tagstore_unpin = impl_op_tagstore_unpin,
	.frame_state = impl_frame_state,
	.frame_state_range = impl_frame_state_range,
	.pte_state = impl_pte_state,
	.proc_state = impl_proc_state,
	.slot_state = impl_slot_state,
	.unit_state = impl_unit_state,
	.tagblock_state = impl_tagblock_state,
	.totals = impl_totals,
#if PAGEDIFF_IMPL_CHECK
	.check = impl_check,  /* DEBUG_VM: the engine runs it after every op */
#else
	.check = NULL,
#endif
	.reset = impl_reset,  /* O(what changed): reset.c */
};
