/* SPDX-License-Identifier: MIT */
/*
 * internal.h - the impl's types and its cross-file functions.
 *
 * Glossary (see include/pagediff/pagediff.h for the contract)
 *   pfn      frame number, index into mem_map
 *   order    a block of 2^order frames, naturally aligned
 *   pcp      per-CPU list of free blocks of order <= 3, not merged
 *   unit     2^accept_order frames, accepted as one
 *   tag block  tag storage covering 2^tag_ratio_log2 data frames
 *   slot     swap slot; swap_map[slot] = swap PTE count | SWAP_HAS_CACHE
 *   pin      FOLL_PIN: refcount += PD_PIN_BIAS; ref: FOLL_GET, +1
 *   NIL      "no frame" in lists and lookups (== PD_NO_FRAME)
 *
 * Everything a model needs lives in struct impl: no globals, no time, no
 * addresses leak into behaviour.  Functions with a leading "__" expect the
 * caller to hold the (simulated) zone lock, or another precondition stated
 * above them (__pfn_to_page: the frame was written since boot).
 *
 * reset() (reset.c) puts the model back into its boot state at the cost
 * of what changed: writes go through accessors that note their 64-object
 * chunk (pfn_to_page, page_tags, tag_block_mut, mark_unit_dirty,
 * mark_slot_dirty); read-only walks use pfn_to_page_ro/page_tags_ro.
 */
#ifndef PAGEDIFF_IMPL_INTERNAL_H
#define PAGEDIFF_IMPL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <pagediff/pagediff.h>

#include "page_flags.h"

#ifndef PAGEDIFF_PLANTED_BUG
#define PAGEDIFF_PLANTED_BUG 0
#endif

#define NIL           UINT32_MAX
#define NR_PCP_ORDERS (PD_PCP_MAX_ORDER + 1)

/* An intrusive list of free block heads, linked through page->lru. */
struct page_list {
	uint32_t head, tail;
};

/*
 * A NOLOCK allocation of order r may take a free block without the
 * unaccepted hint, or a hinted one whose page_nolock_orders() > r (A5).
 *   nr_free == number of blocks on list
 *   nr_hinted[n] == number of blocks on list with PGTY_unaccepted and
 *                   page_nolock_orders() == n
 *   page_nolock_orders(b) == nolock_orders_in(b) for every hinted block b
 *   (sum(nr_hinted) < nr_free: some block has no hint and serves any order)
 * At max_order the list's unplaced blocks (struct zone) are counted too,
 * with the hint and nolock orders their boot class gives them.
 */
#define NR_NOLOCK_ORDERS (PD_NOLOCK_MAX_ORDER + 1)
struct free_area {
	struct page_list list;
	uint32_t nr_free;
	uint32_t nr_hinted[NR_NOLOCK_ORDERS + 1];
};

/*
 * The zone.
 *   free_frames == sum(nr_free[o] << o) + sum(pcp frames) + unaccepted_frames
 *   free_frames + deferred_frames + allocated frames == nr_frames
 *
 * Boot is deferred (buddy.c; the kernel's deferred struct page init): it
 * writes no struct page.  Eager boot put every MAX_ORDER block, in pfn
 * order, at the tail of free_area[max_order], or under accept=list, if
 * it had an unaccepted unit (its boot class, struct boot_classes), at the
 * tail of the unaccepted list.
 *  - The free blocks from pfn `unplaced` up are not on the list yet:
 *    they stand in it, in pfn order, right before the block
 *    `unplaced_before` (NIL: at its tail), and are counted in its
 *    nr_free and nr_hinted.  They are placed, unchanged in order, when a
 *    path is about to look at their place or at what stands behind it.
 *  - The unaccepted list only ever loses its head, so it is the list
 *    blocks from pfn `unaccepted_next` up: no list is kept.
 *   unplaced, unaccepted_next: multiples of 2^max_order; the first free
 *   (list) block at or after the last one taken, or nr_frames if none
 *   unplaced_free == free blocks from unplaced up
 *   unaccepted_frames == list blocks from unaccepted_next up << max_order
 *   unplaced_before == NIL or a block on free_area[max_order]
 *   the struct pages of those blocks are zero: FREE frames to every reader
 *   every unit overlapping an unplaced block is as at boot (so its boot
 *   class still says what eager boot made of it)
 */
struct zone {
	struct free_area free_area[PD_MAX_ORDER_LIMIT + 1];
	uint32_t unplaced;             /* first unplaced free MAX_ORDER block */
	uint32_t unplaced_before;      /* where they stand on free_area[max_order] */
	uint32_t unplaced_free;        /* how many */
	uint32_t unaccepted_next;      /* accept=list: the list's head */
	uint32_t unaccepted_frames;
	struct page_list deferred;     /* free nolock under the held lock (L5) */
	uint32_t deferred_frames;
	uint32_t free_frames;
	/* Simulated zone->lock. */
	bool irq_holds_lock;           /* an interrupted context holds it (L1) */
	uint8_t irq_cpu;
	bool locked;                   /* we hold it (nesting = deadlock) */
};

