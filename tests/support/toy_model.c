// SPDX-License-Identifier: MIT
/*
 * toy_model.c - deliberately wrong models for engine tests (toy_model.h).
 *
 * The toy proper remembers which frames were anon-exclusive just before a
 * fork and keeps reporting them AE afterwards (while the oracle still has
 * them as anon pages): the classic "fork forgot to clear PG_anon_exclusive"
 * bug.  The engine must report it at the fork, naming the frame and the
 * field, with a stable signature.
 */
#include <stdlib.h>
#include <string.h>

#include "toy_model.h"

unsigned toy_calls[PD_NR_OPS];

struct toy {
	enum toy_bug bug;
	void    *o;        /* the wrapped oracle */
	uint32_t nframes;
	uint8_t *sticky;   /* TOY_FORK_KEEPS_AE: frames that stay AE */
	bool     mmapped;  /* TOY_CHECK_FAILS: an mmap ran */
};

static void *toy_create_bug(const struct pd_config *cfg, char *err, size_t errlen,
			    enum toy_bug bug)
{
	struct toy *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->bug = bug;
	t->nframes = pd_nr_frames(cfg);
	t->o = pd_oracle_ops.create(cfg, err, errlen);
	t->sticky = calloc(t->nframes, 1);
	if (!t->o || !t->sticky) {
		if (t->o)
			pd_oracle_ops.destroy(t->o);
		free(t->sticky);
		free(t);
		return NULL;
	}
	return t;
}

static void toy_destroy(void *model)
{
	struct toy *t = model;

	pd_oracle_ops.destroy(t->o);
	free(t->sticky);
	free(t);
}

/* Delegate op X to the oracle, counting the call. */
#define DELEGATE(X, CODE)                                                         \
	static void toy_##X(void *model, struct pd_ctx *ctx, const struct pd_call *call, \
			    struct pd_result *res)                                   \
	{                                                                         \
		struct toy *t = model;                                            \
		toy_calls[CODE]++;                                                \
		pd_oracle_ops.X(t->o, ctx, call, res);                            \
	}

DELEGATE(free, PD_OP_FREE)
DELEGATE(zone_lock, PD_OP_ZONE_LOCK)
DELEGATE(zone_unlock, PD_OP_ZONE_UNLOCK)
DELEGATE(spawn, PD_OP_SPAWN)
DELEGATE(munmap, PD_OP_MUNMAP)
DELEGATE(exit, PD_OP_EXIT)
DELEGATE(write, PD_OP_WRITE)
DELEGATE(settag, PD_OP_SETTAG)
DELEGATE(swapout, PD_OP_SWAPOUT)
DELEGATE(swapcache_drop, PD_OP_SWAPCACHE_DROP)
DELEGATE(pin, PD_OP_PIN)
DELEGATE(unpin, PD_OP_UNPIN)
DELEGATE(pin_read, PD_OP_PIN_READ)
DELEGATE(pin_write, PD_OP_PIN_WRITE)
DELEGATE(get, PD_OP_GET)
DELEGATE(put, PD_OP_PUT)
DELEGATE(ref_read, PD_OP_REF_READ)
DELEGATE(tagstore_pin, PD_OP_TAGSTORE_PIN)
DELEGATE(tagstore_unpin, PD_OP_TAGSTORE_UNPIN)

static void toy_alloc(void *model, struct pd_ctx *ctx, const struct pd_call *call,
		      struct pd_result *res)
{
	struct toy *t = model;

	toy_calls[PD_OP_ALLOC]++;
	pd_oracle_ops.alloc(t->o, ctx, call, res);
	if (t->bug == TOY_EXTRA_PLACEMENT && res->status == PD_OK && !pd_replaying(ctx)) {
		struct pd_placement p = { PD_PLACE_BLOCK, res->order, res->frame };

		pd_record_placement(ctx, &p);
	}
}

static void toy_mmap(void *model, struct pd_ctx *ctx, const struct pd_call *call,
		     struct pd_result *res)
{
	struct toy *t = model;

	toy_calls[PD_OP_MMAP]++;
	t->mmapped = true;
	pd_oracle_ops.mmap(t->o, ctx, call, res);
}

static void toy_drain(void *model, struct pd_ctx *ctx, const struct pd_call *call,
		      struct pd_result *res)
{
	struct toy *t = model;

	toy_calls[PD_OP_DRAIN]++;
	if (t->bug == TOY_DRAIN_UNSUPPORTED) {
		res->status = PD_UNSUPPORTED;
		return;
	}
	pd_oracle_ops.drain(t->o, ctx, call, res);
}

static void toy_read(void *model, struct pd_ctx *ctx, const struct pd_call *call,
		     struct pd_result *res)
{
	struct toy *t = model;

	toy_calls[PD_OP_READ]++;
	pd_oracle_ops.read(t->o, ctx, call, res);
	if (t->bug == TOY_READ_PLUS_ONE && res->status == PD_OK)
		res->value++;
}

static void toy_fork(void *model, struct pd_ctx *ctx, const struct pd_call *call,
		     struct pd_result *res)
{
	struct toy *t = model;
	struct pd_frame_state fs;

