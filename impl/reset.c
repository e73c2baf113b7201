// SPDX-License-Identifier: MIT
/*
 * reset.c - put a model back into its boot state at the cost of what the
 * inputs since changed (the `reset` member of the model contract), the
 * way a snapshot fuzzer restores only dirtied pages.
 *
 * Every write path to a per-object array notes the object's chunk of 64
 * in a dirty set (internal.h): pfn_to_page() and page_tags() for the
 * frames, accept_page() for units, tag_block_mut() for tag blocks, and
 * the swap-map writers for slots.  The first time since create() that a
 * chunk is noted, before the write, its bytes in every array of the set
 * are saved into the arrays' boot images (copy on first write): boot
 * state is saved only where an input ever wrote, so a new model copies
 * nothing and holds no second instance.  reset() copies the listed
 * chunks back from the images, frees what the inputs allocated (page
 * tables, saved tags), and copies back the fixed-size state boot left
 * (zone, pcp lists; processes, GUP records and counters are zero): a few
 * kilobytes, whatever the zone's size.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Past a quarter of the chunks, one memcpy of the array beats the list. */
static uint32_t dirty_cap(uint32_t nr_chunks)
{
	return nr_chunks / 4 + 1;
}

/*
 * A set starts booting: every chunk marked, so that boot's writes take
 * dirty_mark()'s fast path and save nothing (they make the image).
 * impl_boot_done() ends it.
 */
int dirty_set_init(struct dirty_set *d, uint32_t nr_objs)
{
	memset(d, 0, sizeof(*d));
	d->nr_chunks = (nr_objs + DIRTY_CHUNK - 1) >> DIRTY_CHUNK_SHIFT;
	d->cap = dirty_cap(d->nr_chunks);
	d->all = true;
	d->dirty = malloc(d->nr_chunks);
	d->saved = calloc(d->nr_chunks, 1);
	d->list = malloc(d->cap * sizeof(*d->list));
	if (!d->dirty || !d->saved || !d->list)
		return -1;
	memset(d->dirty, 1, d->nr_chunks);
	return 0;
}

/*
 * Cover `array` (`bytes` long, `chunk_bytes` per chunk of the set) with
 * the set: give it a boot image, zeroed until chunks are saved into it.
 */
int dirty_set_track(struct dirty_set *d, void *array, size_t chunk_bytes, size_t bytes)
{
	struct dirty_array *a = &d->arr[d->nr_arrays];

	if (d->nr_arrays == DIRTY_MAX_ARRAYS)
		return -1;
	a->image = zalloc_array(bytes, 1);
	if (!a->image)
		return -1;
	a->live = array;
	a->chunk_bytes = chunk_bytes;
	a->bytes = bytes;
	d->nr_arrays++;
	return 0;
}

void dirty_set_free(struct dirty_set *d)
{
	for (unsigned i = 0; i < d->nr_arrays; i++)
		zfree(d->arr[i].image, d->arr[i].bytes, 1);
	free(d->dirty);
	free(d->saved);
	free(d->list);
	memset(d, 0, sizeof(*d));
}

/* Chunk c's byte range in array a: [*off, *off + return value). */
static size_t chunk_span(const struct dirty_array *a, uint32_t c, size_t *off)
{
	*off = (size_t)c * a->chunk_bytes;
	return a->bytes - *off < a->chunk_bytes ? a->bytes - *off : a->chunk_bytes;
}

/* Copy on first write: chunk c, never written since boot, into the images. */
static void save_chunk(struct dirty_set *d, uint32_t c)
{
	for (unsigned i = 0; i < d->nr_arrays; i++) {
		const struct dirty_array *a = &d->arr[i];
		size_t off, len = chunk_span(a, c, &off);

		memcpy((char *)a->image + off, (const char *)a->live + off, len);
	}
	d->saved[c] = 1;
	d->nr_saved++;
}

/* Before `all` stops per-chunk marking: every chunk's image is then saved. */
static void save_all_chunks(struct dirty_set *d)
{
	for (uint32_t c = 0; c < d->nr_chunks && d->nr_saved < d->nr_chunks; c++)
		if (!d->saved[c])
			save_chunk(d, c);
}

/*
 * The slow half of dirty_mark(): the chunk's first write since the
 * reset, before the write.  One chunk beyond the list's capacity marks
 * everything, so that no later write comes here again before the reset;
 * since those writes are not seen, every image is completed first.
 */