/*
 *   count == sum over orders of blocks on lists[order]
 *   frames == sum over orders of (blocks on lists[order]) << order
 */
struct per_cpu_pages {
	struct page_list lists[NR_PCP_ORDERS];
	uint32_t count;
	uint32_t frames;
};

/*
 * Tag storage for one tag block (seed 000).
 *   reservations == number of allocated blocks with PG_tag_reserved
 *                   overlapping this tag block
 */
struct tag_block {
	uint32_t reservations;
	uint32_t pins;
};

/* A two-level radix tree keyed by swap slot (the mteswap xarray). */
#define XA_CHUNK_SHIFT 8
#define XA_CHUNK_SIZE  (1u << XA_CHUNK_SHIFT)
struct xa_node {
	void *slots[XA_CHUNK_SIZE];
	uint32_t count;
};
struct xarray {
	struct xa_node *root[XA_CHUNK_SIZE];
	uint32_t nr_entries;
};

/*
 * Swap device.
 *   swap_map[s] == (swap PTEs naming s) | (swap_cache_pfn(s) != NIL ? SWAP_HAS_CACHE : 0)
 *   bit s of used == (swap_map[s] != 0)
 *   xa entry s exists => swap_map[s] != 0 (saved tags never outlive a slot)
 */
#define SWAP_HAS_CACHE 0x80u
#define SWAP_MAP_MAX   0x7fu
struct swap_info {
	uint32_t nr_slots;
	uint32_t cursor;          /* next-fit scan position */
	uint32_t inuse;
	uint64_t *used;           /* bitmap */
	uint8_t *swap_map;
	uint32_t *cache;          /* swap cache: slot -> pfn + 1, 0 = none (swap_cache_pfn) */
	uint64_t *content;        /* what the "device" holds */
	struct xarray tags;       /* saved MTE tags */
};

/*
 * A PTE in 32 bits.
 *   bits 0-1  kind (enum pd_pte_kind): bit 0 set == present or FOA
 *   bit  2    writable (present, FOA)
 *   bit  3    swap exclusive (swap)
 *   bits 8-31 pfn (present, FOA) or slot (swap)
 */
typedef uint32_t pte_t;
#define PTE_PRESENT_BIT 0x1u
#define PTE_KIND_MASK   0x3u
#define PTE_WRITE       0x4u
#define PTE_SWP_EXCL    0x8u
#define PTE_VAL_SHIFT   8

/* Two-level page table: pgd[vpage >> PTE_SHIFT][vpage & PTE_MASK]. */
#define PTE_SHIFT    4
#define PTRS_PER_PTE (1u << PTE_SHIFT)
#define PTRS_PER_PGD (PD_MAX_VPAGES / PTRS_PER_PTE)

#define VMA_WORDS (PD_MAX_VPAGES / 64)
struct mm {
	bool alive;
	bool has_pinned;                /* MMF_HAS_PINNED */
	uint64_t vma_mapped[VMA_WORDS];
	uint64_t vma_mte[VMA_WORDS];
	pte_t *pgd[PTRS_PER_PGD];
};

/*
 * Outstanding GUP references per frame, only for impl_check:
 *   refcount == raw + mapcount + pins * PD_PIN_BIAS + refs + swapcache
 */
#define GUP_RECS (2 * PD_MAX_HANDLES)
struct gup_rec {
	uint32_t pfn;
	uint16_t pins;
	uint16_t refs;
};

/*
 * What changed since create() or the last reset (reset.c).  The object
 * arrays a set covers are cut into chunks of 64 objects (a bitmap's
 * chunk is one word); the first write access to a chunk puts it on
 * `list`.  reset() copies back only the chunks listed, from each array's
 * boot image, so its cost follows what the inputs since touched, not the
 * size of the zone.  The image of a chunk is saved at the chunk's first
 * write since create(), before the write: a chunk never written holds
 * its boot state itself, and a new model copies nothing.
 *   dirty[c] == 1  <=>  c is on list[0..nr) or `all`
 *   nr <= cap; one chunk more than cap saves every chunk not yet saved
 *   and sets `all` (and every dirty[c]): reset then copies the whole
 *   arrays, cheaper than chunk by chunk
 *   dirty[c] == 1  =>  saved[c] == 1, except while booting (`all` from
 *   dirty_set_init() to the first dirty_set_clear(): boot's writes make
 *   the image, they are not changes to it)
 *   saved[c] == 1  =>  every array's image holds chunk c as boot left it
 */
