// SPDX-License-Identifier: MIT
/*
 * test_oracle.c - unit tests of the reference model (oracle/), calling
 * pd_oracle_ops members directly with a hand-made pd_ctx.
 *
 * Each test builds a small zone, runs ops in record mode (the oracle
 * chooses) or replay mode (a hand-written placement log), and checks
 * results, observable state, placements and violations.  After every op
 * the oracle's own consistency check must stay silent.
 *
 * Reset (test_reset_*): after random walks over random configs, a reset
 * oracle equals a new one through every state function and byte for byte
 * in struct oracle, and then behaves like one; a reset restores only the
 * objects logged (at 2^16 frames), and an overflowing log re-creates.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "oracle.h"

/* ---- harness --------------------------------------------------------- */

static const char *cur_test;

#define ASSERT(e)							\
	do {								\
		if (!(e)) {						\
			fprintf(stderr, "%s:%d: %s: assertion failed: %s\n", \
				__FILE__, __LINE__, cur_test, #e);	\
			return false;					\
		}							\
	} while (0)

#define ASSERT_EQ(a, b)							\
	do {								\
		unsigned long long _a = (a), _b = (b);			\
		if (_a != _b) {						\
			fprintf(stderr, "%s:%d: %s: %s == %s failed: %llu != %llu\n", \
				__FILE__, __LINE__, cur_test, #a, #b, _a, _b); \
			return false;					\
		}							\
	} while (0)

static const struct pd_model_ops *const O = &pd_oracle_ops;

/* The fixture: one oracle, one ctx, the last result.  Torn down by the runner. */
static struct {
	void *m;
	struct pd_config cfg;
	struct pd_ctx ctx;      /* the ctx of the last op */
	struct pd_ctx rec;      /* a placement log built by a test for replay */
	struct pd_result res;
	unsigned check_failures;
} F;

static struct pd_config small_cfg(void)
{
	struct pd_config c = {
		.frames_log2 = 6, .cpus = 2, .max_order = 3, .granules = 4,
		.accept_order = 2, .unaccepted = 0, .tag_ratio_log2 = 3,
		.slots = 4, .pcp_batch = 4, .pcp_high = 12, .vpages = 16,
		.swap_excl = PD_SWAP_EXCL_KEPT, .accept = PD_ACCEPT_FLAG,
		.tagstore = PD_TAGSTORE_NONE,
	};
	return c;
}

static bool setup(const struct pd_config *c)
{
	char err[256] = "";

	F.cfg = *c;
	F.m = O->create(c, err, sizeof(err));
	if (!F.m)
		fprintf(stderr, "create failed: %s\n", err);
	return F.m != NULL;
}

static void teardown(void)
{
	if (F.m)
		O->destroy(F.m);
	memset(&F, 0, sizeof(F));
}

static pd_op_fn *fn_of(uint8_t code)
{
	switch (code) {
	case PD_OP_ALLOC: return O->alloc;
	case PD_OP_FREE: return O->free;
	case PD_OP_DRAIN: return O->drain;
	case PD_OP_ZONE_LOCK: return O->zone_lock;
	case PD_OP_ZONE_UNLOCK: return O->zone_unlock;
	case PD_OP_SPAWN: return O->spawn;
	case PD_OP_MMAP: return O->mmap;
	case PD_OP_MUNMAP: return O->munmap;
	case PD_OP_EXIT: return O->exit;
	case PD_OP_FORK: return O->fork;
	case PD_OP_READ: return O->read;
	case PD_OP_WRITE: return O->write;
	case PD_OP_SETTAG: return O->settag;
	case PD_OP_SWAPOUT: return O->swapout;
	case PD_OP_SWAPCACHE_DROP: return O->swapcache_drop;
	case PD_OP_PIN: return O->pin;
	case PD_OP_UNPIN: return O->unpin;
	case PD_OP_PIN_READ: return O->pin_read;
	case PD_OP_PIN_WRITE: return O->pin_write;
	case PD_OP_GET: return O->get;
	case PD_OP_PUT: return O->put;
	case PD_OP_REF_READ: return O->ref_read;
	case PD_OP_TAGSTORE_PIN: return O->tagstore_pin;
	case PD_OP_TAGSTORE_UNPIN: return O->tagstore_unpin;
	}
	return NULL;
}

/* The oracle's consistency check must never fire. */
static void run_check(void)
{
	struct pd_ctx c;
	unsigned i;

	if (!O->check)
		return;  /* built without PAGEDIFF_ORACLE_CHECK (release) */
	pd_ctx_begin_record(&c);
	O->check(F.m, &c);
	for (i = 0; i < c.nviol && i < PD_CTX_MAX_VIOLATIONS; i++)
		fprintf(stderr, "  %s: check: %s\n", cur_test, c.viol[i].msg);
	F.check_failures += c.nviol;
}

/* Run one call in record mode; returns the status. */
static uint8_t run(struct pd_call c)
{
	pd_ctx_begin_record(&F.ctx);
	fn_of(c.code)(F.m, &F.ctx, &c, &F.res);
	run_check();
	return F.res.status;
}

/* Run one call replaying the placements in F.rec; returns the status. */
static uint8_t replay(struct pd_call c)
{
	pd_ctx_begin_replay(&F.ctx, &F.rec);
	fn_of(c.code)(F.m, &F.ctx, &c, &F.res);
	run_check();
	return F.res.status;
}

static void log_reset(void)
{
	pd_ctx_begin_record(&F.rec);
}

static void log_add(uint8_t kind, uint8_t order, uint32_t where)
{
	struct pd_placement p = { .kind = kind, .order = order, .where = where };

	pd_record_placement(&F.rec, &p);
}

/* The violation of the last op has class `what`. */
static bool violated(const char *what)
{
	if (F.ctx.nviol == 0)
		return false;
	fprintf(stderr, "  (expected) %s: %s\n", F.ctx.viol[0].what, F.ctx.viol[0].msg);
	return strcmp(F.ctx.viol[0].what, what) == 0;
}

/* The i-th placement the last record-mode op logged. */
static bool placed(unsigned i, uint8_t kind, uint8_t order, uint32_t where)
{
	return i < F.ctx.nlog && F.ctx.log[i].kind == kind &&
	       F.ctx.log[i].order == order && F.ctx.log[i].where == where;
}

/* ---- call builders --------------------------------------------------- */

static struct pd_call call(uint8_t code)
{
	struct pd_call c;

	memset(&c, 0, sizeof(c));
	c.code = code;
	return c;
}

static struct pd_call c_alloc(uint8_t order, pd_flags_t flags)
{
	struct pd_call c = call(PD_OP_ALLOC);

	c.order = order;
	c.flags = flags;
	return c;
}

static struct pd_call c_free(uint32_t frame, uint8_t order, pd_flags_t flags)
{
	struct pd_call c = call(PD_OP_FREE);

	c.frame = frame;
	c.order = order;
	c.flags = flags;
	return c;
}

static struct pd_call c_proc(uint8_t code, uint8_t proc)
{
	struct pd_call c = call(code);

	c.proc = proc;
	return c;
}

static struct pd_call c_fork(uint8_t parent, uint8_t child)
{
	struct pd_call c = call(PD_OP_FORK);

	c.proc = parent;
	c.child = child;
	return c;
}

static struct pd_call c_mmap(uint8_t proc, uint16_t vpage, uint16_t n, bool mte)
{
	struct pd_call c = c_proc(PD_OP_MMAP, proc);

	c.vpage = vpage;
	c.npages = n;
	c.flags = mte ? PD_MMAP_MTE : 0;
	return c;
}

static struct pd_call c_munmap(uint8_t proc, uint16_t vpage, uint16_t n)
{
	struct pd_call c = c_proc(PD_OP_MUNMAP, proc);

	c.vpage = vpage;
	c.npages = n;
	return c;
}

static struct pd_call c_pv(uint8_t code, uint8_t proc, uint16_t vpage, pd_flags_t flags)
{
	struct pd_call c = c_proc(code, proc);

	c.vpage = vpage;
	c.flags = flags;
	return c;
}

static struct pd_call c_write(uint8_t proc, uint16_t vpage, uint64_t value,
			      uint8_t granule, uint8_t tag)
{
	struct pd_call c = c_pv(PD_OP_WRITE, proc, vpage, 0);

	c.value = value;
	c.granule = granule;
	c.tag = tag;
	return c;
}

static struct pd_call c_settag(uint8_t proc, uint16_t vpage, uint8_t granule, uint8_t tag)
{
	struct pd_call c = c_pv(PD_OP_SETTAG, proc, vpage, 0);

	c.granule = granule;
	c.tag = tag;
	return c;
}

static struct pd_call c_frame(uint8_t code, uint32_t frame, pd_flags_t flags, uint64_t value)
{
	struct pd_call c = call(code);

	c.frame = frame;
	c.flags = flags;
	c.value = value;
	return c;
}

static struct pd_call c_block(uint8_t code, uint32_t block)
{
	struct pd_call c = call(code);

	c.block = block;
	return c;
}

static struct pd_call c_slot(uint32_t slot)
{
	struct pd_call c = call(PD_OP_SWAPCACHE_DROP);

	c.slot = slot;
	return c;
}

/* ---- state getters --------------------------------------------------- */

static struct pd_frame_state frame(uint32_t f)
{
	struct pd_frame_state s;

	O->frame_state(F.m, f, &s);
	return s;
}

static struct pd_pte_state pte(uint8_t p, uint16_t v)
{
	struct pd_pte_state s;

	O->pte_state(F.m, p, v, &s);
	return s;
}

static struct pd_slot_state slot(uint32_t sl)
{
	struct pd_slot_state s;

	O->slot_state(F.m, sl, &s);
	return s;
}

static struct pd_unit_state unit(uint32_t u)
{
	struct pd_unit_state s;

	O->unit_state(F.m, u, &s);
	return s;
}

static struct pd_tagblock_state tagblock(uint32_t b)
{
	struct pd_tagblock_state s;

	O->tagblock_state(F.m, b, &s);
	return s;
}

static struct pd_proc_state proc(uint8_t p)
{
	struct pd_proc_state s;

	O->proc_state(F.m, p, &s);
	return s;
}

static struct pd_totals totals(void)
{
	struct pd_totals t;

	O->totals(F.m, &t);
	return t;
}

/* The frame a process's vpage maps (PRESENT/FOA). */
static uint32_t pf(uint8_t p, uint16_t v)
{
	return pte(p, v).frame;
}

/* ---- create ---------------------------------------------------------- */

static bool test_create_rejects_bad_config(void)
{
	struct pd_config c = small_cfg();
	char err[256] = "";

	c.granules = 3;
	ASSERT(O->create(&c, err, sizeof(err)) == NULL);
	ASSERT(strstr(err, "granules") != NULL);
	c = small_cfg();
	c.max_order = 7;  /* > log2(frames) = 6 */
	ASSERT(O->create(&c, err, sizeof(err)) == NULL);
	ASSERT(strstr(err, "max_order") != NULL);
	/* 2^24 frames x 256 granules of tags is more than the oracle keeps. */
	c = small_cfg();
	c.frames_log2 = 24;
	c.granules = 256;
	ASSERT(O->create(&c, err, sizeof(err)) == NULL);
	ASSERT(strstr(err, "tags") != NULL);
	return true;
}

static bool test_create_initial_state(void)
{
	struct pd_config c = small_cfg();
	struct pd_frame_state fs;
	struct pd_pte_state ps;
	struct pd_slot_state ss;

	c.unaccepted = 0x05;  /* units 0 and 2 (of 16) unaccepted, and 8, 10 */
	ASSERT(setup(&c));
	ASSERT_EQ(totals().free_frames, 64);
	ASSERT_EQ(totals().deferred_frames, 0);
	ASSERT_EQ(totals().live_procs, 0);
	ASSERT_EQ(unit(0).accepted, 0);
	ASSERT_EQ(unit(1).accepted, 1);
	ASSERT_EQ(unit(2).accepted, 0);
	ASSERT_EQ(unit(8).accepted, 0);
	ASSERT_EQ(unit(9).accepted, 1);
	ASSERT_EQ(unit(1).times_accepted, 0);
	fs = frame(0);
	ASSERT_EQ(fs.kind, PD_FRAME_FREE);
	ASSERT_EQ(fs.accepted, 0);
	ASSERT_EQ(fs.swapcache_slot, PD_NO_SLOT);
	ASSERT_EQ(frame(4).accepted, 1);
	ps = pte(0, 0);
	ASSERT_EQ(ps.mapped, 0);
	ASSERT_EQ(ps.frame, PD_NO_FRAME);
	ASSERT_EQ(ps.slot, PD_NO_SLOT);
	ss = slot(0);
	ASSERT_EQ(ss.in_use, 0);
	ASSERT_EQ(ss.frame, PD_NO_FRAME);
	return true;
}

/* ---- B: frames and blocks -------------------------------------------- */

/*
 * B2, B6: lowest legal block, naturally aligned.  frames=8:
 *   frame  0 1 2 3 4 5 6 7
 *   a0     A . . . . . . .     order 0 at 0
 *   a1     A . . . B B B B     order 2 at 4 (0..3 is not a free block)
 *   a2     enomem              no free aligned order-2 block
 *   a3     A . C C B B B B     order 1 at 2
 */
static bool test_alloc_lowest_aligned_block(void)
{
	struct pd_config c = small_cfg();

	c.frames_log2 = 3;
	ASSERT(setup(&c));
	ASSERT_EQ(run(c_alloc(0, 0)), PD_OK);
	ASSERT_EQ(F.res.frame, 0);
	ASSERT(placed(0, PD_PLACE_BLOCK, 0, 0));
	ASSERT_EQ(run(c_alloc(2, 0)), PD_OK);
	ASSERT_EQ(F.res.frame, 4);
	ASSERT_EQ(F.res.order, 2);
	ASSERT(placed(0, PD_PLACE_BLOCK, 2, 4));
	ASSERT_EQ(run(c_alloc(2, 0)), PD_ENOMEM);
	ASSERT_EQ(F.res.frame, PD_NO_FRAME);
	ASSERT_EQ(F.ctx.nlog, 0);
	ASSERT_EQ(run(c_alloc(1, 0)), PD_OK);
	ASSERT_EQ(F.res.frame, 2);
	ASSERT_EQ(frame(4).kind, PD_FRAME_HEAD);
	ASSERT_EQ(frame(4).order, 2);
	ASSERT_EQ(frame(5).kind, PD_FRAME_TAIL);
	ASSERT_EQ(frame(7).kind, PD_FRAME_TAIL);
	ASSERT_EQ(totals().free_frames, 1);
	return true;
}

/* B4: rc 1, mc 0, anon 0; content 0 and defined only with ZERO. */
static bool test_alloc_state_and_zero(void)
{
	struct pd_config c = small_cfg();
	struct pd_frame_state s;

	ASSERT(setup(&c));
	ASSERT_EQ(run(c_alloc(1, 0)), PD_OK);
	s = frame(F.res.frame);
	ASSERT_EQ(s.kind, PD_FRAME_HEAD);
	ASSERT_EQ(s.refcount, 1);
	ASSERT_EQ(s.mapcount, 0);
	ASSERT_EQ(s.anon, 0);
	ASSERT_EQ(s.content_defined, 0);
	ASSERT_EQ(s.mte_tagged, 0);
	ASSERT_EQ(run(c_alloc(0, PD_ALLOC_ZERO)), PD_OK);
	s = frame(F.res.frame);
	ASSERT_EQ(s.content_defined, 1);
	ASSERT_EQ(s.content, 0);
	/* R4 under tagstore=none: tagged, tags 0, not reserved. */
	ASSERT_EQ(run(c_alloc(0, PD_ALLOC_TAGGED)), PD_OK);
	s = frame(F.res.frame);
	ASSERT_EQ(s.mte_tagged, 1);
	ASSERT_EQ(s.tag_reserved, 0);
	return true;
}

/* B5: a freed block is FREE, all state cleared. */
static bool test_free_clears(void)
{
	struct pd_config c = small_cfg();
	uint32_t f;

	ASSERT(setup(&c));
	ASSERT_EQ(run(c_alloc(2, PD_ALLOC_ZERO | PD_ALLOC_TAGGED)), PD_OK);
	f = F.res.frame;
	ASSERT_EQ(run(c_free(f, 2, 0)), PD_OK);
	ASSERT_EQ(frame(f).kind, PD_FRAME_FREE);
	ASSERT_EQ(frame(f).mte_tagged, 0);
	ASSERT_EQ(frame(f).refcount, 0);
	ASSERT_EQ(frame(f).content_defined, 0);
	ASSERT_EQ(frame(f + 1).kind, PD_FRAME_FREE);
	ASSERT_EQ(totals().free_frames, 64);
	/* A free of something that is not that block's head is einval. */
	ASSERT_EQ(run(c_free(f, 2, 0)), PD_EINVAL);
	return true;
}

/* ---- A: unaccepted memory -------------------------------------------- */

/*
 * A3: accept=flag, any FREE block is legal; allocating accepts every
 * unaccepted unit it overlaps, the whole unit even if larger.
 */
static bool test_accept_flag_whole_unit(void)
{
	struct pd_config c = small_cfg();

	c.accept_order = 3;  /* 8 units of 8 frames */
	c.unaccepted = 0x01; /* unit 0 unaccepted */
	ASSERT(setup(&c));
	ASSERT_EQ(run(c_alloc(0, 0)), PD_OK);
	ASSERT_EQ(F.res.frame, 0);
	ASSERT_EQ(unit(0).accepted, 1);
	ASSERT_EQ(unit(0).times_accepted, 1);
	ASSERT_EQ(frame(7).accepted, 1);
	ASSERT_EQ(run(c_alloc(0, 0)), PD_OK);
	ASSERT_EQ(F.res.frame, 1);
	ASSERT_EQ(unit(0).times_accepted, 1);  /* A1: once */
	return true;
}

/*
 * A4: accept=list.  frames=16 max_order=2 unaccepted=2: unit 1 (frames
 * 4..7) unaccepted, list block 4..7.  Three order-2 allocations use
 * accepted memory, the fourth accepts the list block (ACCEPT 4).
 */
static bool test_accept_list_last_resort(void)
{
	struct pd_config c = small_cfg();

	c.frames_log2 = 4;
	c.max_order = 2;
	c.unaccepted = 0x02;
	c.accept = PD_ACCEPT_LIST;
	ASSERT(setup(&c));
	ASSERT_EQ(totals().free_frames, 16);
	ASSERT_EQ(run(c_alloc(2, 0)), PD_OK);
	ASSERT_EQ(F.res.frame, 0);
	ASSERT_EQ(run(c_alloc(2, 0)), PD_OK);
	ASSERT_EQ(F.res.frame, 8);
	ASSERT_EQ(run(c_alloc(2, 0)), PD_OK);
	ASSERT_EQ(F.res.frame, 12);
	ASSERT_EQ(unit(1).accepted, 0);
	ASSERT_EQ(frame(4).kind, PD_FRAME_FREE);
	ASSERT_EQ(totals().free_frames, 4);
	ASSERT_EQ(run(c_alloc(2, 0)), PD_OK);
	ASSERT_EQ(F.res.frame, 4);
	ASSERT_EQ(F.ctx.nlog, 2);
	ASSERT(placed(0, PD_PLACE_ACCEPT, 0, 4));
	ASSERT(placed(1, PD_PLACE_BLOCK, 2, 4));
	ASSERT_EQ(unit(1).accepted, 1);
	ASSERT_EQ(unit(1).times_accepted, 1);
	ASSERT_EQ(run(c_alloc(0, 0)), PD_ENOMEM);
	return true;
}

/*
 * A4 with every other unit unaccepted: accepting the list block reports
 * its units as one touched range, not one record per unaccepted unit
 * (512 of them here, more than a ctx holds: the op would have been
 * compared whole, O(frames)).
 */
static bool test_accept_list_touches_one_range(void)
{
	struct pd_config c = small_cfg();
	unsigned units = 0;

	c.frames_log2 = 10;
	c.max_order = 10;
	c.accept_order = 0;
	c.unaccepted = 0x55;
	c.accept = PD_ACCEPT_LIST;
	ASSERT(setup(&c));
	ASSERT_EQ(run(c_alloc(0, 0)), PD_OK);
	ASSERT(placed(0, PD_PLACE_ACCEPT, 0, 0));
	ASSERT_EQ(unit(0).accepted, 1);
	ASSERT_EQ(unit(1).times_accepted, 0);
	ASSERT_EQ(unit(1022).times_accepted, 1);
	ASSERT(!F.ctx.touch_all);
	for (unsigned i = 0; i < F.ctx.ntouch; i++) {
		if (F.ctx.touch[i].obj != PD_OBJ_UNIT)
			continue;
		units++;
		ASSERT_EQ(F.ctx.touch[i].first, 0);
		ASSERT_EQ(F.ctx.touch[i].n, 1024);
	}
	ASSERT_EQ(units, 1);
	return true;
}

/* ---- L: nolock and the zone lock ------------------------------------- */

/* L2: NOLOCK with TAGGED, or order > 3: einval, nothing changes. */
static bool test_nolock_einval(void)
{
	struct pd_config c = small_cfg();

	c.max_order = 5;
	ASSERT(setup(&c));
	ASSERT_EQ(run(c_alloc(0, PD_ALLOC_NOLOCK | PD_ALLOC_TAGGED)), PD_EINVAL);
	ASSERT_EQ(run(c_alloc(4, PD_ALLOC_NOLOCK)), PD_EINVAL);
	ASSERT_EQ(F.ctx.nlog, 0);
	ASSERT_EQ(totals().free_frames, 64);
	/* L2: always zeroed. */
	ASSERT_EQ(run(c_alloc(3, PD_ALLOC_NOLOCK)), PD_OK);
	ASSERT_EQ(frame(F.res.frame).content_defined, 1);
	ASSERT_EQ(frame(F.res.frame).content, 0);
	return true;
}

/* L3: the reference's own NOLOCK choice fails whenever the lock is held. */
static bool test_nolock_fails_under_zone_lock(void)
{
	struct pd_config c = small_cfg();
	struct pd_call lk = call(PD_OP_ZONE_LOCK);

	ASSERT(setup(&c));
	lk.cpu = 1;
	ASSERT_EQ(run(lk), PD_OK);
	ASSERT_EQ(run(c_alloc(0, PD_ALLOC_NOLOCK)), PD_ENOMEM);
	ASSERT_EQ(F.ctx.nlog, 0);
	ASSERT_EQ(run(call(PD_OP_ZONE_UNLOCK)), PD_OK);
	ASSERT_EQ(run(c_alloc(0, PD_ALLOC_NOLOCK)), PD_OK);
	return true;
}

/* A5: NOLOCK never accepts; a placement must lie in accepted units. */
static bool test_nolock_never_accepts(void)
{
	struct pd_config c = small_cfg();

	c.frames_log2 = 3;
	c.max_order = 2;
	c.unaccepted = 0x01;  /* unit 0 = frames 0..3 */
	ASSERT(setup(&c));
	ASSERT_EQ(run(c_alloc(2, PD_ALLOC_NOLOCK)), PD_OK);
	ASSERT_EQ(F.res.frame, 4);
	ASSERT_EQ(run(c_alloc(0, PD_ALLOC_NOLOCK)), PD_ENOMEM);
	ASSERT_EQ(unit(0).times_accepted, 0);
	ASSERT_EQ(run(c_alloc(0, 0)), PD_OK);
	ASSERT_EQ(unit(0).times_accepted, 1);
	ASSERT_EQ(run(c_alloc(0, PD_ALLOC_NOLOCK)), PD_OK);
	ASSERT_EQ(F.res.frame, 1);
	return true;
}

/* The lowest block of 2^order FREE frames in accepted units, from the observable state. */
static uint32_t brute_lowest_nolock(unsigned order)
{
	uint32_t n = 1u << order, f, i;
	struct pd_frame_state fs;

	for (f = 0; f + n <= pd_nr_frames(&F.cfg); f += n) {
		for (i = 0; i < n; i++) {
			O->frame_state(F.m, f + i, &fs);
			if (fs.kind != PD_FRAME_FREE || !fs.accepted)
				break;
		}
		if (i == n)
			return f;
	}
	return PD_NO_FRAME;
}

/*
 * A5, B6: a NOLOCK allocation takes the lowest block the rules allow, and
 * fails only when there is none: checked against a brute-force search
 * over every aligned candidate, on zones with unaccepted units of every
 * size against the block sizes (the oracle's search skips unaccepted
 * units whole).
 */
static bool test_nolock_lowest_legal_by_brute_force(void)
{
	uint32_t seed = 12345, placed = 0, failed = 0;

	for (unsigned trial = 0; trial < 120; trial++) {
		struct pd_config c = small_cfg();
		uint32_t frames[16];
		uint8_t orders[16];
		unsigned nheld = 0;

		c.frames_log2 = (uint8_t)(6 + trial % 4);
		c.accept_order = (uint8_t)(trial % 5);
		seed = seed * 1103515245u + 12345u;
		c.unaccepted = (uint8_t)(seed >> 16);
		ASSERT(setup(&c));
		for (unsigned k = 0; k < 24; k++) {
			unsigned order, what;
			uint32_t want;

			seed = seed * 1103515245u + 12345u;
			what = (seed >> 16) % 4;
			order = (seed >> 20) % 4;
			if (what == 0 && nheld < 16) {      /* a locked allocation accepts */
				if (run(c_alloc((uint8_t)order, 0)) == PD_OK) {
					frames[nheld] = F.res.frame;
					orders[nheld++] = F.res.order;
				}
			} else if (what == 1 && nheld) {    /* free one */
				nheld--;
				ASSERT_EQ(run(c_free(frames[nheld], orders[nheld], 0)), PD_OK);
			} else {                            /* NOLOCK, against the brute force */
				want = brute_lowest_nolock(order);
				if (want == PD_NO_FRAME) {
					ASSERT_EQ(run(c_alloc((uint8_t)order, PD_ALLOC_NOLOCK)), PD_ENOMEM);
					failed++;
				} else {
					ASSERT_EQ(run(c_alloc((uint8_t)order, PD_ALLOC_NOLOCK)), PD_OK);
					ASSERT_EQ(F.res.frame, want);
					placed++;
					if (nheld < 16) {
						frames[nheld] = F.res.frame;
						orders[nheld++] = F.res.order;
					} else {
						ASSERT_EQ(run(c_free(F.res.frame, F.res.order, 0)), PD_OK);
					}
				}
			}
		}
		ASSERT_EQ(F.check_failures, 0);
		teardown();
	}
	printf("  %u NOLOCK placements and %u failures matched the brute force\n", placed, failed);
	ASSERT(placed > 100 && failed > 100);
	return true;
}

/*
 * L5: free nolock.  Order <= 3: FREE at once, even under the lock.
 * Order > 3 with the lock held: DEFERRED until the next locked free.
 */
static bool test_free_nolock_deferred(void)
{
	struct pd_config c = small_cfg();
	uint32_t big, small, other;

	c.max_order = 5;
	ASSERT(setup(&c));
	ASSERT_EQ(run(c_alloc(4, PD_ALLOC_TAGGED)), PD_OK);
	big = F.res.frame;
	ASSERT_EQ(run(c_alloc(2, 0)), PD_OK);
	small = F.res.frame;
	ASSERT_EQ(run(c_alloc(0, 0)), PD_OK);
	other = F.res.frame;
	ASSERT_EQ(run(call(PD_OP_ZONE_LOCK)), PD_OK);
	ASSERT_EQ(run(c_free(small, 2, PD_FREE_NOLOCK)), PD_OK);
	ASSERT_EQ(frame(small).kind, PD_FRAME_FREE);
	ASSERT_EQ(run(c_free(big, 4, PD_FREE_NOLOCK)), PD_OK);
	ASSERT_EQ(frame(big).kind, PD_FRAME_DEFERRED);
	ASSERT_EQ(frame(big).order, 4);
	ASSERT_EQ(frame(big).mte_tagged, 0);  /* L6 */
	ASSERT_EQ(frame(big).refcount, 0);
	ASSERT_EQ(frame(big + 1).kind, PD_FRAME_TAIL);
	ASSERT_EQ(totals().deferred_frames, 16);
	ASSERT_EQ(totals().free_frames, 64 - 16 - 1);
	/* Deferred frames are not allocatable. */
	ASSERT_EQ(run(call(PD_OP_ZONE_UNLOCK)), PD_OK);
	ASSERT_EQ(run(c_alloc(5, 0)), PD_OK);
	ASSERT_EQ(F.res.frame, 32);
	ASSERT_EQ(run(c_alloc(4, 0)), PD_ENOMEM);
	ASSERT_EQ(frame(big).kind, PD_FRAME_DEFERRED);
	/* A locked free frees the deferred block first. */
	ASSERT_EQ(run(c_free(other, 0, 0)), PD_OK);
	ASSERT_EQ(frame(big).kind, PD_FRAME_FREE);
	ASSERT_EQ(totals().deferred_frames, 0);
	ASSERT_EQ(totals().free_frames, 32);
	return true;
}

/* L5: order > 3 nolock free without the lock goes straight to the buddy. */
static bool test_free_nolock_unlocked_is_free(void)
{
	struct pd_config c = small_cfg();

	c.max_order = 5;
	ASSERT(setup(&c));
	ASSERT_EQ(run(c_alloc(5, 0)), PD_OK);
	ASSERT_EQ(run(c_free(F.res.frame, 5, PD_FREE_NOLOCK)), PD_OK);
	ASSERT_EQ(totals().free_frames, 64);
	ASSERT_EQ(totals().deferred_frames, 0);
	return true;
}

/* ---- R: tag storage -------------------------------------------------- */

/*
 * R2 strict: a block whose tag block is pinned is not legal.  tag_ratio 8:
 * tag block 0 covers frames 0..7.
 */
static bool test_tagstore_strict_skips_pinned(void)
{
	struct pd_config c = small_cfg();
	uint32_t b;

	c.tagstore = PD_TAGSTORE_STRICT;
	ASSERT(setup(&c));
	ASSERT_EQ(run(c_block(PD_OP_TAGSTORE_PIN, 0)), PD_OK);
	ASSERT_EQ(tagblock(0).pins, 1);
	ASSERT_EQ(run(c_alloc(0, PD_ALLOC_TAGGED)), PD_OK);
	ASSERT_EQ(F.res.frame, 8);
	ASSERT_EQ(frame(8).tag_reserved, 1);
	ASSERT_EQ(frame(8).mte_tagged, 1);
	ASSERT_EQ(tagblock(1).reservations, 1);
	/* An untagged allocation does not care. */
	ASSERT_EQ(run(c_alloc(0, 0)), PD_OK);
	ASSERT_EQ(F.res.frame, 0);
	ASSERT_EQ(frame(0).tag_reserved, 0);
	/* An order-4 block covers tag blocks 0 and 1: frame 16 is the first legal. */
	ASSERT_EQ(run(c_alloc(3, PD_ALLOC_TAGGED)), PD_OK);
	ASSERT_EQ(F.res.frame, 16);
	/* R3: freeing drops the reservation. */
	ASSERT_EQ(run(c_free(8, 0, 0)), PD_OK);
	ASSERT_EQ(tagblock(1).reservations, 0);
	/* With every tag block pinned, a tagged allocation fails. */
	for (b = 1; b < 8; b++)
		ASSERT_EQ(run(c_block(PD_OP_TAGSTORE_PIN, b)), PD_OK);
	ASSERT_EQ(run(c_alloc(0, PD_ALLOC_TAGGED)), PD_ENOMEM);
	ASSERT_EQ(run(c_alloc(0, 0)), PD_OK);
	return true;
}

/* R2 besteffort: any block; reservation attempted; failure -> unreserved, untagged. */
static bool test_tagstore_besteffort_unreserved(void)
{
	struct pd_config c = small_cfg();

	c.tagstore = PD_TAGSTORE_BESTEFFORT;
	ASSERT(setup(&c));
	ASSERT_EQ(run(c_block(PD_OP_TAGSTORE_PIN, 0)), PD_OK);
	ASSERT_EQ(run(c_alloc(0, PD_ALLOC_TAGGED)), PD_OK);
	ASSERT_EQ(F.res.frame, 0);
	ASSERT_EQ(frame(0).tag_reserved, 0);
	ASSERT_EQ(frame(0).mte_tagged, 0);
	ASSERT_EQ(tagblock(0).reservations, 0);
	ASSERT_EQ(run(c_block(PD_OP_TAGSTORE_UNPIN, 0)), PD_OK);
	ASSERT_EQ(run(c_alloc(0, PD_ALLOC_TAGGED)), PD_OK);
	ASSERT_EQ(F.res.frame, 1);
	ASSERT_EQ(frame(1).tag_reserved, 1);
	ASSERT_EQ(frame(1).mte_tagged, 1);
	ASSERT_EQ(tagblock(0).reservations, 1);
	return true;
}

/* R1: unpin of an unpinned (or nonexistent) tag block is einval; pins kept under none. */
static bool test_tagstore_pin_unpin(void)
{
	struct pd_config c = small_cfg();

	ASSERT(setup(&c));
	ASSERT_EQ(run(c_block(PD_OP_TAGSTORE_UNPIN, 0)), PD_EINVAL);
	ASSERT_EQ(run(c_block(PD_OP_TAGSTORE_PIN, 7)), PD_OK);
	ASSERT_EQ(run(c_block(PD_OP_TAGSTORE_PIN, 7)), PD_OK);
	ASSERT_EQ(tagblock(7).pins, 2);
	ASSERT_EQ(run(c_block(PD_OP_TAGSTORE_PIN, 8)), PD_EINVAL);
	ASSERT_EQ(run(c_block(PD_OP_TAGSTORE_UNPIN, 7)), PD_OK);
	ASSERT_EQ(tagblock(7).pins, 1);
	return true;
}

/*
 * R5: besteffort, PROT_MTE: a fault on none whose page is unreserved maps
 * it FOA and reports retry; later accesses retry the reservation.
 */
static bool test_foa_fault_and_retry(void)
{
	struct pd_config c = small_cfg();
	struct pd_pte_state p;

	c.tagstore = PD_TAGSTORE_BESTEFFORT;
	ASSERT(setup(&c));
	ASSERT_EQ(run(c_block(PD_OP_TAGSTORE_PIN, 0)), PD_OK);
	ASSERT_EQ(run(c_proc(PD_OP_SPAWN, 0)), PD_OK);
	ASSERT_EQ(run(c_mmap(0, 0, 2, true)), PD_OK);
	ASSERT_EQ(run(c_write(0, 0, 0x11, 0, 0)), PD_RETRY);
	p = pte(0, 0);
	ASSERT_EQ(p.kind, PD_PTE_FOA);
	ASSERT_EQ(p.writable, 1);
	ASSERT_EQ(p.frame, 0);
	ASSERT_EQ(frame(0).anon_exclusive, 1);
	ASSERT_EQ(frame(0).content, 0);
	ASSERT_EQ(frame(0).mte_tagged, 0);
	/* Retry fails again: nothing changes. */
	ASSERT_EQ(run(c_pv(PD_OP_READ, 0, 0, 0)), PD_RETRY);
	ASSERT_EQ(run(c_settag(0, 0, 1, 5)), PD_RETRY);
	ASSERT_EQ(pte(0, 0).kind, PD_PTE_FOA);
	/* A get on FOA also tries the reservation. */
	ASSERT_EQ(run(c_pv(PD_OP_GET, 0, 0, 0)), PD_RETRY);
	ASSERT_EQ(frame(0).refcount, 1);
	/* FOA behaves as present for fork: both FOA, write-protected. */
	ASSERT_EQ(run(c_fork(0, 1)), PD_OK);
	ASSERT_EQ(pte(1, 0).kind, PD_PTE_FOA);
	ASSERT_EQ(pte(0, 0).writable, 0);
	ASSERT_EQ(frame(0).mapcount, 2);
	ASSERT_EQ(run(c_block(PD_OP_TAGSTORE_UNPIN, 0)), PD_OK);
	ASSERT_EQ(run(c_pv(PD_OP_READ, 0, 0, 0)), PD_OK);
	ASSERT_EQ(pte(0, 0).kind, PD_PTE_PRESENT);
	ASSERT_EQ(frame(0).tag_reserved, 1);
	ASSERT_EQ(frame(0).mte_tagged, 1);
	ASSERT_EQ(tagblock(0).reservations, 1);
	/* The child's FOA PTE: the page is reserved already, no second reservation. */
	ASSERT_EQ(run(c_pv(PD_OP_READ, 1, 0, 0)), PD_OK);
	ASSERT_EQ(pte(1, 0).kind, PD_PTE_PRESENT);
	ASSERT_EQ(tagblock(0).reservations, 1);
	return true;
}

/* ---- V: processes and PTEs ------------------------------------------- */

/* V2, V3, V4: efault on unmapped, read of none, fault on none. */
static bool test_fault_none_and_read(void)
{
	struct pd_config c = small_cfg();
	struct pd_frame_state s;

	ASSERT(setup(&c));
	ASSERT_EQ(run(c_proc(PD_OP_SPAWN, 0)), PD_OK);
	ASSERT_EQ(proc(0).alive, 1);
	ASSERT_EQ(totals().live_procs, 1);
	ASSERT_EQ(run(c_pv(PD_OP_READ, 0, 3, 0)), PD_EFAULT);
	ASSERT_EQ(run(c_mmap(0, 2, 4, false)), PD_OK);
	ASSERT_EQ(pte(0, 5).mapped, 1);
	ASSERT_EQ(pte(0, 6).mapped, 0);
	ASSERT_EQ(run(c_pv(PD_OP_READ, 0, 3, 0)), PD_OK);
	ASSERT_EQ(F.res.value, 0);
	ASSERT_EQ(pte(0, 3).kind, PD_PTE_NONE);
	ASSERT_EQ(totals().free_frames, 64);
	ASSERT_EQ(run(c_write(0, 3, 0x42, 0, 0)), PD_OK);
	s = frame(pf(0, 3));
	ASSERT_EQ(s.anon, 1);
	ASSERT_EQ(s.anon_exclusive, 1);
	ASSERT_EQ(s.refcount, 1);
	ASSERT_EQ(s.mapcount, 1);
	ASSERT_EQ(s.content, 0x42);
	ASSERT_EQ(s.mte_tagged, 0);
	ASSERT_EQ(pte(0, 3).writable, 1);
	ASSERT_EQ(run(c_pv(PD_OP_READ, 0, 3, 0)), PD_OK);
	ASSERT_EQ(F.res.value, 0x42);
	/* V2: settag outside PROT_MTE is efault. */
	ASSERT_EQ(run(c_settag(0, 3, 0, 1)), PD_EFAULT);
	/* V9: munmap frees the page. */
	ASSERT_EQ(run(c_munmap(0, 0, 16)), PD_OK);
	ASSERT_EQ(pte(0, 3).mapped, 0);
	ASSERT_EQ(totals().free_frames, 64);
	return true;
}

/* V6, V7: MTE tag check; the fault-in stays, the store is suppressed. */
static bool test_mte_tagcheck(void)
{
	struct pd_config c = small_cfg();
	struct pd_frame_state s;

	ASSERT(setup(&c));
	ASSERT_EQ(run(c_proc(PD_OP_SPAWN, 0)), PD_OK);
	ASSERT_EQ(run(c_mmap(0, 0, 1, true)), PD_OK);
	ASSERT_EQ(run(c_write(0, 0, 0x5, 1, 3)), PD_TAGCHECK);
	ASSERT_EQ(pte(0, 0).kind, PD_PTE_PRESENT);
	s = frame(pf(0, 0));
	ASSERT_EQ(s.content, 0);
	ASSERT_EQ(s.mte_tagged, 1);
	ASSERT_EQ(run(c_settag(0, 0, 1, 3)), PD_OK);
	s = frame(pf(0, 0));
	ASSERT_EQ(pd_tag_get(s.tags, 1), 3);
	ASSERT_EQ(pd_tag_get(s.tags, 0), 0);
	ASSERT_EQ(s.tags[0], 0x30);
	ASSERT_EQ(run(c_write(0, 0, 0x5, 1, 3)), PD_OK);
	ASSERT_EQ(frame(pf(0, 0)).content, 5);
	ASSERT_EQ(run(c_write(0, 0, 0x6, 0, 3)), PD_TAGCHECK);
	ASSERT_EQ(frame(pf(0, 0)).content, 5);
	return true;
}

/* V8, V5: fork write-protects and shares; a write copies; the last one reuses. */
static bool test_cow_after_fork(void)
{
	struct pd_config c = small_cfg();
	uint32_t shared;

	ASSERT(setup(&c));
	ASSERT_EQ(run(c_proc(PD_OP_SPAWN, 0)), PD_OK);
	ASSERT_EQ(run(c_mmap(0, 0, 4, true)), PD_OK);
	ASSERT_EQ(run(c_settag(0, 0, 2, 9)), PD_OK);
	ASSERT_EQ(run(c_write(0, 0, 0x10, 2, 9)), PD_OK);
	shared = pf(0, 0);
	ASSERT_EQ(run(c_fork(0, 1)), PD_OK);
	ASSERT_EQ(F.ctx.nlog, 0);
	ASSERT_EQ(proc(1).alive, 1);
	ASSERT_EQ(pte(1, 3).mapped, 1);
	ASSERT_EQ(pte(1, 3).mte, 1);
	ASSERT_EQ(pf(1, 0), shared);
	ASSERT_EQ(frame(shared).anon_exclusive, 0);
	ASSERT_EQ(frame(shared).mapcount, 2);
	ASSERT_EQ(frame(shared).refcount, 2);
	ASSERT_EQ(pte(0, 0).writable, 0);
	ASSERT_EQ(pte(1, 0).writable, 0);
	/* The child's write copies: content and tags. */
	ASSERT_EQ(run(c_write(1, 0, 0x20, 2, 9)), PD_OK);
	ASSERT_EQ(F.ctx.nlog, 1);
	ASSERT(pf(1, 0) != shared);
	ASSERT_EQ(frame(pf(1, 0)).content, 0x20);
	ASSERT_EQ(frame(pf(1, 0)).anon_exclusive, 1);
	ASSERT_EQ(pd_tag_get(frame(pf(1, 0)).tags, 2), 9);
	ASSERT_EQ(frame(shared).mapcount, 1);
	ASSERT_EQ(frame(shared).refcount, 1);
	/* The parent's write reuses (rc == 1). */
	ASSERT_EQ(run(c_write(0, 0, 0x30, 2, 9)), PD_OK);
	ASSERT_EQ(F.ctx.nlog, 0);
	ASSERT_EQ(pf(0, 0), shared);
	ASSERT_EQ(frame(shared).anon_exclusive, 1);
	ASSERT_EQ(pte(0, 0).writable, 1);
	ASSERT_EQ(run(c_pv(PD_OP_READ, 1, 0, 0)), PD_OK);
	ASSERT_EQ(F.res.value, 0x20);
	ASSERT_EQ(run(c_proc(PD_OP_EXIT, 1)), PD_OK);
	ASSERT_EQ(proc(1).alive, 0);
	ASSERT_EQ(pte(1, 0).mapped, 0);
	ASSERT_EQ(totals().free_frames, 63);
	return true;
}

/* V8: a pinned page of a process that has pinned is copied at fork. */
static bool test_fork_pinned_copies(void)
{
	struct pd_config c = small_cfg();
	uint32_t pinned;

	ASSERT(setup(&c));
	ASSERT_EQ(run(c_proc(PD_OP_SPAWN, 0)), PD_OK);
	ASSERT_EQ(run(c_mmap(0, 0, 2, false)), PD_OK);
	ASSERT_EQ(run(c_write(0, 0, 0x77, 0, 0)), PD_OK);
	ASSERT_EQ(run(c_write(0, 1, 0x88, 0, 0)), PD_OK);
	ASSERT_EQ(run(c_pv(PD_OP_PIN, 0, 0, PD_PIN_WRITE)), PD_OK);
	pinned = F.res.frame;
	ASSERT_EQ(pinned, pf(0, 0));
	ASSERT_EQ(frame(pinned).refcount, 1 + PD_PIN_BIAS);
	ASSERT_EQ(proc(0).has_pinned, 1);
	ASSERT_EQ(run(c_fork(0, 1)), PD_OK);
	ASSERT_EQ(F.ctx.nlog, 1);
	ASSERT_EQ(proc(1).has_pinned, 0);
	ASSERT(pf(1, 0) != pinned);
	ASSERT_EQ(frame(pf(1, 0)).content, 0x77);
	ASSERT_EQ(frame(pf(1, 0)).anon_exclusive, 1);
	ASSERT_EQ(pte(1, 0).writable, 1);
	ASSERT_EQ(frame(pinned).anon_exclusive, 1);
	ASSERT_EQ(pte(0, 0).writable, 1);
	ASSERT_EQ(frame(pinned).mapcount, 1);
	/* The unpinned page is shared as usual. */
	ASSERT_EQ(pf(1, 1), pf(0, 1));
	ASSERT_EQ(frame(pf(0, 1)).anon_exclusive, 0);
	return true;
}

/* V8: a copy failure makes fork fail; the child is torn down, the parent keeps its changes. */
static bool test_fork_copy_failure(void)
{
	struct pd_config c = small_cfg();
	uint32_t i;

	c.frames_log2 = 3;
	c.max_order = 0;
	ASSERT(setup(&c));
	ASSERT_EQ(run(c_proc(PD_OP_SPAWN, 0)), PD_OK);
	ASSERT_EQ(run(c_mmap(0, 0, 2, false)), PD_OK);
	ASSERT_EQ(run(c_write(0, 0, 1, 0, 0)), PD_OK);
	ASSERT_EQ(run(c_write(0, 1, 2, 0, 0)), PD_OK);
	ASSERT_EQ(run(c_pv(PD_OP_PIN, 0, 1, 0)), PD_OK);
	for (i = 0; i < 6; i++)
		ASSERT_EQ(run(c_alloc(0, 0)), PD_OK);
	ASSERT_EQ(totals().free_frames, 0);
	ASSERT_EQ(run(c_fork(0, 1)), PD_ENOMEM);
	ASSERT_EQ(proc(1).alive, 0);
	ASSERT_EQ(totals().live_procs, 1);
	/* vpage 0 was write-protected and shared before the copy failed: stays. */
	ASSERT_EQ(pte(0, 0).writable, 0);
	ASSERT_EQ(frame(pf(0, 0)).anon_exclusive, 0);
	ASSERT_EQ(frame(pf(0, 0)).mapcount, 1);
	ASSERT_EQ(frame(pf(0, 0)).refcount, 1);
	return true;
}

/*
 * Exit and fork walk only the span of mapped vpages (mapped_span), which
 * relies on every other vpage being as at boot; check() says so, and
 * says so when a hand-corrupted vpage of a dead or unmapped range is not.
 */
static bool check_names(const char *what)
{
	struct pd_ctx c;
	bool seen = false;

	pd_ctx_begin_record(&c);
	O->check(F.m, &c);
	for (unsigned i = 0; i < c.nviol && i < PD_CTX_MAX_VIOLATIONS; i++)
		seen |= strstr(c.viol[i].msg, what) != NULL;
	return seen;
}

static bool test_unmapped_vpages_as_at_boot(void)
{
	struct pd_config c = small_cfg();
	struct oracle *o;

	ASSERT(setup(&c));
	if (!O->check)
		return true;  /* built without PAGEDIFF_ORACLE_CHECK */
	o = F.m;
	ASSERT_EQ(run(c_proc(PD_OP_SPAWN, 0)), PD_OK);
	ASSERT_EQ(run(c_mmap(0, 2, 3, true)), PD_OK);
	ASSERT_EQ(run(c_write(0, 3, 1, 0, 0)), PD_OK);
	ASSERT_EQ(run(c_fork(0, 1)), PD_OK);
	ASSERT_EQ(pte(1, 3).kind, PD_PTE_PRESENT);
	ASSERT_EQ(run(c_proc(PD_OP_EXIT, 1)), PD_OK);
	ASSERT_EQ(pte(1, 3).kind, PD_PTE_NONE);
	ASSERT_EQ(pte(1, 3).mapped, 0);
	ASSERT(!check_names("not as at boot"));
	o->procs[1].vp[4].slot = 0;  /* dead process */
	ASSERT(check_names("proc 1 vpage 4 is not as at boot, but its process is not alive"));
	o->procs[1].vp[4].slot = PD_NO_SLOT;
	o->procs[0].vp[0].mte = true;  /* live, outside the mapping */
	ASSERT(check_names("proc 0 vpage 0 is not as at boot, but unmapped"));
	o->procs[0].vp[0].mte = false;
	ASSERT(!check_names("not as at boot"));
	return true;
}

/* ---- G: pins and references ------------------------------------------ */

/* G2: a read pin of a shared page unshares (copy, mapped read-only). */
static bool test_read_pin_unshares(void)
{
	struct pd_config c = small_cfg();
	uint32_t shared, pinned;

	ASSERT(setup(&c));
	ASSERT_EQ(run(c_proc(PD_OP_SPAWN, 0)), PD_OK);
	ASSERT_EQ(run(c_mmap(0, 0, 1, false)), PD_OK);
	ASSERT_EQ(run(c_write(0, 0, 0x5, 0, 0)), PD_OK);
	shared = pf(0, 0);
	ASSERT_EQ(run(c_fork(0, 1)), PD_OK);
	ASSERT_EQ(run(c_pv(PD_OP_PIN, 1, 0, 0)), PD_OK);
	pinned = F.res.frame;
	ASSERT(pinned != shared);
	ASSERT_EQ(pf(1, 0), pinned);
	ASSERT_EQ(pte(1, 0).writable, 0);
	ASSERT_EQ(frame(pinned).anon_exclusive, 1);
	ASSERT_EQ(frame(pinned).refcount, 1 + PD_PIN_BIAS);
	ASSERT_EQ(frame(shared).refcount, 1);
	/* G5: pin_write through a read pin is efault. */
	ASSERT_EQ(run(c_frame(PD_OP_PIN_WRITE, pinned, 0, 9)), PD_EFAULT);
	/* Writes through the PTE are seen through the pin: AE -> reuse. */
	ASSERT_EQ(run(c_write(1, 0, 0x6, 0, 0)), PD_OK);
	ASSERT_EQ(pf(1, 0), pinned);
	ASSERT_EQ(run(c_frame(PD_OP_PIN_READ, pinned, 0, 0)), PD_OK);
	ASSERT_EQ(F.res.value, 6);
	/* A pin keeps the page alive after exit; unpin frees it (G4). */
	ASSERT_EQ(run(c_proc(PD_OP_EXIT, 1)), PD_OK);
	ASSERT_EQ(frame(pinned).refcount, PD_PIN_BIAS);
	ASSERT_EQ(run(c_frame(PD_OP_UNPIN, pinned, 0, 0)), PD_OK);
	ASSERT_EQ(frame(pinned).kind, PD_FRAME_FREE);
	return true;
}

/* G2: a read pin of a previously shared page (rc 1, not AE) reuses. */
static bool test_read_pin_prev_shared_reuses(void)
{
	struct pd_config c = small_cfg();
	uint32_t page;

	ASSERT(setup(&c));
	ASSERT_EQ(run(c_proc(PD_OP_SPAWN, 0)), PD_OK);
	ASSERT_EQ(run(c_mmap(0, 0, 1, false)), PD_OK);
	ASSERT_EQ(run(c_write(0, 0, 0x5, 0, 0)), PD_OK);
	page = pf(0, 0);
	ASSERT_EQ(run(c_fork(0, 1)), PD_OK);
	ASSERT_EQ(run(c_proc(PD_OP_EXIT, 1)), PD_OK);
	ASSERT_EQ(frame(page).anon_exclusive, 0);
	ASSERT_EQ(run(c_pv(PD_OP_PIN, 0, 0, 0)), PD_OK);
	ASSERT_EQ(F.res.frame, page);
	ASSERT_EQ(F.ctx.nlog, 0);
	ASSERT_EQ(frame(page).anon_exclusive, 1);
	ASSERT_EQ(pte(0, 0).writable, 0);
	return true;
}

/* G1, G3, G5: write pin of none; read pin of none maps read-only. */
static bool test_pin_none(void)
{
	struct pd_config c = small_cfg();
	uint32_t k;

	ASSERT(setup(&c));
	ASSERT_EQ(run(c_proc(PD_OP_SPAWN, 0)), PD_OK);
	ASSERT_EQ(run(c_mmap(0, 0, 2, false)), PD_OK);
	ASSERT_EQ(run(c_pv(PD_OP_PIN, 0, 0, PD_PIN_WRITE)), PD_OK);
	k = F.res.frame;
	ASSERT_EQ(pte(0, 0).writable, 1);
	ASSERT_EQ(run(c_frame(PD_OP_PIN_WRITE, k, PD_PIN_WRITE, 0x99)), PD_OK);
	ASSERT_EQ(run(c_pv(PD_OP_READ, 0, 0, 0)), PD_OK);
	ASSERT_EQ(F.res.value, 0x99);
	ASSERT_EQ(run(c_pv(PD_OP_PIN, 0, 1, 0)), PD_OK);
	ASSERT_EQ(pte(0, 1).kind, PD_PTE_PRESENT);
	ASSERT_EQ(pte(0, 1).writable, 0);
	ASSERT_EQ(frame(F.res.frame).anon_exclusive, 1);
	/* G4: unpin of a frame that is not pinned is einval. */
	ASSERT_EQ(run(c_munmap(0, 0, 2)), PD_OK);
	ASSERT_EQ(run(c_frame(PD_OP_UNPIN, k, PD_PIN_WRITE, 0)), PD_OK);
	ASSERT_EQ(run(c_frame(PD_OP_UNPIN, k, PD_PIN_WRITE, 0)), PD_EINVAL);
	return true;
}

/*
 * G6: get is rc + 1 without unshare; get of none is efault.  The
 * CVE-2020-29374 shape: the child's reference keeps the old content
 * after the parent's write.
 */
static bool test_get_put_vmsplice(void)
{
	struct pd_config c = small_cfg();
	uint32_t page;

	ASSERT(setup(&c));
	ASSERT_EQ(run(c_proc(PD_OP_SPAWN, 0)), PD_OK);
	ASSERT_EQ(run(c_mmap(0, 0, 1, false)), PD_OK);
	ASSERT_EQ(run(c_pv(PD_OP_GET, 0, 0, 0)), PD_EFAULT);
	ASSERT_EQ(run(c_write(0, 0, 0x1, 0, 0)), PD_OK);
	page = pf(0, 0);
	ASSERT_EQ(run(c_fork(0, 1)), PD_OK);
	ASSERT_EQ(run(c_pv(PD_OP_GET, 1, 0, 0)), PD_OK);
	ASSERT_EQ(F.res.frame, page);
	ASSERT_EQ(frame(page).refcount, 3);
	ASSERT_EQ(frame(page).anon_exclusive, 0);
	ASSERT_EQ(run(c_munmap(1, 0, 1)), PD_OK);
	ASSERT_EQ(run(c_write(0, 0, 0x2, 0, 0)), PD_OK);
	ASSERT(pf(0, 0) != page);  /* rc 2: copy */
	ASSERT_EQ(run(c_frame(PD_OP_REF_READ, page, 0, 0)), PD_OK);
	ASSERT_EQ(F.res.value, 1);
	ASSERT_EQ(run(c_frame(PD_OP_PUT, page, 0, 0)), PD_OK);
	ASSERT_EQ(frame(page).kind, PD_FRAME_FREE);
	return true;
}

/* ---- S: swap --------------------------------------------------------- */

/* S1..S5, swap_excl=kept: the exclusive bit carries AE through swap. */
static bool test_swap_kept_exclusive(void)
{
	struct pd_config c = small_cfg();
	struct pd_slot_state s;

	ASSERT(setup(&c));
	ASSERT_EQ(run(c_proc(PD_OP_SPAWN, 0)), PD_OK);
	ASSERT_EQ(run(c_mmap(0, 0, 2, false)), PD_OK);
	ASSERT_EQ(run(c_pv(PD_OP_SWAPOUT, 0, 0, 0)), PD_REFUSED);  /* none */
	ASSERT_EQ(run(c_pv(PD_OP_SWAPOUT, 0, 5, 0)), PD_EFAULT);   /* unmapped */
	ASSERT_EQ(run(c_write(0, 0, 0x33, 0, 0)), PD_OK);
	ASSERT_EQ(run(c_pv(PD_OP_SWAPOUT, 0, 0, 0)), PD_OK);
	ASSERT(placed(0, PD_PLACE_SLOT, 0, 0));
	ASSERT_EQ(pte(0, 0).kind, PD_PTE_SWAP);
	ASSERT_EQ(pte(0, 0).slot, 0);
	ASSERT_EQ(pte(0, 0).exclusive, 1);
	ASSERT_EQ(pte(0, 0).frame, PD_NO_FRAME);
	s = slot(0);
	ASSERT_EQ(s.in_use, 1);
	ASSERT_EQ(s.count, 1);
	ASSERT_EQ(s.in_swapcache, 0);
	ASSERT_EQ(s.content, 0x33);
	ASSERT_EQ(s.tags_saved, 0);
	ASSERT_EQ(totals().free_frames, 64);  /* S4: rc == mc: freed */
	ASSERT_EQ(run(c_pv(PD_OP_READ, 0, 0, 0)), PD_OK);
	ASSERT_EQ(F.res.value, 0x33);
	ASSERT_EQ(F.ctx.nlog, 1);
	ASSERT_EQ(frame(pf(0, 0)).anon_exclusive, 1);
	ASSERT_EQ(frame(pf(0, 0)).in_swapcache, 0);
	ASSERT_EQ(frame(pf(0, 0)).refcount, 1);
	ASSERT_EQ(pte(0, 0).writable, 0);  /* read fault */
	ASSERT_EQ(slot(0).in_use, 0);
	/* The write reuses without a copy (AE). */
	ASSERT_EQ(run(c_write(0, 0, 0x34, 0, 0)), PD_OK);
	ASSERT_EQ(F.ctx.nlog, 0);
	return true;
}

/*
 * S3, S5: with a get reference the page stays in SC (rc 2).  The swap-in
 * is exclusive only through the swap PTE's bit: kept -> AE, lost -> not AE
 * (rc is 2 after the SC removal).
 */
static bool swap_excl_case(uint8_t mode, bool want_ae)
{
	struct pd_config c = small_cfg();
	uint32_t page;

	c.swap_excl = mode;
	ASSERT(setup(&c));
	ASSERT_EQ(run(c_proc(PD_OP_SPAWN, 0)), PD_OK);
	ASSERT_EQ(run(c_mmap(0, 0, 1, false)), PD_OK);
	ASSERT_EQ(run(c_write(0, 0, 0x33, 0, 0)), PD_OK);
	ASSERT_EQ(run(c_pv(PD_OP_GET, 0, 0, 0)), PD_OK);
	page = F.res.frame;
	ASSERT_EQ(run(c_pv(PD_OP_SWAPOUT, 0, 0, 0)), PD_OK);
	ASSERT_EQ(pte(0, 0).exclusive, want_ae);
	ASSERT_EQ(frame(page).anon_exclusive, 0);
	ASSERT_EQ(frame(page).refcount, 2);
	ASSERT_EQ(run(c_write(0, 0, 0x44, 0, 0)), PD_OK);
	ASSERT_EQ(frame(page).in_swapcache, 0);
	if (want_ae) {
		/* reuse: the get reference sees the write */
		ASSERT_EQ(pf(0, 0), page);
		ASSERT_EQ(frame(page).content, 0x44);
		ASSERT_EQ(frame(page).refcount, 2);
	} else {
		/* COW: the write goes to a copy, the reference keeps 0x33 */
		ASSERT(pf(0, 0) != page);
		ASSERT_EQ(frame(page).content, 0x33);
		ASSERT_EQ(frame(page).refcount, 1);
		ASSERT_EQ(frame(page).mapcount, 0);
	}
	ASSERT_EQ(pte(0, 0).writable, 1);
	return true;
}

static bool test_swap_excl_kept_vs_lost(void)
{
	ASSERT(swap_excl_case(PD_SWAP_EXCL_KEPT, true));
	teardown();
	ASSERT(swap_excl_case(PD_SWAP_EXCL_LOST, false));
	return true;
}

/* S4, S8: a page with a get reference stays in SC; swapcache_drop. */
static bool test_swapcache_and_drop(void)
{
	struct pd_config c = small_cfg();
	uint32_t page;

	ASSERT(setup(&c));
	ASSERT_EQ(run(c_proc(PD_OP_SPAWN, 0)), PD_OK);
	ASSERT_EQ(run(c_mmap(0, 0, 1, false)), PD_OK);
	ASSERT_EQ(run(c_write(0, 0, 0x7, 0, 0)), PD_OK);
	ASSERT_EQ(run(c_pv(PD_OP_GET, 0, 0, 0)), PD_OK);
	page = F.res.frame;
	ASSERT_EQ(run(c_pv(PD_OP_SWAPOUT, 0, 0, 0)), PD_OK);
	ASSERT_EQ(frame(page).in_swapcache, 1);
	ASSERT_EQ(frame(page).swapcache_slot, 0);
	ASSERT_EQ(frame(page).refcount, 2);  /* the get + the cache */
	ASSERT_EQ(frame(page).mapcount, 0);
	ASSERT_EQ(frame(page).anon_exclusive, 0);
	ASSERT_EQ(slot(0).in_swapcache, 1);
	ASSERT_EQ(slot(0).frame, page);
	ASSERT_EQ(run(c_slot(0)), PD_REFUSED);   /* rc 2 */
	ASSERT_EQ(run(c_slot(1)), PD_REFUSED);   /* nothing in SC */
	ASSERT_EQ(run(c_frame(PD_OP_PUT, page, 0, 0)), PD_OK);
	ASSERT_EQ(run(c_slot(0)), PD_OK);
	ASSERT_EQ(frame(page).kind, PD_FRAME_FREE);
	ASSERT_EQ(slot(0).in_use, 1);            /* count 1 */
	ASSERT_EQ(slot(0).in_swapcache, 0);
	ASSERT_EQ(slot(0).frame, PD_NO_FRAME);
	/* keep: stays in SC without other references; the swap-in takes it. */
	ASSERT_EQ(run(c_pv(PD_OP_READ, 0, 0, 0)), PD_OK);
	page = pf(0, 0);
	ASSERT_EQ(run(c_pv(PD_OP_SWAPOUT, 0, 0, PD_SWAPOUT_KEEP)), PD_OK);
	ASSERT_EQ(frame(page).in_swapcache, 1);
	ASSERT_EQ(frame(page).refcount, 1);
	ASSERT_EQ(run(c_pv(PD_OP_READ, 0, 0, 0)), PD_OK);
	ASSERT_EQ(F.ctx.nlog, 0);
	ASSERT_EQ(pf(0, 0), page);
	ASSERT_EQ(frame(page).in_swapcache, 0);
	ASSERT_EQ(slot(0).in_use, 0);
	return true;
}

/* S1: swapout of a page that may be pinned is refused; no slots -> enomem. */
static bool test_swapout_refused_and_enomem(void)
{
	struct pd_config c = small_cfg();

	c.slots = 1;
	ASSERT(setup(&c));
	ASSERT_EQ(run(c_proc(PD_OP_SPAWN, 0)), PD_OK);
	ASSERT_EQ(run(c_mmap(0, 0, 2, false)), PD_OK);
	ASSERT_EQ(run(c_pv(PD_OP_PIN, 0, 0, 0)), PD_OK);
	ASSERT_EQ(run(c_pv(PD_OP_SWAPOUT, 0, 0, 0)), PD_REFUSED);
	ASSERT_EQ(run(c_write(0, 1, 1, 0, 0)), PD_OK);
	ASSERT_EQ(run(c_pv(PD_OP_SWAPOUT, 0, 1, 0)), PD_OK);
	ASSERT_EQ(run(c_frame(PD_OP_UNPIN, pf(0, 0), 0, 0)), PD_OK);
	ASSERT_EQ(run(c_pv(PD_OP_SWAPOUT, 0, 0, 0)), PD_ENOMEM);
	ASSERT_EQ(pte(0, 0).kind, PD_PTE_PRESENT);
	return true;
}

/*
 * S2, S5, S9, V8: tags across swap, after fork of a swap PTE both
 * processes fault: the first restores, the second keeps.
 */
static bool test_swap_tags_fork(void)
{
	struct pd_config c = small_cfg();
	struct pd_slot_state s;
	uint32_t page;

	c.slots = 1;
	ASSERT(setup(&c));
	ASSERT_EQ(run(c_proc(PD_OP_SPAWN, 0)), PD_OK);
	ASSERT_EQ(run(c_mmap(0, 0, 1, true)), PD_OK);
	ASSERT_EQ(run(c_settag(0, 0, 2, 7)), PD_OK);
	ASSERT_EQ(run(c_write(0, 0, 0x55, 2, 7)), PD_OK);
	ASSERT_EQ(run(c_pv(PD_OP_SWAPOUT, 0, 0, 0)), PD_OK);
	s = slot(0);
	ASSERT_EQ(s.tags_saved, 1);
	ASSERT_EQ(pd_tag_get(s.tags, 2), 7);
	ASSERT_EQ(run(c_fork(0, 1)), PD_OK);
	ASSERT_EQ(slot(0).count, 2);
	ASSERT_EQ(pte(0, 0).exclusive, 0);
	ASSERT_EQ(pte(1, 0).exclusive, 0);
	ASSERT_EQ(run(c_pv(PD_OP_READ, 1, 0, 0)), PD_OK);
	ASSERT_EQ(F.res.value, 0x55);
	page = pf(1, 0);
	ASSERT_EQ(frame(page).mte_tagged, 1);
	ASSERT_EQ(pd_tag_get(frame(page).tags, 2), 7);
	ASSERT_EQ(frame(page).in_swapcache, 1);
	ASSERT_EQ(frame(page).refcount, 2);
	ASSERT_EQ(frame(page).anon_exclusive, 0);
	ASSERT_EQ(slot(0).count, 1);
	ASSERT_EQ(run(c_settag(1, 0, 0, 4)), PD_OK);  /* copy: page keeps 0070 */
	ASSERT(pf(1, 0) != page);
	ASSERT_EQ(run(c_pv(PD_OP_READ, 0, 0, 0)), PD_OK);
	ASSERT_EQ(pf(0, 0), page);
	ASSERT_EQ(pd_tag_get(frame(page).tags, 2), 7);
	ASSERT_EQ(pd_tag_get(frame(page).tags, 0), 0);
	ASSERT_EQ(slot(0).in_use, 0);
	ASSERT_EQ(slot(0).tags_saved, 0);
	ASSERT_EQ(frame(page).anon_exclusive, 1);  /* rc == 1 after SC removal */
	return true;
}

/*
 * Clarification S1: a page already in the swap cache keeps its slot: no
 * SLOT placement; the count adds up.
 */
static bool test_swapout_sc_page_keeps_slot(void)
{
	struct pd_config c = small_cfg();
	uint32_t page;

	ASSERT(setup(&c));
	ASSERT_EQ(run(c_proc(PD_OP_SPAWN, 0)), PD_OK);
	ASSERT_EQ(run(c_mmap(0, 0, 1, false)), PD_OK);
	ASSERT_EQ(run(c_write(0, 0, 0x9, 0, 0)), PD_OK);
	ASSERT_EQ(run(c_pv(PD_OP_SWAPOUT, 0, 0, 0)), PD_OK);
	ASSERT_EQ(run(c_fork(0, 1)), PD_OK);
	ASSERT_EQ(run(c_pv(PD_OP_READ, 0, 0, 0)), PD_OK);
	page = pf(0, 0);
	ASSERT_EQ(frame(page).in_swapcache, 1);
	ASSERT_EQ(slot(0).count, 1);
	ASSERT_EQ(run(c_pv(PD_OP_SWAPOUT, 0, 0, 0)), PD_OK);
	ASSERT_EQ(F.ctx.nlog, 0);
	ASSERT_EQ(pte(0, 0).slot, 0);
	ASSERT_EQ(slot(0).count, 2);
	/* rc == mc + the cache: freed, the slot keeps the content. */
	ASSERT_EQ(frame(page).kind, PD_FRAME_FREE);
	ASSERT_EQ(slot(0).in_swapcache, 0);
	ASSERT_EQ(slot(0).content, 0x9);
	ASSERT_EQ(totals().free_frames, 64);
	return true;
}

/* S6: besteffort PROT_MTE swap-in of an unreserved page: stays in SC, retry. */
static bool test_swapin_besteffort_retry(void)
{
	struct pd_config c = small_cfg();
	uint32_t page;

	c.tagstore = PD_TAGSTORE_BESTEFFORT;
	ASSERT(setup(&c));
	ASSERT_EQ(run(c_proc(PD_OP_SPAWN, 0)), PD_OK);
	ASSERT_EQ(run(c_mmap(0, 0, 1, true)), PD_OK);
	ASSERT_EQ(run(c_settag(0, 0, 1, 6)), PD_OK);
	ASSERT_EQ(frame(pf(0, 0)).tag_reserved, 1);
	ASSERT_EQ(run(c_pv(PD_OP_SWAPOUT, 0, 0, 0)), PD_OK);
	ASSERT_EQ(tagblock(0).reservations, 0);
	ASSERT_EQ(run(c_block(PD_OP_TAGSTORE_PIN, 0)), PD_OK);
	ASSERT_EQ(run(c_pv(PD_OP_READ, 0, 0, 0)), PD_RETRY);
	ASSERT_EQ(F.ctx.nlog, 1);
	ASSERT_EQ(pte(0, 0).kind, PD_PTE_SWAP);
	page = slot(0).frame;
	ASSERT_EQ(page, 0);
	ASSERT_EQ(frame(page).in_swapcache, 1);
	ASSERT_EQ(frame(page).tag_reserved, 0);
	ASSERT_EQ(frame(page).mte_tagged, 0);
	ASSERT_EQ(frame(page).mapcount, 0);
	ASSERT_EQ(frame(page).refcount, 1);
	ASSERT_EQ(frame(page).content, 0);
	ASSERT_EQ(run(c_pv(PD_OP_READ, 0, 0, 0)), PD_RETRY);
	ASSERT_EQ(F.ctx.nlog, 0);
	ASSERT_EQ(run(c_block(PD_OP_TAGSTORE_UNPIN, 0)), PD_OK);
	ASSERT_EQ(run(c_pv(PD_OP_READ, 0, 0, 0)), PD_OK);
	ASSERT_EQ(F.ctx.nlog, 0);
	ASSERT_EQ(pf(0, 0), page);
	ASSERT_EQ(frame(page).tag_reserved, 1);
	ASSERT_EQ(frame(page).mte_tagged, 1);
	ASSERT_EQ(pd_tag_get(frame(page).tags, 1), 6);  /* restored, not zeroed */
	ASSERT_EQ(frame(page).in_swapcache, 0);
	return true;
}

/*
 * V5: a write fault on a swap-cache page whose slot count dropped to 0
 * (the other swap PTE was unmapped) removes it from SC, frees the slot,
 * and reuses it (rc == 1).
 */
static bool test_wp_swapcache_count0_reuses(void)
{
	struct pd_config c = small_cfg();
	uint32_t page;

	ASSERT(setup(&c));
	ASSERT_EQ(run(c_proc(PD_OP_SPAWN, 0)), PD_OK);
	ASSERT_EQ(run(c_mmap(0, 0, 1, false)), PD_OK);
	ASSERT_EQ(run(c_write(0, 0, 0x9, 0, 0)), PD_OK);
	ASSERT_EQ(run(c_pv(PD_OP_SWAPOUT, 0, 0, 0)), PD_OK);
	ASSERT_EQ(run(c_fork(0, 1)), PD_OK);
	ASSERT_EQ(run(c_pv(PD_OP_READ, 0, 0, 0)), PD_OK);
	page = pf(0, 0);
	ASSERT_EQ(frame(page).refcount, 2);
	ASSERT_EQ(run(c_proc(PD_OP_EXIT, 1)), PD_OK);
	ASSERT_EQ(slot(0).count, 0);
	ASSERT_EQ(slot(0).in_use, 1);   /* in SC */
	ASSERT_EQ(run(c_write(0, 0, 0xa, 0, 0)), PD_OK);
	ASSERT_EQ(F.ctx.nlog, 0);
	ASSERT_EQ(pf(0, 0), page);
	ASSERT_EQ(frame(page).in_swapcache, 0);
	ASSERT_EQ(frame(page).refcount, 1);
	ASSERT_EQ(frame(page).anon_exclusive, 1);
	ASSERT_EQ(slot(0).in_use, 0);
	return true;
}

/*
 * V5, S5, V3: allocation failures.  A COW copy failure changes nothing; a
 * swap-in failure leaves the swap PTE; a fault on none maps nothing.
 */
static bool test_fault_enomem(void)
{
	struct pd_config c = small_cfg();
	uint32_t i, shared;

	c.frames_log2 = 3;
	c.max_order = 0;
	ASSERT(setup(&c));
	ASSERT_EQ(run(c_proc(PD_OP_SPAWN, 0)), PD_OK);
	ASSERT_EQ(run(c_mmap(0, 0, 3, false)), PD_OK);
	ASSERT_EQ(run(c_write(0, 0, 1, 0, 0)), PD_OK);
	ASSERT_EQ(run(c_write(0, 1, 2, 0, 0)), PD_OK);
	ASSERT_EQ(run(c_pv(PD_OP_SWAPOUT, 0, 1, 0)), PD_OK);
	ASSERT_EQ(run(c_fork(0, 1)), PD_OK);
	shared = pf(0, 0);
	for (i = 0; i < 7; i++)
		ASSERT_EQ(run(c_alloc(0, 0)), PD_OK);
	ASSERT_EQ(totals().free_frames, 0);
	ASSERT_EQ(run(c_write(1, 0, 3, 0, 0)), PD_ENOMEM);
	ASSERT_EQ(pf(1, 0), shared);
	ASSERT_EQ(pte(1, 0).writable, 0);
	ASSERT_EQ(frame(shared).refcount, 2);
	ASSERT_EQ(run(c_pv(PD_OP_READ, 1, 1, 0)), PD_ENOMEM);
	ASSERT_EQ(pte(1, 1).kind, PD_PTE_SWAP);
	ASSERT_EQ(slot(0).count, 2);
	ASSERT_EQ(run(c_pv(PD_OP_PIN, 0, 2, 0)), PD_ENOMEM);
	ASSERT_EQ(pte(0, 2).kind, PD_PTE_NONE);
	ASSERT_EQ(proc(0).has_pinned, 0);
	return true;
}

/*
 * R5, S1, S5: a FOA page swapped out with keep stays in SC unreserved
 * and untagged (no tags saved); the swap-in reserves it: tags 0, tagged.
 */
static bool test_foa_swapout_keep_then_swapin(void)
{
	struct pd_config c = small_cfg();
	uint32_t page;

	c.tagstore = PD_TAGSTORE_BESTEFFORT;
	ASSERT(setup(&c));
	ASSERT_EQ(run(c_block(PD_OP_TAGSTORE_PIN, 0)), PD_OK);
	ASSERT_EQ(run(c_proc(PD_OP_SPAWN, 0)), PD_OK);
	ASSERT_EQ(run(c_mmap(0, 0, 1, true)), PD_OK);
	ASSERT_EQ(run(c_write(0, 0, 1, 0, 0)), PD_RETRY);
	page = pf(0, 0);
	ASSERT_EQ(run(c_pv(PD_OP_SWAPOUT, 0, 0, PD_SWAPOUT_KEEP)), PD_OK);
	ASSERT_EQ(slot(0).tags_saved, 0);
	ASSERT_EQ(frame(page).in_swapcache, 1);
	ASSERT_EQ(run(c_pv(PD_OP_GET, 0, 0, 0)), PD_RETRY);
	ASSERT_EQ(pte(0, 0).kind, PD_PTE_SWAP);
	ASSERT_EQ(run(c_block(PD_OP_TAGSTORE_UNPIN, 0)), PD_OK);
	ASSERT_EQ(run(c_settag(0, 0, 3, 2)), PD_OK);
	ASSERT_EQ(pf(0, 0), page);
	ASSERT_EQ(pte(0, 0).writable, 1);
	ASSERT_EQ(frame(page).tag_reserved, 1);
	ASSERT_EQ(frame(page).tags[0], 0);
	ASSERT_EQ(pd_tag_get(frame(page).tags, 3), 2);
	return true;
}

/* ---- replay: checking another model's placements --------------------- */

/* A legal logged block is adopted, even if it is not the lowest. */
static bool test_replay_adopts_legal_block(void)
{
	struct pd_config c = small_cfg();

	ASSERT(setup(&c));
	log_reset();
	log_add(PD_PLACE_BLOCK, 2, 40);
	ASSERT_EQ(replay(c_alloc(2, 0)), PD_OK);
	ASSERT_EQ(F.ctx.nviol, 0);
	ASSERT_EQ(F.ctx.pos, 1);
	ASSERT_EQ(F.res.frame, 40);
	ASSERT_EQ(frame(40).kind, PD_FRAME_HEAD);
	ASSERT_EQ(frame(43).kind, PD_FRAME_TAIL);
	return true;
}

static bool test_replay_misaligned_block(void)
{
	struct pd_config c = small_cfg();

	ASSERT(setup(&c));
	log_reset();
	log_add(PD_PLACE_BLOCK, 2, 6);
	ASSERT_EQ(replay(c_alloc(2, 0)), PD_ENOMEM);
	ASSERT(violated("illegal-placement"));
	ASSERT(strstr(F.ctx.viol[0].msg, "aligned") != NULL);
	ASSERT_EQ(frame(6).kind, PD_FRAME_FREE);
	return true;
}

static bool test_replay_block_not_free(void)
{
	struct pd_config c = small_cfg();

	ASSERT(setup(&c));
	ASSERT_EQ(run(c_alloc(0, 0)), PD_OK);  /* frame 0 */
	log_reset();
	log_add(PD_PLACE_BLOCK, 1, 0);
	ASSERT_EQ(replay(c_alloc(1, 0)), PD_ENOMEM);
	ASSERT(violated("illegal-placement"));
	ASSERT(strstr(F.ctx.viol[0].msg, "not FREE") != NULL);
	/* Wrong order. */
	log_reset();
	log_add(PD_PLACE_BLOCK, 0, 8);
	ASSERT_EQ(replay(c_alloc(1, 0)), PD_ENOMEM);
	ASSERT(violated("illegal-placement"));
	return true;
}

/*
 * A5: a NOLOCK placement must lie in accepted units, every one it
 * overlaps: an order-3 block over eight one-frame units is illegal when
 * any of them, first, middle or last, is unaccepted.
 *
 *   frame   0 1 2 3 4 5 6 7
 *   unit    a a a a a a a a    legal
 *   unit    u a a a a a a a    illegal (unit 0)
 *   unit    a a a a u a a a    illegal (unit 4)
 *   unit    a a a a a a a u    illegal (unit 7)
 */
static bool test_replay_nolock_block_over_unaccepted_unit(void)
{
	static const struct { uint8_t unaccepted; const char *unit; } cases[] = {
		{ 0x00, NULL }, { 0x01, "unit 0 " }, { 0x10, "unit 4 " }, { 0x80, "unit 7 " },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pd_config c = small_cfg();

		c.frames_log2 = 3;
		c.max_order = 3;
		c.accept_order = 0;
		c.unaccepted = cases[i].unaccepted;
		ASSERT(setup(&c));
		log_reset();
		log_add(PD_PLACE_BLOCK, 3, 0);
		if (!cases[i].unit) {
			ASSERT_EQ(replay(c_alloc(3, PD_ALLOC_NOLOCK)), PD_OK);
			ASSERT_EQ(F.ctx.nviol, 0);
			ASSERT_EQ(frame(0).kind, PD_FRAME_HEAD);
		} else {
			ASSERT_EQ(replay(c_alloc(3, PD_ALLOC_NOLOCK)), PD_ENOMEM);
			ASSERT(violated("illegal-placement"));
			ASSERT(strstr(F.ctx.viol[0].msg, cases[i].unit) != NULL);
			ASSERT(strstr(F.ctx.viol[0].msg, "A5") != NULL);
			ASSERT_EQ(frame(0).kind, PD_FRAME_FREE);
		}
		ASSERT_EQ(F.check_failures, 0);
		teardown();
	}
	return true;
}

/* No placement logged while a legal block was free: illegal-failure. */
static bool test_replay_missing_is_illegal_failure(void)
{
	struct pd_config c = small_cfg();

	ASSERT(setup(&c));
	log_reset();
	ASSERT_EQ(replay(c_alloc(3, 0)), PD_ENOMEM);
	ASSERT(violated("illegal-failure"));
	ASSERT(strstr(F.ctx.viol[0].msg, "frame 0") != NULL);
	/* ...also for a fault's allocation. */
	ASSERT_EQ(run(c_proc(PD_OP_SPAWN, 0)), PD_OK);
	ASSERT_EQ(run(c_mmap(0, 0, 1, false)), PD_OK);
	ASSERT_EQ(replay(c_write(0, 0, 1, 0, 0)), PD_ENOMEM);
	ASSERT(violated("illegal-failure"));
	ASSERT_EQ(pte(0, 0).kind, PD_PTE_NONE);
	/* ...and for a swap slot. */
	ASSERT_EQ(run(c_write(0, 0, 1, 0, 0)), PD_OK);
	ASSERT_EQ(replay(c_pv(PD_OP_SWAPOUT, 0, 0, 0)), PD_ENOMEM);
	ASSERT(violated("illegal-failure"));
	return true;
}

/* A legal failure (nothing free) is not a violation. */
static bool test_replay_legal_failure(void)
{
	struct pd_config c = small_cfg();

	c.frames_log2 = 3;
	ASSERT(setup(&c));
	ASSERT_EQ(run(c_alloc(3, 0)), PD_OK);
	log_reset();
	ASSERT_EQ(replay(c_alloc(0, 0)), PD_ENOMEM);
	ASSERT_EQ(F.ctx.nviol, 0);
	/* L3: a NOLOCK failure under the zone lock is legal with free memory. */
	ASSERT_EQ(run(c_free(0, 3, 0)), PD_OK);
	ASSERT_EQ(run(call(PD_OP_ZONE_LOCK)), PD_OK);
	ASSERT_EQ(replay(c_alloc(0, PD_ALLOC_NOLOCK)), PD_ENOMEM);
	ASSERT_EQ(F.ctx.nviol, 0);
	/* ...and a NOLOCK success under the lock is legal too. */
	log_add(PD_PLACE_BLOCK, 0, 5);
	ASSERT_EQ(replay(c_alloc(0, PD_ALLOC_NOLOCK)), PD_OK);
	ASSERT_EQ(F.ctx.nviol, 0);
	ASSERT_EQ(F.res.frame, 5);
	return true;
}

/* A SLOT where a block is needed: missing-placement. */
static bool test_replay_wrong_kind(void)
{
	struct pd_config c = small_cfg();

	ASSERT(setup(&c));
	log_reset();
	log_add(PD_PLACE_SLOT, 0, 0);
	ASSERT_EQ(replay(c_alloc(0, 0)), PD_ENOMEM);
	ASSERT(violated("missing-placement"));
	return true;
}

/* A4: ACCEPT legal only if no legal block existed; replayed ACCEPT + BLOCK adopted. */
static bool test_replay_accept(void)
{
	struct pd_config c = small_cfg();

	c.frames_log2 = 4;
	c.max_order = 2;
	c.unaccepted = 0x02;
	c.accept = PD_ACCEPT_LIST;
	ASSERT(setup(&c));
	log_reset();
	log_add(PD_PLACE_ACCEPT, 0, 4);
	log_add(PD_PLACE_BLOCK, 0, 4);
	ASSERT_EQ(replay(c_alloc(0, 0)), PD_ENOMEM);
	ASSERT(violated("illegal-placement"));
	ASSERT_EQ(unit(1).accepted, 0);
	/* A block on the list is not a legal placement. */
	log_reset();
	log_add(PD_PLACE_BLOCK, 0, 5);
	ASSERT_EQ(replay(c_alloc(0, 0)), PD_ENOMEM);
	ASSERT(violated("illegal-placement"));
	ASSERT(strstr(F.ctx.viol[0].msg, "A4") != NULL);
	/* Fill accepted memory; now ACCEPT then a block in it is legal. */
	ASSERT_EQ(run(c_alloc(2, 0)), PD_OK);
	ASSERT_EQ(run(c_alloc(2, 0)), PD_OK);
	ASSERT_EQ(run(c_alloc(2, 0)), PD_OK);
	log_reset();
	log_add(PD_PLACE_ACCEPT, 0, 4);
	log_add(PD_PLACE_BLOCK, 1, 6);
	ASSERT_EQ(replay(c_alloc(1, 0)), PD_OK);
	ASSERT_EQ(F.ctx.nviol, 0);
	ASSERT_EQ(F.res.frame, 6);
	ASSERT_EQ(unit(1).times_accepted, 1);
	/* An empty list and nothing free: legal failure. */
	ASSERT_EQ(run(c_alloc(1, 0)), PD_OK);
	log_reset();
	ASSERT_EQ(replay(c_alloc(0, 0)), PD_ENOMEM);
	ASSERT_EQ(F.ctx.nviol, 0);
	return true;
}

/* A4: failing while the list holds a block is an illegal failure. */
static bool test_replay_failure_with_list_block(void)
{
	struct pd_config c = small_cfg();

	c.frames_log2 = 3;
	c.max_order = 2;
	c.unaccepted = 0x01;
	c.accept = PD_ACCEPT_LIST;
	ASSERT(setup(&c));
	ASSERT_EQ(run(c_alloc(2, 0)), PD_OK);
	ASSERT_EQ(F.res.frame, 4);
	log_reset();
	ASSERT_EQ(replay(c_alloc(0, 0)), PD_ENOMEM);
	ASSERT(violated("illegal-failure"));
	/* A5: but a NOLOCK allocation may fail, and may not ACCEPT. */
	ASSERT_EQ(replay(c_alloc(0, PD_ALLOC_NOLOCK)), PD_ENOMEM);
	ASSERT_EQ(F.ctx.nviol, 0);
	log_add(PD_PLACE_ACCEPT, 0, 0);
	ASSERT_EQ(replay(c_alloc(0, PD_ALLOC_NOLOCK)), PD_ENOMEM);
	ASSERT(violated("illegal-placement"));
	return true;
}

/* R2 strict: a placement covering a pinned tag block is illegal. */
static bool test_replay_strict_pinned(void)
{
	struct pd_config c = small_cfg();

	c.tagstore = PD_TAGSTORE_STRICT;
	ASSERT(setup(&c));
	ASSERT_EQ(run(c_block(PD_OP_TAGSTORE_PIN, 1)), PD_OK);
	log_reset();
	log_add(PD_PLACE_BLOCK, 0, 9);
	ASSERT_EQ(replay(c_alloc(0, PD_ALLOC_TAGGED)), PD_ENOMEM);
	ASSERT(violated("illegal-placement"));
	ASSERT(strstr(F.ctx.viol[0].msg, "R2") != NULL);
	/* besteffort would accept it; strict an untagged alloc too. */
	ASSERT_EQ(replay(c_alloc(0, 0)), PD_OK);
	ASSERT_EQ(F.ctx.nviol, 0);
	return true;
}

/* S1: a slot in use is an illegal SLOT placement; a free one is adopted. */
static bool test_replay_slot(void)
{
	struct pd_config c = small_cfg();

	ASSERT(setup(&c));
	ASSERT_EQ(run(c_proc(PD_OP_SPAWN, 0)), PD_OK);
	ASSERT_EQ(run(c_mmap(0, 0, 2, false)), PD_OK);
	ASSERT_EQ(run(c_write(0, 0, 1, 0, 0)), PD_OK);
	ASSERT_EQ(run(c_write(0, 1, 2, 0, 0)), PD_OK);
	log_reset();
	log_add(PD_PLACE_SLOT, 0, 3);
	ASSERT_EQ(replay(c_pv(PD_OP_SWAPOUT, 0, 0, 0)), PD_OK);
	ASSERT_EQ(F.ctx.nviol, 0);
	ASSERT_EQ(pte(0, 0).slot, 3);
	ASSERT_EQ(replay(c_pv(PD_OP_SWAPOUT, 0, 1, 0)), PD_ENOMEM);
	ASSERT(violated("illegal-placement"));
	ASSERT_EQ(pte(0, 1).kind, PD_PTE_PRESENT);
	log_reset();
	log_add(PD_PLACE_SLOT, 0, 4);  /* only 4 slots */
	ASSERT_EQ(replay(c_pv(PD_OP_SWAPOUT, 0, 1, 0)), PD_ENOMEM);
	ASSERT(violated("illegal-placement"));
	/* The swap-in's page is a replayed placement too. */
	log_reset();
	log_add(PD_PLACE_BLOCK, 0, 33);
	ASSERT_EQ(replay(c_pv(PD_OP_READ, 0, 0, 0)), PD_OK);
	ASSERT_EQ(F.ctx.nviol, 0);
	ASSERT_EQ(pf(0, 0), 33);
	ASSERT_EQ(F.res.value, 1);
	return true;
}

/* ---- record/replay agreement over a pseudo-random run ---------------- */

static uint32_t rng_state;

static uint32_t rnd(uint32_t n)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return (rng_state >> 8) % n;
}

struct handle { uint32_t frame; uint8_t order; pd_flags_t flags; };

/* Ops that name a live process (spawn names a free slot). */
static bool needs_proc(uint8_t code)
{
	switch (code) {
	case PD_OP_MMAP: case PD_OP_MUNMAP: case PD_OP_EXIT: case PD_OP_FORK:
	case PD_OP_READ: case PD_OP_WRITE: case PD_OP_SETTAG: case PD_OP_SWAPOUT:
	case PD_OP_PIN: case PD_OP_GET:
		return true;
	}
	return false;
}

/* A random call over live handles and processes, as the engine would send. */
static struct pd_call random_call(const struct pd_config *cfg, struct handle *allocs,
				  unsigned na, struct handle *pins, unsigned np,
				  struct handle *refs, unsigned nr, const bool *alive)
{
	struct pd_call c = call((uint8_t)rnd(PD_NR_OPS));
	unsigned i;

	c.cpu = (uint8_t)rnd(cfg->cpus);
	c.proc = (uint8_t)rnd(PD_MAX_PROCS);
	c.vpage = (uint16_t)rnd(cfg->vpages);
	c.granule = (uint8_t)rnd(cfg->granules);
	c.tag = (uint8_t)rnd(3);
	c.value = rnd(65536);
	switch (c.code) {
	case PD_OP_ALLOC:
		c.order = (uint8_t)rnd(cfg->max_order + 1u);
		c.flags = (pd_flags_t)rnd(8);
		break;
	case PD_OP_FREE:
		if (!na)
			return call(PD_OP_DRAIN);
		i = rnd(na);
		c.frame = allocs[i].frame;
		c.order = allocs[i].order;
		c.flags = (pd_flags_t)rnd(2);
		break;
	case PD_OP_SPAWN:
		break;
	case PD_OP_FORK:
		for (i = 0; i < PD_MAX_PROCS && alive[i]; i++)
			;
		c.child = (uint8_t)i;
		break;
	case PD_OP_MMAP:
	case PD_OP_MUNMAP:
		c.npages = (uint16_t)(1 + rnd(cfg->vpages));
		c.flags = (pd_flags_t)rnd(2);
		break;
	case PD_OP_SWAPOUT:
	case PD_OP_PIN:
		c.flags = (pd_flags_t)rnd(2);
		break;
	case PD_OP_SWAPCACHE_DROP:
		c.slot = rnd(cfg->slots);
		break;
	case PD_OP_UNPIN:
	case PD_OP_PIN_READ:
	case PD_OP_PIN_WRITE:
		if (!np)
			return call(PD_OP_DRAIN);
		i = rnd(np);
		c.frame = pins[i].frame;
		c.flags = pins[i].flags;
		break;
	case PD_OP_PUT:
	case PD_OP_REF_READ:
		if (!nr)
			return call(PD_OP_DRAIN);
		i = rnd(nr);
		c.frame = refs[i].frame;
		break;
	case PD_OP_TAGSTORE_PIN:
	case PD_OP_TAGSTORE_UNPIN:
		c.block = rnd(pd_nr_tag_blocks(cfg));
		break;
	}
	/* Ops on processes go to live ones only (spawn/fork to a free slot). */
	if (c.code == PD_OP_SPAWN) {
		for (i = 0; i < PD_MAX_PROCS && alive[i]; i++)
			;
		c.proc = (uint8_t)i;
	} else if (needs_proc(c.code)) {
		for (i = 0; i < PD_MAX_PROCS && !alive[(c.proc + i) % PD_MAX_PROCS]; i++)
			;
		c.proc = (uint8_t)((c.proc + i) % PD_MAX_PROCS);
	}
	return c;
}

/* Every object through every state function, and the totals. */
static bool same_state(void *a, void *b, const struct pd_config *cfg)
{
	struct pd_totals ta, tb;
	uint32_t f, s;
	unsigned p, v;

	for (f = 0; f < pd_nr_frames(cfg); f++) {
		struct pd_frame_state x, y;

		O->frame_state(a, f, &x);
		O->frame_state(b, f, &y);
		if (memcmp(&x, &y, sizeof(x))) {
			fprintf(stderr, "  frame %u differs\n", f);
			return false;
		}
	}
	for (p = 0; p < PD_MAX_PROCS; p++) {
		struct pd_proc_state x, y;

		O->proc_state(a, (uint8_t)p, &x);
		O->proc_state(b, (uint8_t)p, &y);
		if (memcmp(&x, &y, sizeof(x))) {
			fprintf(stderr, "  proc %u differs\n", p);
			return false;
		}
		for (v = 0; v < cfg->vpages; v++) {
			struct pd_pte_state m, n;

			O->pte_state(a, (uint8_t)p, (uint16_t)v, &m);
			O->pte_state(b, (uint8_t)p, (uint16_t)v, &n);
			if (memcmp(&m, &n, sizeof(m))) {
				fprintf(stderr, "  pte p%u vpage %u differs\n", p, v);
				return false;
			}
		}
	}
	for (s = 0; s < cfg->slots; s++) {
		struct pd_slot_state x, y;

		O->slot_state(a, s, &x);
		O->slot_state(b, s, &y);
		if (memcmp(&x, &y, sizeof(x))) {
			fprintf(stderr, "  slot %u differs\n", s);
			return false;
		}
	}
	for (s = 0; s < pd_nr_units(cfg); s++) {
		struct pd_unit_state x, y;

		O->unit_state(a, s, &x);
		O->unit_state(b, s, &y);
		if (memcmp(&x, &y, sizeof(x))) {
			fprintf(stderr, "  unit %u differs\n", s);
			return false;
		}
	}
	for (s = 0; s < pd_nr_tag_blocks(cfg); s++) {
		struct pd_tagblock_state x, y;

		O->tagblock_state(a, s, &x);
		O->tagblock_state(b, s, &y);
		if (memcmp(&x, &y, sizeof(x))) {
			fprintf(stderr, "  tag block %u differs\n", s);
			return false;
		}
	}
	O->totals(a, &ta);
	O->totals(b, &tb);
	if (memcmp(&ta, &tb, sizeof(ta))) {
		fprintf(stderr, "  totals differ\n");
		return false;
	}
	return true;
}

/*
 * A random walk over valid calls, as the engine would send them: handles
 * name what an earlier call returned, processes are live (spawn and fork
 * name a free slot), the implicit zone_unlock of L1 is sent.
 */
struct walk {
	struct pd_config cfg;
	struct handle allocs[PD_MAX_HANDLES], pins[PD_MAX_HANDLES], refs[PD_MAX_HANDLES];
	unsigned na, np, nr;
	bool alive[PD_MAX_PROCS];
	bool locked;             /* the last call was zone_lock */
	bool bias_deferred;      /* after zone_lock, often free nolock (L5 deferral) */
};

static void walk_init(struct walk *w, const struct pd_config *cfg)
{
	memset(w, 0, sizeof(*w));
	w->cfg = *cfg;
}

/* The next valid call. */
static struct pd_call walk_call(struct walk *w)
{
	for (;;) {
		struct pd_call c = random_call(&w->cfg, w->allocs, w->na, w->pins, w->np,
					       w->refs, w->nr, w->alive);

		if (w->bias_deferred && w->locked && w->na && rnd(2)) {
			unsigned i = rnd(w->na);

			c = c_free(w->allocs[i].frame, w->allocs[i].order, PD_FREE_NOLOCK);
		}
		if ((c.code == PD_OP_SPAWN || c.code == PD_OP_FORK) &&
		    (c.code == PD_OP_SPAWN ? c.proc : c.child) >= PD_MAX_PROCS)
			continue;
		if (needs_proc(c.code) && !w->alive[c.proc])
			continue;
		if ((c.code == PD_OP_ALLOC && w->na == PD_MAX_HANDLES) ||
		    (c.code == PD_OP_PIN && w->np == PD_MAX_HANDLES) ||
		    (c.code == PD_OP_GET && w->nr == PD_MAX_HANDLES))
			continue;
		return c;
	}
}

/* L1: the engine's implicit zone_unlock before all but nolock calls. */
static bool needs_unlock(const struct pd_call *c)
{
	return !((c->code == PD_OP_ALLOC && (c->flags & PD_ALLOC_NOLOCK)) ||
		 (c->code == PD_OP_FREE && (c->flags & PD_FREE_NOLOCK)));
}

/* Track handles and processes the way the engine does. */
static void walk_track(struct walk *w, const struct pd_call *c, const struct pd_result *r)
{
	unsigned i;

	w->locked = c->code == PD_OP_ZONE_LOCK || (w->locked && !needs_unlock(c));
	switch (c->code) {
	case PD_OP_ALLOC:
		if (r->status == PD_OK)
			w->allocs[w->na++] = (struct handle){ r->frame, r->order, 0 };
		break;
	case PD_OP_FREE:
		for (i = 0; i < w->na && w->allocs[i].frame != c->frame; i++)
			;
		w->allocs[i] = w->allocs[--w->na];
		break;
	case PD_OP_PIN:
		if (r->status == PD_OK)
			w->pins[w->np++] = (struct handle){ r->frame, 0, c->flags };
		break;
	case PD_OP_UNPIN:
		for (i = 0; i < w->np && w->pins[i].frame != c->frame; i++)
			;
		w->pins[i] = w->pins[--w->np];
		break;
	case PD_OP_GET:
		if (r->status == PD_OK)
			w->refs[w->nr++] = (struct handle){ r->frame, 0, 0 };
		break;
	case PD_OP_PUT:
		for (i = 0; i < w->nr && w->refs[i].frame != c->frame; i++)
			;
		w->refs[i] = w->refs[--w->nr];
		break;
	case PD_OP_SPAWN:
		w->alive[c->proc] = true;
		break;
	case PD_OP_FORK:
		if (r->status == PD_OK)
			w->alive[c->child] = true;
		break;
	case PD_OP_EXIT:
		w->alive[c->proc] = false;
		break;
	}
}

/* How the second model of a walk runs each call. */
enum walk_mode {
	WALK_ALONE,   /* only a, record mode */
	WALK_REPLAY,  /* a records, b replays a's placements */
	WALK_TWIN,    /* both record: same results, same placements */
};

/* Two results, and what the calls logged, agree. */
static bool same_call(enum walk_mode mode, const struct pd_ctx *ca, const struct pd_ctx *cb,
		      const struct pd_result *r1, const struct pd_result *r2)
{
	unsigned i;

	if (ca->nviol || cb->nviol || r1->status != r2->status || r1->order != r2->order ||
	    r1->frame != r2->frame || r1->value != r2->value)
		return false;
	if (mode == WALK_REPLAY)
		return pd_ctx_unconsumed(cb) == 0;
	if (ca->nlog != cb->nlog)
		return false;
	/* Field by field: a placement's padding is not part of it. */
	for (i = 0; i < ca->nlog; i++)
		if (ca->log[i].kind != cb->log[i].kind || ca->log[i].order != cb->log[i].order ||
		    ca->log[i].where != cb->log[i].where)
			return false;
	return true;
}

/* One call on a, and (mode) on b; false if they disagree. */
static bool walk_one(struct walk *w, enum walk_mode mode, void *a, void *b,
		     struct pd_ctx *ca, struct pd_ctx *cb, struct pd_call c, struct pd_result *r1)
{
	struct pd_result r2;

	pd_ctx_begin_record(ca);
	fn_of(c.code)(a, ca, &c, r1);
	if (mode != WALK_ALONE) {
		if (mode == WALK_REPLAY)
			pd_ctx_begin_replay(cb, ca);
		else
			pd_ctx_begin_record(cb);
		fn_of(c.code)(b, cb, &c, &r2);
		if (!same_call(mode, ca, cb, r1, &r2)) {
			fprintf(stderr, "  code %u: results differ (status %u/%u frame %u/%u)%s%s\n",
				c.code, r1->status, r2.status, r1->frame, r2.frame,
				cb->nviol ? ": " : "", cb->nviol ? cb->viol[0].msg : "");
			return false;
		}
	} else if (ca->nviol) {
		fprintf(stderr, "  code %u: %s\n", c.code, ca->viol[0].msg);
		return false;
	}
	return true;
}

/* The next call of the walk (with its implicit unlock) on a and b; *ok counts successes. */
static bool walk_step(struct walk *w, enum walk_mode mode, void *a, void *b,
		      struct pd_ctx *ca, struct pd_ctx *cb, unsigned *ok)
{
	struct pd_call c = walk_call(w);
	struct pd_result r;

	if (needs_unlock(&c) && !walk_one(w, mode, a, b, ca, cb, call(PD_OP_ZONE_UNLOCK), &r))
		return false;
	if (!walk_one(w, mode, a, b, ca, cb, c, &r))
		return false;
	*ok += r.status == PD_OK;
	walk_track(w, &c, &r);
	return true;
}

/* The oracle's check on one model, if built in: silent. */
static bool check_silent(void *m, struct pd_ctx *ctx)
{
	if (!O->check)
		return true;
	pd_ctx_begin_record(ctx);
	O->check(m, ctx);
	if (ctx->nviol)
		fprintf(stderr, "  check: %s\n", ctx->viol[0].msg);
	return ctx->nviol == 0;
}

/*
 * One oracle chooses (record), a second replays its log: every replayed
 * placement must be legal, results and state identical, and the check
 * silent throughout.  Run over every design option.
 */
static bool run_random(struct pd_config cfg, uint32_t seed, unsigned nops)
{
	struct pd_ctx *rc = calloc(1, sizeof(*rc)), *pc = calloc(1, sizeof(*pc));
	struct walk w;
	unsigned n, ok = 0;
	char err[256];
	void *b;
	bool good = false;

	rng_state = seed;
	walk_init(&w, &cfg);
	if (!rc || !pc || !setup(&cfg))
		goto out;
	b = O->create(&cfg, err, sizeof(err));
	if (!b)
		goto out;
	for (n = 0; n < nops; n++) {
		if (!walk_step(&w, WALK_REPLAY, F.m, b, rc, pc, &ok) || !same_state(F.m, b, &cfg)) {
			fprintf(stderr, "  seed %u op %u: record/replay disagree\n", seed, n);
			goto out_b;
		}
		run_check();
		if (F.check_failures || !check_silent(b, rc))
			goto out_b;
	}
	good = ok > nops / 8;  /* the run did something */
	if (!good)
		fprintf(stderr, "  seed %u: only %u of %u ops succeeded\n", seed, ok, nops);
out_b:
	O->destroy(b);
out:
	free(rc);
	free(pc);
	return good;
}

static bool test_record_replay_agree(void)
{
	struct pd_config c = small_cfg();
	unsigned excl, acc, ts;
	uint32_t seed = 1;

	c.frames_log2 = 5;
	c.max_order = 4;
	c.accept_order = 1;
	c.unaccepted = 0x5a;
	c.tag_ratio_log2 = 2;
	c.slots = 6;
	c.vpages = 6;
	for (excl = 0; excl < 2; excl++)
		for (acc = 0; acc < 2; acc++)
			for (ts = 0; ts < 3; ts++) {
				c.swap_excl = (uint8_t)excl;
				c.accept = (uint8_t)acc;
				c.tagstore = (uint8_t)ts;
				/* roomy: 32 frames, 6 slots */
				c.frames_log2 = 5;
				c.slots = 6;
				ASSERT(run_random(c, seed++, 3000));
				teardown();
				/* tight: 16 frames, 2 slots: allocation failures */
				c.frames_log2 = 4;
				c.slots = 2;
				ASSERT(run_random(c, seed++, 3000));
				teardown();
			}
	return true;
}

/* Large zones: lazily zeroed memory, a linear allocation still works. */
static bool test_large_zone(void)
{
	struct pd_config c = small_cfg();

	c.frames_log2 = 20;
	c.max_order = 10;
	c.granules = 16;
	ASSERT(setup(&c));
	ASSERT_EQ(run(c_alloc(10, 0)), PD_OK);
	ASSERT_EQ(F.res.frame, 0);
	ASSERT_EQ(totals().free_frames, (1u << 20) - 1024);
	return true;
}

/* ---- violation messages: who asked for the allocation ----------------- */

/* The lowest FREE frame (the legal placement a failure message names). */
static uint32_t lowest_free(void)
{
	uint32_t f;

	for (f = 0; f < pd_nr_frames(&F.cfg); f++)
		if (frame(f).kind == PD_FRAME_FREE)
			return f;
	return PD_NO_FRAME;
}

/* The last op's first violation is exactly "<who>: order-0 ... frame F ... (rule)". */
static bool failed_as(const char *who, unsigned order, uint32_t f, const char *rule)
{
	char want[256];

	snprintf(want, sizeof(want),
		 "%s: order-%u allocation failed, but frame %u order %u was a legal placement (%s)",
		 who, order, f, order, rule);
	if (F.ctx.nviol == 0 || strcmp(F.ctx.viol[0].msg, want)) {
		fprintf(stderr, "  got:  %s\n  want: %s\n",
			F.ctx.nviol ? F.ctx.viol[0].msg : "(no violation)", want);
		return false;
	}
	return true;
}

/*
 * The requester in a violation message (formatted only when one is
 * reported): each kind of allocation names itself as it always did.
 */
static bool test_violation_names_requester(void)
{
	struct pd_config c = small_cfg();

	ASSERT(setup(&c));
	log_reset();
	ASSERT_EQ(replay(c_alloc(2, 0)), PD_ENOMEM);
	ASSERT(failed_as("alloc order=2", 2, 0, "B6"));
	ASSERT_EQ(replay(c_alloc(1, PD_ALLOC_NOLOCK)), PD_ENOMEM);
	ASSERT(failed_as("alloc nolock order=1", 1, 0, "L3"));

	ASSERT_EQ(run(c_proc(PD_OP_SPAWN, 0)), PD_OK);
	ASSERT_EQ(run(c_mmap(0, 0, 2, false)), PD_OK);
	ASSERT_EQ(replay(c_write(0, 0, 1, 0, 0)), PD_ENOMEM);
	ASSERT(failed_as("fault proc 0 vpage 0", 0, 0, "B6"));

	ASSERT_EQ(run(c_write(0, 0, 1, 0, 0)), PD_OK);
	ASSERT_EQ(run(c_write(0, 1, 2, 0, 0)), PD_OK);
	ASSERT_EQ(run(c_pv(PD_OP_SWAPOUT, 0, 1, 0)), PD_OK);
	ASSERT_EQ(pte(0, 1).slot, 0);
	ASSERT_EQ(replay(c_pv(PD_OP_READ, 0, 1, 0)), PD_ENOMEM);
	ASSERT(failed_as("swap-in proc 0 vpage 1 slot 0", 0, lowest_free(), "B6"));

	ASSERT_EQ(run(c_fork(0, 1)), PD_OK);
	ASSERT_EQ(replay(c_write(1, 0, 3, 0, 0)), PD_ENOMEM);
	ASSERT(failed_as("COW copy proc 1 vpage 0", 0, lowest_free(), "B6"));
	ASSERT_EQ(replay(c_pv(PD_OP_PIN, 1, 0, 0)), PD_ENOMEM);
	ASSERT(failed_as("unshare copy proc 1 vpage 0", 0, lowest_free(), "B6"));

	/* p0 pins its (COW-copied) page: a fork must copy it. */
	ASSERT_EQ(run(c_pv(PD_OP_PIN, 0, 0, PD_PIN_WRITE)), PD_OK);
	ASSERT_EQ(replay(c_fork(0, 2)), PD_ENOMEM);
	ASSERT(failed_as("fork copy proc 2 vpage 0", 0, lowest_free(), "B6"));
	return true;
}

/* ---- reset ----------------------------------------------------------- */

/* The bytes of one array of struct oracle agree; say where not. */
static bool same_bytes(const char *name, const void *x, const void *y, size_t n)
{
	const unsigned char *a = x, *b = y;
	size_t i;

	if (!memcmp(a, b, n))
		return true;
	for (i = 0; a[i] == b[i]; i++)
		;
	fprintf(stderr, "  struct oracle: %s differs at byte %zu of %zu (%u != %u)\n",
		name, i, n, a[i], b[i]);
	return false;
}

#define SAME_SCALAR(f)							\
	do {								\
		if (a->f != b->f) {					\
			fprintf(stderr, "  struct oracle: %s differs\n", #f); \
			return false;					\
		}							\
	} while (0)

/*
 * Two oracles of one config agree byte for byte: every array of the
 * state, the processes, and every scalar (the deferred list up to its
 * length: the rest is never read).  Not `scratch`, which is the check's.
 */
static bool raw_same(const struct oracle *a, const struct oracle *b)
{
	if (!same_bytes("cfg", &a->cfg, &b->cfg, sizeof(a->cfg)))
		return false;
	SAME_SCALAR(nr_frames);
	SAME_SCALAR(nr_units);
	SAME_SCALAR(nr_tagblocks);
	SAME_SCALAR(nr_list_blocks);
	SAME_SCALAR(tag_bytes);
	SAME_SCALAR(zone_locked);
	SAME_SCALAR(zone_lock_cpu);
	SAME_SCALAR(deferred_frames);
	SAME_SCALAR(free_frames);
	SAME_SCALAR(nr_deferred);
	SAME_SCALAR(ctx);
	SAME_SCALAR(ndirty);
	SAME_SCALAR(dirty_overflow);
	return same_bytes("dirty_last", a->dirty_last, b->dirty_last, sizeof(a->dirty_last)) &&
	       same_bytes("frames", a->frames, b->frames, a->nr_frames * sizeof(*a->frames)) &&
	       same_bytes("frame_tags", a->frame_tags, b->frame_tags,
			  (size_t)a->nr_frames * a->tag_bytes) &&
	       same_bytes("units", a->units, b->units, a->nr_units * sizeof(*a->units)) &&
	       same_bytes("tagblocks", a->tagblocks, b->tagblocks,
			  a->nr_tagblocks * sizeof(*a->tagblocks)) &&
	       same_bytes("on_list", a->on_list, b->on_list,
			  a->nr_list_blocks * sizeof(*a->on_list)) &&
	       same_bytes("slots", a->slots, b->slots, a->cfg.slots * sizeof(*a->slots)) &&
	       same_bytes("slot_tags", a->slot_tags, b->slot_tags,
			  (size_t)a->cfg.slots * a->tag_bytes) &&
	       same_bytes("procs", a->procs, b->procs, sizeof(a->procs)) &&
	       same_bytes("deferred", a->deferred, b->deferred,
			  a->nr_deferred * sizeof(*a->deferred));
}

/* Equal through the model interface and byte for byte. */
static bool same_oracle(void *a, void *b, const struct pd_config *cfg)
{
	return same_state(a, b, cfg) && raw_same(a, b);
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

/*
 * A random config: accept flag/list, every tagstore, small and large
 * max_order and accept_order, every tag ratio, several unaccepted
 * patterns, few and 65536 slots, 1..256 granules, few and 256 vpages.
 */
static struct pd_config random_cfg(void)
{
	static const uint8_t unaccepted[] = { 0x00, 0xff, 0x5a, 0x81, 0x01, 0xfe };
	static const uint16_t granules[] = { 1, 2, 4, 16, 256 };
	struct pd_config c = small_cfg();
	uint32_t lim;

	c.frames_log2 = (uint8_t)(4 + rnd(7));
	lim = min_u32(c.frames_log2, PD_MAX_ORDER_LIMIT);
	c.max_order = (uint8_t)(rnd(3) ? rnd(lim + 1) : lim);
	c.accept_order = (uint8_t)rnd(lim + 1);
	c.unaccepted = unaccepted[rnd(sizeof(unaccepted))];
	c.tag_ratio_log2 = (uint8_t)rnd(min_u32(5, c.frames_log2) + 1);
	c.granules = granules[rnd(sizeof(granules) / sizeof(granules[0]))];
	c.slots = rnd(4) ? 1 + rnd(8) : 65536;
	c.vpages = (uint16_t)(rnd(4) ? 1 + rnd(16) : PD_MAX_VPAGES);
	c.cpus = (uint8_t)(1 + rnd(PD_MAX_CPUS));
	c.swap_excl = (uint8_t)rnd(2);
	c.accept = (uint8_t)rnd(2);
	c.tagstore = (uint8_t)rnd(3);
	return c;
}

/* Which kinds of object the dirty logs of the walks named, over all walks. */
static unsigned dirty_kinds_seen;

static void note_dirty_kinds(const struct oracle *o)
{
	uint32_t i;

	for (i = 0; i < o->ndirty; i++)
		dirty_kinds_seen |= 1u << o->dirty[i].kind;
}

/*
 * Walk `a` (record mode, or replaying a partner's choices), reset it,
 * compare it with a new oracle `b`, then walk both side by side (both
 * choosing: the same results and placements) and compare again; reset
 * both and compare once more.  *deferred, *locked: the first walk left
 * deferred blocks, or the zone lock held, at the reset.
 */
static bool reset_round(const struct pd_config *cfg, bool replaying, unsigned nops,
			bool *deferred, bool *locked)
{
	struct pd_ctx *ca = calloc(1, sizeof(*ca)), *cb = calloc(1, sizeof(*cb));
	void *a = NULL, *b = NULL, *partner = NULL;
	struct walk w;
	unsigned n, ok = 0;
	char err[256];
	bool good = false;

	if (!ca || !cb)
		goto out;
	a = O->create(cfg, err, sizeof(err));
	partner = O->create(cfg, err, sizeof(err));
	if (!a || !partner)
		goto out;
	walk_init(&w, cfg);
	w.bias_deferred = true;
	for (n = 0; n < nops; n++) {
		bool step = replaying ? walk_step(&w, WALK_REPLAY, partner, a, cb, ca, &ok)
				      : walk_step(&w, WALK_ALONE, a, NULL, ca, NULL, &ok);

		if (!step)
			goto out;
		*deferred |= ((struct oracle *)a)->nr_deferred > 0;
	}
	if (!check_silent(a, ca))
		goto out;
	*locked = ((struct oracle *)a)->zone_locked;
	note_dirty_kinds(a);
	if (!O->reset(a))
		goto out;
	b = O->create(cfg, err, sizeof(err));
	if (!b || !same_oracle(a, b, cfg)) {
		fprintf(stderr, "  after the reset\n");
		goto out;
	}
	/* A reset oracle behaves like a new one. */
	walk_init(&w, cfg);
	w.bias_deferred = true;
	for (n = 0; n < nops; n++) {
		if (!walk_step(&w, WALK_TWIN, a, b, ca, cb, &ok))
			goto out;
		if (cfg->frames_log2 <= 6 && !raw_same(a, b)) {
			fprintf(stderr, "  side by side, op %u\n", n);
			goto out;
		}
	}
	if (!same_oracle(a, b, cfg) || !check_silent(a, ca)) {
		fprintf(stderr, "  after the walk side by side\n");
		goto out;
	}
	/* Both reset: equal again, and equal to new (b's dirty log is a's). */
	if (!O->reset(a) || !O->reset(b) || !same_oracle(a, b, cfg)) {
		fprintf(stderr, "  after resetting both\n");
		goto out;
	}
	good = ok > 0;
out:
	if (a)
		O->destroy(a);
	if (b)
		O->destroy(b);
	if (partner)
		O->destroy(partner);
	free(ca);
	free(cb);
	return good;
}

static void print_cfg(const struct pd_config *c, uint32_t seed)
{
	fprintf(stderr, "  seed %u: frames 2^%u max_order %u accept_order %u unaccepted %#x "
		"tag_ratio 2^%u granules %u slots %u vpages %u accept %u tagstore %u excl %u\n",
		seed, c->frames_log2, c->max_order, c->accept_order, c->unaccepted,
		c->tag_ratio_log2, c->granules, c->slots, c->vpages, c->accept, c->tagstore,
		c->swap_excl);
}

/*
 * Over 120 random configs and walks (half with the oracle replaying, as
 * it does when fuzzing), a reset oracle equals a new one and then behaves
 * like one.  The walks must have written every kind of object (so every
 * restore rule ran), left deferred blocks and a held zone lock behind.
 */
static bool test_reset_matches_new(void)
{
	unsigned i, with_deferred = 0, with_lock = 0;
	const unsigned all = (1u << PD_OBJ_FRAME) | (1u << PD_OBJ_PTE) | (1u << PD_OBJ_PROC) |
			     (1u << PD_OBJ_SLOT) | (1u << PD_OBJ_UNIT) | (1u << PD_OBJ_TAGBLOCK) |
			     (1u << O_DIRTY_LIST_BLOCK);

	dirty_kinds_seen = 0;
	for (i = 0; i < 120; i++) {
		uint32_t seed = 1000 + i;
		struct pd_config c;
		bool deferred = false, locked = false;

		rng_state = seed;
		c = random_cfg();
		if (!reset_round(&c, i & 1, 40 + rnd(400), &deferred, &locked)) {
			print_cfg(&c, seed);
			return false;
		}
		with_deferred += deferred;
		with_lock += locked;
	}
	ASSERT_EQ(dirty_kinds_seen & all, all);
	ASSERT(with_deferred > 0);
	ASSERT(with_lock > 0);
	return true;
}

/* The sum of the logged ranges of one kind. */
static uint64_t dirty_objects(const struct oracle *o, unsigned kind)
{
	uint64_t n = 0;
	uint32_t i;

	for (i = 0; i < o->ndirty; i++)
		if (o->dirty[i].kind == kind)
			n += o->dirty[i].n;
	return n;
}

/*
 * At 2^16 frames and 65536 slots a short walk logs a few ranges, and the
 * reset restores only those: a frame, a slot and a unit outside the log,
 * scribbled on behind the oracle's back, survive the reset (so it did not
 * visit every object).  Without the scribbles it equals a new oracle.
 */
static bool test_reset_visits_only_logged(void)
{
	struct pd_config c = small_cfg();
	struct pd_ctx *ctx = calloc(1, sizeof(*ctx));
	struct oracle *a, *b;
	struct walk w;
	unsigned n, ok = 0;
	uint32_t last;
	char err[256];
	bool good = false;

	c.frames_log2 = 16;
	c.max_order = 10;
	c.accept_order = 9;
	c.unaccepted = 0x5a;
	c.accept = PD_ACCEPT_LIST;
	c.tagstore = PD_TAGSTORE_STRICT;
	c.granules = 16;
	c.slots = 65536;
	c.vpages = 8;
	rng_state = 77;
	a = O->create(&c, err, sizeof(err));
	b = O->create(&c, err, sizeof(err));
	if (!ctx || !a || !b)
		goto out;
	last = a->nr_frames - 1;
	walk_init(&w, &c);
	for (n = 0; n < 200; n++)
		if (!walk_step(&w, WALK_ALONE, a, NULL, ctx, NULL, &ok))
			goto out;
	fprintf(stderr, "  200 ops: %u ranges logged, %llu frames, %llu slots\n", a->ndirty,
		(unsigned long long)dirty_objects(a, PD_OBJ_FRAME),
		(unsigned long long)dirty_objects(a, PD_OBJ_SLOT));
	if (a->dirty_overflow || a->ndirty > 1000 || ok < 20 ||
	    dirty_objects(a, PD_OBJ_FRAME) > a->nr_frames / 16 ||
	    dirty_objects(a, PD_OBJ_SLOT) > 64)
		goto out;
	/* The walk stayed low in the zone: the top frame, slot and unit are untouched. */
	if (a->frames[last].kind != PD_FRAME_FREE || a->slots[c.slots - 1].count ||
	    a->units[a->nr_units - 1].times_accepted)
		goto out;
	a->frames[last].content = 0xdead;
	a->slots[c.slots - 1].content = 0xbeef;
	a->units[a->nr_units - 1].times_accepted = 7;
	if (!O->reset(a))
		goto out;
	if (a->frames[last].content != 0xdead || a->slots[c.slots - 1].content != 0xbeef ||
	    a->units[a->nr_units - 1].times_accepted != 7) {
		fprintf(stderr, "  the reset visited objects it had not logged\n");
		goto out;
	}
	a->frames[last].content = 0;
	a->slots[c.slots - 1].content = 0;
	a->units[a->nr_units - 1].times_accepted = 0;
	good = same_oracle(a, b, &c);
out:
	if (a)
		O->destroy(a);
	if (b)
		O->destroy(b);
	free(ctx);
	return good;
}

/*
 * A walk longer than the log holds sets the overflow flag; the reset then
 * re-creates every array, and the oracle equals a new one and behaves
 * like one.
 */
static bool test_reset_overflow(void)
{
	struct pd_config c = small_cfg();
	struct pd_ctx *ca = calloc(1, sizeof(*ca)), *cb = calloc(1, sizeof(*cb));
	struct oracle *a, *b;
	struct walk w;
	unsigned n, ok = 0;
	char err[256];
	bool good = false;

	c.frames_log2 = 8;
	c.max_order = 5;
	c.accept = PD_ACCEPT_LIST;
	c.unaccepted = 0x81;
	c.tagstore = PD_TAGSTORE_BESTEFFORT;
	c.slots = 300;
	rng_state = 99;
	a = O->create(&c, err, sizeof(err));
	b = O->create(&c, err, sizeof(err));
	if (!ca || !cb || !a || !b)
		goto out;
	walk_init(&w, &c);
	w.bias_deferred = true;
	for (n = 0; n < 100000 && !a->dirty_overflow; n++)
		if (!walk_step(&w, WALK_ALONE, a, NULL, ca, NULL, &ok))
			goto out;
	fprintf(stderr, "  overflow after %u ops\n", n);
	if (!a->dirty_overflow || a->ndirty != O_DIRTY_MAX)
		goto out;
	/* Still noting nothing more, and still working. */
	for (n = 0; n < 200; n++)
		if (!walk_step(&w, WALK_ALONE, a, NULL, ca, NULL, &ok))
			goto out;
	if (a->ndirty != O_DIRTY_MAX || !O->reset(a))
		goto out;
	if (!same_oracle(a, b, &c))
		goto out;
	walk_init(&w, &c);
	for (n = 0; n < 2000; n++)
		if (!walk_step(&w, WALK_TWIN, a, b, ca, cb, &ok))
			goto out;
	good = same_oracle(a, b, &c);
out:
	if (a)
		O->destroy(a);
	if (b)
		O->destroy(b);
	free(ca);
	free(cb);
	return good;
}

/* ---- runner ---------------------------------------------------------- */

#define TEST(fn) { #fn, fn }

static const struct {
	const char *name;
	bool (*fn)(void);
} tests[] = {
	TEST(test_create_rejects_bad_config),
	TEST(test_create_initial_state),
	TEST(test_alloc_lowest_aligned_block),
	TEST(test_alloc_state_and_zero),
	TEST(test_free_clears),
	TEST(test_accept_flag_whole_unit),
	TEST(test_accept_list_last_resort),
	TEST(test_nolock_einval),
	TEST(test_nolock_fails_under_zone_lock),
	TEST(test_nolock_never_accepts),
	TEST(test_nolock_lowest_legal_by_brute_force),
	TEST(test_free_nolock_deferred),
	TEST(test_free_nolock_unlocked_is_free),
	TEST(test_tagstore_strict_skips_pinned),
	TEST(test_tagstore_besteffort_unreserved),
	TEST(test_tagstore_pin_unpin),
	TEST(test_foa_fault_and_retry),
	TEST(test_fault_none_and_read),
	TEST(test_mte_tagcheck),
	TEST(test_cow_after_fork),
	TEST(test_fork_pinned_copies),
	TEST(test_fork_copy_failure),
	TEST(test_unmapped_vpages_as_at_boot),
	TEST(test_read_pin_unshares),
	TEST(test_read_pin_prev_shared_reuses),
	TEST(test_pin_none),
	TEST(test_get_put_vmsplice),
	TEST(test_swap_kept_exclusive),
	TEST(test_swap_excl_kept_vs_lost),
	TEST(test_swapcache_and_drop),
	TEST(test_swapout_refused_and_enomem),
	TEST(test_swap_tags_fork),
	TEST(test_swapout_sc_page_keeps_slot),
	TEST(test_swapin_besteffort_retry),
	TEST(test_wp_swapcache_count0_reuses),
	TEST(test_fault_enomem),
	TEST(test_foa_swapout_keep_then_swapin),
	TEST(test_replay_adopts_legal_block),
	TEST(test_replay_misaligned_block),
	TEST(test_replay_block_not_free),
	TEST(test_replay_nolock_block_over_unaccepted_unit),
	TEST(test_replay_missing_is_illegal_failure),
	TEST(test_replay_legal_failure),
	TEST(test_replay_wrong_kind),
	TEST(test_replay_accept),
	TEST(test_replay_failure_with_list_block),
	TEST(test_accept_list_touches_one_range),
	TEST(test_replay_strict_pinned),
	TEST(test_replay_slot),
	TEST(test_record_replay_agree),
	TEST(test_large_zone),
	TEST(test_violation_names_requester),
	TEST(test_reset_matches_new),
	TEST(test_reset_visits_only_logged),
	TEST(test_reset_overflow),
};

int main(int argc, char **argv)
{
	unsigned i, passed = 0, failed = 0;

	for (i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		bool ok;

		if (argc > 1 && !strstr(tests[i].name, argv[1]))
			continue;
		cur_test = tests[i].name;
		ok = tests[i].fn();
		if (ok && F.check_failures) {
			fprintf(stderr, "%s: the oracle's check fired %u times\n",
				cur_test, F.check_failures);
			ok = false;
		}
		teardown();
		if (ok) {
			passed++;
		} else {
			failed++;
			fprintf(stderr, "FAIL %s\n", cur_test);
		}
	}
	printf("%u run, %u passed, %u failed\n", passed + failed, passed, failed);
	return failed ? 1 : 0;
}