void __dirty_set_add(struct dirty_set *d, uint32_t chunk)
{
	if (d->nr == d->cap) {
		save_all_chunks(d);
		d->all = true;
		memset(d->dirty, 1, d->nr_chunks);
		return;
	}
	if (!d->saved[chunk])
		save_chunk(d, chunk);
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
 * Copy the dirty chunks of every array back from its image: after `all`
 * the whole arrays (every chunk was saved when `all` was set).
 */
static void restore_chunks(const struct dirty_set *d)
{
	for (unsigned i = 0; i < d->nr_arrays; i++) {
		const struct dirty_array *a = &d->arr[i];

		if (d->all) {
			memcpy(a->live, a->image, a->bytes);
			continue;
		}
		for (uint32_t k = 0; k < d->nr; k++) {
			size_t off, len = chunk_span(a, d->list[k], &off);

			memcpy((char *)a->live + off, (const char *)a->image + off, len);
		}
	}
}

/*
 * The arrays each set covers (reset_*() below restores them all).  A
 * bitmap's chunk of 64 objects is one word.
 */
int impl_dirty_init(struct impl *m)
{
	const size_t chunk = DIRTY_CHUNK;
	struct swap_info *si = &m->si;

	_Static_assert(DIRTY_CHUNK == 64, "a unit or slot chunk is one bitmap word");
	if (dirty_set_init(&m->frames_dirty, m->nr_frames) ||
	    dirty_set_init(&m->units_dirty, m->nr_units) ||
	    dirty_set_init(&m->tag_blocks_dirty, m->nr_tag_blocks) ||
	    dirty_set_init(&m->slots_dirty, si->nr_slots))
		return -1;
	if (dirty_set_track(&m->frames_dirty, m->mem_map, chunk * sizeof(struct page),
			    (size_t)m->nr_frames * sizeof(struct page)) ||
	    dirty_set_track(&m->frames_dirty, m->tags, chunk * m->tag_bytes,
			    (size_t)m->nr_frames * m->tag_bytes) ||
	    dirty_set_track(&m->units_dirty, m->unaccepted_map, sizeof(uint64_t),
			    (m->nr_units + 63) / 64 * sizeof(uint64_t)) ||
	    dirty_set_track(&m->units_dirty, m->times_accepted, chunk, m->nr_units) ||
	    dirty_set_track(&m->tag_blocks_dirty, m->tag_blocks, chunk * sizeof(struct tag_block),
			    (size_t)m->nr_tag_blocks * sizeof(struct tag_block)) ||
	    dirty_set_track(&m->slots_dirty, si->used, sizeof(uint64_t),
			    (si->nr_slots + 63) / 64 * sizeof(uint64_t)) ||
	    dirty_set_track(&m->slots_dirty, si->swap_map, chunk, si->nr_slots) ||
	    dirty_set_track(&m->slots_dirty, si->cache, chunk * sizeof(*si->cache),
			    (size_t)si->nr_slots * sizeof(*si->cache)) ||
	    dirty_set_track(&m->slots_dirty, si->content, chunk * sizeof(*si->content),
			    (size_t)si->nr_slots * sizeof(*si->content)))
		return -1;
	return 0;
}

/*
 * Boot is done: what it left is what reset() goes back to.  The arrays'
 * chunks are saved as inputs first write them; the fixed-size state here.
 */
void impl_boot_done(struct impl *m)
{
	dirty_set_clear(&m->frames_dirty);
	dirty_set_clear(&m->units_dirty);
	dirty_set_clear(&m->tag_blocks_dirty);
	dirty_set_clear(&m->slots_dirty);
	m->boot.zone = m->zone;
	memcpy(m->boot.pcp, m->pcp, sizeof(m->pcp));
	m->boot.swap_cursor = m->si.cursor;
	m->boot.swap_inuse = m->si.inuse;
}

/* The set's own arrays and the images' saved chunks (what is resident). */
size_t dirty_set_bytes(const struct dirty_set *d)
{
	size_t bytes = 2 * (size_t)d->nr_chunks + (size_t)d->cap * sizeof(*d->list);

	for (unsigned i = 0; i < d->nr_arrays; i++)
		bytes += (size_t)d->nr_saved * d->arr[i].chunk_bytes;
	return bytes;
}

void impl_dirty_free(struct impl *m)
{
	dirty_set_free(&m->frames_dirty);
	dirty_set_free(&m->units_dirty);
	dirty_set_free(&m->tag_blocks_dirty);
	dirty_set_free(&m->slots_dirty);
}

/* The arrays of a set back to their images, nothing dirty. */
static void reset_dirty_set(struct dirty_set *d)
{
	restore_chunks(d);
	dirty_set_clear(d);
}

static void reset_swap(struct impl *m)
{
	swap_tags_destroy(m);
	reset_dirty_set(&m->slots_dirty);
	m->si.cursor = m->boot.swap_cursor;
	m->si.inuse = m->boot.swap_inuse;
}

/* Processes: their page tables go, as at exit; the rest is zero, as at boot. */
static void reset_procs(struct impl *m)
{
	for (unsigned q = 0; q < PD_MAX_PROCS; q++)
		free_pgtables(m, &m->mm[q]);
	memset(m->mm, 0, sizeof(m->mm));
	m->live_procs = 0;
	memset(m->gup, 0, sizeof(m->gup));
	m->nr_gup = 0;
}

/*
 * Make m what a model booted for the same config and never run is:
 * every field that can influence behaviour, free-list order included
 * (the lists live in mem_map's lru links and the zone's list heads).
 */
void impl_restore(struct impl *m)
{
	reset_dirty_set(&m->frames_dirty);
	reset_dirty_set(&m->units_dirty);
	reset_dirty_set(&m->tag_blocks_dirty);
	reset_swap(m);
	reset_procs(m);
	m->zone = m->boot.zone;
	memcpy(m->pcp, m->boot.pcp, sizeof(m->pcp));
	m->ctx = NULL;
	m->cpu = 0;
}