#define DIRTY_CHUNK_SHIFT 6
#define DIRTY_CHUNK       (1u << DIRTY_CHUNK_SHIFT)
#define DIRTY_MAX_ARRAYS  4
struct dirty_array {
	void *live;               /* the model's array */
	void *image;              /* its boot image: the saved chunks */
	size_t chunk_bytes;       /* 64 objects, or one bitmap word */
	size_t bytes;             /* the whole array (the last chunk may be short) */
};
struct dirty_set {
	uint8_t *dirty;           /* per chunk */
	uint8_t *saved;           /* per chunk: its boot image is saved */
	uint32_t *list;           /* chunks in the order first written */
	uint32_t nr, cap, nr_chunks, nr_saved;
	bool all;
	unsigned nr_arrays;
	struct dirty_array arr[DIRTY_MAX_ARRAYS];
};

/*
 * The fixed-size state as boot left it, for reset() (the arrays have
 * their images in the dirty sets).  Processes, GUP records and the live
 * process count are zero at boot, as create()'s calloc left them.
 */
struct impl_boot {
	struct zone zone;
	struct per_cpu_pages pcp[PD_MAX_CPUS];
	uint32_t swap_cursor, swap_inuse;
};

/*
 * What boot makes of a MAX_ORDER block (its boot class): a byte with
 * BOOT_LISTED (accept=list: on the unaccepted list), or BOOT_HINTED
 * (accept=flag: PGTY_unaccepted, with the NOLOCK orders in the low bits),
 * or neither (a plain free block).  It follows from the boot bitmap over
 * the block, which repeats every 8 units: struct boot_classes.
 */
#define BOOT_LISTED       0x80u
#define BOOT_HINTED       0x40u
#define BOOT_NOLOCK_MASK  0x0fu
#define NR_BOOT_CLASSES   8
struct boot_classes {
	uint32_t period;          /* frames; a power of two */
	unsigned shift;           /* log2 of the frames one class covers in a row */
	uint8_t cls[NR_BOOT_CLASSES];
};
static inline bool boot_listed(unsigned cls) { return cls & BOOT_LISTED; }
static inline bool boot_hinted(unsigned cls) { return cls & BOOT_HINTED; }
static inline unsigned boot_nolock_orders(unsigned cls) { return cls & BOOT_NOLOCK_MASK; }

typedef unsigned int alloc_flags_t;
#define ALLOC_ZERO        0x1u  /* content 0, defined */
#define ALLOC_NOLOCK      0x2u  /* trylock only; needs accepted memory (A5) */
#define ALLOC_TAGGED      0x4u  /* R2 tagged allocation */
#define ALLOC_TAG_STRICT  0x8u  /* tagstore=strict: tag blocks unpinned */

typedef unsigned int fpi_t;
#define FPI_NONE              0x0u
#define FPI_TO_TAIL           0x1u  /* put back at the tail (RFC v2) */

struct impl {
	struct pd_config cfg;
	uint32_t nr_frames;
	unsigned max_order;
	struct pd_ctx *ctx;       /* the call being run */
	uint8_t cpu;              /* the call's CPU */

	struct page *mem_map;
	uint8_t *tags;            /* tag_bytes per frame */
	uint32_t tag_bytes;

	/*
	 * Page tables freed by exit and reset, reused by pte_alloc (a pte
	 * quicklist): faults and forks then allocate nothing, which was a
	 * visible cost per input under ASan.  Never observable.
	 */
	pte_t *pt_free[PD_MAX_PROCS * PTRS_PER_PGD];
	unsigned nr_pt_free;

	struct zone zone;
	struct per_cpu_pages pcp[PD_MAX_CPUS];
	struct boot_classes boot_classes;  /* buddy.c, set at create */

	/* accept.c */
	uint32_t nr_units;
	uint64_t *unaccepted_map; /* bit u: unit u is not yet accepted */
	uint8_t *times_accepted;

	/* tagstore.c */
	uint32_t nr_tag_blocks;
	struct tag_block *tag_blocks;

	/* swap.c */
	struct swap_info si;

	/* memory.c, fork.c */
	struct mm mm[PD_MAX_PROCS];
	uint32_t live_procs;

	/* gup.c */
	struct gup_rec gup[GUP_RECS];
	uint32_t nr_gup;

	/* reset.c: chunks written since create()/reset, and the boot images */
	struct dirty_set frames_dirty;     /* mem_map and tags */
	struct dirty_set units_dirty;      /* unaccepted_map, times_accepted */
	struct dirty_set tag_blocks_dirty;
	struct dirty_set slots_dirty;      /* used, swap_map, cache, content */
	struct impl_boot boot;
};

/* ==== reset.c ==== */
void __dirty_set_add(struct dirty_set *d, uint32_t chunk);
/*
 * Note that object `idx` may be written.  One load and a branch that is
 * not taken after the chunk's first write: this sits in pfn_to_page(),
 * on every fast path.
 */
