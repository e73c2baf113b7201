/* SPDX-License-Identifier: MIT */
/*
 * page_flags.h - the per-frame struct page of the impl and its flag word.
 *
 * Callers never touch `flags` with raw masks: every bit has accessors
 * (PageHead/SetPageHead/ClearPageHead, ...).  Three encodings are worth a
 * note, each as in the kernel:
 *
 *  - PG_anon_exclusive is not a bit of its own: it reuses PG_mappedtodisk,
 *    which has no meaning for anonymous pages (seed 003).  The accessors
 *    enforce "anon only" for one name and "not anon" for the other.
 *  - Buddy and Unaccepted are page *types*, a separate byte of the word
 *    (the kernel keeps them in page->page_type), not page flags.  A free
 *    block head carries PGTY_buddy (buddy list) or PGTY_pcp (a pcp list);
 *    PGTY_unaccepted on such a head says "may still contain unaccepted
 *    units" (accept=flag, seed 001).  accept=list's unaccepted-list
 *    blocks carry nothing: no struct page of theirs is written before
 *    they are accepted (deferred boot, struct zone).
 *  - The block order lives in the flag word too (4 bits, orders 0..10),
 *    and on a hinted free head the NOLOCK orders it serves (3 bits).
 */
#ifndef PAGEDIFF_IMPL_PAGE_FLAGS_H
#define PAGEDIFF_IMPL_PAGE_FLAGS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- BUG_ON: contract abuse inside the impl crashes a checking build ---- */
#ifndef PAGEDIFF_IMPL_CHECK
#define PAGEDIFF_IMPL_CHECK 0
#endif

static inline void impl_vm_bug(const char *file, int line, const char *expr)
{
	fprintf(stderr, "%s:%d: impl VM_BUG_ON(%s)\n", file, line, expr);
	abort();
}

