// SPDX-License-Identifier: MIT
/*
 * test_impl.c - unit tests of the optimized allocator (impl/).
 *
 * The impl's .c files are included here, as the kernel's userspace test
 * harnesses do, so that tests reach static functions (block_head, expand,
 * take_subblock, ...).  Each test builds a small zone, drives it through
 * the op table or the internal functions, and checks internal state that
 * the engine never sees: free lists, pcp lists, hints, the deferred list,
 * the saved-tags map.  After every op impl_check must stay silent, except
 * in the tests that corrupt state on purpose.
 */
#define _DEFAULT_SOURCE  /* impl/zalloc.c: MAP_ANONYMOUS */
#define PAGEDIFF_IMPL_CHECK 1
#define PAGEDIFF_PLANTED_BUG 0

#include "../../impl/accept.c"
#include "../../impl/buddy.c"
#include "../../impl/check.c"
#include "../../impl/fork.c"
#include "../../impl/gup.c"
#include "../../impl/memory.c"
#include "../../impl/model.c"
#include "../../impl/nolock.c"
#include "../../impl/page_alloc.c"
#include "../../impl/pcp.c"
#include "../../impl/reset.c"
#include "../../impl/rmap.c"
#include "../../impl/swap.c"
#include "../../impl/tagstore.c"
#include "../../impl/zalloc.c"

#include <stdio.h>
#include <string.h>

#include <pagediff/engine.h>

#include "ctx.h"

/* ---- harness --------------------------------------------------------- */

static const char *cur_test;