static inline void dirty_mark(struct dirty_set *d, uint32_t idx)
{
	uint32_t chunk = idx >> DIRTY_CHUNK_SHIFT;

	if (__builtin_expect(!d->dirty[chunk], 0))
		__dirty_set_add(d, chunk);
}
int dirty_set_init(struct dirty_set *d, uint32_t nr_objs);
int dirty_set_track(struct dirty_set *d, void *array, size_t chunk_bytes, size_t bytes);
void dirty_set_free(struct dirty_set *d);
void dirty_set_clear(struct dirty_set *d);
size_t dirty_set_bytes(const struct dirty_set *d);
int impl_dirty_init(struct impl *m);
void impl_boot_done(struct impl *m);
void impl_dirty_free(struct impl *m);
void impl_restore(struct impl *m);

/* ==== zalloc.c ==== */
void *zalloc_array(size_t n, size_t size);
void *zalloc_array_prefault(size_t n, size_t size);
void zfree(void *p, size_t n, size_t size);

/*
 * Every access to a struct page or a frame's tags goes through these two
 * (no pointer arithmetic on struct page *, no indexing of mem_map or
 * tags elsewhere): they note the frame's chunk for reset().  Read-only
 * walks that must not mark (the observable state, impl_check, both
 * O(frames) when the engine compares everything) use the _ro forms.
 */
static inline struct page *pfn_to_page(struct impl *m, uint32_t pfn)
{
	dirty_mark(&m->frames_dirty, pfn);
	return &m->mem_map[pfn];
}
static inline uint8_t *page_tags(struct impl *m, uint32_t pfn)
{
	dirty_mark(&m->frames_dirty, pfn);
	return &m->tags[(size_t)pfn * m->tag_bytes];
}
/*
 * A frame written since create()/reset() is in a dirty chunk already:
 * an allocated or deferred block head, a block on a pcp list, a frame
 * this op reached through pfn_to_page() before.  The fast paths reach
 * those without dirty_mark(); checking builds verify the claim.
 */
static inline struct page *__pfn_to_page(struct impl *m, uint32_t pfn)
{
	VM_BUG_ON(!m->frames_dirty.dirty[pfn >> DIRTY_CHUNK_SHIFT]);
	return &m->mem_map[pfn];
}
static inline const struct page *pfn_to_page_ro(const struct impl *m, uint32_t pfn)
{
	return &m->mem_map[pfn];
}
static inline const uint8_t *page_tags_ro(const struct impl *m, uint32_t pfn)
{
	return &m->tags[(size_t)pfn * m->tag_bytes];
}

/* Writers of per-unit, per-tag-block and per-slot state note it for reset(). */
static inline void mark_unit_dirty(struct impl *m, uint32_t unit)
{
	dirty_mark(&m->units_dirty, unit);
}
static inline struct tag_block *tag_block_mut(struct impl *m, uint32_t b)
{
	dirty_mark(&m->tag_blocks_dirty, b);
	return &m->tag_blocks[b];
}
static inline void mark_slot_dirty(struct impl *m, uint32_t slot)
{
	dirty_mark(&m->slots_dirty, slot);
}

/* ---- page lists (O(1), intrusive) ---- */
static inline void plist_init(struct page_list *l)
{
	l->head = l->tail = NIL;
}
static inline bool plist_empty(const struct page_list *l)
{
	return l->head == NIL;
}
/*
 * `written`: every member of the list, and the frame being linked or
 * unlinked, has been written since boot (pcp lists: see pcp_add), so
 * the links are reached with __pfn_to_page().  A constant at every call.
 */
static inline struct page *list_page(struct impl *m, uint32_t pfn, bool written)
{
	return written ? __pfn_to_page(m, pfn) : pfn_to_page(m, pfn);
}
static inline void __plist_add_head(struct impl *m, struct page_list *l, uint32_t pfn,
				    bool written)
{
	struct page *p = list_page(m, pfn, written);

	p->lru.prev = NIL;
	p->lru.next = l->head;
	if (l->head != NIL)
		list_page(m, l->head, written)->lru.prev = pfn;
	else
		l->tail = pfn;
	l->head = pfn;
}
static inline void __plist_add_tail(struct impl *m, struct page_list *l, uint32_t pfn,
				    bool written)
{
	struct page *p = list_page(m, pfn, written);

	p->lru.next = NIL;
	p->lru.prev = l->tail;
	if (l->tail != NIL)
		list_page(m, l->tail, written)->lru.next = pfn;
	else
		l->head = pfn;
	l->tail = pfn;
}
/* Link pfn right before `before`, a member of l. */
static inline void plist_add_before(struct impl *m, struct page_list *l, uint32_t before,
				    uint32_t pfn)
{
	struct page *p = pfn_to_page(m, pfn), *b = pfn_to_page(m, before);

	p->lru.next = before;
	p->lru.prev = b->lru.prev;
	if (b->lru.prev != NIL)
		pfn_to_page(m, b->lru.prev)->lru.next = pfn;
	else
		l->head = pfn;
	b->lru.prev = pfn;
}
static inline void __plist_del(struct impl *m, struct page_list *l, uint32_t pfn,
			       bool written)
{
	struct page *p = list_page(m, pfn, written);

	if (p->lru.prev != NIL)
		list_page(m, p->lru.prev, written)->lru.next = p->lru.next;
	else
		l->head = p->lru.next;
	if (p->lru.next != NIL)
		list_page(m, p->lru.next, written)->lru.prev = p->lru.prev;
	else
		l->tail = p->lru.prev;
	p->lru.next = p->lru.prev = 0;
}
static inline void plist_add_head(struct impl *m, struct page_list *l, uint32_t pfn)
{
	__plist_add_head(m, l, pfn, false);
}
static inline void plist_add_tail(struct impl *m, struct page_list *l, uint32_t pfn)
{
	__plist_add_tail(m, l, pfn, false);
}
static inline void plist_del(struct impl *m, struct page_list *l, uint32_t pfn)
{
	__plist_del(m, l, pfn, false);
}

