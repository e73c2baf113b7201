// SPDX-License-Identifier: MIT
/*
 * reset.c - put a model back into its boot state at the cost of what the
 * inputs since changed (the `reset` member of the model contract), the
 * way a snapshot fuzzer restores only dirtied pages.
 *
 * Every write path to a per-object array notes the object's chunk of 64
 * in a dirty set (internal.h): pfn_to_page() and page_tags() for the
 * frames, accept_page() for units, tag_block_mut() for tag blocks, and
 * the swap-map writers for slots.  reset() copies the listed chunks back
 * from a pristine instance booted for the same config on the first
 * reset(), frees what the inputs allocated (page tables, saved tags),
 * and copies the fixed-size state (zone, pcp lists, processes, GUP
 * records, counters) whole: a few kilobytes, whatever the zone's size.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Past a quarter of the chunks, one memcpy of the array beats the list. */
static uint32_t dirty_cap(uint32_t nr_chunks)
{
	return nr_chunks / 4 + 1;
}

int dirty_set_init(struct dirty_set *d, uint32_t nr_objs)
{
	d->nr_chunks = (nr_objs + DIRTY_CHUNK - 1) >> DIRTY_CHUNK_SHIFT;
	d->cap = dirty_cap(d->nr_chunks);
	d->nr = 0;
	d->all = false;
	d->dirty = calloc(d->nr_chunks, 1);
	d->list = calloc(d->cap, sizeof(*d->list));
	return d->dirty && d->list ? 0 : -1;
}

void dirty_set_free(struct dirty_set *d)
{
	free(d->dirty);
	free(d->list);
	d->dirty = NULL;
	d->list = NULL;
}

/*
 * The slow half of dirty_mark(): the chunk's first write.  One chunk
 * beyond the list's capacity marks everything, so that no later write
 * comes here again before the reset.
 */
void __dirty_set_add(struct dirty_set *d, uint32_t chunk)
{
	if (d->nr == d->cap) {
		d->all = true;
		memset(d->dirty, 1, d->nr_chunks);
		return;
	}
	d->dirty[chunk] = 1;
	d->list[d->nr++] = chunk;
}

/* Nothing written since: O(chunks listed), or O(chunks) after `all`. */
void dirty_set_clear(struct dirty_set *d)
{
	if (d->all)
		memset(d->dirty, 0, d->nr_chunks);
	else
		for (uint32_t i = 0; i < d->nr; i++)
			d->dirty[d->list[i]] = 0;
	d->nr = 0;
	d->all = false;
}

/*
 * Copy the dirty chunks of an array of nr_objs objects of obj_size bytes
 * back from the pristine copy `src`.
 */
void restore_chunks(const struct dirty_set *d, void *dst, const void *src,
		    size_t obj_size, size_t nr_objs)
{
	size_t chunk_bytes = (size_t)DIRTY_CHUNK * obj_size, total = nr_objs * obj_size;

	if (d->all) {
		memcpy(dst, src, total);
		return;
	}
	for (uint32_t i = 0; i < d->nr; i++) {
		size_t off = d->list[i] * chunk_bytes;
		size_t len = total - off < chunk_bytes ? total - off : chunk_bytes;

		memcpy((char *)dst + off, (const char *)src + off, len);
	}
}

/* The same chunk of a bitmap is one word (64 objects per chunk). */
static void restore_bitmap_words(const struct dirty_set *d, uint64_t *dst,
				 const uint64_t *src, size_t nr_words)
{
	if (d->all) {
		memcpy(dst, src, nr_words * sizeof(*dst));
		return;
	}
	for (uint32_t i = 0; i < d->nr; i++)
		dst[d->list[i]] = src[d->list[i]];
}

int impl_dirty_init(struct impl *m)
{
	if (dirty_set_init(&m->frames_dirty, m->nr_frames) ||
	    dirty_set_init(&m->units_dirty, m->nr_units) ||
	    dirty_set_init(&m->tag_blocks_dirty, m->nr_tag_blocks) ||
	    dirty_set_init(&m->slots_dirty, m->cfg.slots))
		return -1;
	return 0;
}