#define ASSERT(e)                                                              \
	do {                                                                   \
		if (!(e)) {                                                    \
			fprintf(stderr, "%s:%d: %s: assertion failed: %s\n",     \
				__FILE__, __LINE__, cur_test, #e);              \
			return false;                                          \
		}                                                              \
	} while (0)

#define ASSERT_EQ(a, b)                                                        \
	do {                                                                   \
		unsigned long long _a = (unsigned long long)(a),               \
				   _b = (unsigned long long)(b);               \
		if (_a != _b) {                                                \
			fprintf(stderr, "%s:%d: %s: %s == %s failed: %llu != %llu\n", \
				__FILE__, __LINE__, cur_test, #a, #b, _a, _b);  \
			return false;                                          \
		}                                                              \
	} while (0)

#define ASSERT_STR(a, b)                                                       \
	do {                                                                   \
		if (strcmp((a), (b))) {                                        \
			fprintf(stderr, "%s:%d: %s: got\n  \"%s\"\nwant\n  \"%s\"\n", \
				__FILE__, __LINE__, cur_test, (a), (b));        \
			return false;                                          \
		}                                                              \
	} while (0)

static struct {
	struct impl *m;
	struct pd_ctx ctx;
	struct pd_ctx cctx;
	struct pd_result res;
	char drawing[512];
	struct impl *fresh;  /* a second impl to compare with; destroyed by main */
} F;

static struct pd_config base_cfg(void)
{
	struct pd_config c = {
		.frames_log2 = 4, .cpus = 1, .max_order = 4, .granules = 4,
		.accept_order = 0, .unaccepted = 0, .tag_ratio_log2 = 1,
		.slots = 4, .pcp_batch = 4, .pcp_high = 8, .vpages = 8,
		.swap_excl = PD_SWAP_EXCL_KEPT, .accept = PD_ACCEPT_FLAG,
		.tagstore = PD_TAGSTORE_NONE,
	};
	return c;
}

static bool setup(const struct pd_config *cfg)
{
	char err[128];

	F.m = pd_impl_ops.create(cfg, err, sizeof(err));
	if (!F.m)
		fprintf(stderr, "%s: create: %s\n", cur_test, err);
	pd_ctx_begin_record(&F.ctx);
	F.m->ctx = &F.ctx;
	return F.m != NULL;
}

/* Number of impl_check failures now. */
static unsigned check_failures(void)
{
	pd_ctx_begin_record(&F.cctx);
	impl_check(F.m, &F.cctx);
	for (unsigned i = 0; i < F.cctx.nviol && i < PD_CTX_MAX_VIOLATIONS; i++)
		fprintf(stderr, "  [%s] %s\n", F.cctx.viol[i].what, F.cctx.viol[i].msg);
	return F.cctx.nviol;
}

/* The op table's member for an opcode. */
static pd_op_fn *impl_member(unsigned code)
{
	static pd_op_fn *const *table[PD_NR_OPS] = {
		[PD_OP_ALLOC] = &pd_impl_ops.alloc, [PD_OP_FREE] = &pd_impl_ops.free,
		[PD_OP_DRAIN] = &pd_impl_ops.drain, [PD_OP_ZONE_LOCK] = &pd_impl_ops.zone_lock,
		[PD_OP_ZONE_UNLOCK] = &pd_impl_ops.zone_unlock, [PD_OP_SPAWN] = &pd_impl_ops.spawn,
		[PD_OP_MMAP] = &pd_impl_ops.mmap, [PD_OP_MUNMAP] = &pd_impl_ops.munmap,
		[PD_OP_EXIT] = &pd_impl_ops.exit, [PD_OP_FORK] = &pd_impl_ops.fork,
		[PD_OP_READ] = &pd_impl_ops.read, [PD_OP_WRITE] = &pd_impl_ops.write,
		[PD_OP_SETTAG] = &pd_impl_ops.settag, [PD_OP_SWAPOUT] = &pd_impl_ops.swapout,
		[PD_OP_SWAPCACHE_DROP] = &pd_impl_ops.swapcache_drop,
		[PD_OP_PIN] = &pd_impl_ops.pin, [PD_OP_UNPIN] = &pd_impl_ops.unpin,
		[PD_OP_PIN_READ] = &pd_impl_ops.pin_read, [PD_OP_PIN_WRITE] = &pd_impl_ops.pin_write,
		[PD_OP_GET] = &pd_impl_ops.get, [PD_OP_PUT] = &pd_impl_ops.put,
		[PD_OP_REF_READ] = &pd_impl_ops.ref_read,
		[PD_OP_TAGSTORE_PIN] = &pd_impl_ops.tagstore_pin,
		[PD_OP_TAGSTORE_UNPIN] = &pd_impl_ops.tagstore_unpin,
	};

	return *table[code];
}

/* Run one op through the table; impl_check must stay silent. */
static uint8_t run(struct pd_call call)
{
	pd_ctx_begin_record(&F.ctx);
	impl_member(call.code)(F.m, &F.ctx, &call, &F.res);
	if (check_failures())
		F.res.status = 0xee;  /* makes every status assertion fail */
	return F.res.status;
}

#define OP(c, ...) run((struct pd_call){ .code = PD_OP_##c, __VA_ARGS__ })

/*
 * Draw the zone: one cell per frame, '.' free, 'd' deferred, and letters
 * for allocated blocks in address order ("A A . . B B B B").
 */
static const char *draw(void)
{
	char letter = 'A' - 1, *s = F.drawing;
	uint32_t last = NIL;

	for (uint32_t f = 0; f < F.m->nr_frames; f++) {
		uint32_t head = block_head(F.m, f);

		if (head != NIL && head != last) {
			letter++;
			last = head;
		}
		*s++ = head == NIL ? '.' : PageDeferred(pfn_to_page(F.m, head)) ? 'd' : letter;
		*s++ = ' ';
	}
	s[-1] = 0;
	return F.drawing;
}

/* Take a block straight from the buddy, as rmqueue does under the lock. */
static uint32_t buddy_take(unsigned order)
{
	uint32_t pfn;

	F.m->zone.locked = true;
	pfn = __rmqueue(F.m, order, 0);
	F.m->zone.locked = false;
	if (pfn != NIL)
		prep_new_page(F.m, pfn, order, 0);
	return pfn;
}

static void buddy_give(uint32_t pfn)
{
	unsigned order = page_order(pfn_to_page(F.m, pfn));

	free_pages_prepare(F.m, pfn, order);
	F.m->zone.free_frames += 1u << order;
	F.m->zone.locked = true;
	__free_one_page(F.m, pfn, order, FPI_NONE);
	F.m->zone.locked = false;
}

/* Place every unplaced block: the zone as eager boot left it. */
static void place_all(struct impl *m)
{
	place_unplaced_below(m, m->nr_frames);
}

/* The unplaced free blocks into out[] from n on; returns the new n. */
static unsigned unplaced_free_blocks(const struct impl *m, uint32_t *out, unsigned n,
				     unsigned max)
{
	for (uint32_t u = m->zone.unplaced; m->zone.unplaced_free && u < m->nr_frames && n < max;
	     u += 1u << m->max_order)
		if (!boot_listed(boot_class_of(m, u)))
			out[n++] = u;
	return n;
}

/*
 * A free list as the allocator sees it, into out[] (at most max blocks;
 * returns how many): the placed blocks, and at max_order the unplaced
 * free blocks where they stand, before zone.unplaced_before (deferred
 * boot).  Places nothing.
 */
static unsigned free_list_blocks(const struct impl *m, unsigned order, uint32_t *out,
				 unsigned max)
{
	const struct zone *z = &m->zone;
	bool top = order == m->max_order;
	unsigned n = 0;

	for (uint32_t p = z->free_area[order].list.head; p != NIL && n < max;
	     p = pfn_to_page_ro(m, p)->lru.next) {
		if (top && p == z->unplaced_before)
			n = unplaced_free_blocks(m, out, n, max);
		if (n < max)
			out[n++] = p;
	}
	if (top && z->unplaced_before == NIL)
		n = unplaced_free_blocks(m, out, n, max);
	return n;
}

/* The same for accept=list's unaccepted list: the list blocks from its cursor up. */
static unsigned unaccepted_list_blocks(const struct impl *m, uint32_t *out, unsigned max)
{
	unsigned n = 0;

	for (uint32_t u = m->zone.unaccepted_next; m->zone.unaccepted_frames &&
	     u < m->nr_frames && n < max; u += 1u << m->max_order)
		if (boot_listed(boot_class_of(m, u)))
			out[n++] = u;
	return n;
}

/* free_list_blocks() as "0 16 8": the order the allocator will use them in. */
static const char *list_order(unsigned order)
{
	uint32_t b[64];
	unsigned n = free_list_blocks(F.m, order, b, 64);
	char *s = F.drawing;

	*s = 0;
	for (unsigned i = 0; i < n; i++)
		s += snprintf(s, 16, "%s%u", i ? " " : "", b[i]);
	return F.drawing;
}

static bool on_free_list(unsigned order, uint32_t pfn)
{
	uint32_t b[64];
	unsigned n = free_list_blocks(F.m, order, b, 64);

	for (unsigned i = 0; i < n; i++)
		if (b[i] == pfn)
			return true;
	return false;
}

/* ---- buddy ----------------------------------------------------------- */

static bool test_buddy_split_then_merge(void)
{
	struct pd_config c = base_cfg();
	uint32_t a, b;

	ASSERT(setup(&c));
	/* boot: one order-4 block */
	ASSERT_STR(draw(), ". . . . . . . . . . . . . . . .");
	ASSERT_EQ(F.m->zone.free_area[4].nr_free, 1);

	a = buddy_take(1);
	b = buddy_take(2);
	/*
	 *  0 1 2 3 4 5 6 7 8 ...
	 *  A A . . B B B B . . . . . . . .
	 * expand left [2,4) order 1 and [8,16) order 3 free
	 */
	ASSERT_EQ(a, 0);
	ASSERT_EQ(b, 4);
	ASSERT_STR(draw(), "A A . . B B B B . . . . . . . .");
	ASSERT(on_free_list(1, 2) && on_free_list(3, 8));
	ASSERT_EQ(F.m->zone.free_area[2].nr_free, 0);
	ASSERT_EQ(check_failures(), 0);

	/*
	 * free A: merges with [2,4) into [0,4) order 2; B blocks further
	 * merging (letters name blocks in address order, so B is now "A")
	 */
	buddy_give(a);
	ASSERT_STR(draw(), ". . . . A A A A . . . . . . . .");
	ASSERT(on_free_list(2, 0) && !on_free_list(1, 2));
	ASSERT_EQ(check_failures(), 0);

	/* free B: [0,4)+[4,8) -> [0,8), + [8,16) -> [0,16) order 4 */
	buddy_give(b);
	ASSERT_STR(draw(), ". . . . . . . . . . . . . . . .");
	ASSERT(on_free_list(4, 0));
	for (unsigned o = 0; o < 4; o++)
		ASSERT_EQ(F.m->zone.free_area[o].nr_free, 0);
	ASSERT_EQ(check_failures(), 0);
	return true;
}

static bool test_buddy_of_8_is_10_at_order_1(void)
{
	struct pd_config c = base_cfg();

	ASSERT(setup(&c));
	place_all(F.m);
	/* carve [10,12) out of the order-4 block: halves at 0,8 order 3,... */
	F.m->zone.locked = true;
	take_subblock(F.m, 0, 4, 10, 1);
	F.m->zone.locked = false;
	prep_new_page(F.m, 10, 1, 0);
	/*
	 *  . . . . . . . . . . A A . . . .
	 * free: [0,8) o3, [8,10) o1, [12,16) o2
	 */
	ASSERT_STR(draw(), ". . . . . . . . . . A A . . . .");
	ASSERT(on_free_list(3, 0) && on_free_list(1, 8) && on_free_list(2, 12));
	ASSERT_EQ(find_free_buddy(F.m, 10, 1), 8);     /* 10 ^ 2 == 8 */
	ASSERT_EQ(find_free_buddy(F.m, 8, 2), 12);     /* 8 ^ 4 == 12, free at order 2 */
	ASSERT_EQ(find_free_buddy(F.m, 0, 3), NIL);    /* 0 ^ 8 == 8 is free, but order 1 */
	ASSERT_EQ(check_failures(), 0);
	buddy_give(10);
	ASSERT(on_free_list(4, 0));
	ASSERT_EQ(check_failures(), 0);
	return true;
}

static bool test_alloc_order_above_pcp_bypasses_pcp(void)
{
	struct pd_config c = base_cfg();

	c.frames_log2 = 6;
	c.max_order = 5;
	ASSERT(setup(&c));
	ASSERT_EQ(OP(ALLOC, .order = 4), PD_OK);
	ASSERT_EQ(F.res.frame, 0);
	ASSERT_EQ(F.m->pcp[0].count, 0);
	ASSERT_EQ(F.ctx.nlog, 1);
	ASSERT_EQ(F.ctx.log[0].kind, PD_PLACE_BLOCK);
	ASSERT_EQ(F.ctx.log[0].order, 4);
	ASSERT_EQ(OP(FREE, .frame = 0, .order = 4), PD_OK);
	ASSERT(on_free_list(5, 0));
	return true;
}

/* ---- pcp ------------------------------------------------------------- */

static bool test_pcp_refill_batch_and_drain_at_high(void)
{
	struct pd_config c = base_cfg();
	uint32_t f[8];

	c.frames_log2 = 5;
	c.max_order = 3;
	c.pcp_batch = 3;
	c.pcp_high = 5;
	ASSERT(setup(&c));
	/* first order-0 alloc refills 3 blocks, hands out one */
	ASSERT_EQ(OP(ALLOC, .order = 0), PD_OK);
	f[0] = F.res.frame;
	ASSERT_EQ(F.m->pcp[0].count, 2);
	ASSERT_EQ(F.m->zone.free_frames, 31);
	for (int i = 1; i < 6; i++) {
		ASSERT_EQ(OP(ALLOC, .order = 0), PD_OK);
		f[i] = F.res.frame;
	}
	/* 6 taken: two refills of 3 */
	ASSERT_EQ(F.m->pcp[0].count, 0);
	for (int i = 0; i < 4; i++)
		ASSERT_EQ(OP(FREE, .frame = f[i], .order = 0), PD_OK);
	ASSERT_EQ(F.m->pcp[0].count, 4);
	/* the 5th free reaches high (5): drain a batch of 3, coldest first */
	ASSERT_EQ(OP(FREE, .frame = f[4], .order = 0), PD_OK);
	ASSERT_EQ(F.m->pcp[0].count, 2);
	ASSERT_EQ(F.m->pcp[0].lists[0].head, f[4]);  /* hottest stays */
	ASSERT_EQ(F.m->zone.free_frames, 31);
	ASSERT_EQ(OP(DRAIN, .cpu = 0), PD_OK);
	ASSERT_EQ(F.m->pcp[0].count, 0);
	return true;
}

static bool test_pcp_nolock_free_never_drains(void)
{
	struct pd_config c = base_cfg();
	uint32_t f[6];

	c.pcp_batch = 2;
	c.pcp_high = 2;
	c.max_order = 3;
	ASSERT(setup(&c));
	for (int i = 0; i < 4; i++) {
		ASSERT_EQ(OP(ALLOC, .order = 0), PD_OK);
		f[i] = F.res.frame;
	}
	for (int i = 0; i < 4; i++)
		ASSERT_EQ(OP(FREE, .frame = f[i], .order = 0, .flags = PD_FREE_NOLOCK), PD_OK);
	ASSERT_EQ(F.m->pcp[0].count, 4);  /* above high: L5 says no drain */
	ASSERT_EQ(OP(DRAIN, .cpu = 0), PD_OK);
	ASSERT_EQ(F.m->pcp[0].count, 0);
	return true;
}

static bool test_alloc_drains_other_cpus_before_failing(void)
{
	struct pd_config c = base_cfg();

	c.frames_log2 = 3;
	c.max_order = 3;
	c.cpus = 2;
	c.pcp_batch = 1;
	ASSERT(setup(&c));
	ASSERT_EQ(OP(ALLOC, .cpu = 0, .order = 0), PD_OK);
	ASSERT_EQ(OP(FREE, .cpu = 0, .frame = F.res.frame, .order = 0), PD_OK);
	ASSERT_EQ(F.m->pcp[0].count, 1);
	/*  . . . . . . . .  all free, but frame 0 sits on cpu 0's pcp list */
	ASSERT_EQ(OP(ALLOC, .cpu = 1, .order = 3), PD_OK);
	ASSERT_EQ(F.res.frame, 0);
	ASSERT_EQ(F.m->pcp[0].count, 0);
	ASSERT_STR(draw(), "A A A A A A A A");
	ASSERT_EQ(OP(ALLOC, .cpu = 1, .order = 0), PD_ENOMEM);
	return true;
}

/* ---- unaccepted memory ------------------------------------------------ */

static bool test_accept_flag_hint_split_merge(void)
{
	struct pd_config c = base_cfg();

	c.accept_order = 1;
	c.unaccepted = 0xff;  /* every unit unaccepted */
	ASSERT(setup(&c));
	place_all(F.m);
	ASSERT(PageUnaccepted(pfn_to_page(F.m, 0)));  /* its boot class */
	ASSERT_EQ(OP(ALLOC, .order = 4), PD_OK);
	for (uint32_t u = 0; u < 8; u++)
		ASSERT_EQ(F.m->times_accepted[u], 1);
	ASSERT_EQ(OP(FREE, .frame = 0, .order = 4), PD_OK);
	/* freed accepted memory carries no hint */
	ASSERT(!PageUnaccepted(pfn_to_page(F.m, 0)));
	ASSERT_EQ(check_failures(), 0);
	return true;
}

static bool test_accept_flag_accepts_only_the_handed_out_units(void)
{
	struct pd_config c = base_cfg();
	uint32_t a;

	c.accept_order = 1;
	c.unaccepted = 0xff;
	ASSERT(setup(&c));
	a = buddy_take(1);
	/*
	 *  A A . . . . . . . . . . . . . .   unit 0 accepted, units 1..7 not;
	 *  the split halves [2,4) [4,8) [8,16) keep the hint
	 */
	ASSERT_EQ(a, 0);
	ASSERT(unit_accepted(F.m, 0) && !unit_accepted(F.m, 1));
	ASSERT_EQ(F.m->times_accepted[0], 1);
	ASSERT(PageUnaccepted(pfn_to_page(F.m, 2)) && PageUnaccepted(pfn_to_page(F.m, 8)));
	/* a free merge keeps the need: [0,2) accepted + [2,4) hinted -> hinted */
	buddy_give(a);
	ASSERT(PageUnaccepted(pfn_to_page(F.m, 0)));
	ASSERT_EQ(check_failures(), 0);
	/* taking it again accepts nothing twice */
	a = buddy_take(1);
	ASSERT_EQ(F.m->times_accepted[0], 1);
	ASSERT_EQ(F.m->times_accepted[1], 0);
	return true;
}

static bool test_accept_flag_whole_unit_larger_than_block(void)
{
	struct pd_config c = base_cfg();

	c.accept_order = 3;
	c.unaccepted = 0x01;  /* unit 0 = frames 0..7 */
	ASSERT(setup(&c));
	ASSERT_EQ(OP(ALLOC, .order = 0), PD_OK);
	ASSERT(unit_accepted(F.m, 0));
	ASSERT_EQ(F.m->times_accepted[0], 1);
	return true;
}

static bool test_accept_list_accepts_last(void)
{
	struct pd_config c = base_cfg();

	c.frames_log2 = 5;
	c.max_order = 3;
	c.accept_order = 3;
	c.unaccepted = 0x0a;  /* units 1 and 3: list blocks 8 and 24 */
	c.accept = PD_ACCEPT_LIST;
	ASSERT(setup(&c));
	ASSERT_EQ(F.m->zone.unaccepted_frames, 16);
	ASSERT_EQ(F.m->zone.free_frames, 32);
	ASSERT_EQ(OP(ALLOC, .order = 3), PD_OK);
	ASSERT_EQ(F.res.frame, 0);
	ASSERT_EQ(OP(ALLOC, .order = 3), PD_OK);
	ASSERT_EQ(F.res.frame, 16);
	ASSERT_EQ(OP(ALLOC, .order = 3), PD_OK);
	/* nothing legal left: ACCEPT the oldest list block, then place there */
	ASSERT_EQ(F.ctx.nlog, 2);
	ASSERT_EQ(F.ctx.log[0].kind, PD_PLACE_ACCEPT);
	ASSERT_EQ(F.ctx.log[0].where, 8);
	ASSERT_EQ(F.ctx.log[1].kind, PD_PLACE_BLOCK);
	ASSERT_EQ(F.ctx.log[1].where, 8);
	ASSERT_EQ(F.m->times_accepted[1], 1);
	ASSERT_EQ(F.m->zone.unaccepted_frames, 8);
	/* NOLOCK never accepts */
	ASSERT_EQ(OP(ALLOC, .order = 3, .flags = PD_ALLOC_NOLOCK), PD_ENOMEM);
	ASSERT_EQ(OP(ALLOC, .order = 3, .flags = PD_ALLOC_NOLOCK | PD_ALLOC_TAGGED), PD_EINVAL);
	ASSERT_EQ(OP(ALLOC, .order = 0, .flags = PD_ALLOC_NOLOCK), PD_ENOMEM);
	ASSERT_EQ(F.m->zone.unaccepted_frames, 8);
	return true;
}

/*
 * Deferred boot under accept=list: the free blocks are placed in pfn
 * order as eager boot put them, the list blocks are never written: the
 * list is the list blocks from a cursor up, taken oldest first.
 * Blocks of 8 frames, units of 8; units 1 3 4 6 7 unaccepted (0xda):
 *   0   8   16  24  32  40  48  56
 *   F   L   F   L   L   F   L   L      free_area[3]: 0 16 40
 *                                      unaccepted:   8 24 32 48 56
 */
static bool test_deferred_boot_accept_list_order(void)
{
	static const uint32_t accepted[] = { 8, 24, 32, 48, 56 };
	struct pd_config c = base_cfg();
	uint32_t b[8];

	c.frames_log2 = 6;
	c.max_order = 3;
	c.accept_order = 3;
	c.unaccepted = 0xda;
	c.accept = PD_ACCEPT_LIST;
	c.pcp_batch = 1;
	ASSERT(setup(&c));
	ASSERT_EQ(F.m->zone.unplaced, 0);
	ASSERT_EQ(F.m->zone.unplaced_free, 3);
	ASSERT_EQ(F.m->zone.free_area[3].nr_free, 3);
	ASSERT_EQ(F.m->zone.unaccepted_next, 8);
	ASSERT_EQ(F.m->zone.unaccepted_frames, 40);
	ASSERT_STR(list_order(3), "0 16 40");
	ASSERT_EQ(unaccepted_list_blocks(F.m, b, 8), 5);
	ASSERT(b[0] == 8 && b[1] == 24 && b[2] == 32 && b[3] == 48 && b[4] == 56);
	ASSERT_EQ(OP(ALLOC, .order = 3), PD_OK);
	ASSERT_EQ(F.res.frame, 0);
	ASSERT_EQ(F.m->zone.unplaced, 16);         /* the next free block */
	ASSERT_EQ(OP(ALLOC, .order = 3), PD_OK);
	ASSERT_EQ(F.res.frame, 16);                 /* list block 8 untouched */
	ASSERT(page_is_zero(pfn_to_page_ro(F.m, 8)));
	ASSERT_EQ(F.m->zone.unplaced, 40);
	ASSERT_EQ(OP(ALLOC, .order = 3), PD_OK);
	ASSERT_EQ(F.res.frame, 40);
	ASSERT_EQ(F.m->zone.unplaced_free, 0);
	ASSERT_EQ(F.m->zone.unplaced, 64);
	/* nothing free: ACCEPT the oldest list block, then place there */
	for (unsigned i = 0; i < 5; i++) {
		ASSERT_EQ(OP(ALLOC, .order = 3), PD_OK);
		ASSERT_EQ(F.ctx.nlog, 2);
		ASSERT_EQ(F.ctx.log[0].kind, PD_PLACE_ACCEPT);
		ASSERT_EQ(F.ctx.log[0].where, accepted[i]);
		ASSERT_EQ(F.res.frame, accepted[i]);
	}
	ASSERT_EQ(F.m->zone.unaccepted_next, 64);
	ASSERT_EQ(F.m->zone.unaccepted_frames, 0);
	ASSERT_EQ(OP(ALLOC, .order = 0), PD_ENOMEM);
	return true;
}

static bool test_nolock_flag_finds_accepted_subblock(void)
{
	struct pd_config c = base_cfg();

	c.accept_order = 0;
	c.unaccepted = 0x7f;  /* only units 7 and 15 accepted */
	ASSERT(setup(&c));
	ASSERT_EQ(OP(ALLOC, .order = 0, .flags = PD_ALLOC_NOLOCK), PD_OK);
	ASSERT(F.res.frame == 7 || F.res.frame == 15);
	ASSERT_EQ(OP(ALLOC, .order = 0, .flags = PD_ALLOC_NOLOCK), PD_OK);
	ASSERT(F.res.frame == 7 || F.res.frame == 15);
	ASSERT_EQ(OP(ALLOC, .order = 0, .flags = PD_ALLOC_NOLOCK), PD_ENOMEM);
	for (uint32_t u = 0; u < 16; u++)
		ASSERT_EQ(F.m->times_accepted[u], 0);
	return true;
}

static unsigned count_check(void);

/*
 * The NOLOCK index (struct free_area): hinted blocks are counted by the
 * NOLOCK orders they can serve, so a request no list can serve fails
 * without a walk, and one that a later block serves passes the others.
 */
static bool test_nolock_index_counts_what_can_serve(void)
{
	struct pd_config c = base_cfg();

	c.accept_order = 0;
	c.unaccepted = 0xf0;  /* frames 4..7 and 12..15 */
	ASSERT(setup(&c));
	/* aligned accepted runs of 4 ([0,4), [8,12)), none of 8: orders 0..2 */
	ASSERT_EQ(boot_class_of(F.m, 0), BOOT_HINTED | 3);
	ASSERT_EQ(F.m->zone.free_area[4].nr_hinted[3], 1);   /* counted unplaced */
	place_all(F.m);
	ASSERT_EQ(page_nolock_orders(pfn_to_page(F.m, 0)), 3);
	ASSERT_EQ(F.m->zone.free_area[4].nr_hinted[3], 1);
	ASSERT_EQ(OP(ALLOC, .order = 3, .flags = PD_ALLOC_NOLOCK), PD_ENOMEM);
	ASSERT_EQ(OP(ALLOC, .order = 2, .flags = PD_ALLOC_NOLOCK), PD_OK);
	ASSERT_EQ(F.res.frame, 0);
	/* the split halves: [4,8) serves nothing, [8,16) orders 0..2 */
	ASSERT_EQ(page_nolock_orders(pfn_to_page(F.m, 4)), 0);
	ASSERT_EQ(page_nolock_orders(pfn_to_page(F.m, 8)), 3);
	/* [4,8) is refused and passed over unread; [8,16) is carved */
	ASSERT_EQ(OP(ALLOC, .order = 2, .flags = PD_ALLOC_NOLOCK), PD_OK);
	ASSERT_EQ(F.res.frame, 8);
	ASSERT_STR(draw(), "A A A A . . . . B B B B . . . .");
	/* left: [4,8) and [12,16), both unaccepted: no list can serve */
	ASSERT_EQ(F.m->zone.free_area[2].nr_free, 2);
	ASSERT_EQ(F.m->zone.free_area[2].nr_hinted[0], 2);
	ASSERT_EQ(OP(ALLOC, .order = 0, .flags = PD_ALLOC_NOLOCK), PD_ENOMEM);
	for (uint32_t u = 0; u < 16; u++)
		ASSERT_EQ(F.m->times_accepted[u], 0);
	/* impl_check recomputes every hinted block's NOLOCK orders */
	set_page_nolock_orders(pfn_to_page(F.m, 4), 1);
	ASSERT(count_check() > 0);
	ASSERT(strstr(F.cctx.viol[0].msg, "nolock orders") != NULL);
	set_page_nolock_orders(pfn_to_page(F.m, 4), 0);
	ASSERT_EQ(count_check(), 0);
	return true;
}

/*
 * A unit larger than a block: accepting it for one block makes the free
 * blocks sharing it servable, and the index must say so, or a NOLOCK
 * scan passes them over and fails while an accepted block is free (L3).
 * Blocks of 8 frames, units of 16 (two blocks each), all unaccepted.
 */
static bool test_nolock_index_follows_a_whole_unit_accept(void)
{
	struct pd_config c = base_cfg();
	uint32_t head;

	c.frames_log2 = 6;
	c.max_order = 3;
	c.accept_order = 4;
	c.unaccepted = 0xff;
	c.cpus = 2;
	c.pcp_batch = 1;
	ASSERT(setup(&c));
	/* free_area[3]: 0 8 16 24 32 40 48 56 */
	ASSERT_EQ(OP(ALLOC, .cpu = 0, .order = 3), PD_OK);
	ASSERT_EQ(F.res.frame, 0);
	/* unit 0 accepted for [0,8): its other block [8,16) now serves */
	ASSERT_EQ(page_nolock_orders(pfn_to_page(F.m, 8)), NR_NOLOCK_ORDERS);
	ASSERT_EQ(F.m->zone.free_area[3].nr_hinted[NR_NOLOCK_ORDERS], 1);
	ASSERT_EQ(OP(ALLOC, .cpu = 0, .order = 3), PD_OK);
	ASSERT_EQ(F.res.frame, 8);
	ASSERT_EQ(OP(FREE, .cpu = 0, .frame = 0, .order = 3), PD_OK);
	ASSERT_EQ(OP(FREE, .cpu = 0, .frame = 8, .order = 3), PD_OK);
	/*
	 * cpu 0's pcp: 8 0; free_area[3]: 16 24 32 40 48 56.  16 is refused
	 * (to the tail), nothing else serves; the drain brings 0 and 8 back
	 * to the head and 8 serves: free_area[3] is 0 24 32 40 48 56 16.
	 */
	ASSERT_EQ(OP(ALLOC, .cpu = 1, .order = 3, .flags = PD_ALLOC_NOLOCK), PD_OK);
	ASSERT_EQ(F.res.frame, 8);
	ASSERT_EQ(OP(ALLOC, .cpu = 0, .order = 3), PD_OK);
	ASSERT_EQ(F.res.frame, 0);
	/* 24 accepts unit 1, and [16,24), at the tail, now serves */
	ASSERT_EQ(OP(ALLOC, .cpu = 0, .order = 3), PD_OK);
	ASSERT_EQ(F.res.frame, 24);
	ASSERT_EQ(page_nolock_orders(pfn_to_page(F.m, 16)), NR_NOLOCK_ORDERS);
	ASSERT_STR(list_order(3), "32 40 48 56 16");
	/* placed so far: 0 8 16 24; 32..56 unplaced, ahead of 16 */
	ASSERT_EQ(F.m->zone.unplaced, 32);
	head = F.m->zone.free_area[3].list.head;
	ASSERT_EQ(head, 16);
	/*
	 * 32 refused (placed to be looked at, then to the tail); 40 48 56
	 * passed over by their boot class, left unplaced; 16 taken
	 */
	ASSERT_EQ(OP(ALLOC, .cpu = 1, .order = 3, .flags = PD_ALLOC_NOLOCK), PD_OK);
	ASSERT_EQ(F.res.frame, 16);
	ASSERT_EQ(F.m->zone.unplaced, 40);
	ASSERT_STR(list_order(3), "40 48 56 32");
	ASSERT_EQ(F.m->times_accepted[2], 0);
	ASSERT_EQ(F.m->times_accepted[3], 0);
	return true;
}

static bool test_nolock_takes_a_block_only_other_cpus_hold(void)
{
	struct pd_config c = base_cfg();

	c.frames_log2 = 3;
	c.max_order = 3;
	c.cpus = 2;
	c.pcp_batch = 1;
	ASSERT(setup(&c));
	ASSERT_EQ(OP(ALLOC, .cpu = 0, .order = 0), PD_OK);
	ASSERT_EQ(OP(FREE, .cpu = 0, .frame = F.res.frame, .order = 0), PD_OK);
	/*
	 *  . . . . . . . .   frame 0 on cpu 0's pcp, 1..7 in the buddy
	 * L3: an accepted free order-3 block exists, so NOLOCK may not fail
	 * unless the lock is held.
	 */
	ASSERT_EQ(OP(ZONE_LOCK, .cpu = 1), PD_OK);
	ASSERT_EQ(OP(ALLOC, .cpu = 1, .order = 3, .flags = PD_ALLOC_NOLOCK), PD_ENOMEM);
	ASSERT_EQ(F.m->pcp[0].count, 1);
	ASSERT_EQ(OP(ZONE_UNLOCK, .cpu = 0), PD_OK);
	ASSERT_EQ(OP(ALLOC, .cpu = 1, .order = 3, .flags = PD_ALLOC_NOLOCK), PD_OK);
	ASSERT_EQ(F.res.frame, 0);
	ASSERT_EQ(F.m->pcp[0].count, 0);
	ASSERT_EQ(F.ctx.nviol, 0);
	return true;
}

/* ---- NOLOCK and the zone lock ---------------------------------------- */

static bool test_nolock_under_held_lock_uses_pcp_only(void)
{
	struct pd_config c = base_cfg();
	uint32_t a, big;

	c.frames_log2 = 6;
	c.max_order = 5;
	ASSERT(setup(&c));
	ASSERT_EQ(OP(ALLOC, .order = 0), PD_OK);  /* refills pcp with 4 */
	a = F.res.frame;
	ASSERT_EQ(OP(ZONE_LOCK, .cpu = 0), PD_OK);
	ASSERT_EQ(OP(ALLOC, .order = 0, .flags = PD_ALLOC_NOLOCK), PD_OK);
	ASSERT_EQ(F.res.order, 0);
	ASSERT_EQ(pfn_to_page(F.m, F.res.frame)->content, 0);
	ASSERT(PageUptodate(pfn_to_page(F.m, F.res.frame)));
	/* order 1 has an empty pcp list and the lock is held: fail, no deadlock */
	ASSERT_EQ(OP(ALLOC, .order = 1, .flags = PD_ALLOC_NOLOCK), PD_ENOMEM);
	ASSERT_EQ(F.ctx.nviol, 0);
	/* free nolock of order 4 under the held lock is deferred */
	ASSERT_EQ(OP(ZONE_UNLOCK, .cpu = 0), PD_OK);
	ASSERT_EQ(OP(ALLOC, .order = 4), PD_OK);
	big = F.res.frame;
	ASSERT_EQ(OP(ZONE_LOCK, .cpu = 0), PD_OK);
	ASSERT_EQ(OP(FREE, .frame = big, .order = 4, .flags = PD_FREE_NOLOCK), PD_OK);
	ASSERT_EQ(F.m->zone.deferred_frames, 16);
	/* A: the first alloc, B: the nolock one, d: deferred */
	ASSERT_STR(draw(), "A B . . . . . . . . . . . . . . d d d d d d d d d d d d d d d d . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . . .");
	/* the next locked free (engine: implicit unlock first) frees it */
	ASSERT_EQ(OP(ZONE_UNLOCK, .cpu = 0), PD_OK);
	ASSERT_EQ(OP(FREE, .frame = a, .order = 0), PD_OK);
	ASSERT_EQ(F.m->zone.deferred_frames, 0);
	ASSERT_EQ(F.m->zone.free_frames, 63);  /* B is still allocated */
	return true;
}

static bool test_locked_path_under_held_lock_is_a_deadlock(void)
{
	struct pd_config c = base_cfg();
	struct pd_call call = { .code = PD_OP_ALLOC, .order = 4 };

	ASSERT(setup(&c));
	ASSERT_EQ(OP(ZONE_LOCK, .cpu = 0), PD_OK);
	/* bypass the engine's implicit unlock: a locked alloc must take the lock */
	pd_ctx_begin_record(&F.ctx);
	pd_impl_ops.alloc(F.m, &F.ctx, &call, &F.res);
	ASSERT_EQ(F.ctx.nviol, 1);
	ASSERT_STR(F.ctx.viol[0].what, "deadlock");
	/* a trylock path reports nothing */
	pd_ctx_begin_record(&F.ctx);
	call.flags = PD_FREE_NOLOCK;
	call.code = PD_OP_FREE;
	call.frame = 0;
	pd_impl_ops.free(F.m, &F.ctx, &call, &F.res);
	ASSERT_EQ(F.ctx.nviol, 0);
	ASSERT_EQ(F.m->zone.deferred_frames, 16);
	return true;
}

/* ---- tag storage ------------------------------------------------------- */

static bool test_tagstore_strict_skips_pinned_block(void)
{
	struct pd_config c = base_cfg();

	c.tagstore = PD_TAGSTORE_STRICT;
	c.max_order = 1;  /* tag blocks of 2 frames, blocks of 2: one each */
	ASSERT(setup(&c));
	ASSERT_EQ(OP(TAGSTORE_PIN, .block = 0), PD_OK);
	ASSERT_EQ(OP(ALLOC, .order = 1, .flags = PD_ALLOC_TAGGED), PD_OK);
	ASSERT(F.res.frame != 0);
	ASSERT(PageTagReserved(pfn_to_page(F.m, F.res.frame)));
	ASSERT(PageMteTagged(pfn_to_page(F.m, F.res.frame)));
	ASSERT_EQ(F.m->tag_blocks[F.res.frame >> 1].reservations, 1);
	ASSERT_EQ(OP(FREE, .frame = F.res.frame, .order = 1), PD_OK);
	for (uint32_t b = 0; b < 8; b++)
		ASSERT_EQ(F.m->tag_blocks[b].reservations, 0);
	/* every tag block pinned: strict fails, untagged still works */
	for (uint32_t b = 1; b < 8; b++)
		ASSERT_EQ(OP(TAGSTORE_PIN, .block = b), PD_OK);
	ASSERT_EQ(OP(ALLOC, .order = 0, .flags = PD_ALLOC_TAGGED), PD_ENOMEM);
	ASSERT_EQ(OP(ALLOC, .order = 0), PD_OK);
	ASSERT_EQ(OP(TAGSTORE_UNPIN, .block = 3), PD_OK);
	ASSERT_EQ(OP(TAGSTORE_UNPIN, .block = 3), PD_EINVAL);
	ASSERT_EQ(OP(ALLOC, .order = 0, .flags = PD_ALLOC_TAGGED), PD_OK);
	ASSERT_EQ(F.res.frame >> 1, 3);
	return true;
}

static bool test_tagstore_besteffort_foa_then_reserve(void)
{
	struct pd_config c = base_cfg();
	struct pd_pte_state pte;

	c.tagstore = PD_TAGSTORE_BESTEFFORT;
	c.frames_log2 = 3;
	c.max_order = 3;
	c.tag_ratio_log2 = 3;  /* one tag block */
	ASSERT(setup(&c));
	ASSERT_EQ(OP(SPAWN, .proc = 0), PD_OK);
	ASSERT_EQ(OP(MMAP, .proc = 0, .vpage = 0, .npages = 4, .flags = PD_MMAP_MTE), PD_OK);
	ASSERT_EQ(OP(TAGSTORE_PIN, .block = 0), PD_OK);
	ASSERT_EQ(OP(WRITE, .proc = 0, .vpage = 1, .value = 5), PD_RETRY);
	pd_impl_ops.pte_state(F.m, 0, 1, &pte);
	ASSERT_EQ(pte.kind, PD_PTE_FOA);
	ASSERT(pte.writable);
	ASSERT(!PageMteTagged(pfn_to_page(F.m, pte.frame)));
	ASSERT_EQ(OP(READ, .proc = 0, .vpage = 1), PD_RETRY);
	ASSERT_EQ(OP(TAGSTORE_UNPIN, .block = 0), PD_OK);
	ASSERT_EQ(OP(WRITE, .proc = 0, .vpage = 1, .value = 5), PD_OK);
	pd_impl_ops.pte_state(F.m, 0, 1, &pte);
	ASSERT_EQ(pte.kind, PD_PTE_PRESENT);
	ASSERT(PageTagReserved(pfn_to_page(F.m, pte.frame)));
	ASSERT_EQ(F.m->tag_blocks[0].reservations, 1);
	ASSERT_EQ(OP(READ, .proc = 0, .vpage = 1), PD_OK);
	ASSERT_EQ(F.res.value, 5);
	ASSERT_EQ(OP(EXIT, .proc = 0), PD_OK);
	ASSERT_EQ(F.m->tag_blocks[0].reservations, 0);
	return true;
}

/* ---- swap --------------------------------------------------------------- */

static bool test_swap_map_stale_entry_replaced(void)
{
	struct pd_config c = base_cfg();
	struct pd_slot_state st;

	c.slots = 1;
	ASSERT(setup(&c));
	ASSERT_EQ(OP(SPAWN, .proc = 0), PD_OK);
	ASSERT_EQ(OP(MMAP, .proc = 0, .vpage = 0, .npages = 2, .flags = PD_MMAP_MTE), PD_OK);
	ASSERT_EQ(OP(SETTAG, .proc = 0, .vpage = 0, .granule = 3, .tag = 9), PD_OK);
	ASSERT_EQ(OP(SWAPOUT, .proc = 0, .vpage = 0), PD_OK);
	ASSERT_EQ(F.ctx.log[0].kind, PD_PLACE_SLOT);
	ASSERT_EQ(F.m->si.tags.nr_entries, 1);
	/*
	 * A stale entry at the same key (seed 004): xa_store hands the old
	 * buffer back to be freed (LSan would see a leak otherwise).  Save
	 * free frame 15's tags there, with granule 3 = 9 as before.
	 */
	pd_tag_set(page_tags(F.m, 15), 3, 9);
	mte_save_tags(F.m, 15, 0);
	memset(page_tags(F.m, 15), 0, F.m->tag_bytes);
	ASSERT_EQ(F.m->si.tags.nr_entries, 1);
	/* swap-in restores the tags, then frees the slot with them (S7) */
	ASSERT_EQ(OP(READ, .proc = 0, .vpage = 0), PD_OK);
	ASSERT_EQ(F.m->si.tags.nr_entries, 0);
	ASSERT_EQ(pd_tag_get(page_tags(F.m, pte_pfn(pte_get(&F.m->mm[0], 0))), 3), 9);
	/* reuse slot 0 for an untagged page: no tags saved there */
	ASSERT_EQ(OP(MMAP, .proc = 0, .vpage = 1, .npages = 1), PD_OK);
	ASSERT_EQ(OP(WRITE, .proc = 0, .vpage = 1, .value = 7), PD_OK);
	ASSERT_EQ(OP(SWAPOUT, .proc = 0, .vpage = 1), PD_OK);
	pd_impl_ops.slot_state(F.m, 0, &st);
	ASSERT(st.in_use && !st.tags_saved);
	ASSERT_EQ(st.content, 7);
	ASSERT_EQ(OP(SWAPOUT, .proc = 0, .vpage = 0), PD_ENOMEM);  /* one slot */
	return true;
}

static bool test_swapout_unmaps_every_mapper_via_rmap(void)
{
	struct pd_config c = base_cfg();
	struct pd_pte_state pte;
	struct pd_slot_state st;

	ASSERT(setup(&c));
	ASSERT_EQ(OP(SPAWN, .proc = 0), PD_OK);
	ASSERT_EQ(OP(MMAP, .proc = 0, .vpage = 0, .npages = 8), PD_OK);
	ASSERT_EQ(OP(WRITE, .proc = 0, .vpage = 3, .value = 0x33), PD_OK);
	ASSERT_EQ(OP(FORK, .proc = 0, .child = 1), PD_OK);
	ASSERT_EQ(OP(FORK, .proc = 1, .child = 2), PD_OK);
	ASSERT_EQ(page_mapcount(pfn_to_page(F.m, pte_pfn(pte_get(&F.m->mm[2], 3)))), 3);
	ASSERT_EQ(OP(SWAPOUT, .proc = 1, .vpage = 3), PD_OK);
	for (uint8_t p = 0; p < 3; p++) {
		pd_impl_ops.pte_state(F.m, p, 3, &pte);
		ASSERT_EQ(pte.kind, PD_PTE_SWAP);
		ASSERT(!pte.exclusive);
	}
	pd_impl_ops.slot_state(F.m, pte.slot, &st);
	ASSERT_EQ(st.count, 3);
	ASSERT(!st.in_swapcache);
	ASSERT_EQ(F.m->zone.free_frames, 16);
	/* each process faults it back; the last fault frees the slot */
	ASSERT_EQ(OP(READ, .proc = 2, .vpage = 3), PD_OK);
	ASSERT_EQ(F.res.value, 0x33);
	ASSERT_EQ(OP(READ, .proc = 0, .vpage = 3), PD_OK);
	ASSERT_EQ(OP(WRITE, .proc = 1, .vpage = 3, .value = 1), PD_OK);
	pd_impl_ops.slot_state(F.m, pte.slot, &st);
	ASSERT(!st.in_use);
	return true;
}

/* The planted bug 2 scenario, done right: a fork-shared entry keeps its tags. */
static bool test_swapin_restores_tags_before_dropping_slot(void)
{
	struct pd_config c = base_cfg();
	uint32_t pfn;

	ASSERT(setup(&c));
	ASSERT_EQ(OP(SPAWN, .proc = 0), PD_OK);
	ASSERT_EQ(OP(MMAP, .proc = 0, .vpage = 0, .npages = 1, .flags = PD_MMAP_MTE), PD_OK);
	ASSERT_EQ(OP(SETTAG, .proc = 0, .vpage = 0, .granule = 1, .tag = 6), PD_OK);
	ASSERT_EQ(OP(SWAPOUT, .proc = 0, .vpage = 0), PD_OK);
	ASSERT_EQ(OP(FORK, .proc = 0, .child = 1), PD_OK);
	ASSERT_EQ(OP(READ, .proc = 0, .vpage = 0), PD_OK);  /* page in SC, count 1 */
	ASSERT_EQ(OP(EXIT, .proc = 0), PD_OK);
	ASSERT_EQ(OP(SWAPCACHE_DROP, .slot = 0), PD_OK);      /* SC page gone */
	ASSERT_EQ(OP(READ, .proc = 1, .vpage = 0), PD_OK);  /* fresh page, last ref */
	pfn = pte_pfn(pte_get(&F.m->mm[1], 0));
	ASSERT(PageMteTagged(pfn_to_page(F.m, pfn)));
	ASSERT_EQ(pd_tag_get(page_tags(F.m, pfn), 1), 6);
	ASSERT_EQ(F.m->si.inuse, 0);
	return true;
}

static bool test_swapcache_keep_and_drop(void)
{
	struct pd_config c = base_cfg();
	struct pd_frame_state fs;
	uint32_t pfn;

	ASSERT(setup(&c));
	ASSERT_EQ(OP(SPAWN, .proc = 0), PD_OK);
	ASSERT_EQ(OP(MMAP, .proc = 0, .vpage = 0, .npages = 1), PD_OK);
	ASSERT_EQ(OP(WRITE, .proc = 0, .vpage = 0, .value = 9), PD_OK);
	pfn = pte_pfn(pte_get(&F.m->mm[0], 0));
	ASSERT_EQ(OP(SWAPOUT, .proc = 0, .vpage = 0, .flags = PD_SWAPOUT_KEEP), PD_OK);
	pd_impl_ops.frame_state(F.m, pfn, &fs);
	ASSERT(fs.in_swapcache && fs.refcount == 1 && fs.mapcount == 0 && !fs.anon_exclusive);
	ASSERT_EQ(fs.swapcache_slot, 0);
	ASSERT_EQ(OP(SWAPCACHE_DROP, .slot = 1), PD_REFUSED);
	/* kept: the sole exclusive mapper's swap PTE carries the bit */
	ASSERT(pte_swp_exclusive(pte_get(&F.m->mm[0], 0)));
	ASSERT_EQ(OP(SWAPCACHE_DROP, .slot = 0), PD_OK);
	pd_impl_ops.frame_state(F.m, pfn, &fs);
	ASSERT_EQ(fs.kind, PD_FRAME_FREE);
	ASSERT_EQ(OP(WRITE, .proc = 0, .vpage = 0, .value = 10), PD_OK);
	ASSERT_EQ(F.m->si.inuse, 0);
	return true;
}

/* ---- processes: COW, pins ------------------------------------------------ */

static bool test_cow_copy_then_reuse_by_refcount(void)
{
	struct pd_config c = base_cfg();
	uint32_t parent_pfn, child_pfn;

	ASSERT(setup(&c));
	ASSERT_EQ(OP(SPAWN, .proc = 0), PD_OK);
	ASSERT_EQ(OP(MMAP, .proc = 0, .vpage = 0, .npages = 2), PD_OK);
	ASSERT_EQ(OP(WRITE, .proc = 0, .vpage = 0, .value = 1), PD_OK);
	parent_pfn = pte_pfn(pte_get(&F.m->mm[0], 0));
	ASSERT_EQ(OP(FORK, .proc = 0, .child = 1), PD_OK);
	ASSERT(!PageAnonExclusive(pfn_to_page(F.m, parent_pfn)));
	ASSERT_EQ(pfn_to_page(F.m, parent_pfn)->_refcount, 2);
	ASSERT(!pte_write(pte_get(&F.m->mm[0], 0)));
	ASSERT_EQ(OP(WRITE, .proc = 1, .vpage = 0, .value = 2), PD_OK);  /* copy */
	child_pfn = pte_pfn(pte_get(&F.m->mm[1], 0));
	ASSERT(child_pfn != parent_pfn);
	ASSERT_EQ(pfn_to_page(F.m, parent_pfn)->_refcount, 1);
	ASSERT_EQ(OP(WRITE, .proc = 0, .vpage = 0, .value = 3), PD_OK);  /* reuse, rc 1 */
	ASSERT_EQ(pte_pfn(pte_get(&F.m->mm[0], 0)), parent_pfn);
	ASSERT(PageAnonExclusive(pfn_to_page(F.m, parent_pfn)));
	return true;
}

static bool test_get_blocks_reuse_cve_2020_29374(void)
{
	struct pd_config c = base_cfg();
	uint32_t old;

	ASSERT(setup(&c));
	ASSERT_EQ(OP(SPAWN, .proc = 0), PD_OK);
	ASSERT_EQ(OP(MMAP, .proc = 0, .vpage = 0, .npages = 1), PD_OK);
	ASSERT_EQ(OP(WRITE, .proc = 0, .vpage = 0, .value = 1), PD_OK);
	ASSERT_EQ(OP(FORK, .proc = 0, .child = 1), PD_OK);
	ASSERT_EQ(OP(GET, .proc = 1, .vpage = 0), PD_OK);
	old = F.res.frame;
	ASSERT_EQ(OP(MUNMAP, .proc = 1, .vpage = 0, .npages = 1), PD_OK);
	ASSERT_EQ(OP(WRITE, .proc = 0, .vpage = 0, .value = 2), PD_OK);  /* rc 2: copy */
	ASSERT(pte_pfn(pte_get(&F.m->mm[0], 0)) != old);
	ASSERT_EQ(OP(REF_READ, .frame = old), PD_OK);
	ASSERT_EQ(F.res.value, 1);
	ASSERT_EQ(OP(PUT, .frame = old), PD_OK);
	ASSERT_EQ(block_head(F.m, old), NIL);
	return true;
}

static bool test_pin_then_fork_copies_for_child(void)
{
	struct pd_config c = base_cfg();
	uint32_t pinned;

	ASSERT(setup(&c));
	ASSERT_EQ(OP(SPAWN, .proc = 0), PD_OK);
	ASSERT_EQ(OP(MMAP, .proc = 0, .vpage = 0, .npages = 1), PD_OK);
	ASSERT_EQ(OP(PIN, .proc = 0, .vpage = 0, .flags = PD_PIN_WRITE), PD_OK);
	pinned = F.res.frame;
	ASSERT_EQ(pfn_to_page(F.m, pinned)->_refcount, 1 + PD_PIN_BIAS);
	ASSERT(F.m->mm[0].has_pinned);
	ASSERT_EQ(OP(FORK, .proc = 0, .child = 1), PD_OK);
	ASSERT(PageAnonExclusive(pfn_to_page(F.m, pinned)));
	ASSERT(pte_write(pte_get(&F.m->mm[0], 0)));
	ASSERT(pte_pfn(pte_get(&F.m->mm[1], 0)) != pinned);
	ASSERT(!F.m->mm[1].has_pinned);
	ASSERT_EQ(OP(PIN_WRITE, .frame = pinned, .flags = PD_PIN_WRITE, .value = 0x77), PD_OK);
	ASSERT_EQ(OP(READ, .proc = 0, .vpage = 0), PD_OK);
	ASSERT_EQ(F.res.value, 0x77);
	ASSERT_EQ(OP(SWAPOUT, .proc = 0, .vpage = 0), PD_REFUSED);
	ASSERT_EQ(OP(EXIT, .proc = 0), PD_OK);
	ASSERT_EQ(pfn_to_page(F.m, pinned)->_refcount, PD_PIN_BIAS);  /* pins outlive */
	ASSERT_EQ(OP(UNPIN, .frame = pinned, .flags = PD_PIN_WRITE), PD_OK);
	ASSERT_EQ(block_head(F.m, pinned), NIL);
	return true;
}

static bool test_read_pin_unshares_shared_page(void)
{
	struct pd_config c = base_cfg();
	uint32_t shared;

	ASSERT(setup(&c));
	ASSERT_EQ(OP(SPAWN, .proc = 0), PD_OK);
	ASSERT_EQ(OP(MMAP, .proc = 0, .vpage = 0, .npages = 1), PD_OK);
	ASSERT_EQ(OP(WRITE, .proc = 0, .vpage = 0, .value = 4), PD_OK);
	shared = pte_pfn(pte_get(&F.m->mm[0], 0));
	ASSERT_EQ(OP(FORK, .proc = 0, .child = 1), PD_OK);
	ASSERT_EQ(OP(PIN, .proc = 1, .vpage = 0), PD_OK);  /* read pin: unshare by copy */
	ASSERT(F.res.frame != shared);
	ASSERT(PageAnonExclusive(pfn_to_page(F.m, F.res.frame)));
	ASSERT(!pte_write(pte_get(&F.m->mm[1], 0)));
	ASSERT_EQ(OP(PIN_WRITE, .frame = F.res.frame, .value = 1), PD_EFAULT);
	return true;
}

static bool test_strict_refused_candidate_goes_to_the_tail(void)
{
	struct pd_config c = base_cfg();
	uint32_t pfn;

	c.tagstore = PD_TAGSTORE_STRICT;
	c.frames_log2 = 6;
	c.max_order = 4;          /* four order-4 blocks at 0, 16, 32, 48 */
	c.tag_ratio_log2 = 4;     /* one tag block per order-4 block */
	ASSERT(setup(&c));
	ASSERT_EQ(OP(TAGSTORE_PIN, .block = 0), PD_OK);
	F.m->zone.locked = true;
	pfn = __rmqueue(F.m, 4, ALLOC_TAGGED | ALLOC_TAG_STRICT);
	F.m->zone.locked = false;
	/* block 0 was the first candidate: refused, back at the tail (RFC v2) */
	ASSERT_EQ(pfn, 16);
	ASSERT_EQ(F.m->zone.free_area[4].list.tail, 0);
	prep_new_page(F.m, pfn, 4, ALLOC_TAGGED | ALLOC_TAG_STRICT);
	ASSERT_EQ(F.m->tag_blocks[1].reservations, 1);
	ASSERT_EQ(check_failures(), 0);
	return true;
}

static bool test_trylock_free_leaves_deferred_blocks(void)
{
	struct pd_config c = base_cfg();
	uint32_t a, b, small;
	struct pd_frame_state fs;

	c.frames_log2 = 6;
	c.max_order = 4;
	ASSERT(setup(&c));
	ASSERT_EQ(OP(ALLOC, .order = 4), PD_OK);
	a = F.res.frame;
	ASSERT_EQ(OP(ALLOC, .order = 4), PD_OK);
	b = F.res.frame;
	ASSERT_EQ(OP(ALLOC, .order = 0), PD_OK);
	small = F.res.frame;
	ASSERT_EQ(OP(ZONE_LOCK, .cpu = 0), PD_OK);
	ASSERT_EQ(OP(FREE, .frame = a, .order = 4, .flags = PD_FREE_NOLOCK), PD_OK);
	pd_impl_ops.frame_state(F.m, a, &fs);
	ASSERT_EQ(fs.kind, PD_FRAME_DEFERRED);
	ASSERT_EQ(fs.order, 4);
	pd_impl_ops.frame_state(F.m, a + 5, &fs);
	ASSERT_EQ(fs.kind, PD_FRAME_TAIL);
	ASSERT_EQ(OP(ZONE_UNLOCK, .cpu = 0), PD_OK);
	/* a nolock free that gets the trylock is not a locked free (L5) */
	ASSERT_EQ(OP(FREE, .frame = b, .order = 4, .flags = PD_FREE_NOLOCK), PD_OK);
	ASSERT_EQ(F.m->zone.deferred_frames, 16);
	/* a locked free flushes the deferred block first */
	ASSERT_EQ(OP(FREE, .frame = small, .order = 0), PD_OK);
	ASSERT_EQ(F.m->zone.deferred_frames, 0);
	ASSERT_EQ(F.m->zone.free_frames, 64);
	return true;
}

static bool test_swapout_again_keeps_the_swapcache_slot(void)
{
	struct pd_config c = base_cfg();
	struct pd_slot_state st;

	ASSERT(setup(&c));
	ASSERT_EQ(OP(SPAWN, .proc = 0), PD_OK);
	ASSERT_EQ(OP(MMAP, .proc = 0, .vpage = 0, .npages = 1), PD_OK);
	ASSERT_EQ(OP(WRITE, .proc = 0, .vpage = 0, .value = 0x11), PD_OK);
	ASSERT_EQ(OP(SWAPOUT, .proc = 0, .vpage = 0), PD_OK);
	ASSERT_EQ(OP(FORK, .proc = 0, .child = 1), PD_OK);  /* slot 0 count 2 */
	ASSERT_EQ(OP(READ, .proc = 0, .vpage = 0), PD_OK);   /* SC page, count 1 */
	ASSERT_EQ(OP(SWAPOUT, .proc = 0, .vpage = 0), PD_OK);
	ASSERT_EQ(F.ctx.nlog, 0);                            /* no SLOT placement */
	pd_impl_ops.slot_state(F.m, 0, &st);
	ASSERT_EQ(st.count, 2);
	/* rc was map + cache: only the mappings and the cache: freed */
	ASSERT(!st.in_swapcache);
	ASSERT_EQ(F.m->zone.free_frames, 16);
	return true;
}

static bool test_swap_slots_next_fit(void)
{
	struct pd_config c = base_cfg();

	ASSERT(setup(&c));
	ASSERT_EQ(OP(SPAWN, .proc = 0), PD_OK);
	ASSERT_EQ(OP(MMAP, .proc = 0, .vpage = 0, .npages = 8), PD_OK);
	for (uint16_t v = 0; v < 5; v++)
		ASSERT_EQ(OP(WRITE, .proc = 0, .vpage = v, .value = v), PD_OK);
	for (uint16_t v = 0; v < 3; v++) {
		ASSERT_EQ(OP(SWAPOUT, .proc = 0, .vpage = v), PD_OK);
		ASSERT_EQ(F.ctx.log[0].where, v);
	}
	ASSERT_EQ(OP(READ, .proc = 0, .vpage = 0), PD_OK);  /* frees slot 0 */
	ASSERT_EQ(OP(SWAPOUT, .proc = 0, .vpage = 3), PD_OK);
	ASSERT_EQ(F.ctx.log[0].where, 3);                  /* next fit, not lowest */
	ASSERT_EQ(OP(SWAPOUT, .proc = 0, .vpage = 4), PD_OK);
	ASSERT_EQ(F.ctx.log[0].where, 0);                  /* wrapped */
	ASSERT_EQ(OP(SWAPOUT, .proc = 0, .vpage = 0), PD_ENOMEM);
	return true;
}

static bool test_fork_copy_enomem_tears_the_child_down(void)
{
	struct pd_config c = base_cfg();
	uint32_t pinned, shared;

	c.frames_log2 = 3;
	c.max_order = 3;
	ASSERT(setup(&c));
	ASSERT_EQ(OP(SPAWN, .proc = 0), PD_OK);
	ASSERT_EQ(OP(MMAP, .proc = 0, .vpage = 0, .npages = 2), PD_OK);
	ASSERT_EQ(OP(WRITE, .proc = 0, .vpage = 0, .value = 1), PD_OK);
	shared = pte_pfn(pte_get(&F.m->mm[0], 0));
	ASSERT_EQ(OP(PIN, .proc = 0, .vpage = 1, .flags = PD_PIN_WRITE), PD_OK);
	pinned = F.res.frame;
	ASSERT_EQ(OP(ALLOC, .order = 2), PD_OK);
	ASSERT_EQ(OP(ALLOC, .order = 1), PD_OK);   /* zone full: 2 + 4 + 2 */
	ASSERT_EQ(OP(FORK, .proc = 0, .child = 1), PD_ENOMEM);
	ASSERT(!F.m->mm[1].alive);
	ASSERT_EQ(F.m->live_procs, 1);
	/* vpage 0 was shared before the copy failed: the parent keeps the change */
	ASSERT(!PageAnonExclusive(pfn_to_page(F.m, shared)));
	ASSERT_EQ(pfn_to_page(F.m, shared)->_refcount, 1);
	ASSERT_EQ(pfn_to_page(F.m, pinned)->_refcount, 1 + PD_PIN_BIAS);
	return true;
}

static bool test_calls_the_engine_never_sends_are_einval(void)
{
	struct pd_config c = base_cfg();

	ASSERT(setup(&c));
	ASSERT_EQ(OP(READ, .proc = 3, .vpage = 0), PD_EINVAL);
	ASSERT_EQ(OP(MMAP, .proc = 3, .vpage = 0, .npages = 1), PD_EINVAL);
	ASSERT_EQ(OP(SPAWN, .proc = 0), PD_OK);
	ASSERT_EQ(OP(SPAWN, .proc = 0), PD_EINVAL);
	ASSERT_EQ(OP(WRITE, .proc = 0, .vpage = 8, .value = 1), PD_EINVAL);
	ASSERT_EQ(OP(WRITE, .proc = 0, .vpage = 7, .value = 1), PD_EFAULT);
	ASSERT_EQ(OP(UNPIN, .frame = 3), PD_EINVAL);
	ASSERT_EQ(OP(PUT, .frame = 99), PD_EINVAL);
	ASSERT_EQ(OP(FORK, .proc = 0, .child = 0), PD_EINVAL);
	ASSERT_EQ(OP(TAGSTORE_PIN, .block = 8), PD_EINVAL);
	ASSERT_EQ(OP(ALLOC, .order = 5), PD_EINVAL);
	ASSERT_EQ(OP(ALLOC, .order = 4, .flags = PD_ALLOC_NOLOCK), PD_EINVAL);
	return true;
}

/* ---- impl_check catches corruption -------------------------------------- */

static unsigned count_check(void)
{
	unsigned n;

	pd_ctx_begin_record(&F.cctx);
	impl_check(F.m, &F.cctx);
	n = F.cctx.nviol;
	for (unsigned i = 0; i < n && i < PD_CTX_MAX_VIOLATIONS; i++)
		if (strcmp(F.cctx.viol[i].what, "check"))
			return 1000;
	return n;
}

static bool test_check_catches_corrupted_state(void)
{
	struct pd_config c = base_cfg();
	uint32_t pfn;

	c.frames_log2 = 5;
	c.max_order = 3;
	ASSERT(setup(&c));
	ASSERT_EQ(OP(SPAWN, .proc = 0), PD_OK);
	ASSERT_EQ(OP(MMAP, .proc = 0, .vpage = 0, .npages = 2), PD_OK);
	ASSERT_EQ(OP(WRITE, .proc = 0, .vpage = 0, .value = 4), PD_OK);
	ASSERT_EQ(count_check(), 0);
	pfn = pte_pfn(pte_get(&F.m->mm[0], 0));

	F.m->zone.free_area[3].nr_free++;            /* free-area count */
	ASSERT(count_check() > 0 && count_check() < 1000);
	F.m->zone.free_area[3].nr_free--;

	pfn_to_page(F.m, pfn)->_refcount++;           /* refcount equation */
	ASSERT(count_check() > 0);
	pfn_to_page(F.m, pfn)->_refcount--;

	F.m->pcp[0].count++;                          /* pcp count */
	ASSERT(count_check() > 0);
	F.m->pcp[0].count--;

	F.m->zone.free_area[3].nr_hinted[0]++;        /* NOLOCK index count */
	ASSERT(count_check() > 0);
	F.m->zone.free_area[3].nr_hinted[0]--;

	*pte_offset(&F.m->mm[0], 0) = pte_wrprotect(*pte_offset(&F.m->mm[0], 0));
	ClearPageAnonExclusive(pfn_to_page(F.m, pfn));
	ASSERT_EQ(count_check(), 0);                  /* RO shared-looking: legal */
	gup_record(F.m, pfn, 1, 0);                   /* a pin on a non-AE page */
	pfn_to_page(F.m, pfn)->_refcount += PD_PIN_BIAS;
	ASSERT(count_check() > 0);
	gup_record(F.m, pfn, -1, 0);
	pfn_to_page(F.m, pfn)->_refcount -= PD_PIN_BIAS;
	SetPageAnonExclusive(pfn_to_page(F.m, pfn));

	{   /* two free buddies left unmerged: split [8,16) by hand */
		uint32_t b;

		place_all(F.m);
		b = F.m->zone.free_area[3].list.head;

		ASSERT(b != NIL);
		F.m->zone.locked = true;
		del_page_from_free_list(F.m, b, 3);
		add_to_free_list(F.m, b, 2, false, false);
		add_to_free_list(F.m, b + 4, 2, false, false);
		F.m->zone.locked = false;
		ASSERT(count_check() > 0);
		ASSERT(strstr(F.cctx.viol[0].msg, "not merged") != NULL);
	}
	return true;
}

static bool test_create_rejects_bad_configs(void)
{
	static const struct { const char *field; int delta; } bad[] = {
		{ "frames", 30 }, { "max_order", 20 }, { "cpus", 9 }, { "granules", 3 },
		{ "accept_order", 30 }, { "tag_ratio", 30 }, { "slots", 0 },
		{ "pcp", 0 }, { "vpages", 0 }, { "option", 3 },
	};
	char err[128];

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct pd_config c = base_cfg();
		void *m;

		switch (i) {
		case 0: c.frames_log2 = 30; break;
		case 1: c.max_order = 20; break;
		case 2: c.cpus = 9; break;
		case 3: c.granules = 3; break;
		case 4: c.accept_order = 30; break;
		case 5: c.tag_ratio_log2 = 30; break;
		case 6: c.slots = 0; break;
		case 7: c.pcp_high = 1; c.pcp_batch = 2; break;
		case 8: c.vpages = 0; break;
		default: c.tagstore = 3; break;
		}
		err[0] = 0;
		m = pd_impl_ops.create(&c, err, sizeof(err));
		if (m)
			fprintf(stderr, "accepted a bad %s\n", bad[i].field);
		ASSERT(m == NULL);
		ASSERT(strncmp(err, "impl: ", 6) == 0);
	}
	return true;
}

static bool test_observable_state_of_absent_objects(void)
{
	struct pd_config c = base_cfg();
	struct pd_pte_state pte;
	struct pd_proc_state ps;
	struct pd_slot_state st;
	struct pd_unit_state us;
	struct pd_tagblock_state tb;
	struct pd_totals t;

	ASSERT(setup(&c));
	pd_impl_ops.pte_state(F.m, 2, 0, &pte);
	ASSERT(!pte.mapped && pte.kind == PD_PTE_NONE && pte.frame == PD_NO_FRAME &&
	       pte.slot == PD_NO_SLOT);
	pd_impl_ops.proc_state(F.m, 9, &ps);
	ASSERT(!ps.alive && !ps.has_pinned);
	pd_impl_ops.slot_state(F.m, 100, &st);
	ASSERT(!st.in_use && st.frame == PD_NO_FRAME);
	pd_impl_ops.unit_state(F.m, 1000, &us);
	ASSERT(!us.accepted && !us.times_accepted);
	pd_impl_ops.tagblock_state(F.m, 1000, &tb);
	ASSERT(!tb.reservations && !tb.pins);
	pd_impl_ops.totals(F.m, &t);
	ASSERT_EQ(t.free_frames, 16);
	ASSERT_EQ(t.live_procs, 0);
	return true;
}

/* ---- memory ------------------------------------------------------------ */

static bool test_bytes_per_frame_at_default_config(void)
{
	struct pd_config c = {
		.frames_log2 = 20, .cpus = 2, .max_order = 6, .granules = 16,
		.accept_order = 2, .unaccepted = 0, .tag_ratio_log2 = 3, .slots = 64,
		.pcp_batch = 4, .pcp_high = 12, .vpages = 16,
		.swap_excl = PD_SWAP_EXCL_KEPT, .accept = PD_ACCEPT_FLAG,
		.tagstore = PD_TAGSTORE_NONE,
	};

	ASSERT(setup(&c));
	ASSERT_EQ(sizeof(struct page), 24);
	ASSERT(impl_memory_bytes(F.m) <= 64ull << 20);
	return true;
}

/* ---- what an op changed (PD_CAP_TOUCH) ---------------------------------- */

/* The call's touch records, "frame 0+1 pte 0:1+1 ...", or "all". */
static const char *touches(void)
{
	static const char *const name[PD_NR_OBJ] = {
		"frame", "pte", "proc", "slot", "unit", "tagblock", "totals",
	};
	char *s = F.drawing, *end = F.drawing + sizeof(F.drawing);

	*s = 0;
	if (F.ctx.touch_all)
		return "all";
	for (unsigned i = 0; i < F.ctx.ntouch && s < end; i++) {
		const struct pd_touch_rec *t = &F.ctx.touch[i];

		if (t->obj == PD_OBJ_PTE)
			s += snprintf(s, (size_t)(end - s), "%spte %u:%u+%u", i ? " " : "",
				      t->first >> 16, t->first & 0xffff, t->n);
		else
			s += snprintf(s, (size_t)(end - s), "%s%s %u+%u", i ? " " : "",
				      t->obj < PD_NR_OBJ ? name[t->obj] : "?", t->first, t->n);
	}
	return F.drawing;
}

/*
 * The fast paths touch one record, the block; pcp refill and drain touch
 * nothing (a FREE frame reports only `accepted`); a fault touches its PTE
 * and page.
 */
static bool test_touches_follow_the_op(void)
{
	struct pd_config c = base_cfg();

	ASSERT(pd_impl_ops.caps & PD_CAP_TOUCH);
	ASSERT(setup(&c));
	ASSERT_EQ(OP(ALLOC, .order = 0), PD_OK);      /* refills the pcp first */
	ASSERT_STR(touches(), "frame 0+1");
	ASSERT_EQ(OP(FREE, .frame = 0, .order = 0), PD_OK);
	ASSERT_STR(touches(), "frame 0+1");
	ASSERT_EQ(OP(DRAIN), PD_OK);
	ASSERT_STR(touches(), "");
	ASSERT_EQ(OP(ALLOC, .order = 2), PD_OK);
	ASSERT_STR(touches(), "frame 0+4");
	ASSERT_EQ(OP(ZONE_LOCK), PD_OK);
	ASSERT_STR(touches(), "");
	ASSERT_EQ(OP(ZONE_UNLOCK), PD_OK);
	ASSERT_EQ(OP(SPAWN, .proc = 1), PD_OK);
	ASSERT_STR(touches(), "proc 1+1");
	ASSERT_EQ(OP(MMAP, .proc = 1, .vpage = 2, .npages = 3), PD_OK);
	ASSERT_STR(touches(), "pte 1:2+3");
	ASSERT_EQ(OP(WRITE, .proc = 1, .vpage = 3, .value = 7), PD_OK);
	ASSERT_STR(touches(), "frame 4+1 pte 1:3+1 frame 4+1");
	ASSERT_EQ(OP(READ, .proc = 1, .vpage = 3), PD_OK);  /* no fault */
	ASSERT_STR(touches(), "");
	ASSERT_EQ(OP(TAGSTORE_PIN, .block = 5), PD_OK);
	ASSERT_STR(touches(), "tagblock 5+1");
	/* fork: the span of the parent's mappings in both, the shared page */
	ASSERT_EQ(OP(FORK, .proc = 1, .child = 2), PD_OK);
	ASSERT_STR(touches(), "proc 2+1 pte 1:2+3 pte 2:2+3 frame 4+1");
	ASSERT_EQ(OP(EXIT, .proc = 2), PD_OK);
	ASSERT_STR(touches(), "pte 2:2+3 frame 4+1 proc 2+1");
	/* exit: the mapped PTEs, the page (unmapped, then freed), the process */
	ASSERT_EQ(OP(EXIT, .proc = 1), PD_OK);
	ASSERT_STR(touches(), "pte 1:2+3 frame 4+1 proc 1+1");
	return true;
}

/*
 * accept=flag: accepting a unit larger than the block touches the unit
 * and all its frames; a stale hint that finds the units accepted touches
 * only the block.
 */
static bool test_touches_of_acceptance(void)
{
	struct pd_config c = base_cfg();

	c.accept_order = 3;
	c.unaccepted = 0x01;  /* unit 0 = frames 0..7 */
	ASSERT(setup(&c));
	ASSERT_EQ(OP(ALLOC, .order = 0), PD_OK);
	ASSERT_EQ(F.res.frame, 0);
	ASSERT_STR(touches(), "unit 0+1 frame 0+8");
	ASSERT_EQ(OP(ALLOC, .order = 0), PD_OK);
	ASSERT_EQ(F.res.frame, 1);
	ASSERT(PageHead(pfn_to_page(F.m, 1)));
	ASSERT_STR(touches(), "frame 1+1");
	return true;
}

/* ---- reset: back to the boot state at the cost of what changed ---------- */

static uint64_t rng_next(uint64_t *s)  /* splitmix64 */
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned below(uint64_t *s, unsigned n)
{
	return n ? (unsigned)(rng_next(s) % n) : 0;
}

/*
 * A random call stream over live names, as the engine would send: the
 * handles (allocated blocks, pins, refs) and live processes come from
 * the results of the calls run, and a zone_lock is released before any
 * call but a nolock alloc or free (spec.md §6, the engine's implicit
 * unlock).
 */
struct gen {
	uint64_t seed;
	struct pd_config cfg;
	uint32_t nr_tag_blocks;
	bool alive[PD_MAX_PROCS];
	bool irq_locked;
	struct { uint32_t frame; uint8_t order; } alloc[PD_MAX_HANDLES];
	struct { uint32_t frame; uint8_t write; } pin[PD_MAX_HANDLES];
	uint32_t ref[PD_MAX_HANDLES];
	unsigned nalloc, npin, nref;
};

static const unsigned gen_weight[PD_NR_OPS] = {
	[PD_OP_ALLOC] = 10, [PD_OP_FREE] = 6, [PD_OP_DRAIN] = 1, [PD_OP_ZONE_LOCK] = 2,
	[PD_OP_ZONE_UNLOCK] = 1, [PD_OP_SPAWN] = 3, [PD_OP_MMAP] = 5, [PD_OP_MUNMAP] = 2,
	[PD_OP_EXIT] = 1, [PD_OP_FORK] = 3, [PD_OP_READ] = 4, [PD_OP_WRITE] = 10,
	[PD_OP_SETTAG] = 4, [PD_OP_SWAPOUT] = 7, [PD_OP_SWAPCACHE_DROP] = 3, [PD_OP_PIN] = 4,
	[PD_OP_UNPIN] = 2, [PD_OP_PIN_READ] = 1, [PD_OP_PIN_WRITE] = 2, [PD_OP_GET] = 3,
	[PD_OP_PUT] = 2, [PD_OP_REF_READ] = 1, [PD_OP_TAGSTORE_PIN] = 3,
	[PD_OP_TAGSTORE_UNPIN] = 2,
};

static void gen_init(struct gen *g, const struct pd_config *cfg, uint64_t seed)
{
	memset(g, 0, sizeof(*g));
	g->seed = seed;
	g->cfg = *cfg;
	g->nr_tag_blocks = pd_nr_tag_blocks(cfg);
}

/* A live process, or any slot when none is alive (the impl says EINVAL). */
static uint8_t gen_proc(struct gen *g, bool alive)
{
	unsigned start = below(&g->seed, PD_MAX_PROCS);

	for (unsigned i = 0; i < PD_MAX_PROCS; i++) {
		unsigned q = (start + i) % PD_MAX_PROCS;

		if (g->alive[q] == alive)
			return (uint8_t)q;
	}
	return (uint8_t)start;
}

static uint16_t gen_vpage(struct gen *g)
{
	return (uint16_t)below(&g->seed, g->cfg.vpages);
}

/* The next call; *unlock is set if the implicit zone_unlock goes first. */
static struct pd_call gen_call(struct gen *g, bool *unlock)
{
	struct pd_call c;
	unsigned total = 0, r, code;

	for (code = 0; code < PD_NR_OPS; code++)
		total += gen_weight[code];
again:
	memset(&c, 0, sizeof(c));
	r = below(&g->seed, total);
	for (code = 0; r >= gen_weight[code]; code++)
		r -= gen_weight[code];
	c.code = (uint8_t)code;
	c.cpu = (uint8_t)below(&g->seed, g->cfg.cpus);
	c.frame = PD_NO_FRAME;
	switch (code) {
	case PD_OP_ALLOC:
		if (g->nalloc == PD_MAX_HANDLES)
			goto again;
		c.order = (uint8_t)below(&g->seed, g->cfg.max_order + 2);  /* one too many: EINVAL */
		if (below(&g->seed, 3) == 0)
			c.order = (uint8_t)(below(&g->seed, 4) % (g->cfg.max_order + 1));
		c.flags = (pd_flags_t)below(&g->seed, 8);  /* ZERO, NOLOCK, TAGGED */
		break;
	case PD_OP_FREE:
		if (!g->nalloc)
			goto again;
		r = below(&g->seed, g->nalloc);
		c.frame = g->alloc[r].frame;
		c.order = g->alloc[r].order;
		c.flags = below(&g->seed, 3) == 0 ? PD_FREE_NOLOCK : 0;
		g->alloc[r] = g->alloc[--g->nalloc];
		break;
	case PD_OP_SPAWN:
		c.proc = gen_proc(g, false);
		break;
	case PD_OP_FORK:
		c.proc = gen_proc(g, true);
		c.child = gen_proc(g, false);
		break;
	case PD_OP_EXIT:
		c.proc = gen_proc(g, true);
		break;
	case PD_OP_MMAP:
	case PD_OP_MUNMAP:
		c.proc = gen_proc(g, true);
		c.vpage = gen_vpage(g);
		c.npages = (uint16_t)(1 + below(&g->seed, g->cfg.vpages));
		c.flags = (pd_flags_t)below(&g->seed, 2);  /* PD_MMAP_MTE */
		break;
	case PD_OP_READ:
	case PD_OP_WRITE:
	case PD_OP_SETTAG:
	case PD_OP_SWAPOUT:
	case PD_OP_PIN:
	case PD_OP_GET:
		if ((code == PD_OP_PIN && g->npin == PD_MAX_HANDLES) ||
		    (code == PD_OP_GET && g->nref == PD_MAX_HANDLES))
			goto again;
		c.proc = gen_proc(g, true);
		c.vpage = gen_vpage(g);
		c.granule = (uint8_t)below(&g->seed, g->cfg.granules);
		c.tag = (uint8_t)below(&g->seed, 4);
		c.value = rng_next(&g->seed);
		c.flags = (pd_flags_t)below(&g->seed, 2);  /* PIN_WRITE, SWAPOUT_KEEP */
		break;
	case PD_OP_UNPIN:
	case PD_OP_PIN_READ:
	case PD_OP_PIN_WRITE:
		if (!g->npin)
			goto again;
		r = below(&g->seed, g->npin);
		c.frame = g->pin[r].frame;
		c.flags = g->pin[r].write;
		c.value = rng_next(&g->seed);
		if (code == PD_OP_UNPIN)
			g->pin[r] = g->pin[--g->npin];
		break;
	case PD_OP_PUT:
	case PD_OP_REF_READ:
		if (!g->nref)
			goto again;
		r = below(&g->seed, g->nref);
		c.frame = g->ref[r];
		if (code == PD_OP_PUT)
			g->ref[r] = g->ref[--g->nref];
		break;
	case PD_OP_SWAPCACHE_DROP:
		c.slot = below(&g->seed, g->cfg.slots < 16 ? g->cfg.slots : 16);
		break;
	case PD_OP_TAGSTORE_PIN:
	case PD_OP_TAGSTORE_UNPIN:
		c.block = below(&g->seed, g->nr_tag_blocks < 8 ? g->nr_tag_blocks : 8);
		break;
	default:
		break;
	}
	*unlock = g->irq_locked &&
		  !(code == PD_OP_ALLOC && (c.flags & PD_ALLOC_NOLOCK)) &&
		  !(code == PD_OP_FREE && (c.flags & PD_FREE_NOLOCK));
	if (*unlock)
		g->irq_locked = false;
	return c;
}

/* Learn the names a call created or ended from its result. */
static void gen_result(struct gen *g, const struct pd_call *c, const struct pd_result *res)
{
	bool ok = res->status == PD_OK;

	switch (c->code) {
	case PD_OP_ALLOC:
		if (ok) {
			g->alloc[g->nalloc].frame = res->frame;
			g->alloc[g->nalloc++].order = res->order;
		}
		break;
	case PD_OP_SPAWN:
		g->alive[c->proc] |= ok;
		break;
	case PD_OP_FORK:
		g->alive[c->child] |= ok;
		break;
	case PD_OP_EXIT:
		if (ok)
			g->alive[c->proc] = false;
		break;
	case PD_OP_PIN:
		if (ok) {
			g->pin[g->npin].frame = res->frame;
			g->pin[g->npin++].write = c->flags & PD_PIN_WRITE;
		}
		break;
	case PD_OP_GET:
		if (ok)
			g->ref[g->nref++] = res->frame;
		break;
	case PD_OP_ZONE_LOCK:
		g->irq_locked = true;
		break;
	case PD_OP_ZONE_UNLOCK:
		g->irq_locked = false;
		break;
	default:
		break;
	}
}

/* A config of test i: all 12 design options, sizes from 8 to 4096 frames. */
static struct pd_config reset_config(uint64_t *s, unsigned i)
{
	static const uint32_t big_slots[] = { 65, 200, 4096, 65536 };
	struct pd_config c = base_cfg();
	unsigned fl = i % 8 == 7 ? 12 : 3 + below(s, 8);
	unsigned top = fl < PD_MAX_ORDER_LIMIT ? fl : PD_MAX_ORDER_LIMIT;

	c.frames_log2 = (uint8_t)fl;
	c.max_order = (uint8_t)(below(s, 2) ? below(s, 3) % (top + 1) : below(s, top + 1));
	c.cpus = (uint8_t)(1 + below(s, PD_MAX_CPUS));
	c.granules = (uint16_t)(1u << below(s, 9));
	c.accept_order = (uint8_t)(below(s, 2) ? below(s, 3) % (fl + 1) : below(s, fl + 1));
	c.unaccepted = (uint8_t)(below(s, 4) ? rng_next(s) : below(s, 2) ? 0xff : 0);
	c.tag_ratio_log2 = (uint8_t)below(s, (fl < 6 ? fl : 6) + 1);
	c.slots = below(s, 2) ? 1 + below(s, 12) : big_slots[below(s, 4)];
	c.pcp_batch = (uint16_t)(below(s, 2) ? 1 + below(s, 8) : 1 + below(s, 64));
	c.pcp_high = (uint16_t)(c.pcp_batch + below(s, 64));
	c.vpages = (uint16_t)(below(s, 8) ? 1 + below(s, 32) : PD_MAX_VPAGES);
	c.swap_excl = (uint8_t)(i & 1);
	c.accept = (uint8_t)((i >> 1) & 1);
	c.tagstore = (uint8_t)((i >> 2) % 3);
	return c;
}

#define CMP_MEM(what, a, b, len)                                               \
	do {                                                                   \
		if (memcmp((a), (b), (len))) {                                 \
			fprintf(stderr, "%s: %s differs\n", cur_test, what);   \
			return false;                                          \
		}                                                              \
	} while (0)

/* The two impls answer every state function alike, for every object. */
static bool same_observable(struct impl *a, struct impl *b)
{
	for (uint32_t f = 0; f < a->nr_frames; f++) {
		struct pd_frame_state x, y;

		pd_impl_ops.frame_state(a, f, &x);
		pd_impl_ops.frame_state(b, f, &y);
		if (memcmp(&x, &y, sizeof(x))) {
			fprintf(stderr, "%s: frame %u: kind %u/%u rc %u/%u\n", cur_test, f,
				x.kind, y.kind, x.refcount, y.refcount);
			return false;
		}
	}
	for (unsigned q = 0; q < PD_MAX_PROCS; q++) {
		struct pd_proc_state x, y;

		pd_impl_ops.proc_state(a, (uint8_t)q, &x);
		pd_impl_ops.proc_state(b, (uint8_t)q, &y);
		CMP_MEM("proc_state", &x, &y, sizeof(x));
		for (unsigned v = 0; v < a->cfg.vpages; v++) {
			struct pd_pte_state pa, pb;

			pd_impl_ops.pte_state(a, (uint8_t)q, (uint16_t)v, &pa);
			pd_impl_ops.pte_state(b, (uint8_t)q, (uint16_t)v, &pb);
			CMP_MEM("pte_state", &pa, &pb, sizeof(pa));
		}
	}
	for (uint32_t s = 0; s < a->si.nr_slots; s++) {
		struct pd_slot_state x, y;

		pd_impl_ops.slot_state(a, s, &x);
		pd_impl_ops.slot_state(b, s, &y);
		CMP_MEM("slot_state", &x, &y, sizeof(x));
	}
	for (uint32_t u = 0; u < a->nr_units; u++) {
		struct pd_unit_state x, y;

		pd_impl_ops.unit_state(a, u, &x);
		pd_impl_ops.unit_state(b, u, &y);
		CMP_MEM("unit_state", &x, &y, sizeof(x));
	}
	for (uint32_t t = 0; t < a->nr_tag_blocks; t++) {
		struct pd_tagblock_state x, y;

		pd_impl_ops.tagblock_state(a, t, &x);
		pd_impl_ops.tagblock_state(b, t, &y);
		CMP_MEM("tagblock_state", &x, &y, sizeof(x));
	}
	{
		struct pd_totals x, y;

		pd_impl_ops.totals(a, &x);
		pd_impl_ops.totals(b, &y);
		CMP_MEM("totals", &x, &y, sizeof(x));
	}
	return true;
}

static bool same_dirty_set(const char *what, const struct dirty_set *a,
			   const struct dirty_set *b)
{
	if (a->nr != b->nr || a->all != b->all || a->nr_chunks != b->nr_chunks ||
	    a->cap != b->cap) {
		fprintf(stderr, "%s: dirty set %s: nr %u/%u all %d/%d\n", cur_test, what,
			a->nr, b->nr, a->all, b->all);
		return false;
	}
	CMP_MEM(what, a->dirty, b->dirty, a->nr_chunks);
	CMP_MEM(what, a->list, b->list, a->nr * sizeof(*a->list));
	return true;
}

/* The saved-tags trees hold the same entries in the same nodes. */
static bool same_xarray(const struct impl *a, const struct impl *b)
{
	const struct xarray *x = &a->si.tags, *y = &b->si.tags;

	if (x->nr_entries != y->nr_entries)
		return false;
	for (unsigned i = 0; i < XA_CHUNK_SIZE; i++) {
		if (!x->root[i] != !y->root[i])
			return false;
		if (!x->root[i])
			continue;
		if (x->root[i]->count != y->root[i]->count)
			return false;
		for (unsigned j = 0; j < XA_CHUNK_SIZE; j++) {
			const uint8_t *p = x->root[i]->slots[j], *q = y->root[i]->slots[j];

			if (!p != !q || (p && memcmp(p, q, a->tag_bytes)))
				return false;
		}
	}
	return true;
}

/*
 * Every field that can influence behaviour is the same, byte for byte:
 * per-frame, per-unit, per-tag-block and per-slot arrays, the zone and
 * pcp lists (free-list order decides placements), processes and their
 * page tables, GUP records, counters, and what reset() will restore.
 */
static bool same_internals(struct impl *a, struct impl *b)
{
	ASSERT(pd_config_equal(&a->cfg, &b->cfg));
	ASSERT_EQ(a->nr_frames, b->nr_frames);
	ASSERT_EQ(a->max_order, b->max_order);
	ASSERT_EQ(a->tag_bytes, b->tag_bytes);
	ASSERT_EQ(a->nr_units, b->nr_units);
	ASSERT_EQ(a->nr_tag_blocks, b->nr_tag_blocks);
	ASSERT_EQ(a->cpu, b->cpu);
	CMP_MEM("mem_map", a->mem_map, b->mem_map, (size_t)a->nr_frames * sizeof(struct page));
	CMP_MEM("tags", a->tags, b->tags, (size_t)a->nr_frames * a->tag_bytes);
	CMP_MEM("unaccepted_map", a->unaccepted_map, b->unaccepted_map,
		(a->nr_units + 63) / 64 * sizeof(uint64_t));
	CMP_MEM("times_accepted", a->times_accepted, b->times_accepted, a->nr_units);
	CMP_MEM("tag_blocks", a->tag_blocks, b->tag_blocks,
		a->nr_tag_blocks * sizeof(struct tag_block));
	CMP_MEM("zone", &a->zone, &b->zone, sizeof(a->zone));
	CMP_MEM("pcp", a->pcp, b->pcp, sizeof(a->pcp));
	ASSERT_EQ(a->si.nr_slots, b->si.nr_slots);
	ASSERT_EQ(a->si.cursor, b->si.cursor);
	ASSERT_EQ(a->si.inuse, b->si.inuse);
	CMP_MEM("swap used", a->si.used, b->si.used, (a->si.nr_slots + 63) / 64 * 8);
	CMP_MEM("swap_map", a->si.swap_map, b->si.swap_map, a->si.nr_slots);
	CMP_MEM("swap cache", a->si.cache, b->si.cache, a->si.nr_slots * 4);
	CMP_MEM("swap content", a->si.content, b->si.content, a->si.nr_slots * 8);
	ASSERT(same_xarray(a, b));
	for (unsigned q = 0; q < PD_MAX_PROCS; q++) {
		struct mm *x = &a->mm[q], *y = &b->mm[q];

		ASSERT_EQ(x->alive, y->alive);
		ASSERT_EQ(x->has_pinned, y->has_pinned);
		CMP_MEM("vma_mapped", x->vma_mapped, y->vma_mapped, sizeof(x->vma_mapped));
		CMP_MEM("vma_mte", x->vma_mte, y->vma_mte, sizeof(x->vma_mte));
		for (unsigned i = 0; i < PTRS_PER_PGD; i++) {
			ASSERT_EQ(!x->pgd[i], !y->pgd[i]);
			if (x->pgd[i])
				CMP_MEM("page table", x->pgd[i], y->pgd[i],
					PTRS_PER_PTE * sizeof(pte_t));
		}
	}
	ASSERT_EQ(a->live_procs, b->live_procs);
	CMP_MEM("gup", a->gup, b->gup, sizeof(a->gup));
	ASSERT_EQ(a->nr_gup, b->nr_gup);
	ASSERT(same_dirty_set("frames_dirty", &a->frames_dirty, &b->frames_dirty));
	ASSERT(same_dirty_set("units_dirty", &a->units_dirty, &b->units_dirty));
	ASSERT(same_dirty_set("tag_blocks_dirty", &a->tag_blocks_dirty, &b->tag_blocks_dirty));
	ASSERT(same_dirty_set("slots_dirty", &a->slots_dirty, &b->slots_dirty));
	return true;
}

static bool same_impl(struct impl *a, struct impl *b)
{
	return same_internals(a, b) && same_observable(a, b);
}

/* What the reset tests saw over all inputs (each path must be taken). */
static struct {
	unsigned long ok[PD_NR_OPS];
	unsigned resets, resets_all, resets_listed, side_by_side;
} R;

static struct pd_ctx ctx_a, ctx_b;

/* Is impl_check silent on m?  (O(frames + slots): not after every op.) */
static bool impl_quiet(struct impl *m)
{
	pd_ctx_begin_record(&F.cctx);
	impl_check(m, &F.cctx);
	for (unsigned i = 0; i < F.cctx.nviol && i < PD_CTX_MAX_VIOLATIONS; i++)
		fprintf(stderr, "  [%s] %s\n", F.cctx.viol[i].what, F.cctx.viol[i].msg);
	return F.cctx.nviol == 0;
}

static bool check_now(const struct impl *m, unsigned k)
{
	return m->nr_frames + m->si.nr_slots <= 1024 || k % 32 == 0;
}

/* Run one call on m in record mode; nothing may report a violation. */
static bool run_on(struct impl *m, struct pd_ctx *ctx, const struct pd_call *c,
		   struct pd_result *res)
{
	pd_ctx_begin_record(ctx);
	impl_member(c->code)(m, ctx, c, res);
	ASSERT_EQ(ctx->nviol, 0);
	ASSERT(!ctx->overflow);
	return true;
}

/* n random calls on m alone. */
static bool run_random(struct impl *m, struct gen *g, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		struct pd_result res;
		bool unlock;
		struct pd_call c = gen_call(g, &unlock);

		if (unlock) {
			struct pd_call u = { .code = PD_OP_ZONE_UNLOCK, .frame = PD_NO_FRAME };

			ASSERT(run_on(m, &ctx_a, &u, &res));
		}
		ASSERT(run_on(m, &ctx_a, &c, &res));
		R.ok[c.code] += res.status == PD_OK;
		gen_result(g, &c, &res);
		if (check_now(m, k))
			ASSERT(impl_quiet(m));
	}
	return impl_quiet(m);
}