/* ---- PTEs ---- */
static inline unsigned pte_kind(pte_t pte) { return pte & PTE_KIND_MASK; }
static inline bool pte_none(pte_t pte) { return pte_kind(pte) == PD_PTE_NONE; }
/* Present or fault-on-access: a page is mapped. */
static inline bool pte_present(pte_t pte) { return (pte & PTE_PRESENT_BIT) != 0; }
static inline bool pte_foa(pte_t pte) { return pte_kind(pte) == PD_PTE_FOA; }
static inline bool is_swap_pte(pte_t pte) { return pte_kind(pte) == PD_PTE_SWAP; }
static inline bool pte_write(pte_t pte) { return (pte & PTE_WRITE) != 0; }
static inline uint32_t pte_pfn(pte_t pte) { return pte >> PTE_VAL_SHIFT; }
static inline uint32_t pte_swp_offset(pte_t pte) { return pte >> PTE_VAL_SHIFT; }
static inline bool pte_swp_exclusive(pte_t pte) { return (pte & PTE_SWP_EXCL) != 0; }
static inline pte_t mk_pte(uint32_t pfn, bool foa, bool writable)
{
	return (pfn << PTE_VAL_SHIFT) | (foa ? PD_PTE_FOA : PD_PTE_PRESENT) |
	       (writable ? PTE_WRITE : 0);
}
static inline pte_t swp_entry_to_pte(uint32_t slot, bool exclusive)
{
	return (slot << PTE_VAL_SHIFT) | PD_PTE_SWAP | (exclusive ? PTE_SWP_EXCL : 0);
}
static inline pte_t pte_wrprotect(pte_t pte) { return pte & ~PTE_WRITE; }
static inline pte_t pte_mkwrite(pte_t pte) { return pte | PTE_WRITE; }
static inline pte_t pte_swp_clear_exclusive(pte_t pte) { return pte & ~PTE_SWP_EXCL; }
static inline pte_t pte_mkpresent(pte_t pte)
{
	return (pte & ~PTE_KIND_MASK) | PD_PTE_PRESENT;
}

static inline bool vma_mapped(const struct mm *mm, unsigned v)
{
	return (mm->vma_mapped[v / 64] >> (v % 64)) & 1;
}
static inline bool vma_mte(const struct mm *mm, unsigned v)
{
	return (mm->vma_mte[v / 64] >> (v % 64)) & 1;
}

/*
 * [*start, *end): from the first to past the last mapped vpage (0, 0 if
 * none).  No PTE exists outside a mapping, so exit and fork need walk,
 * and touch, only this span.
 */
static inline void vma_span(const struct mm *mm, unsigned *start, unsigned *end)
{
	int lo = -1, hi = -1;

	for (unsigned w = 0; w < VMA_WORDS; w++) {
		if (!mm->vma_mapped[w])
			continue;
		if (lo < 0)
			lo = (int)(w * 64 + (unsigned)__builtin_ctzll(mm->vma_mapped[w]));
		hi = (int)(w * 64 + 63 - (unsigned)__builtin_clzll(mm->vma_mapped[w]));
	}
	*start = lo < 0 ? 0 : (unsigned)lo;
	*end = lo < 0 ? 0 : (unsigned)hi + 1;
}

/*
 * Where an access to proc/vpage stands: PD_EINVAL for a process or vpage
 * that does not exist (the engine never sends one; the oracle says the
 * same), PD_EFAULT outside any mapping (V2), else PD_OK.
 */
static inline int access_check(const struct mm *mms, unsigned nr_vpages,
			       const struct pd_call *call)
{
	const struct mm *mm = &mms[call->proc];

	if (call->proc >= PD_MAX_PROCS || !mm->alive || call->vpage >= nr_vpages)
		return PD_EINVAL;
	return vma_mapped(mm, call->vpage) ? PD_OK : PD_EFAULT;
}

