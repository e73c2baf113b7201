// SPDX-License-Identifier: MIT
/*
 * pool.c - model pairs kept between runs, for fuzz drivers.
 *
 * Creating a model is O(frames) (its arrays, its boot); at 65,536 frames
 * that alone is more than a whole fuzz execution may cost.  A pool keeps
 * the pairs of the last few configs and resets them instead (the model's
 * reset(), whose cost follows what the last input changed).  Entries are
 * keyed by the config and the two model tables.  When the pool is full or
 * holds too many frames, the least recently used entry that was never
 * reused goes first, then the least recently used of all: a fuzzer's
 * mutated configs are mostly run once, and would otherwise push out the
 * corpus's configs, which every other input needs (at 65,536 frames a
 * miss costs two boots, ~1-2 ms).
 *
 * A reset that fails drops the model: the run creates a new one.  Nothing
 * else of a run stays in the pool but the incremental comparison's visit
 * stamps, which are epoch-based and never read as current in a later run
 * (struct pd_visit).
 */
#include <stdlib.h>
#include <string.h>

#include "run.h"

#define POOL_ENTRIES 256
#define POOL_FRAMES  (1u << 20)   /* default: frames of all entries' configs together */

struct pd_pool {
	struct pd_pool_entry e[POOL_ENTRIES];
	uint64_t clock;
	size_t max_frames;
	unsigned long long hits, misses;
};

struct pd_pool *pd_pool_new_sized(size_t max_frames)
{
	struct pd_pool *pool = pd_xcalloc(1, sizeof(struct pd_pool));

	pool->max_frames = max_frames;
	return pool;
}

struct pd_pool *pd_pool_new(void)
{
	return pd_pool_new_sized(POOL_FRAMES);
}

static void entry_drop(struct pd_pool_entry *e)
{
	for (int i = 0; i < 2; i++)
		if (e->m[i])
			e->ops[i]->destroy(e->m[i]);
	pd_visit_free(&e->vis);
	memset(e, 0, sizeof(*e));
}

void pd_pool_free(struct pd_pool *pool)
{
	if (!pool)
		return;
	for (int k = 0; k < POOL_ENTRIES; k++)
		if (pool->e[k].used)
			entry_drop(&pool->e[k]);
	free(pool);
}

void pd_pool_stats(const struct pd_pool *pool, unsigned long long *hits,
		   unsigned long long *misses)
{
	*hits = pool ? pool->hits : 0;
	*misses = pool ? pool->misses : 0;
}

static size_t pooled_frames(const struct pd_pool *pool)
{
	size_t n = 0;

	for (int k = 0; k < POOL_ENTRIES; k++)
		if (pool->e[k].used)
			n += pd_nr_frames(&pool->e[k].cfg);
	return n;
}

/* The entry to drop: the least recent never reused, else the least recent. */
static struct pd_pool_entry *victim(struct pd_pool *pool)
{
	struct pd_pool_entry *lru = NULL, *once = NULL;

	for (int k = 0; k < POOL_ENTRIES; k++) {
		struct pd_pool_entry *e = &pool->e[k];

		if (!e->used)
			continue;
		if (!lru || e->lru < lru->lru)
			lru = e;
		if (e->uses <= 1 && (!once || e->lru < once->lru))
			once = e;
	}
	return once ? once : lru;
}

/* Make room for a config of `frames` frames and return a free entry. */
static struct pd_pool_entry *entry_alloc(struct pd_pool *pool, size_t frames)
{
	struct pd_pool_entry *e;

	while (pooled_frames(pool) + frames > pool->max_frames && (e = victim(pool)))
		entry_drop(e);
	for (int k = 0; k < POOL_ENTRIES; k++)
		if (!pool->e[k].used)
			return &pool->e[k];
	e = victim(pool);
	entry_drop(e);
	return e;
}

/* Reset a pooled model; a model that cannot be reset is destroyed. */
static void entry_reset(struct pd_pool_entry *e, int i)
{
	if (!e->m[i])
		return;
	if (e->ops[i]->reset && e->ops[i]->reset(e->m[i]))
		return;
	e->ops[i]->destroy(e->m[i]);
	e->m[i] = NULL;
}

/* FNV-1a over the config's fields: entry_find() compares configs only on a match. */
static uint64_t config_key(const struct pd_config *c)
{
	const uint32_t f[] = { c->frames_log2, c->cpus, c->max_order, c->granules,
			       c->accept_order, c->unaccepted, c->tag_ratio_log2, c->slots,
			       c->pcp_batch, c->pcp_high, c->vpages, c->swap_excl, c->accept,
			       c->tagstore };
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		h = (h ^ f[i]) * 0x100000001b3ull;
	return h;
}

static struct pd_pool_entry *entry_find(struct pd_pool *pool, const struct pd_config *cfg,
				       const struct pd_model_ops *primary,
				       const struct pd_model_ops *reference)
{
	uint64_t key = config_key(cfg);

	for (int k = 0; k < POOL_ENTRIES; k++) {
		struct pd_pool_entry *e = &pool->e[k];

		if (e->key == key && e->used && e->ops[0] == primary && e->ops[1] == reference &&
		    pd_config_equal(&e->cfg, cfg))
			return e;
	}
	return NULL;
}

struct pd_pool_entry *pd_pool_peek(struct pd_pool *pool, const struct pd_config *cfg,
				   const struct pd_model_ops *primary,
				   const struct pd_model_ops *reference)
{
	return entry_find(pool, cfg, primary, reference);
}

struct pd_pool_entry *pd_pool_take(struct pd_pool *pool, const struct pd_config *cfg,
				   const struct pd_model_ops *primary,
				   const struct pd_model_ops *reference)
{
	struct pd_pool_entry *e = entry_find(pool, cfg, primary, reference);

	if (e) {
		entry_reset(e, 0);
		entry_reset(e, 1);
		e->lru = ++pool->clock;
		e->uses++;
		if (e->m[0] && e->m[1])
			pool->hits++;
		else
			pool->misses++;
		return e;
	}
	pool->misses++;
	e = entry_alloc(pool, pd_nr_frames(cfg));
	e->used = true;
	e->lru = ++pool->clock;
	e->uses = 1;
	e->cfg = *cfg;
	e->key = config_key(cfg);
	e->ops[0] = primary;
	e->ops[1] = reference;
	pd_visit_init(&e->vis, cfg);
	return e;
}