/* One call on both: same result, same placements, same touches. */
static bool run_both(struct impl *a, struct impl *b, const struct pd_call *c,
		     struct pd_result *ra)
{
	struct pd_result rb;

	ASSERT(run_on(a, &ctx_a, c, ra));
	ASSERT(run_on(b, &ctx_b, c, &rb));
	ASSERT_EQ(ra->status, rb.status);
	ASSERT_EQ(ra->order, rb.order);
	ASSERT_EQ(ra->frame, rb.frame);
	ASSERT_EQ(ra->value, rb.value);
	ASSERT_EQ(ctx_a.nlog, ctx_b.nlog);
	for (unsigned i = 0; i < ctx_a.nlog; i++) {
		ASSERT_EQ(ctx_a.log[i].kind, ctx_b.log[i].kind);
		ASSERT_EQ(ctx_a.log[i].order, ctx_b.log[i].order);
		ASSERT_EQ(ctx_a.log[i].where, ctx_b.log[i].where);
	}
	ASSERT_EQ(ctx_a.ntouch, ctx_b.ntouch);
	ASSERT_EQ(ctx_a.touch_all, ctx_b.touch_all);
	for (unsigned i = 0; i < ctx_a.ntouch; i++) {
		ASSERT_EQ(ctx_a.touch[i].obj, ctx_b.touch[i].obj);
		ASSERT_EQ(ctx_a.touch[i].first, ctx_b.touch[i].first);
		ASSERT_EQ(ctx_a.touch[i].n, ctx_b.touch[i].n);
	}
	return true;
}