/* Lookup without allocating: NULL if the page table is not there. */
static inline pte_t *pte_offset(struct mm *mm, unsigned v)
{
	pte_t *t = mm->pgd[v >> PTE_SHIFT];

	return t ? &t[v & (PTRS_PER_PTE - 1)] : NULL;
}
static inline pte_t pte_get(struct mm *mm, unsigned v)
{
	pte_t *p = pte_offset(mm, v);

	return p ? *p : 0;
}

/* Can the page hold tags: static tag storage, or reserved (R4)? */
static inline bool page_tags_capable(struct impl *m, uint32_t pfn)
{
	return m->cfg.tagstore == PD_TAGSTORE_NONE || PageTagReserved(pfn_to_page(m, pfn));
}

/*
 * Record a BLOCK placement with one 8-byte store: the engine copies the
 * struct with one 8-byte load, and a load spanning several narrower
 * stores cannot be store-forwarded (a stall of ~10 cycles per alloc).
 */
static inline void record_block_placement(struct pd_ctx *ctx, uint32_t pfn, unsigned order)
{
	struct pd_placement p;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	_Static_assert(sizeof(p) == 8 && offsetof(struct pd_placement, where) == 4,
		       "struct pd_placement layout");
	uint64_t word = PD_PLACE_BLOCK | (uint64_t)order << 8 | (uint64_t)pfn << 32;

	memcpy(&p, &word, sizeof(p));
#else
	memset(&p, 0, sizeof(p));
	p.kind = PD_PLACE_BLOCK;
	p.order = (uint8_t)order;
	p.where = pfn;
#endif
	pd_record_placement(ctx, &p);
}

/*
 * What an op changed (PD_CAP_TOUCH, incremental comparison).  Every
 * change of observable state (pd_frame_state and friends) is reported to
 * the call's ctx where it is made, in the function that makes it:
 *   frames     a whole block where it changes kind, by the entry points
 *              of the allocator: impl_op_alloc and impl_op_free at their
 *              end (a tail call, off the inlined fast path),
 *              alloc_user_page, free_pages_locked, free_pages_prepare
 *              (nolock, also for the deferred list) and the deferred
 *              flush; one head where a field of an
 *              allocated page changes (rmap, refcount, swap cache, AE,
 *              content, tags, reservation); the frames of every unit
 *              accept_page accepts (`accepted` is per frame)
 *   PTEs       a range where VMAs change (mmap, zap; exit and fork: the
 *              span of mapped vpages, vma_span), one PTE where a fault or
 *              try_to_unmap writes it
 *   procs      spawn, exit, fork (the child), pin (has_pinned)
 *   slots      count, cache, content and tags changes (swap.c, swapout)
 *   units, tag blocks  where their counters change
 * Free-list moves (pcp, buddy, merge, split, refill, drain) change no
 * observable field: a FREE frame reports only `accepted`.  pd_touch
 * extends its last record when a touch continues it, so a block is one
 * record.  tests/unit/test_incremental.c checks that no change is missed.
 *
 * pd_touch is referenced weakly, as the oracle does: the standalone tests
 * `pagediff emit-c` writes link the impl without the engine, and then
 * nothing is touched.
 */
#pragma weak pd_touch
static inline void impl_touch(struct impl *m, unsigned obj, uint32_t id, uint32_t n)
{
	if (pd_touch)
		pd_touch(m->ctx, obj, id, n);
}
static inline void touch_block(struct impl *m, uint32_t pfn, unsigned order)
{
	impl_touch(m, PD_OBJ_FRAME, pfn, 1u << order);
}
static inline void touch_frame(struct impl *m, uint32_t pfn)
{
	impl_touch(m, PD_OBJ_FRAME, pfn, 1);
}
static inline void touch_ptes(struct impl *m, unsigned proc, unsigned vpage, unsigned n)
{
	impl_touch(m, PD_OBJ_PTE, PD_PTE_ID(proc, vpage), n);
}
static inline void touch_slot(struct impl *m, uint32_t slot)
{
	impl_touch(m, PD_OBJ_SLOT, slot, 1);
}
static inline void touch_proc(struct impl *m, unsigned proc)
{
	impl_touch(m, PD_OBJ_PROC, proc, 1);
}

/* Every op starts here: the call's context and CPU, a clean result. */
static inline struct impl *impl_enter(void *model, struct pd_ctx *ctx,
				      const struct pd_call *call, struct pd_result *res)
{
	struct impl *m = model;

	m->ctx = ctx;
	m->cpu = call->cpu < m->cfg.cpus ? call->cpu : 0;
	res->status = PD_OK;
	res->order = 0;
	res->frame = PD_NO_FRAME;
	res->value = 0;
	return m;
}

