// SPDX-License-Identifier: MIT
/*
 * fork.c - process creation and teardown (kernel/fork.c, mm/memory.c
 * copy_pte_range, mm/mmap.c exit_mmap).
 */
#include <string.h>

#include "internal.h"

void impl_op_spawn(void *model, struct pd_ctx *ctx, const struct pd_call *call,
		   struct pd_result *res)
{
	struct impl *m = impl_enter(model, ctx, call, res);
	struct mm *mm = &m->mm[call->proc];

	if (call->proc >= PD_MAX_PROCS || mm->alive) {
		res->status = PD_EINVAL;
		return;
	}
	memset(mm, 0, sizeof(*mm));
	mm->alive = true;
	m->live_procs++;
	touch_proc(m, call->proc);
}

/* V9: drop every mapping; pins and refs outlive the process. */
void exit_mmap(struct impl *m, unsigned proc)
{
	struct mm *mm = &m->mm[proc];
	unsigned start, end;

	vma_span(mm, &start, &end);
	zap_pte_range(m, proc, start, end);   /* touches every mapped PTE */
	free_pgtables(m, mm);
	memset(mm, 0, sizeof(*mm));
	m->live_procs--;
	touch_proc(m, proc);
}

void impl_op_exit(void *model, struct pd_ctx *ctx, const struct pd_call *call,
		  struct pd_result *res)
{
	struct impl *m = impl_enter(model, ctx, call, res);

	if (call->proc >= PD_MAX_PROCS || !m->mm[call->proc].alive) {
		res->status = PD_EINVAL;
		return;
	}
	exit_mmap(m, call->proc);
}

/*
 * copy_present_page(): the parent has pinned and this page may be pinned,
 * so the child cannot share it (a later COW in the parent would break the
 * pin); it gets its own AE, writable copy now.
 */
static int fork_copy_page(struct impl *m, unsigned child, unsigned v, uint32_t src)
{
	bool mte = vma_mte(&m->mm[child], v);
	uint32_t pfn = alloc_user_page(m, mte);
	struct page *page;

	if (pfn == NIL)
		return PD_ENOMEM;
	copy_user_page(m, pfn, src);
	page = pfn_to_page(m, pfn);
	SetPageAnon(page);
	SetPageAnonExclusive(page);
	page_add_anon_rmap(m, pfn, child, v);
	*pte_alloc(m, &m->mm[child], v) = mk_pte(pfn, mte_needs_foa(m, pfn, mte), true);
	return PD_OK;
}

/*
 * V8: copy the parent's page tables in ascending vpage order.  A shared
 * anon page loses AE and both PTEs are write-protected; a swap PTE gains a
 * slot reference and loses its exclusive bit in both processes.  A failed
 * copy tears the child down; changes to the parent stay.
 */
void impl_op_fork(void *model, struct pd_ctx *ctx, const struct pd_call *call,
		  struct pd_result *res)
{
	struct impl *m = impl_enter(model, ctx, call, res);
	struct mm *parent = &m->mm[call->proc], *child = &m->mm[call->child];
	unsigned start, end;

	if (call->proc >= PD_MAX_PROCS || call->child >= PD_MAX_PROCS || !parent->alive ||
	    child->alive) {
		res->status = PD_EINVAL;
		return;
	}
	memset(child, 0, sizeof(*child));
	child->alive = true;
	m->live_procs++;
	touch_proc(m, call->child);
	vma_span(parent, &start, &end);
	if (start == end)
		return;
	touch_ptes(m, call->proc, start, end - start);
	touch_ptes(m, call->child, start, end - start);
	memcpy(child->vma_mapped, parent->vma_mapped, sizeof(child->vma_mapped));
	memcpy(child->vma_mte, parent->vma_mte, sizeof(child->vma_mte));

	for (unsigned v = start; v < end; v++) {
		pte_t *src = pte_offset(parent, v);
		struct page *page;
		pte_t pte;

		if (!src || pte_none(*src))
			continue;
		pte = *src;
		if (is_swap_pte(pte)) {
			swap_duplicate(m, pte_swp_offset(pte));
			*src = pte_swp_clear_exclusive(pte);
			*pte_alloc(m, child, v) = *src;
			continue;
		}
		page = pfn_to_page(m, pte_pfn(pte));
		if (parent->has_pinned && page->_refcount >= PD_PIN_BIAS) {
			if (fork_copy_page(m, call->child, v, pte_pfn(pte)) != PD_OK) {
				exit_mmap(m, call->child);
				res->status = PD_ENOMEM;
				return;
			}
			continue;
		}
		touch_frame(m, pte_pfn(pte));
#if PAGEDIFF_PLANTED_BUG != 1
		ClearPageAnonExclusive(page);
#endif
		*src = pte_wrprotect(pte);
		*pte_alloc(m, child, v) = *src;
		page_add_anon_rmap(m, pte_pfn(pte), call->child, v);
		page->_refcount++;
	}
}
