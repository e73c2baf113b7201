// SPDX-License-Identifier: MIT
/*
 * memory.c - page tables and page faults of anonymous memory (seed 003;
 * mm/memory.c do_anonymous_page, do_wp_page, wp_can_reuse_anon_folio,
 * do_swap_page), plus mmap/munmap/read/write/settag.
 *
 * Fault results are pd_status values: PD_OK, PD_ENOMEM (allocation
 * failed, nothing changed), PD_RETRY (besteffort tag storage, R5/S6).
 *
 *   a writable present PTE maps an AE page
 *   a pinned anon page (rc >= BIAS) is AE (G4)
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

pte_t *pte_alloc(struct impl *m, struct mm *mm, unsigned v)
{
	pte_t **tablep = &mm->pgd[v >> PTE_SHIFT];

	if (!*tablep) {
		if (m->nr_pt_free) {
			*tablep = m->pt_free[--m->nr_pt_free];
			memset(*tablep, 0, PTRS_PER_PTE * sizeof(pte_t));
		} else {
			*tablep = calloc(PTRS_PER_PTE, sizeof(pte_t));
			if (!*tablep)
				abort();
		}
	}
	return &(*tablep)[v & (PTRS_PER_PTE - 1)];
}

/* Every table of mm goes to the quicklist (which holds all there can be). */
void free_pgtables(struct impl *m, struct mm *mm)
{
	for (unsigned i = 0; i < PTRS_PER_PGD; i++) {
		if (!mm->pgd[i])
			continue;
		if (m->nr_pt_free < sizeof(m->pt_free) / sizeof(m->pt_free[0]))
			m->pt_free[m->nr_pt_free++] = mm->pgd[i];
		else
			free(mm->pgd[i]);
		mm->pgd[i] = NULL;
	}
}

void pte_quicklist_free(struct impl *m)
{
	while (m->nr_pt_free)
		free(m->pt_free[--m->nr_pt_free]);
}

/* Drop one PTE: its page reference, or its slot reference (V9). */
static void zap_pte(struct impl *m, unsigned proc, unsigned v)
{
	pte_t *ptep = pte_offset(&m->mm[proc], v);
	pte_t pte;

	if (!ptep || pte_none(*ptep))
		return;
	pte = *ptep;
	*ptep = 0;
	if (pte_present(pte)) {
		page_remove_rmap(m, pte_pfn(pte), proc);
		put_page(m, pte_pfn(pte));
	} else {
		swap_free_entry(m, pte_swp_offset(pte));
	}
}

/* Unmap [start, end): vpages outside any mapping are skipped. */
void zap_pte_range(struct impl *m, unsigned proc, unsigned start, unsigned end)
{
	struct mm *mm = &m->mm[proc];

	if (start < end)
		touch_ptes(m, proc, start, end - start);
	for (unsigned v = start; v < end; v++) {
		if (!vma_mapped(mm, v))
			continue;
		zap_pte(m, proc, v);
		mm->vma_mapped[v / 64] &= ~(1ull << (v % 64));
		mm->vma_mte[v / 64] &= ~(1ull << (v % 64));
	}
}

/*
 * Copy content and the tags of a tagged page, if the copy can hold tags
 * (COW, fork copy; R4: an unreserved besteffort copy cannot).
 */
void copy_user_page(struct impl *m, uint32_t dst, uint32_t src)
{
	struct page *d = pfn_to_page(m, dst), *s = pfn_to_page(m, src);

	touch_frame(m, dst);
	d->content = s->content;
	SetPageUptodate(d);
	if (PageMteTagged(s) && page_tags_capable(m, dst)) {
		memcpy(page_tags(m, dst), page_tags(m, src), m->tag_bytes);
		SetPageMteTagged(d);
	}
}

/* Map a fresh anon page: AE, mapped by proc at v (rc 1 from allocation). */
static int map_new_anon_page(struct impl *m, unsigned proc, unsigned v,
			     uint32_t pfn, bool writable)
{
	struct page *page = pfn_to_page(m, pfn);
	bool foa = mte_needs_foa(m, pfn, vma_mte(&m->mm[proc], v));

	SetPageAnon(page);
	SetPageAnonExclusive(page);
	page_add_anon_rmap(m, pfn, proc, v);   /* touches the page */
	touch_ptes(m, proc, v, 1);
	*pte_alloc(m, &m->mm[proc], v) = mk_pte(pfn, foa, writable);
	/* R5: mapped fault-on-access in the same call: the access retries */
	return foa ? PD_RETRY : PD_OK;
}

