// SPDX-License-Identifier: MIT
/*
 * rmap.c - the anon reverse map (mm/rmap.c).
 *
 * Every mapping of an anon page is at one virtual page (the page's index:
 * all mappings descend from one fault at one address, through fork), so
 * the reverse map is that index plus a bitmask of the processes mapping
 * it, the analogue of anon_vma.  Unmapping every mapper is O(processes),
 * never a scan of all page tables.
 *
 *   page_mapcount(p) == popcount(p->anon.mappers)
 *   bit q set  <=>  process q's PTE at p->anon.index is present/FOA and names p
 */
#include "internal.h"

void page_add_anon_rmap(struct impl *m, uint32_t pfn, unsigned proc, unsigned vpage)
{
	struct page *page = pfn_to_page(m, pfn);

	VM_BUG_ON(!PageAnon(page));
	VM_BUG_ON(page->anon.mappers && page->anon.index != vpage);
	VM_BUG_ON(page->anon.mappers & (1u << proc));
	touch_frame(m, pfn);
	page->anon.index = (uint16_t)vpage;
	page->anon.mappers |= (uint8_t)(1u << proc);
}

void page_remove_rmap(struct impl *m, uint32_t pfn, unsigned proc)
{
	struct page *page = pfn_to_page(m, pfn);

	VM_BUG_ON(!(page->anon.mappers & (1u << proc)));
	touch_frame(m, pfn);
	page->anon.mappers &= (uint8_t)~(1u << proc);
}

/*
 * try_to_unmap() for swap-out: replace every PTE mapping the page with
 * `swp_pte`, taking one slot reference each.  Returns how many there were;
 * the caller drops the mappings' page references.
 */
unsigned try_to_unmap_swap(struct impl *m, uint32_t pfn, pte_t swp_pte)
{
	struct page *page = pfn_to_page(m, pfn);
	unsigned mappers = page->anon.mappers, nr = 0;

	while (mappers) {
		unsigned q = (unsigned)__builtin_ctz(mappers);
		pte_t *ptep = pte_offset(&m->mm[q], page->anon.index);

		mappers &= mappers - 1;
		VM_BUG_ON(!ptep || !pte_present(*ptep) || pte_pfn(*ptep) != pfn);
		touch_ptes(m, q, page->anon.index, 1);
		*ptep = swp_pte;
		swap_duplicate(m, pte_swp_offset(swp_pte));
		nr++;
	}
	touch_frame(m, pfn);
	page->anon.mappers = 0;
	return nr;
}