/* ==== buddy.c ==== */
void __free_one_page(struct impl *m, uint32_t pfn, unsigned order, fpi_t fpi);
uint32_t __rmqueue(struct impl *m, unsigned order, alloc_flags_t af);
uint32_t __rmqueue_smallest(struct impl *m, unsigned order);
bool block_legal(struct impl *m, uint32_t pfn, unsigned order, alloc_flags_t af,
		 bool hint);
void recount_nolock_orders(struct impl *m, uint32_t start, uint32_t end);
void buddy_boot(struct impl *m);
uint32_t next_boot_block(const struct impl *m, uint32_t pfn, bool listed);
void place_unplaced_below(struct impl *m, uint32_t end);
/* The boot class of the MAX_ORDER block at pfn (struct boot_classes). */
static inline unsigned boot_class_of(const struct impl *m, uint32_t pfn)
{
	const struct boot_classes *b = &m->boot_classes;

	return b->cls[(pfn & (b->period - 1)) >> b->shift];
}

/* ==== pcp.c ==== */
uint32_t rmqueue_pcplist(struct impl *m, unsigned cpu, unsigned order, alloc_flags_t af);
void free_pcppages_bulk(struct impl *m, struct per_cpu_pages *pcp);
void __drain_pages(struct impl *m, unsigned cpu);
void __drain_all_pages(struct impl *m);
void drain_local_pages(struct impl *m, unsigned cpu);

/*
 * pcp.c's list helpers and free fast path, inline so that an order-0
 * alloc+free pair through the ops table costs one out-of-line call each
 * way (the placement record) rather than a chain of them.
 */
/*
 * Every block on a pcp list has been written since boot (the lists are
 * empty at boot): a freed block head, or a buddy block rmqueue_bulk took
 * off its free list through pfn_to_page().  So the pcp lists are linked
 * and unlinked without dirty_mark() (reset.c).
 */
static inline void pcp_add(struct impl *m, struct per_cpu_pages *pcp, uint32_t pfn,
			   unsigned order, bool unaccepted, bool to_tail)
{
	struct page *page = __pfn_to_page(m, pfn);

	page->flags = 0;
	__SetPagePcp(page);
	set_page_order(page, order);
	if (unaccepted)
		__SetPageUnaccepted(page);
	if (to_tail)
		__plist_add_tail(m, &pcp->lists[order], pfn, true);
	else
		__plist_add_head(m, &pcp->lists[order], pfn, true);
	pcp->count++;
	pcp->frames += 1u << order;
}

/* Unlink a block; the unaccepted hint stays on the head for the caller. */
static inline void pcp_del(struct impl *m, struct per_cpu_pages *pcp, uint32_t pfn,
			   unsigned order)
{
	__plist_del(m, &pcp->lists[order], pfn, true);
	__ClearPagePcp(__pfn_to_page(m, pfn));
	pcp->count--;
	pcp->frames -= 1u << order;
}

/*
 * Free a block of order <= 3 to the CPU's list (hot end).  A locked free
 * reaching pcp_high drains a batch; a nolock free never does (L5).
 * Fast path: a list insert and two counter updates, one branch.
 */
static inline void free_unref_page(struct impl *m, unsigned cpu, uint32_t pfn,
				   unsigned order, bool nolock)
{
	struct per_cpu_pages *pcp = &m->pcp[cpu];

	pcp_add(m, pcp, pfn, order, false, false);
	if (!nolock && pcp->count >= m->cfg.pcp_high)
		free_pcppages_bulk(m, pcp);
}

/* ==== page_alloc.c ==== */
void zone_lock(struct impl *m, const char *who);
bool zone_trylock(struct impl *m);
void zone_unlock(struct impl *m);
void prep_new_page(struct impl *m, uint32_t pfn, unsigned order, alloc_flags_t af);
void free_pages_prepare(struct impl *m, uint32_t pfn, unsigned order);
uint32_t __alloc_pages(struct impl *m, unsigned cpu, unsigned order, alloc_flags_t af);
void free_pages_locked(struct impl *m, unsigned cpu, uint32_t pfn, unsigned order);
void put_page(struct impl *m, uint32_t pfn);
uint32_t alloc_user_page(struct impl *m, bool mte);
pd_op_fn impl_op_alloc, impl_op_free, impl_op_drain, impl_op_zone_lock, impl_op_zone_unlock;

/* ==== nolock.c ==== */
uint32_t alloc_pages_nolock(struct impl *m, unsigned cpu, unsigned order);
void free_pages_nolock(struct impl *m, unsigned cpu, uint32_t pfn, unsigned order);
void __free_deferred_pages(struct impl *m);
/* L5: deferred blocks go first on every locked free; usually none. */
static inline void free_deferred_pages(struct impl *m)
{
	if (__builtin_expect(!plist_empty(&m->zone.deferred), 0))
		__free_deferred_pages(m);
}