/* Boot is done: what it wrote is the image reset() goes back to. */
void impl_dirty_clear(struct impl *m)
{
	dirty_set_clear(&m->frames_dirty);
	dirty_set_clear(&m->units_dirty);
	dirty_set_clear(&m->tag_blocks_dirty);
	dirty_set_clear(&m->slots_dirty);
}

size_t dirty_set_bytes(const struct dirty_set *d)
{
	return d->nr_chunks + (size_t)d->cap * sizeof(*d->list);
}

void impl_dirty_free(struct impl *m)
{
	dirty_set_free(&m->frames_dirty);
	dirty_set_free(&m->units_dirty);
	dirty_set_free(&m->tag_blocks_dirty);
	dirty_set_free(&m->slots_dirty);
}

static void reset_frames(struct impl *m, const struct impl *p)
{
	restore_chunks(&m->frames_dirty, m->mem_map, p->mem_map, sizeof(struct page),
		       m->nr_frames);
	restore_chunks(&m->frames_dirty, m->tags, p->tags, m->tag_bytes, m->nr_frames);
	dirty_set_clear(&m->frames_dirty);
}

static void reset_units(struct impl *m, const struct impl *p)
{
	_Static_assert(DIRTY_CHUNK == 64, "a unit chunk is one bitmap word");
	restore_bitmap_words(&m->units_dirty, m->unaccepted_map, p->unaccepted_map,
			     (m->nr_units + 63) / 64);
	restore_chunks(&m->units_dirty, m->times_accepted, p->times_accepted, 1, m->nr_units);
	dirty_set_clear(&m->units_dirty);
}

static void reset_tag_blocks(struct impl *m, const struct impl *p)
{
	restore_chunks(&m->tag_blocks_dirty, m->tag_blocks, p->tag_blocks,
		       sizeof(struct tag_block), m->nr_tag_blocks);
	dirty_set_clear(&m->tag_blocks_dirty);
}

static void reset_swap(struct impl *m, const struct impl *p)
{
	struct swap_info *si = &m->si;
	const struct swap_info *psi = &p->si;

	swap_tags_destroy(m);
	restore_bitmap_words(&m->slots_dirty, si->used, psi->used, (si->nr_slots + 63) / 64);
	restore_chunks(&m->slots_dirty, si->swap_map, psi->swap_map, 1, si->nr_slots);
	restore_chunks(&m->slots_dirty, si->cache, psi->cache, sizeof(*si->cache), si->nr_slots);
	restore_chunks(&m->slots_dirty, si->content, psi->content, sizeof(*si->content),
		       si->nr_slots);
	dirty_set_clear(&m->slots_dirty);
	si->cursor = psi->cursor;
	si->inuse = psi->inuse;
}

/* Processes: their page tables go, as at exit; the rest is copied. */
static void reset_procs(struct impl *m, const struct impl *p)
{
	for (unsigned q = 0; q < PD_MAX_PROCS; q++)
		free_pgtables(m, &m->mm[q]);
	memcpy(m->mm, p->mm, sizeof(m->mm));
	m->live_procs = p->live_procs;
	memcpy(m->gup, p->gup, sizeof(m->gup));
	m->nr_gup = p->nr_gup;
}

/*
 * Make m what `pristine`, booted for the same config and never run, is:
 * every field that can influence behaviour, free-list order included
 * (the lists live in mem_map's lru links and the zone's list heads).
 */
void impl_restore(struct impl *m, const struct impl *pristine)
{
	reset_frames(m, pristine);
	reset_units(m, pristine);
	reset_tag_blocks(m, pristine);
	reset_swap(m, pristine);
	reset_procs(m, pristine);
	memcpy(&m->zone, &pristine->zone, sizeof(m->zone));
	memcpy(m->pcp, pristine->pcp, sizeof(m->pcp));
	m->ctx = NULL;
	m->cpu = 0;
}