/* V3: fault on a none PTE. */
static int do_anonymous_page(struct impl *m, unsigned proc, unsigned v, bool writable)
{
	uint32_t pfn = alloc_user_page(m, vma_mte(&m->mm[proc], v));

	if (pfn == NIL)
		return PD_ENOMEM;
	return map_new_anon_page(m, proc, v, pfn, writable);
}

/* V5 copy: a new AE page replaces the shared one in this PTE only. */
static int wp_page_copy(struct impl *m, unsigned proc, unsigned v, bool unshare)
{
	pte_t *ptep = pte_offset(&m->mm[proc], v);
	uint32_t old = pte_pfn(*ptep);
	uint32_t new = alloc_user_page(m, vma_mte(&m->mm[proc], v));

	if (new == NIL)
		return PD_ENOMEM;
	copy_user_page(m, new, old);
	page_remove_rmap(m, old, proc);
	put_page(m, old);
	return map_new_anon_page(m, proc, v, new, !unshare);
}

/*
 * V5 (do_wp_page) and G2 (unshare).  Reuse is decided by the refcount,
 * not the mapcount (wp_can_reuse_anon_folio): an AE page is reused at
 * once; otherwise a swap-cache page nobody else's swap PTE names leaves
 * the cache first, and the page is reused iff rc == 1 then.  Unshare
 * makes the same decision but leaves the PTE read-only.
 */
static int do_wp_page(struct impl *m, unsigned proc, unsigned v, bool unshare)
{
	pte_t *ptep = pte_offset(&m->mm[proc], v);
	uint32_t pfn = pte_pfn(*ptep);
	struct page *page = pfn_to_page(m, pfn);

	touch_frame(m, pfn);
	touch_ptes(m, proc, v, 1);
	if (!PageAnonExclusive(page)) {
		if (PageSwapCache(page) && swap_count(m, page->anon.private) == 0) {
			delete_from_swap_cache(m, pfn);
			page->_refcount--;
		}
		if (page->_refcount != 1)
			return wp_page_copy(m, proc, v, unshare);
		SetPageAnonExclusive(page);
	}
	if (!unshare)
		*ptep = pte_mkwrite(*ptep);
	return PD_OK;
}

/* R5: an access through a FOA PTE retries the tag reservation first. */
int do_foa_fault(struct impl *m, unsigned proc, unsigned v)
{
	pte_t *ptep = pte_offset(&m->mm[proc], v);

	if (!mte_foa_reserve(m, pte_pfn(*ptep)))
		return PD_RETRY;
	touch_ptes(m, proc, v, 1);
	*ptep = pte_mkpresent(*ptep);
	return PD_OK;
}

/*
 * Swap-in restores the saved tags onto a page whose tags are not yet its
 * own: one just allocated or just reserved for this swap-in, or an
 * untagged cache page; and only onto a page that can hold tags (reserved,
 * or tagstore=none).  A cache page that is already tagged keeps its tags
 * (restoring twice after fork is harmless, S9).
 */
static void swap_restore_tags(struct impl *m, uint32_t slot, uint32_t pfn, bool fresh)
{
	struct page *page = pfn_to_page(m, pfn);

	if (!fresh && PageMteTagged(page))
		return;
	if (!page_tags_capable(m, pfn))
		return;
	touch_frame(m, pfn);
	if (mte_restore_tags(m, slot, pfn))
		SetPageMteTagged(page);
}

/*
 * S5/S6: fault on a swap PTE.  The page comes from the swap cache or is
 * allocated with the slot's content and put there; tags are restored
 * before this PTE's slot reference is dropped (S9); the page is exclusive
 * if the swap PTE said so or nobody else holds it.
 */