/* The same n random calls on a and b side by side; the state stays equal. */
static bool run_side_by_side(struct impl *a, struct impl *b, struct gen *g, unsigned n)
{
	for (unsigned k = 0; k < n; k++) {
		struct pd_result res;
		bool unlock;
		struct pd_call c = gen_call(g, &unlock);

		if (unlock) {
			struct pd_call u = { .code = PD_OP_ZONE_UNLOCK, .frame = PD_NO_FRAME };

			ASSERT(run_both(a, b, &u, &res));
		}
		ASSERT(run_both(a, b, &c, &res));
		R.ok[c.code] += res.status == PD_OK;
		R.side_by_side++;
		gen_result(g, &c, &res);
		if (check_now(a, k)) {
			ASSERT(impl_quiet(a));
			ASSERT(same_internals(a, b));
		}
	}
	return impl_quiet(a) && impl_quiet(b) && same_impl(a, b);
}

static struct impl *create_impl(const struct pd_config *c)
{
	char err[128];
	struct impl *m = pd_impl_ops.create(c, err, sizeof(err));

	if (!m)
		fprintf(stderr, "%s: create: %s\n", cur_test, err);
	return m;
}

/* reset() and count which way it restored the frames. */
static bool reset_impl(struct impl *m)
{
	bool all = m->frames_dirty.all;

	R.resets++;
	all ? R.resets_all++ : R.resets_listed++;
	ASSERT(pd_impl_ops.reset(m));
	ASSERT_EQ(m->frames_dirty.nr, 0);
	ASSERT(!m->frames_dirty.all);
	return true;
}