#if PAGEDIFF_IMPL_CHECK
#define VM_BUG_ON(cond) \
	do { if (cond) impl_vm_bug(__FILE__, __LINE__, #cond); } while (0)
#else
#define VM_BUG_ON(cond) ((void)sizeof(cond))
#endif

/*
 * struct page: 24 bytes.  `lru` links a free block head into exactly one
 * list (buddy free area, pcp list, deferred list); an
 * allocated anon page uses the same bytes for its swap slot and reverse
 * map, which a free page never needs.
 *
 *   page_mapcount(p) == popcount(p->anon.mappers)
 *   every PTE mapping p sits at vpage p->anon.index (anon rmap: all
 *   mappings of an anon page descend from one fault at one address)
 */
struct page {
	uint32_t flags;       /* PG_* bits | order | page type */
	uint32_t _refcount;
	union {
		struct {
			uint32_t next, prev;   /* frame numbers, NIL ends */
		} lru;
		struct {
			uint32_t private;      /* swap slot while PageSwapCache */
			uint16_t index;        /* vpage of every mapping */
			uint8_t  mappers;      /* bit q: process q maps it */
			uint8_t  _pad;
		} anon;
	};
	uint64_t content;
};

enum pageflags {
	PG_head,          /* head of an allocated block (HEAD) */
	PG_deferred,      /* head of a block on the nolock deferred list */
	PG_anon,
	PG_mappedtodisk,  /* file pages only; aliased by PG_anon_exclusive */
	PG_mte_tagged,
	PG_tag_reserved,  /* tag storage reserved for this block (seed 000) */
	PG_swapcache,
	PG_uptodate,      /* content is defined */
	__NR_PAGEFLAGS,
	PG_anon_exclusive = PG_mappedtodisk,
};

#define PG_ORDER_SHIFT   16
#define PG_ORDER_MASK    (0xfu << PG_ORDER_SHIFT)
#define PG_TYPE_SHIFT    24
#define PGTY_buddy       (1u << (PG_TYPE_SHIFT + 0))
#define PGTY_pcp         (1u << (PG_TYPE_SHIFT + 1))
#define PGTY_unaccepted  (1u << (PG_TYPE_SHIFT + 2))

#define PAGEFLAG(name, bit)                                                    \
	static inline int Page##name(const struct page *p)                    \
	{ return (p->flags >> (bit)) & 1; }                                    \
	static inline void SetPage##name(struct page *p)                      \
	{ p->flags |= 1u << (bit); }                                           \
	static inline void ClearPage##name(struct page *p)                    \
	{ p->flags &= ~(1u << (bit)); }

PAGEFLAG(Head, PG_head)
PAGEFLAG(Deferred, PG_deferred)
PAGEFLAG(Anon, PG_anon)
PAGEFLAG(MteTagged, PG_mte_tagged)
PAGEFLAG(TagReserved, PG_tag_reserved)
PAGEFLAG(SwapCache, PG_swapcache)
PAGEFLAG(Uptodate, PG_uptodate)

/* PG_anon_exclusive: meaningful for anon pages only (seed 003). */
static inline int PageAnonExclusive(const struct page *p)
{
	VM_BUG_ON(!PageAnon(p));
	return (p->flags >> PG_anon_exclusive) & 1;
}
static inline void SetPageAnonExclusive(struct page *p)
{
	VM_BUG_ON(!PageAnon(p));
	p->flags |= 1u << PG_anon_exclusive;
}
static inline void ClearPageAnonExclusive(struct page *p)
{
	VM_BUG_ON(!PageAnon(p));
	p->flags &= ~(1u << PG_anon_exclusive);
}
/* The same bit under its file-page name: never set on anon pages. */
static inline int PageMappedToDisk(const struct page *p)
{
	VM_BUG_ON(PageAnon(p));
	return (p->flags >> PG_mappedtodisk) & 1;
}

#define PAGETYPE(name, bit)                                                    \
	static inline int Page##name(const struct page *p)                    \
	{ return (p->flags & (bit)) != 0; }                                    \
	static inline void __SetPage##name(struct page *p)                    \
	{ p->flags |= (bit); }                                                 \
	static inline void __ClearPage##name(struct page *p)                  \
	{ p->flags &= ~(bit); }

PAGETYPE(Buddy, PGTY_buddy)
PAGETYPE(Pcp, PGTY_pcp)
PAGETYPE(Unaccepted, PGTY_unaccepted)

/*
 * A free buddy head carrying PGTY_unaccepted also records how many NOLOCK
 * orders it can serve without accepting memory (A5): nolock_orders n
 * says that for every r < n an aligned 2^r sub-block lies in accepted
 * units, 0 that none does.  3 bits, 0..PD_NOLOCK_MAX_ORDER + 1, cleared
 * with the rest of the word when the block leaves the buddy (pcp and
 * allocated heads carry none).  buddy.c counts hinted blocks per order by
 * it, so that the NOLOCK scan passes over lists and blocks that cannot
 * serve.
 */
#define PG_NOLOCK_SHIFT  8
#define PG_NOLOCK_MASK   (0x7u << PG_NOLOCK_SHIFT)

static inline unsigned page_nolock_orders(const struct page *p)
{
	return (p->flags & PG_NOLOCK_MASK) >> PG_NOLOCK_SHIFT;
}
static inline void set_page_nolock_orders(struct page *p, unsigned n)
{
	p->flags = (p->flags & ~PG_NOLOCK_MASK) | ((uint32_t)n << PG_NOLOCK_SHIFT);
}

/* The flag word of a freshly allocated head (prep_new_page). */
#define PG_HEAD_ORDER(order) ((1u << PG_head) | ((uint32_t)(order) << PG_ORDER_SHIFT))

static inline unsigned page_order(const struct page *p)
{
	return (p->flags & PG_ORDER_MASK) >> PG_ORDER_SHIFT;
}
static inline void set_page_order(struct page *p, unsigned order)
{
	p->flags = (p->flags & ~PG_ORDER_MASK) | ((uint32_t)order << PG_ORDER_SHIFT);
}

/* Clear everything a free page must not carry (free_pages_prepare). */
static inline void page_reset(struct page *p)
{
	p->flags = 0;
	p->_refcount = 0;
	p->lru.next = 0;
	p->lru.prev = 0;
	p->content = 0;
}

static inline unsigned page_mapcount(const struct page *p)
{
	return PageAnon(p) ? (unsigned)__builtin_popcount(p->anon.mappers) : 0;
}

#endif