static int do_swap_page(struct impl *m, unsigned proc, unsigned v, unsigned flags)
{
	struct mm *mm = &m->mm[proc];
	pte_t *ptep = pte_offset(mm, v);
	pte_t orig = *ptep;
	uint32_t slot = pte_swp_offset(orig);
	uint32_t pfn = swap_cache_pfn(m, slot);
	bool mte = vma_mte(mm, v), fresh = false, exclusive;
	struct page *page;

	if (pfn == NIL) {
		pfn = alloc_user_page(m, mte);
		if (pfn == NIL)
			return PD_ENOMEM;
		page = pfn_to_page(m, pfn);
		SetPageAnon(page);   /* the block was touched by its allocation */
		page->content = m->si.content[slot];
		SetPageUptodate(page);
		add_to_swap_cache(m, pfn, slot);  /* the allocation's ref is the cache's */
		fresh = true;
		if (mte_needs_foa(m, pfn, mte))
			return PD_RETRY;
	} else if (mte_needs_foa(m, pfn, mte)) {
		if (!mte_foa_reserve(m, pfn))
			return PD_RETRY;
		fresh = true;
	}
	page = pfn_to_page(m, pfn);
	touch_frame(m, pfn);
	touch_ptes(m, proc, v, 1);
#if PAGEDIFF_PLANTED_BUG != 2
	swap_restore_tags(m, slot, pfn, fresh);
#endif
	page->_refcount++;
	page_add_anon_rmap(m, pfn, proc, v);
	swap_free_entry(m, slot);
	if (swap_count(m, slot) == 0 && PageSwapCache(page)) {
		delete_from_swap_cache(m, pfn);
		page->_refcount--;
	}
#if PAGEDIFF_PLANTED_BUG == 2
	swap_restore_tags(m, slot, pfn, fresh);  /* planted: the slot may be gone */
#endif
	exclusive = pte_swp_exclusive(orig) || page->_refcount == 1;
	if (exclusive)
		SetPageAnonExclusive(page);
	*ptep = mk_pte(pfn, false, (flags & FAULT_FLAG_WRITE) && exclusive);
	if (!exclusive && (flags & FAULT_FLAG_WRITE))
		return do_wp_page(m, proc, v, false);
	if (!exclusive && (flags & FAULT_FLAG_UNSHARE))
		return do_wp_page(m, proc, v, true);
	return PD_OK;
}

/*
 * Fault in proc/v for an access: none -> V3 (writable only on a write
 * fault), swap -> S5, FOA -> R5, then the write/unshare decision (V5, G2).
 * On PD_OK *pfnp is the page now mapped.
 */
int handle_mm_fault(struct impl *m, unsigned proc, unsigned v, unsigned flags,
		    uint32_t *pfnp)
{
	struct mm *mm = &m->mm[proc];
	pte_t *ptep = pte_offset(mm, v);
	pte_t pte = ptep ? *ptep : 0;
	int ret = PD_OK;

	if (pte_none(pte)) {
		ret = do_anonymous_page(m, proc, v, flags & FAULT_FLAG_WRITE);
	} else if (is_swap_pte(pte)) {
		ret = do_swap_page(m, proc, v, flags);
	} else {
		if (pte_foa(pte)) {
			ret = do_foa_fault(m, proc, v);
			if (ret != PD_OK)
				return ret;
			pte = *ptep;
		}
		if ((flags & FAULT_FLAG_WRITE) && !pte_write(pte))
			ret = do_wp_page(m, proc, v, false);
		else if ((flags & FAULT_FLAG_UNSHARE) &&
			 !PageAnonExclusive(pfn_to_page(m, pte_pfn(pte))))
			ret = do_wp_page(m, proc, v, true);
	}
	if (ret == PD_OK)
		*pfnp = pte_pfn(*pte_offset(mm, v));
	return ret;
}

/* ---- ops ---- */

static unsigned range_end(const struct impl *m, const struct pd_call *call)
{
	unsigned end = (unsigned)call->vpage + call->npages;

	return end < m->cfg.vpages ? end : m->cfg.vpages;
}

/* V1: MAP_FIXED anonymous mapping: unmap what was there first. */
void impl_op_mmap(void *model, struct pd_ctx *ctx, const struct pd_call *call,
		  struct pd_result *res)
{
	struct impl *m = impl_enter(model, ctx, call, res);
	struct mm *mm = &m->mm[call->proc];
	unsigned end = range_end(m, call);