/*
 * Every chunk saved in a's boot images holds what a new impl's arrays
 * hold there (the image is the boot state, whatever the input wrote).
 */
static bool same_images(const struct dirty_set *d, const struct dirty_set *fresh,
			const char *what)
{
	ASSERT_EQ(d->nr_arrays, fresh->nr_arrays);
	for (unsigned i = 0; i < d->nr_arrays; i++) {
		const struct dirty_array *a = &d->arr[i];

		ASSERT_EQ(a->bytes, fresh->arr[i].bytes);
		for (uint32_t c = 0; c < d->nr_chunks; c++) {
			size_t off, len;

			if (!d->saved[c])
				continue;
			len = chunk_span(a, c, &off);
			CMP_MEM(what, (const char *)a->image + off,
				(const char *)fresh->arr[i].live + off, len);
		}
	}
	return true;
}

static bool same_boot_images(const struct impl *a, const struct impl *fresh)
{
	ASSERT(same_images(&a->frames_dirty, &fresh->frames_dirty, "frames image"));
	ASSERT(same_images(&a->units_dirty, &fresh->units_dirty, "units image"));
	ASSERT(same_images(&a->tag_blocks_dirty, &fresh->tag_blocks_dirty, "tag blocks image"));
	ASSERT(same_images(&a->slots_dirty, &fresh->slots_dirty, "slots image"));
	CMP_MEM("boot state", &a->boot, &fresh->boot, sizeof(a->boot));
	return true;
}