/* ==== accept.c ==== */
void accept_boot(struct impl *m);
/* Read for every frame the engine compares: inline. */
static inline bool unit_accepted(const struct impl *m, uint32_t unit)
{
	return !((m->unaccepted_map[unit / 64] >> (unit % 64)) & 1);
}
bool range_accepted(struct impl *m, uint32_t pfn, unsigned order);
uint32_t last_unaccepted_unit(struct impl *m, uint32_t pfn, unsigned order);
unsigned nolock_orders_in(struct impl *m, uint32_t pfn, unsigned order);
void accept_page(struct impl *m, uint32_t pfn, unsigned order);
bool __accept_one_list_block(struct impl *m);

/* ==== tagstore.c ==== */
bool tag_blocks_pinned(struct impl *m, uint32_t pfn, unsigned order);
bool tag_reserve(struct impl *m, uint32_t pfn, unsigned order);
void tag_unreserve(struct impl *m, uint32_t pfn, unsigned order);
bool tag_prep_new_page(struct impl *m, uint32_t pfn, unsigned order);
bool mte_foa_reserve(struct impl *m, uint32_t pfn);
bool mte_needs_foa(struct impl *m, uint32_t pfn, bool mte);
pd_op_fn impl_op_tagstore_pin, impl_op_tagstore_unpin;

/* ==== swap.c ==== */
int swap_init(struct impl *m);
void swap_destroy(struct impl *m);
void swap_tags_destroy(struct impl *m);
uint32_t get_swap_page(struct impl *m);
void swap_duplicate(struct impl *m, uint32_t slot);
void swap_free_entry(struct impl *m, uint32_t slot);
void add_to_swap_cache(struct impl *m, uint32_t pfn, uint32_t slot);
void delete_from_swap_cache(struct impl *m, uint32_t pfn);
void mte_save_tags(struct impl *m, uint32_t pfn, uint32_t slot);
bool mte_restore_tags(struct impl *m, uint32_t slot, uint32_t pfn);
const uint8_t *mte_saved_tags(struct impl *m, uint32_t slot);
/*
 * The swap-cache page of a slot, or NIL.  The array holds pfn + 1, so
 * that a new model's zeroed array is an empty cache (no O(slots) fill of
 * NIL at create).
 */
static inline uint32_t swap_cache_pfn(const struct impl *m, uint32_t slot)
{
	return m->si.cache[slot] - 1;   /* 0 - 1 == NIL */
}
static inline void set_swap_cache_pfn(struct impl *m, uint32_t slot, uint32_t pfn)
{
	m->si.cache[slot] = pfn + 1;    /* NIL + 1 == 0 */
}
static inline uint32_t swap_count(const struct impl *m, uint32_t slot)
{
	return m->si.swap_map[slot] & SWAP_MAP_MAX;
}
pd_op_fn impl_op_swapout, impl_op_swapcache_drop;

/* ==== rmap.c ==== */
void page_add_anon_rmap(struct impl *m, uint32_t pfn, unsigned proc, unsigned vpage);
void page_remove_rmap(struct impl *m, uint32_t pfn, unsigned proc);
unsigned try_to_unmap_swap(struct impl *m, uint32_t pfn, pte_t swp_pte);

/* ==== memory.c ==== */
#define FAULT_FLAG_WRITE    0x1u
#define FAULT_FLAG_UNSHARE  0x2u  /* read pin: the wp decision, PTE stays RO */
pte_t *pte_alloc(struct impl *m, struct mm *mm, unsigned v);
void zap_pte_range(struct impl *m, unsigned proc, unsigned start, unsigned end);
void free_pgtables(struct impl *m, struct mm *mm);
void pte_quicklist_free(struct impl *m);
int handle_mm_fault(struct impl *m, unsigned proc, unsigned v, unsigned fault_flags,
		    uint32_t *pfnp);
int do_foa_fault(struct impl *m, unsigned proc, unsigned v);
void copy_user_page(struct impl *m, uint32_t dst, uint32_t src);
pd_op_fn impl_op_mmap, impl_op_munmap, impl_op_read, impl_op_write, impl_op_settag;

/* ==== fork.c ==== */
void exit_mmap(struct impl *m, unsigned proc);
pd_op_fn impl_op_spawn, impl_op_exit, impl_op_fork;

/* ==== gup.c ==== */
void gup_record(struct impl *m, uint32_t pfn, int dpins, int drefs);
const struct gup_rec *gup_lookup(const struct impl *m, uint32_t pfn);
pd_op_fn impl_op_pin, impl_op_unpin, impl_op_pin_read, impl_op_pin_write;
pd_op_fn impl_op_get, impl_op_put, impl_op_ref_read;

/* ==== check.c ==== */
void impl_check(void *model, struct pd_ctx *ctx);

/* ==== model.c ==== */
size_t impl_memory_bytes(const void *model);

#endif