	if (call->proc >= PD_MAX_PROCS || !mm->alive) {
		res->status = PD_EINVAL;
		return;
	}
	zap_pte_range(m, call->proc, call->vpage, end);   /* touches [vpage, end) */
	for (unsigned v = call->vpage; v < end; v++) {
		mm->vma_mapped[v / 64] |= 1ull << (v % 64);
		if (call->flags & PD_MMAP_MTE)
			mm->vma_mte[v / 64] |= 1ull << (v % 64);
	}
}

void impl_op_munmap(void *model, struct pd_ctx *ctx, const struct pd_call *call,
		    struct pd_result *res)
{
	struct impl *m = impl_enter(model, ctx, call, res);

	if (call->proc >= PD_MAX_PROCS || !m->mm[call->proc].alive) {
		res->status = PD_EINVAL;
		return;
	}
	zap_pte_range(m, call->proc, call->vpage, range_end(m, call));
}

/* V4: a read of none returns 0 and maps nothing. */
void impl_op_read(void *model, struct pd_ctx *ctx, const struct pd_call *call,
		  struct pd_result *res)
{
	struct impl *m = impl_enter(model, ctx, call, res);
	uint32_t pfn;
	int ret;

	res->status = (uint8_t)access_check(m->mm, m->cfg.vpages, call);
	if (res->status != PD_OK)
		return;
	if (pte_none(pte_get(&m->mm[call->proc], call->vpage))) {
		res->value = 0;
		return;
	}
	ret = handle_mm_fault(m, call->proc, call->vpage, 0, &pfn);
	if (ret != PD_OK) {
		res->status = (uint8_t)ret;
		return;
	}
	res->value = pfn_to_page(m, pfn)->content;
}

/* V6: the fault comes before the MTE tag check; a mismatch drops the store. */
void impl_op_write(void *model, struct pd_ctx *ctx, const struct pd_call *call,
		   struct pd_result *res)
{
	struct impl *m = impl_enter(model, ctx, call, res);
	struct page *page;
	uint32_t pfn;
	int ret;

	ret = access_check(m->mm, m->cfg.vpages, call);
	if (ret == PD_OK && vma_mte(&m->mm[call->proc], call->vpage) &&
	    call->granule >= m->cfg.granules)
		ret = PD_EINVAL;
	if (ret != PD_OK) {
		res->status = (uint8_t)ret;
		return;
	}
	ret = handle_mm_fault(m, call->proc, call->vpage, FAULT_FLAG_WRITE, &pfn);
	if (ret != PD_OK) {
		res->status = (uint8_t)ret;
		return;
	}
	page = pfn_to_page(m, pfn);
	if (vma_mte(&m->mm[call->proc], call->vpage) &&
	    pd_tag_get(page_tags(m, pfn), call->granule) != call->tag) {
		res->status = PD_TAGCHECK;
		return;
	}
	touch_frame(m, pfn);
	page->content = call->value;
	SetPageUptodate(page);
}

/* V7: PROT_MTE only; write-fault in, then set one granule's tag. */
void impl_op_settag(void *model, struct pd_ctx *ctx, const struct pd_call *call,
		    struct pd_result *res)
{
	struct impl *m = impl_enter(model, ctx, call, res);
	uint32_t pfn;
	int ret;

	ret = access_check(m->mm, m->cfg.vpages, call);
	if (ret == PD_OK && !vma_mte(&m->mm[call->proc], call->vpage))
		ret = PD_EFAULT;
	if (ret != PD_EINVAL && call->granule >= m->cfg.granules)
		ret = PD_EINVAL;
	if (ret != PD_OK) {
		res->status = (uint8_t)ret;
		return;
	}
	ret = handle_mm_fault(m, call->proc, call->vpage, FAULT_FLAG_WRITE, &pfn);
	if (ret != PD_OK) {
		res->status = (uint8_t)ret;
		return;
	}
	touch_frame(m, pfn);
	pd_tag_set(page_tags(m, pfn), call->granule, call->tag);
	SetPageMteTagged(pfn_to_page(m, pfn));
}