/*
 * One input: random calls on A, reset A (sometimes twice), A must be a
 * fresh B in every field; then the same random calls on both side by
 * side; then reset A again and compare with another fresh impl, and A's
 * boot images with its arrays (reset never writes into them).
 */
static bool reset_round(const struct pd_config *c, uint64_t seed, unsigned n1, unsigned n2)
{
	struct impl *a = create_impl(c), *b = create_impl(c), *fresh = NULL;
	struct gen g;
	bool ok = false;

	if (!a || !b)
		goto out;
	gen_init(&g, c, seed);
	if (!run_random(a, &g, n1) || !reset_impl(a))
		goto out;
	if ((seed & 3) == 0 && !reset_impl(a))   /* twice in a row */
		goto out;
	if (!impl_quiet(a) || !same_impl(a, b))
		goto out;
	gen_init(&g, c, seed ^ 0x5eed);
	if (!run_side_by_side(a, b, &g, n2) || !reset_impl(a))
		goto out;
	fresh = create_impl(c);
	ok = fresh && same_impl(a, fresh) && same_boot_images(a, fresh);
out:
	if (!ok)
		fprintf(stderr, "%s: config frames_log2=%u max_order=%u cpus=%u granules=%u "
			"accept_order=%u unaccepted=%#x tag_ratio=%u slots=%u pcp=%u/%u vpages=%u "
			"swap_excl=%u accept=%u tagstore=%u, seed %#llx, %u+%u ops\n", cur_test,
			c->frames_log2, c->max_order, c->cpus, c->granules, c->accept_order,
			c->unaccepted, c->tag_ratio_log2, c->slots, c->pcp_batch, c->pcp_high,
			c->vpages, c->swap_excl, c->accept, c->tagstore, (unsigned long long)seed,
			n1, n2);
	pd_impl_ops.destroy(a);
	pd_impl_ops.destroy(b);
	pd_impl_ops.destroy(fresh);
	return ok;
}