	toy_calls[PD_OP_FORK]++;
	if (t->bug == TOY_FORK_KEEPS_AE) {
		for (uint32_t f = 0; f < t->nframes; f++) {
			memset(&fs, 0, sizeof(fs));
			pd_oracle_ops.frame_state(t->o, f, &fs);
			if (fs.anon_exclusive)
				t->sticky[f] = 1;
		}
	}
	pd_oracle_ops.fork(t->o, ctx, call, res);
}

static void toy_frame_state(void *model, uint32_t frame, struct pd_frame_state *out)
{
	struct toy *t = model;

	pd_oracle_ops.frame_state(t->o, frame, out);
	if (t->sticky[frame]) {
		/* Forget the frame once the oracle no longer has it as an anon page. */
		if (out->kind == PD_FRAME_HEAD && out->anon)
			out->anon_exclusive = 1;
		else
			t->sticky[frame] = 0;
	}
}

static void toy_pte_state(void *model, uint8_t proc, uint16_t vpage, struct pd_pte_state *out)
{
	pd_oracle_ops.pte_state(((struct toy *)model)->o, proc, vpage, out);
}

static void toy_proc_state(void *model, uint8_t proc, struct pd_proc_state *out)
{
	pd_oracle_ops.proc_state(((struct toy *)model)->o, proc, out);
}

static void toy_slot_state(void *model, uint32_t slot, struct pd_slot_state *out)
{
	pd_oracle_ops.slot_state(((struct toy *)model)->o, slot, out);
}

static void toy_unit_state(void *model, uint32_t unit, struct pd_unit_state *out)
{
	pd_oracle_ops.unit_state(((struct toy *)model)->o, unit, out);
}

static void toy_tagblock_state(void *model, uint32_t block, struct pd_tagblock_state *out)
{
	pd_oracle_ops.tagblock_state(((struct toy *)model)->o, block, out);
}

static void toy_totals(void *model, struct pd_totals *out)
{
	pd_oracle_ops.totals(((struct toy *)model)->o, out);
}

static void toy_check(void *model, struct pd_ctx *ctx)
{
	struct toy *t = model;

	if (t->bug == TOY_CHECK_FAILS && t->mmapped)
		pd_violation(ctx, "check", "toy_check: mmap happened (deliberate)");
	if (pd_oracle_ops.check)
		pd_oracle_ops.check(t->o, ctx);
}

#define CREATE(bug)                                                                  \
	static void *toy_create_##bug(const struct pd_config *cfg, char *err, size_t len) \
	{                                                                            \
		return toy_create_bug(cfg, err, len, bug);                            \
	}

CREATE(TOY_NONE)
CREATE(TOY_FORK_KEEPS_AE)
CREATE(TOY_READ_PLUS_ONE)
CREATE(TOY_EXTRA_PLACEMENT)
CREATE(TOY_DRAIN_UNSUPPORTED)
CREATE(TOY_NO_DRAIN)
CREATE(TOY_CHECK_FAILS)

#define TABLE(bug, nm, drainfn)                                                      \
	[bug] = {                                                                    \
		.name = nm, .caps = PD_CAP_REPLAY,                                   \
		.create = toy_create_##bug, .destroy = toy_destroy,                  \
		.alloc = toy_alloc, .free = toy_free, .drain = drainfn,              \
		.zone_lock = toy_zone_lock, .zone_unlock = toy_zone_unlock,          \
		.spawn = toy_spawn, .mmap = toy_mmap, .munmap = toy_munmap,          \
		.exit = toy_exit, .fork = toy_fork, .read = toy_read,                \
		.write = toy_write, .settag = toy_settag, .swapout = toy_swapout,    \
		.swapcache_drop = toy_swapcache_drop, .pin = toy_pin,                \
		.unpin = toy_unpin, .pin_read = toy_pin_read,                        \
		.pin_write = toy_pin_write, .get = toy_get, .put = toy_put,          \
		.ref_read = toy_ref_read, .tagstore_pin = toy_tagstore_pin,          \
		.tagstore_unpin = toy_tagstore_unpin,                                \
		.frame_state = toy_frame_state, .pte_state = toy_pte_state,          \
		.proc_state = toy_proc_state, .slot_state = toy_slot_state,          \
		.unit_state = toy_unit_state, .tagblock_state = toy_tagblock_state,  \
		.totals = toy_totals, .check = toy_check,                            \
	}

static const struct pd_model_ops tables[TOY_NR_BUGS] = {
	TABLE(TOY_NONE, "wrap", toy_drain),
	TABLE(TOY_FORK_KEEPS_AE, "toy", toy_drain),
	TABLE(TOY_READ_PLUS_ONE, "toy-read", toy_drain),
	TABLE(TOY_EXTRA_PLACEMENT, "toy-place", toy_drain),
	TABLE(TOY_DRAIN_UNSUPPORTED, "toy-nodrain-rt", toy_drain),
	TABLE(TOY_NO_DRAIN, "toy-nodrain", NULL),
	TABLE(TOY_CHECK_FAILS, "toy-check", toy_drain),
};

const struct pd_model_ops *toy_model(enum toy_bug bug)
{
	return &tables[bug];
}