/*
 * Random inputs over varied configs: after reset() the impl is a new
 * one (observable state and raw internals), and it goes on exactly as a
 * new one does (results, placements, touches, state).  Every op must
 * succeed somewhere, and both ways of restoring must be taken.
 */
static bool test_reset_matches_a_fresh_impl(void)
{
	uint64_t s = 0x7e5e7;
	unsigned n = 240;

	memset(&R, 0, sizeof(R));
	ASSERT(pd_impl_ops.reset);
	for (unsigned i = 0; i < n; i++) {
		struct pd_config c = reset_config(&s, i);
		unsigned n1 = i % 16 == 5 ? 0 : 20 + below(&s, 300);

		ASSERT(reset_round(&c, rng_next(&s), n1, 20 + below(&s, 150)));
	}
	printf("  %u inputs, %u resets (%u listed chunks, %u whole arrays), %u calls side by side\n",
	       n, R.resets, R.resets_listed, R.resets_all, R.side_by_side);
	for (unsigned code = 0; code < PD_NR_OPS; code++)
		if (!R.ok[code])
			fprintf(stderr, "%s: no %s succeeded\n", cur_test, pd_opcode_name(code));
	for (unsigned code = 0; code < PD_NR_OPS; code++)
		ASSERT(R.ok[code] > 0);
	ASSERT(R.resets_all > 0 && R.resets_listed > 0);
	return true;
}

/* Reset right after create, and twice in a row: still a new impl, and cheap. */
static bool test_reset_right_after_create(void)
{
	struct pd_config c = base_cfg();
	struct impl *b;
	size_t before;

	c.frames_log2 = 10;
	c.max_order = 3;
	c.accept_order = 2;
	c.unaccepted = 0x5a;
	c.slots = 300;
	c.tagstore = PD_TAGSTORE_STRICT;
	ASSERT(setup(&c));
	b = F.fresh = create_impl(&c);
	ASSERT(b);
	before = impl_memory_bytes(F.m);
	ASSERT(reset_impl(F.m) && same_impl(F.m, b));
	/* nothing written: nothing saved, no memory taken */
	ASSERT_EQ(F.m->frames_dirty.nr_saved + F.m->units_dirty.nr_saved +
		  F.m->tag_blocks_dirty.nr_saved + F.m->slots_dirty.nr_saved, 0);
	ASSERT_EQ(impl_memory_bytes(F.m), before);
	ASSERT(reset_impl(F.m) && same_impl(F.m, b));
	/* an alloc saves the chunks it writes first, and memory counts them */
	ASSERT_EQ(OP(ALLOC, .order = 0), PD_OK);
	ASSERT(F.m->frames_dirty.nr_saved > 0);
	ASSERT(impl_memory_bytes(F.m) > before);
	ASSERT(reset_impl(F.m) && same_impl(F.m, b) && same_boot_images(F.m, b));
	return true;
}

/*
 * Past a quarter of the frame chunks the frames are restored whole:
 * max_order 0 puts every frame on the buddy lists at boot, so taking
 * many touches a chunk per 64 frames.  A small input after it goes back
 * to listed chunks.
 */
static bool test_reset_full_restore_fallback(void)
{
	struct pd_config c = base_cfg();
	struct impl *b;

	c.frames_log2 = 12;   /* 64 chunks: "all" past 17 */
	c.max_order = 0;
	c.pcp_batch = 64;
	c.pcp_high = 128;
	ASSERT(setup(&c));
	b = F.fresh = create_impl(&c);
	ASSERT(b);
	for (unsigned i = 0; i < 20 * 64; i++)
		ASSERT_EQ(OP(ALLOC, .order = 0, .flags = PD_ALLOC_ZERO), PD_OK);
	ASSERT(F.m->frames_dirty.all);
	/* going `all` saved the chunks never written: the image is whole */
	ASSERT_EQ(F.m->frames_dirty.nr_saved, F.m->frames_dirty.nr_chunks);
	ASSERT(reset_impl(F.m) && same_impl(F.m, b) && same_boot_images(F.m, b));
	for (unsigned i = 0; i < 3; i++)
		ASSERT_EQ(OP(ALLOC, .order = 0), PD_OK);
	/* one refill: frames 0-63 (64 is not placed yet: deferred boot) */
	ASSERT(!F.m->frames_dirty.all);
	ASSERT_EQ(F.m->frames_dirty.nr, 1);
	ASSERT(reset_impl(F.m) && same_impl(F.m, b));
	return true;
}

/*
 * What reset() restores follows what the input changed, not the zone:
 * at 2^16 frames an order-0 pair through the pcp dirties one frame
 * chunk (the refill batch); a write fault and a swap-out a few more and
 * one slot chunk.
 */
static bool test_reset_cost_follows_changes(void)
{
	struct pd_config c = base_cfg();

	c.frames_log2 = 16;
	c.max_order = 10;
	c.slots = 65536;
	c.vpages = 16;
	ASSERT(setup(&c));
	ASSERT_EQ(F.m->frames_dirty.nr_chunks, 1024);
	ASSERT_EQ(OP(ALLOC, .order = 0), PD_OK);
	ASSERT_EQ(OP(FREE, .frame = F.res.frame, .order = 0), PD_OK);
	/*
	 * Block 0 is placed and taken (1024 stays unplaced: no link
	 * written); splitting it writes the heads of the halves 512, 256,
	 * 128, 64 and 0-32 (chunks 8, 4, 2, 1, 0): 5 of 1024 chunks.
	 */
	ASSERT_EQ(F.m->frames_dirty.nr, 5);
	ASSERT(reset_impl(F.m));
	ASSERT_EQ(OP(SPAWN, .proc = 0), PD_OK);
	ASSERT_EQ(OP(MMAP, .proc = 0, .vpage = 0, .npages = 4), PD_OK);
	ASSERT_EQ(OP(WRITE, .proc = 0, .vpage = 1, .value = 9), PD_OK);
	ASSERT_EQ(OP(SWAPOUT, .proc = 0, .vpage = 1), PD_OK);
	ASSERT(F.m->frames_dirty.nr <= 6 && !F.m->frames_dirty.all);
	ASSERT_EQ(F.m->slots_dirty.nr, 1);
	ASSERT_EQ(F.m->units_dirty.nr, 0);
	ASSERT(reset_impl(F.m));
	ASSERT_EQ(F.m->slots_dirty.nr, 0);
	ASSERT(!F.m->mm[0].alive && !F.m->mm[0].pgd[0]);
	ASSERT_EQ(F.m->si.tags.nr_entries, 0);
	return true;
}

/* ---- deferred boot -------------------------------------------------------- */

/*
 * Create writes no struct page: every block is unplaced, counted as eager
 * boot counts it, and reads as a FREE frame.  An allocation places only
 * what it takes, and reset() goes back to nothing placed.  2^12 frames of
 * order-0 blocks; units of 2 frames, 0x0f: units 0-3 of every 8
 * unaccepted, so frames 0-7 of every 16 are hinted.
 */
static bool test_deferred_boot_writes_no_page(void)
{
	struct pd_config c = base_cfg();
	struct pd_frame_state fs;
	struct pd_totals t;
	struct impl *b;

	c.frames_log2 = 12;
	c.max_order = 0;
	c.accept_order = 1;
	c.unaccepted = 0x0f;
	c.pcp_batch = 4;
	ASSERT(setup(&c));
	for (uint32_t f = 0; f < F.m->nr_frames; f++)
		ASSERT(page_is_zero(pfn_to_page_ro(F.m, f)));
	ASSERT_EQ(F.m->zone.unplaced, 0);
	ASSERT_EQ(F.m->zone.free_area[0].nr_free, 4096);
	ASSERT_EQ(F.m->zone.free_area[0].nr_hinted[0], 2048);
	pd_impl_ops.frame_state(F.m, 4095, &fs);
	ASSERT(fs.kind == PD_FRAME_FREE && fs.accepted);
	pd_impl_ops.frame_state(F.m, 4081, &fs);
	ASSERT(fs.kind == PD_FRAME_FREE && !fs.accepted);
	pd_impl_ops.totals(F.m, &t);
	ASSERT_EQ(t.free_frames, 4096);
	/*
	 * NOLOCK: block 0 placed, refused (to the tail); the scan looks at
	 * 1..7 by boot class and places them only on its way to 8, taken
	 */
	ASSERT_EQ(OP(ALLOC, .order = 0, .flags = PD_ALLOC_NOLOCK), PD_OK);
	ASSERT_EQ(F.res.frame, 8);
	ASSERT_EQ(F.m->zone.unplaced, 9);
	ASSERT_EQ(F.m->frames_dirty.nr, 1);
	/* eager boot's list, less 8: 1..7, then the unplaced 9..4095, then 0 */
	ASSERT_EQ(F.m->zone.unplaced_before, 0);
	ASSERT_EQ(F.m->zone.free_area[0].list.head, 1);
	ASSERT_EQ(F.m->zone.free_area[0].list.tail, 0);
	/* a refill of 4 takes 1..4 and hands out 1, accepting unit 0 */
	ASSERT_EQ(OP(ALLOC, .order = 0), PD_OK);
	ASSERT_EQ(F.res.frame, 1);
	ASSERT_EQ(F.m->pcp[0].count, 3);
	ASSERT_EQ(F.m->zone.unplaced, 9);
	b = F.fresh = create_impl(&c);
	ASSERT(b);
	ASSERT(reset_impl(F.m) && same_impl(F.m, b));
	ASSERT_EQ(F.m->zone.unplaced, 0);
	return true;
}

/*
 * A failing NOLOCK scan places nothing: the counts say no unplaced block
 * can serve.  Order-4 blocks, every unit unaccepted: each attempt places
 * only its refused first candidate (then again after the drain).
 */
static bool test_deferred_boot_nolock_failure_places_nothing(void)
{
	struct pd_config c = base_cfg();

	c.frames_log2 = 10;
	c.max_order = 4;
	c.accept_order = 2;
	c.unaccepted = 0xff;
	ASSERT(setup(&c));
	ASSERT_EQ(OP(ALLOC, .order = 0, .flags = PD_ALLOC_NOLOCK), PD_ENOMEM);
	ASSERT_EQ(F.m->zone.unplaced, 32);
	/* 0 and 16 refused, rotated behind the unplaced blocks */
	ASSERT_EQ(F.m->zone.free_area[4].list.head, 0);
	ASSERT_EQ(F.m->zone.unplaced_before, 0);
	ASSERT_EQ(OP(ALLOC, .order = 4), PD_OK);   /* the list's head: 32, placed now */
	ASSERT_EQ(F.res.frame, 32);
	return true;
}

/* Did the last count_check() report a violation whose message holds `what`? */
static bool check_said(const char *what)
{
	for (unsigned i = 0; i < F.cctx.nviol && i < PD_CTX_MAX_VIOLATIONS; i++)
		if (strstr(F.cctx.viol[i].msg, what))
			return true;
	return false;
}

/*
 * impl_check verifies deferred boot's invariants: the cursor, the counts,
 * where the unplaced blocks stand, untouched frames, units as at boot,
 * the boot classes.  Order-2 blocks, units of 1 frame, 0x0f: blocks 0, 8,
 * 16, ... hinted, 4, 12, 20, ... plain.
 */
static bool test_check_catches_unplaced_corruption(void)
{
	struct pd_config c = base_cfg();
	uint32_t keep;

	c.frames_log2 = 6;
	c.max_order = 2;
	c.accept_order = 0;
	c.unaccepted = 0x0f;
	c.pcp_batch = 1;
	ASSERT(setup(&c));
	ASSERT_EQ(OP(ALLOC, .order = 2), PD_OK);      /* takes 0, accepting it */
	ASSERT_EQ(F.m->zone.unplaced, 4);
	ASSERT_EQ(count_check(), 0);

	pfn_to_page(F.m, 41)->flags = PGTY_buddy;     /* an unplaced frame written */
	ASSERT(count_check() > 0 && check_said("was written"));
	pfn_to_page(F.m, 41)->flags = 0;

	F.m->zone.unplaced_free++;                    /* a count */
	ASSERT(count_check() > 0);
	F.m->zone.unplaced_free--;

	F.m->zone.unplaced += 2;                      /* a misaligned cursor */
	ASSERT(count_check() > 0 && check_said("misaligned"));
	F.m->zone.unplaced += 2;                      /* one block skipped: uncovered */
	F.m->zone.unplaced_free--;
	ASSERT(count_check() > 0);
	F.m->zone.unplaced -= 4;
	F.m->zone.unplaced_free++;

	keep = F.m->zone.unplaced_before;             /* standing before no block */
	F.m->zone.unplaced_before = 12;
	ASSERT(count_check() > 0 && check_said("stand before"));
	F.m->zone.unplaced_before = keep;

	F.m->unaccepted_map[0] &= ~(1ull << 48);      /* a unit under 48 accepted */
	ASSERT(count_check() > 0 && check_said("not as at boot"));
	F.m->unaccepted_map[0] |= 1ull << 48;

	F.m->boot_classes.cls[1] ^= BOOT_HINTED;      /* a wrong boot class: 4-7 */
	ASSERT(count_check() > 0);
	F.m->boot_classes.cls[1] ^= BOOT_HINTED;
	ASSERT_EQ(count_check(), 0);
	return true;
}

/* A's free lists and unaccepted list, as the allocator sees them, are B's. */
static bool same_lists(const struct impl *a, const struct impl *b)
{
	static uint32_t x[1u << 12], y[1u << 12];

	for (unsigned o = 0; o <= a->max_order; o++) {
		unsigned n = free_list_blocks(a, o, x, 1u << 12);

		ASSERT_EQ(n, free_list_blocks(b, o, y, 1u << 12));
		CMP_MEM("free list", x, y, n * sizeof(x[0]));
		ASSERT_EQ(a->zone.free_area[o].nr_free, b->zone.free_area[o].nr_free);
		CMP_MEM("nr_hinted", a->zone.free_area[o].nr_hinted, b->zone.free_area[o].nr_hinted,
			sizeof(a->zone.free_area[o].nr_hinted));
	}
	ASSERT_EQ(unaccepted_list_blocks(a, x, 1u << 12), unaccepted_list_blocks(b, y, 1u << 12));
	CMP_MEM("unaccepted list", x, y, unaccepted_list_blocks(a, x, 1u << 12) * sizeof(x[0]));
	ASSERT_EQ(a->zone.unaccepted_frames, b->zone.unaccepted_frames);
	ASSERT_EQ(a->zone.free_frames, b->zone.free_frames);
	return true;
}

/*
 * Deferred boot is eager boot: a model whose free blocks were all placed
 * at create (as eager boot did) and a deferred one, run side by side on the
 * same random calls, give the same results, placements and touches, and
 * hold the same lists in the same order after every call.  The reset
 * tests' configs (all 12 design-option combinations), half of them moved
 * to max_order 0..2, where a zone has the most blocks.
 */
static bool test_deferred_boot_is_eager_boot(void)
{
	uint64_t s = 0xdefe4;
	unsigned n = 300, calls = 0;

	for (unsigned i = 0; i < n; i++) {
		struct pd_config c = reset_config(&s, i);
		struct impl *a, *b;
		struct gen g;
		bool ok = true;

		if (i % 2)
			c.max_order = (uint8_t)(below(&s, 3) % (c.frames_log2 + 1));
		a = create_impl(&c);
		b = create_impl(&c);
		ASSERT(a && b);
		place_all(b);
		gen_init(&g, &c, rng_next(&s));
		for (unsigned k = 0; k < 150 && ok; k++) {
			struct pd_result res;
			bool unlock;
			struct pd_call call = gen_call(&g, &unlock);

			if (unlock) {
				struct pd_call u = { .code = PD_OP_ZONE_UNLOCK, .frame = PD_NO_FRAME };

				ok = run_both(a, b, &u, &res);
			}
			ok = ok && run_both(a, b, &call, &res) && same_lists(a, b);
			gen_result(&g, &call, &res);
			calls++;
			if (ok && check_now(a, k))
				ok = impl_quiet(a) && same_observable(a, b);
		}
		ok = ok && impl_quiet(a) && same_observable(a, b);
		if (!ok)
			fprintf(stderr, "%s: config %u: frames_log2=%u max_order=%u accept_order=%u "
				"unaccepted=%#x accept=%u tagstore=%u\n", cur_test, i, c.frames_log2,
				c.max_order, c.accept_order, c.unaccepted, c.accept, c.tagstore);
		pd_impl_ops.destroy(a);
		pd_impl_ops.destroy(b);
		ASSERT(ok);
	}
	printf("  %u configs, %u calls side by side\n", n, calls);
	return true;
}

/* ---- runner -------------------------------------------------------------- */

#define TEST(fn) { #fn, fn }
static const struct {
	const char *name;
	bool (*fn)(void);
} tests[] = {
	TEST(test_buddy_split_then_merge),
	TEST(test_buddy_of_8_is_10_at_order_1),
	TEST(test_alloc_order_above_pcp_bypasses_pcp),
	TEST(test_pcp_refill_batch_and_drain_at_high),
	TEST(test_pcp_nolock_free_never_drains),
	TEST(test_alloc_drains_other_cpus_before_failing),
	TEST(test_accept_flag_hint_split_merge),
	TEST(test_accept_flag_accepts_only_the_handed_out_units),
	TEST(test_accept_flag_whole_unit_larger_than_block),
	TEST(test_accept_list_accepts_last),
	TEST(test_deferred_boot_accept_list_order),
	TEST(test_nolock_flag_finds_accepted_subblock),
	TEST(test_nolock_index_counts_what_can_serve),
	TEST(test_nolock_index_follows_a_whole_unit_accept),
	TEST(test_nolock_under_held_lock_uses_pcp_only),
	TEST(test_nolock_takes_a_block_only_other_cpus_hold),
	TEST(test_locked_path_under_held_lock_is_a_deadlock),
	TEST(test_tagstore_strict_skips_pinned_block),
	TEST(test_tagstore_besteffort_foa_then_reserve),
	TEST(test_swap_map_stale_entry_replaced),
	TEST(test_swapout_unmaps_every_mapper_via_rmap),
	TEST(test_swapin_restores_tags_before_dropping_slot),
	TEST(test_swapcache_keep_and_drop),
	TEST(test_cow_copy_then_reuse_by_refcount),
	TEST(test_get_blocks_reuse_cve_2020_29374),
	TEST(test_pin_then_fork_copies_for_child),
	TEST(test_read_pin_unshares_shared_page),
	TEST(test_strict_refused_candidate_goes_to_the_tail),
	TEST(test_trylock_free_leaves_deferred_blocks),
	TEST(test_swapout_again_keeps_the_swapcache_slot),
	TEST(test_swap_slots_next_fit),
	TEST(test_fork_copy_enomem_tears_the_child_down),
	TEST(test_calls_the_engine_never_sends_are_einval),
	TEST(test_check_catches_corrupted_state),
	TEST(test_create_rejects_bad_configs),
	TEST(test_observable_state_of_absent_objects),
	TEST(test_bytes_per_frame_at_default_config),
	TEST(test_touches_follow_the_op),
	TEST(test_touches_of_acceptance),
	TEST(test_reset_matches_a_fresh_impl),
	TEST(test_reset_right_after_create),
	TEST(test_reset_full_restore_fallback),
	TEST(test_reset_cost_follows_changes),
	TEST(test_deferred_boot_writes_no_page),
	TEST(test_deferred_boot_nolock_failure_places_nothing),
	TEST(test_check_catches_unplaced_corruption),
	TEST(test_deferred_boot_is_eager_boot),
};

int main(void)
{
	unsigned n = sizeof(tests) / sizeof(tests[0]), passed = 0, failed = 0;

	for (unsigned i = 0; i < n; i++) {
		bool ok;

		cur_test = tests[i].name;
		memset(&F, 0, sizeof(F));
		ok = tests[i].fn();
		if (F.m)
			pd_impl_ops.destroy(F.m);
		if (F.fresh)
			pd_impl_ops.destroy(F.fresh);
		printf("%s %s\n", ok ? "PASS" : "FAIL", tests[i].name);
		ok ? passed++ : failed++;
	}
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
