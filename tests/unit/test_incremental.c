// SPDX-License-Identifier: MIT
/*
 * test_incremental.c - incremental comparison (PD_CAP_TOUCH) and the
 * check cadence (pd_run_opts.check_every).
 *
 *  1. The oracle reports every object it changes.  "watch" wraps the
 *     oracle: around every call it snapshots the oracle's whole observable
 *     state (through its own state functions) and fails on any object
 *     that changed without a pd_touch() in that call's ctx, naming the
 *     call, the object and the field.  pd_run drives it (names resolved,
 *     implicit unlocks, record mode as primary and replay mode as
 *     reference) over thousands of random traces in every design option.
 *  2. A model that changes an object without touching it is still
 *     reported at the op that changed it: the end-of-input comparison
 *     sees the difference and pd_run re-runs comparing everything
 *     (r.rerun_full).
 *  3. check_every: check() runs at boot, after every Nth op, after the
 *     last op and at a divergence.
 *  4. The impl reports every object it changes: the same watch around
 *     pd_impl_ops, run as the primary against the oracle over the same
 *     kind of random traces (every 10th at 4096 frames).
 *
 * PD_INCR_TRACES in the environment overrides the number of random
 * traces (default 3000).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pagediff/engine.h>

#include "ctx.h"
#include "optab.h"
#include "gen_trace.h"
#include "test.h"

static const struct pd_model_ops *const O = &pd_oracle_ops;

static pd_op_fn *member(const struct pd_model_ops *m, unsigned code)
{
	switch (code) {
	case PD_OP_ALLOC:          return m->alloc;
	case PD_OP_FREE:           return m->free;
	case PD_OP_DRAIN:          return m->drain;
	case PD_OP_ZONE_LOCK:      return m->zone_lock;
	case PD_OP_ZONE_UNLOCK:    return m->zone_unlock;
	case PD_OP_SPAWN:          return m->spawn;
	case PD_OP_MMAP:           return m->mmap;
	case PD_OP_MUNMAP:         return m->munmap;
	case PD_OP_EXIT:           return m->exit;
	case PD_OP_FORK:           return m->fork;
	case PD_OP_READ:           return m->read;
	case PD_OP_WRITE:          return m->write;
	case PD_OP_SETTAG:         return m->settag;
	case PD_OP_SWAPOUT:        return m->swapout;
	case PD_OP_SWAPCACHE_DROP: return m->swapcache_drop;
	case PD_OP_PIN:            return m->pin;
	case PD_OP_UNPIN:          return m->unpin;
	case PD_OP_PIN_READ:       return m->pin_read;
	case PD_OP_PIN_WRITE:      return m->pin_write;
	case PD_OP_GET:            return m->get;
	case PD_OP_PUT:            return m->put;
	case PD_OP_REF_READ:       return m->ref_read;
	case PD_OP_TAGSTORE_PIN:   return m->tagstore_pin;
	case PD_OP_TAGSTORE_UNPIN: return m->tagstore_unpin;
	default:                   return NULL;
	}
}

/* ---- 1. watch: every change of the oracle's state is touched ---------- */

/* The whole observable state of one oracle. */
struct snap {
	struct pd_frame_state *frame;
	struct pd_pte_state *pte;          /* [proc * vpages + vpage] */
	struct pd_proc_state proc[PD_MAX_PROCS];
	struct pd_slot_state *slot;
	struct pd_unit_state *unit;
	struct pd_tagblock_state *tagblock;
};

struct watch {
	const struct pd_model_ops *ops;    /* the model watched (the oracle, or the impl) */
	void *o;                           /* its instance */
	struct pd_config cfg;
	uint32_t nframes, nunits, ntagblocks, nptes;
	struct snap s[2];                  /* s[cur]: the state after the last call */
	int cur;
	uint8_t *touched[PD_NR_OBJ];       /* this call's touches, per object */
	uint32_t count[PD_NR_OBJ];         /* objects of each kind */
};

/* What all watches saw, over all traces. */
static struct {
	unsigned long calls;               /* calls watched */
	unsigned long touch_all;           /* calls whose touches overflowed the ctx */
	unsigned long untouched;           /* changes without a touch (failures) */
	unsigned long ok[PD_NR_OPS];       /* record-mode calls that returned ok */
	unsigned long changed[PD_NR_OBJ];  /* objects changed (and touched) */
	unsigned trace;                    /* the trace being run */
	bool drop_touches;                 /* test the watch: lose the oracle's touches */
	unsigned long range_frames;        /* frames read by frame_state_range, checked */
	unsigned long range_wrong;         /* ... that differed from frame_state (failures) */
} W;

/*
 * The model's frame_state_range, if it has one, must report what
 * frame_state does (s, just taken): after one call in four, every frame
 * read again in runs whose starts and lengths vary with the call count,
 * the way the engine reads them (each out[] zeroed up to its tags, tags
 * compared only if tagged).
 */
static void check_range(const struct watch *w, const struct snap *s)
{
	struct pd_frame_state run[67];
	uint32_t f = 0, len;
	const size_t pre = offsetof(struct pd_frame_state, tags);

	if (!w->ops->frame_state_range)
		return;
	for (uint32_t k = (uint32_t)W.calls; f < w->nframes; f += len, k = k * 1103515245u + 12345u) {
		len = 1 + (k >> 16) % 67;
		if (len > w->nframes - f)
			len = w->nframes - f;
		for (uint32_t i = 0; i < len; i++)
			memset(&run[i], 0xa5, sizeof(run[i]));
		for (uint32_t i = 0; i < len; i++)
			memset(&run[i], 0, pre);
		w->ops->frame_state_range(w->o, f, len, run);
		for (uint32_t i = 0; i < len; i++) {
			const struct pd_frame_state *a = &s->frame[f + i], *b = &run[i];
			bool same = !memcmp(a, b, pre) &&
				    (!a->mte_tagged || !memcmp(a->tags, b->tags, (w->cfg.granules + 1u) / 2));

			W.range_frames++;
			if (!same && W.range_wrong++ < 5)
				fprintf(stderr, "trace %u: %s: frame_state_range(%u, %u) differs from frame_state at frame %u (kind %u/%u, order %u/%u)\n",
					W.trace, w->ops->name, f, len, f + i, a->kind, b->kind, a->order, b->order);
		}
	}
}

static void snap_take(const struct watch *w, struct snap *s)
{
	uint32_t i;
	unsigned p, v;

	for (i = 0; i < w->nframes; i++)
		w->ops->frame_state(w->o, i, &s->frame[i]);
	for (p = 0; p < PD_MAX_PROCS; p++) {
		w->ops->proc_state(w->o, (uint8_t)p, &s->proc[p]);
		for (v = 0; v < w->cfg.vpages; v++)
			w->ops->pte_state(w->o, (uint8_t)p, (uint16_t)v,
					  &s->pte[p * w->cfg.vpages + v]);
	}
	for (i = 0; i < w->cfg.slots; i++)
		w->ops->slot_state(w->o, i, &s->slot[i]);
	for (i = 0; i < w->nunits; i++)
		w->ops->unit_state(w->o, i, &s->unit[i]);
	for (i = 0; i < w->ntagblocks; i++)
		w->ops->tagblock_state(w->o, i, &s->tagblock[i]);
}

static void snap_free(struct snap *s)
{
	free(s->frame);
	free(s->pte);
	free(s->slot);
	free(s->unit);
	free(s->tagblock);
}

static bool snap_alloc(const struct watch *w, struct snap *s)
{
	s->frame = calloc(w->nframes, sizeof(*s->frame));
	s->pte = calloc(w->nptes, sizeof(*s->pte));
	s->slot = calloc(w->cfg.slots, sizeof(*s->slot));
	s->unit = calloc(w->nunits, sizeof(*s->unit));
	s->tagblock = calloc(w->ntagblocks, sizeof(*s->tagblock));
	return s->frame && s->pte && s->slot && s->unit && s->tagblock;
}

static void watch_destroy(void *model)
{
	struct watch *w = model;

	if (!w)
		return;
	if (w->o)
		w->ops->destroy(w->o);
	snap_free(&w->s[0]);
	snap_free(&w->s[1]);
	for (int k = 0; k < PD_NR_OBJ; k++)
		free(w->touched[k]);
	free(w);
}

static void *watch_create_of(const struct pd_model_ops *ops, const struct pd_config *cfg,
			     char *err, size_t errlen)
{
	struct watch *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->ops = ops;
	w->cfg = *cfg;
	w->nframes = pd_nr_frames(cfg);
	w->nunits = pd_nr_units(cfg);
	w->ntagblocks = pd_nr_tag_blocks(cfg);
	w->nptes = PD_MAX_PROCS * cfg->vpages;
	w->count[PD_OBJ_FRAME] = w->nframes;
	w->count[PD_OBJ_PTE] = w->nptes;
	w->count[PD_OBJ_PROC] = PD_MAX_PROCS;
	w->count[PD_OBJ_SLOT] = cfg->slots;
	w->count[PD_OBJ_UNIT] = w->nunits;
	w->count[PD_OBJ_TAGBLOCK] = w->ntagblocks;
	w->count[PD_OBJ_TOTALS] = 1;
	w->o = ops->create(cfg, err, errlen);
	if (!w->o || !snap_alloc(w, &w->s[0]) || !snap_alloc(w, &w->s[1])) {
		watch_destroy(w);
		return NULL;
	}
	for (int k = 0; k < PD_NR_OBJ; k++) {
		w->touched[k] = calloc(w->count[k], 1);
		if (!w->touched[k]) {
			watch_destroy(w);
			return NULL;
		}
	}
	snap_take(w, &w->s[0]);
	return w;
}

static void *watch_create(const struct pd_config *cfg, char *err, size_t errlen)
{
	return watch_create_of(O, cfg, err, errlen);
}

/* Mark what the call touched (clipped: a touch is a hint). */
static void mark_touched(struct watch *w, const struct pd_ctx *ctx)
{
	for (int k = 0; k < PD_NR_OBJ; k++)
		memset(w->touched[k], ctx->touch_all, w->count[k]);
	for (unsigned i = 0; i < ctx->ntouch; i++) {
		const struct pd_touch_rec *t = &ctx->touch[i];
		uint64_t first = t->first, end;

		if (t->obj >= PD_NR_OBJ)
			continue;
		if (t->obj == PD_OBJ_PTE) {
			uint32_t proc = t->first >> 16, v = t->first & 0xffff;

			if (proc >= PD_MAX_PROCS || v >= w->cfg.vpages)
				continue;
			first = (uint64_t)proc * w->cfg.vpages + v;
			end = first + t->n;
			if (end > (uint64_t)(proc + 1) * w->cfg.vpages)
				end = (uint64_t)(proc + 1) * w->cfg.vpages;
		} else {
			end = first + t->n;
			if (end > w->count[t->obj])
				end = w->count[t->obj];
		}
		for (uint64_t id = first; id < end; id++)
			w->touched[t->obj][id] = 1;
	}
}

/* The first field that differs, or NULL; its values in *x, *y. */
#define FIELD(f)							\
	do {								\
		if (a->f != b->f) {					\
			*x = a->f;					\
			*y = b->f;					\
			return #f;					\
		}							\
	} while (0)
#define TAGS()								\
	do {								\
		if (memcmp(a->tags, b->tags, sizeof(a->tags))) {	\
			*x = *y = 0;					\
			return "tags";					\
		}							\
	} while (0)

static const char *frame_diff(const struct pd_frame_state *a, const struct pd_frame_state *b,
			      uint64_t *x, uint64_t *y)
{
	FIELD(kind); FIELD(order); FIELD(accepted); FIELD(anon); FIELD(anon_exclusive);
	FIELD(mte_tagged); FIELD(tag_reserved); FIELD(in_swapcache); FIELD(content_defined);
	FIELD(mapcount); FIELD(refcount); FIELD(swapcache_slot); FIELD(content);
	TAGS();
	return NULL;
}

static const char *pte_diff(const struct pd_pte_state *a, const struct pd_pte_state *b,
			    uint64_t *x, uint64_t *y)
{
	FIELD(mapped); FIELD(mte); FIELD(kind); FIELD(writable); FIELD(exclusive);
	FIELD(frame); FIELD(slot);
	return NULL;
}

static const char *proc_diff(const struct pd_proc_state *a, const struct pd_proc_state *b,
			     uint64_t *x, uint64_t *y)
{
	FIELD(alive); FIELD(has_pinned);
	return NULL;
}

static const char *slot_diff(const struct pd_slot_state *a, const struct pd_slot_state *b,
			     uint64_t *x, uint64_t *y)
{
	FIELD(in_use); FIELD(in_swapcache); FIELD(tags_saved); FIELD(count); FIELD(frame);
	FIELD(content);
	TAGS();
	return NULL;
}

static const char *unit_diff(const struct pd_unit_state *a, const struct pd_unit_state *b,
			     uint64_t *x, uint64_t *y)
{
	FIELD(accepted); FIELD(times_accepted);
	return NULL;
}

static const char *tagblock_diff(const struct pd_tagblock_state *a,
				 const struct pd_tagblock_state *b, uint64_t *x, uint64_t *y)
{
	FIELD(reservations); FIELD(pins);
	return NULL;
}

static void call_text(const struct pd_call *c, char *buf, size_t len)
{
	snprintf(buf, len, "%s proc=%u child=%u vpage=%u npages=%u frame=%u order=%u slot=%u block=%u flags=0x%x",
		 pd_opcode_name(c->code), c->proc, c->child, c->vpage, c->npages,
		 c->frame == PD_NO_FRAME ? 0xffffffffu : c->frame, c->order, c->slot, c->block,
		 c->flags);
}

static void changed(const struct watch *w, const struct pd_ctx *ctx, const struct pd_call *call,
		    const struct pd_result *res, unsigned obj, uint32_t id, const char *field,
		    uint64_t x, uint64_t y)
{
	char ct[256], what[64];

	if (w->touched[obj][id]) {
		W.changed[obj]++;
		return;
	}
	if (W.untouched++ >= 20)
		return;
	if (obj == PD_OBJ_PTE)
		snprintf(what, sizeof(what), "pte proc %u vpage %u", id / w->cfg.vpages,
			 id % w->cfg.vpages);
	else
		snprintf(what, sizeof(what), "%s %u",
			 (const char *const[]){ "frame", "pte", "proc", "slot", "unit",
						"tagblock", "totals" }[obj], id);
	call_text(call, ct, sizeof(ct));
	fprintf(stderr, "trace %u: %s call (%s) -> %s: %s: %s changed %llu -> %llu, not touched\n",
		W.trace, pd_replaying(ctx) ? "replay" : "record", ct, pd_status_name(res->status),
		what, field, (unsigned long long)x, (unsigned long long)y);
}

/* Run one call on the watched model; every object that changed must be touched. */
static void watch_call(void *model, struct pd_ctx *ctx, const struct pd_call *call,
		       struct pd_result *res)
{
	struct watch *w = model;
	struct snap *a = &w->s[w->cur], *b = &w->s[!w->cur];
	const char *f;
	uint64_t x, y;
	uint32_t i;

	member(w->ops, call->code)(w->o, ctx, call, res);
	if (W.drop_touches) {
		ctx->ntouch = 0;
		ctx->touch_all = false;
	}
	W.calls++;
	W.touch_all += ctx->touch_all;
	if (!pd_replaying(ctx) && res->status == PD_OK)
		W.ok[call->code]++;
	snap_take(w, b);
	if (W.calls % 4 == 0)  /* a quarter of the calls: the gate runs this under ASan */
		check_range(w, b);
	mark_touched(w, ctx);

	for (i = 0; i < w->nframes; i++)
		if ((f = frame_diff(&a->frame[i], &b->frame[i], &x, &y)))
			changed(w, ctx, call, res, PD_OBJ_FRAME, i, f, x, y);
	for (i = 0; i < w->nptes; i++)
		if ((f = pte_diff(&a->pte[i], &b->pte[i], &x, &y)))
			changed(w, ctx, call, res, PD_OBJ_PTE, i, f, x, y);
	for (i = 0; i < PD_MAX_PROCS; i++)
		if ((f = proc_diff(&a->proc[i], &b->proc[i], &x, &y)))
			changed(w, ctx, call, res, PD_OBJ_PROC, i, f, x, y);
	for (i = 0; i < w->cfg.slots; i++)
		if ((f = slot_diff(&a->slot[i], &b->slot[i], &x, &y)))
			changed(w, ctx, call, res, PD_OBJ_SLOT, i, f, x, y);
	for (i = 0; i < w->nunits; i++)
		if ((f = unit_diff(&a->unit[i], &b->unit[i], &x, &y)))
			changed(w, ctx, call, res, PD_OBJ_UNIT, i, f, x, y);
	for (i = 0; i < w->ntagblocks; i++)
		if ((f = tagblock_diff(&a->tagblock[i], &b->tagblock[i], &x, &y)))
			changed(w, ctx, call, res, PD_OBJ_TAGBLOCK, i, f, x, y);
	w->cur = !w->cur;
}

#define W_O(model) (((struct watch *)(model))->o)
#define W_OPS(model) (((struct watch *)(model))->ops)
static void watch_frame_state(void *model, uint32_t f, struct pd_frame_state *out)
{ W_OPS(model)->frame_state(W_O(model), f, out); }
static void watch_pte_state(void *model, uint8_t p, uint16_t v, struct pd_pte_state *out)
{ W_OPS(model)->pte_state(W_O(model), p, v, out); }
static void watch_proc_state(void *model, uint8_t p, struct pd_proc_state *out)
{ W_OPS(model)->proc_state(W_O(model), p, out); }
static void watch_slot_state(void *model, uint32_t s, struct pd_slot_state *out)
{ W_OPS(model)->slot_state(W_O(model), s, out); }
static void watch_unit_state(void *model, uint32_t u, struct pd_unit_state *out)
{ W_OPS(model)->unit_state(W_O(model), u, out); }
static void watch_tagblock_state(void *model, uint32_t b, struct pd_tagblock_state *out)
{ W_OPS(model)->tagblock_state(W_O(model), b, out); }
static void watch_totals(void *model, struct pd_totals *out)
{ W_OPS(model)->totals(W_O(model), out); }
static void watch_check(void *model, struct pd_ctx *ctx)
{
	if (W_OPS(model)->check)   /* the impl's: checking builds only */
		W_OPS(model)->check(W_O(model), ctx);
}

static const struct pd_model_ops watch_ops = {
	.name = "watch", .caps = PD_CAP_REPLAY | PD_CAP_TOUCH,
	.create = watch_create, .destroy = watch_destroy,
	.alloc = watch_call, .free = watch_call, .drain = watch_call,
	.zone_lock = watch_call, .zone_unlock = watch_call,
	.spawn = watch_call, .mmap = watch_call, .munmap = watch_call,
	.exit = watch_call, .fork = watch_call,
	.read = watch_call, .write = watch_call, .settag = watch_call,
	.swapout = watch_call, .swapcache_drop = watch_call,
	.pin = watch_call, .unpin = watch_call, .pin_read = watch_call, .pin_write = watch_call,
	.get = watch_call, .put = watch_call, .ref_read = watch_call,
	.tagstore_pin = watch_call, .tagstore_unpin = watch_call,
	.frame_state = watch_frame_state, .pte_state = watch_pte_state,
	.proc_state = watch_proc_state, .slot_state = watch_slot_state,
	.unit_state = watch_unit_state, .tagblock_state = watch_tagblock_state,
	.totals = watch_totals, .check = watch_check,
};

/* ---- random traces: tests/support/gen_trace.c ------------------------- */

static unsigned ntraces(void)
{
	const char *e = getenv("PD_INCR_TRACES");

	return e && atoi(e) > 0 ? (unsigned)atoi(e) : 3000;
}

static bool test_oracle_touches_every_change(void)
{
	static uint8_t buf[16 + 200 * 8];
	struct pd_run_opts o = { .primary = &watch_ops, .reference = &watch_ops, .file = "random" };
	unsigned n = ntraces(), unclean = 0;
	uint64_t seed = 0x1ee7c0de;

	memset(&W, 0, sizeof(W));
	for (unsigned i = 0; i < n; i++) {
		struct pd_run_result r;
		struct pd_trace t;
		size_t len = pdt_gen_trace(&seed, i, 200, buf);
		unsigned long before = W.untouched;

		pd_trace_decode(buf, len, &t);
		W.trace = i;
		pd_run(&t, &o, &r);
		if (r.status != 0 || !r.incremental || r.rerun_full || W.untouched != before) {
			if (unclean++ < 3) {
				char *text = pd_trace_print(&t, PD_PRINT_OPS_ONLY);

				fprintf(stderr, "trace %u: status %d, incremental %d, rerun_full %d\n%s%s%s",
					i, r.status, r.incremental, r.rerun_full,
					r.report ? r.report : "", r.messages ? r.messages : "", text);
				free(text);
			}
		}
		pd_run_result_free(&r);
		pd_trace_free(&t);
	}
	printf("  %u traces, %lu calls watched, %lu with overflowing touches; changed objects touched:"
	       " %lu frames, %lu ptes, %lu procs, %lu slots, %lu units, %lu tagblocks\n",
	       n, W.calls, W.touch_all, W.changed[PD_OBJ_FRAME], W.changed[PD_OBJ_PTE],
	       W.changed[PD_OBJ_PROC], W.changed[PD_OBJ_SLOT], W.changed[PD_OBJ_UNIT],
	       W.changed[PD_OBJ_TAGBLOCK]);
	printf("  ok calls per op:");
	for (unsigned c = 0; c < PD_NR_OPS; c++)
		printf(" %s=%lu", pd_opcode_name(c), W.ok[c]);
	printf("\n");
	printf("  frame_state_range: %lu frames read in runs, %lu differed from frame_state\n",
	       W.range_frames, W.range_wrong);
	ASSERTF(W.untouched == 0, "%lu changes were not touched", W.untouched);
	ASSERTF(unclean == 0, "%u traces were not clean incremental runs", unclean);
	ASSERTF(W.range_wrong == 0, "%lu frames differ in frame_state_range", W.range_wrong);
	ASSERTF(n < 100 || W.range_frames > 0, "frame_state_range never checked");
	/* The generator reaches every op, and every kind of object changes. */
	for (unsigned c = 0; c < PD_NR_OPS; c++)
		ASSERTF(n < 100 || W.ok[c] > 0, "no %s ever succeeded", pd_opcode_name(c));
	for (unsigned k = 0; k < PD_OBJ_TOTALS; k++)
		ASSERTF(n < 100 || W.changed[k] > 0, "no object of kind %u ever changed", k);
	return true;
}

/* The watch itself: an untouched change is caught. */
static bool test_watch_catches_untouched(void)
{
	struct pd_config cfg;
	struct pd_ctx ctx;
	struct pd_call call;
	struct pd_result res;
	struct watch *w;
	char err[256];

	pd_config_default(&cfg);
	w = watch_create(&cfg, err, sizeof(err));
	ASSERT(w);
	memset(&W, 0, sizeof(W));
	memset(&call, 0, sizeof(call));
	call.code = PD_OP_SPAWN;
	call.frame = PD_NO_FRAME;
	pd_ctx_begin_record(&ctx);
	watch_call(w, &ctx, &call, &res);
	ASSERT(res.status == PD_OK && W.untouched == 0 && W.changed[PD_OBJ_PROC] == 1);
	/* An alloc whose touches are lost: its block's frames changed untouched. */
	call.code = PD_OP_ALLOC;
	call.order = 1;
	pd_ctx_begin_record(&ctx);
	W.drop_touches = true;
	fprintf(stderr, "(two reports expected:)\n");
	watch_call(w, &ctx, &call, &res);
	W.drop_touches = false;
	ASSERT(res.status == PD_OK && res.frame == 0);
	ASSERTF(W.untouched == 2, "%lu", W.untouched);   /* frames 0 and 1 */
	watch_destroy(w);
	memset(&W, 0, sizeof(W));
	return true;
}

/* ---- 2. an untouched change is still found, at its op ------------------- */

/*
 * The liar: the oracle, except that from op `lie_op` on (counted in calls,
 * the trace has no implicit unlocks) its frame_state says frame
 * `lie_frame` is anon, and the touches of op `lie_op` are dropped (or,
 * with lie_touch, replaced by a touch of lie_frame).
 */
static struct {
	unsigned op;
	uint32_t frame;
	bool touch;
	int vpage;     /* >= 0: also flip `writable` of process slot 0's PTE here */
} lie = { .vpage = -1 };

struct liar {
	void *o;
	unsigned calls;
	bool lying;
};

static void *liar_create(const struct pd_config *cfg, char *err, size_t errlen)
{
	struct liar *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->o = O->create(cfg, err, errlen);
	if (!l->o) {
		free(l);
		return NULL;
	}
	return l;
}

static void liar_destroy(void *model)
{
	struct liar *l = model;

	O->destroy(l->o);
	free(l);
}

static void liar_call(void *model, struct pd_ctx *ctx, const struct pd_call *call,
		      struct pd_result *res)
{
	struct liar *l = model;

	member(O, call->code)(l->o, ctx, call, res);
	if (l->calls++ != lie.op)
		return;
	l->lying = true;
	ctx->ntouch = 0;
	ctx->touch_all = false;
	if (lie.touch)
		pd_touch(ctx, PD_OBJ_FRAME, lie.frame, 1);
}

static void liar_frame_state(void *model, uint32_t f, struct pd_frame_state *out)
{
	struct liar *l = model;

	O->frame_state(l->o, f, out);
	if (l->lying && f == lie.frame)
		out->anon = 1;
}

#define L_O(model) (((struct liar *)(model))->o)
static void liar_pte_state(void *model, uint8_t p, uint16_t v, struct pd_pte_state *out)
{
	O->pte_state(L_O(model), p, v, out);
	if (((struct liar *)model)->lying && p == 0 && (int)v == lie.vpage)
		out->writable ^= 1;
}
static void liar_proc_state(void *model, uint8_t p, struct pd_proc_state *out)
{ O->proc_state(L_O(model), p, out); }
static void liar_slot_state(void *model, uint32_t s, struct pd_slot_state *out)
{ O->slot_state(L_O(model), s, out); }
static void liar_unit_state(void *model, uint32_t u, struct pd_unit_state *out)
{ O->unit_state(L_O(model), u, out); }
static void liar_tagblock_state(void *model, uint32_t b, struct pd_tagblock_state *out)
{ O->tagblock_state(L_O(model), b, out); }
static void liar_totals(void *model, struct pd_totals *out)
{ O->totals(L_O(model), out); }

static const struct pd_model_ops liar_ops = {
	.name = "liar", .caps = PD_CAP_REPLAY | PD_CAP_TOUCH,
	.create = liar_create, .destroy = liar_destroy,
	.alloc = liar_call, .free = liar_call, .drain = liar_call,
	.zone_lock = liar_call, .zone_unlock = liar_call,
	.spawn = liar_call, .mmap = liar_call, .munmap = liar_call,
	.exit = liar_call, .fork = liar_call,
	.read = liar_call, .write = liar_call, .settag = liar_call,
	.swapout = liar_call, .swapcache_drop = liar_call,
	.pin = liar_call, .unpin = liar_call, .pin_read = liar_call, .pin_write = liar_call,
	.get = liar_call, .put = liar_call, .ref_read = liar_call,
	.tagstore_pin = liar_call, .tagstore_unpin = liar_call,
	.frame_state = liar_frame_state, .pte_state = liar_pte_state,
	.proc_state = liar_proc_state, .slot_state = liar_slot_state,
	.unit_state = liar_unit_state, .tagblock_state = liar_tagblock_state,
	.totals = liar_totals,
};

/* Seven ops, all succeed; frame 63 is never allocated. */
static const char liar_trace[] =
	"config frames=64 max_order=3\n"
	"p0 = spawn\n"
	"mmap p0 vpage=0 pages=4\n"
	"write p0 vpage=0 value=0x1\n"
	"write p0 vpage=1 value=0x2\n"
	"a0 = alloc order=1\n"
	"write p0 vpage=2 value=0x3\n"
	"read p0 vpage=0\n";

static int run_text(const char *text, const struct pd_model_ops *primary,
		    const struct pd_model_ops *reference, bool full, unsigned check_every,
		    struct pd_run_result *r)
{
	struct pd_run_opts o;
	struct pd_trace t;
	char err[256] = "";
	int rc;

	memset(&o, 0, sizeof(o));
	o.primary = primary;
	o.reference = reference;
	o.file = "t.trace";
	o.full_compare = full;
	o.check_every = check_every;
	memset(r, 0, sizeof(*r));
	if (pd_trace_parse(text, strlen(text), "t.trace", &t, err, sizeof(err))) {
		fprintf(stderr, "parse error: %s\n", err);
		return -1;
	}
	rc = pd_run(&t, &o, r);
	pd_trace_free(&t);
	return rc;
}

static bool liar_case(unsigned op, bool touch, bool full, const char *sig)
{
	struct pd_run_result r;

	lie.op = op;
	lie.frame = 63;
	lie.touch = touch;
	ASSERT(run_text(liar_trace, &liar_ops, O, full, 0, &r) == 1);
	ASSERTF(r.diverged && r.div_op == (int)op && r.div_class == PD_DIV_STATE,
		"op %u touch %d full %d: diverged %d at op %d class %u\n%s", op, touch, full,
		r.diverged, r.div_op, r.div_class, r.report ? r.report : "");
	ASSERT_STREQ(r.signature, sig);
	ASSERT(strstr(r.report, "frame 63: anon: liar=1 oracle=0"));
	/* Untouched by both: found only at the end, then re-run in full. */
	ASSERT(r.rerun_full == (!touch && !full));
	ASSERT(r.incremental == (touch && !full));
	pd_run_result_free(&r);
	return true;
}

static bool test_untouched_change_found_at_its_op(void)
{
	/* The write of op 3 also "changes" frame 63, and drops its touches. */
	if (!liar_case(3, false, false, "state.frame.anon@write"))
		return false;
	/* The same at the last op. */
	if (!liar_case(6, false, false, "state.frame.anon@read"))
		return false;
	/* Touched: found by the incremental comparison itself. */
	if (!liar_case(3, true, false, "state.frame.anon@write"))
		return false;
	/* Full comparison: found at once, no re-run. */
	return liar_case(3, false, true, "state.frame.anon@write");
}

/*
 * Fast mode (fuzzing): after the last op it compares again every object
 * compared during the input.  A PTE compared at ops 1 and 3 that the
 * liar's op 5 changes without a touch is found there, and the default-mode
 * re-run names op 5.  A PTE no op touched is not (only fast_full_end, the
 * one-in-FULL_EVERY whole-state comparison, sees it).
 */
static bool fast_liar_case(int vpage, bool full_end, bool found)
{
	struct pd_run_opts o;
	struct pd_run_result r;
	struct pd_trace t;
	char err[256] = "";

	lie.op = 5;
	lie.frame = UINT32_MAX;
	lie.touch = false;
	lie.vpage = vpage;
	memset(&o, 0, sizeof(o));
	o.primary = &liar_ops;
	o.reference = O;
	o.file = "t.trace";
	o.fast = true;
	o.fast_full_end = full_end;
	ASSERT(pd_trace_parse(liar_trace, strlen(liar_trace), "t.trace", &t, err, sizeof(err)) == 0);
	pd_run(&t, &o, &r);
	pd_trace_free(&t);
	lie.vpage = -1;
	ASSERTF(r.diverged == found, "vpage %d full_end %d: diverged %d\n%s", vpage, full_end,
		r.diverged, r.report ? r.report : "");
	if (found) {
		ASSERTF(r.div_op == 5 && r.div_class == PD_DIV_STATE, "vpage %d: op %d class %u\n%s",
			vpage, r.div_op, r.div_class, r.report ? r.report : "");
		ASSERT_STREQ(r.signature, "state.pte.writable@write");
	}
	pd_run_result_free(&r);
	return true;
}

static bool test_fast_end_compares_the_inputs_objects(void)
{
	/* vpage 1: mapped at op 1, written at op 3; the lie comes at op 5. */
	if (!fast_liar_case(1, false, true))
		return false;
	/* vpage 3: mapped at op 1 only. */
	if (!fast_liar_case(3, false, true))
		return false;
	/* Not a touched PTE (vpages beyond the mapping): only the full end sees it. */
	if (!fast_liar_case(7, false, false))
		return false;
	return fast_liar_case(7, true, true);
}

/* oracle vs oracle is incremental now; a model without the cap keeps it full. */
static bool test_incremental_needs_both(void)
{
	struct pd_run_result r;

	ASSERT(O->caps & PD_CAP_TOUCH);
	ASSERT(run_text(liar_trace, O, O, false, 0, &r) == 0);
	ASSERT(r.incremental && !r.rerun_full && r.ops_run == 7);
	pd_run_result_free(&r);
	ASSERT(run_text(liar_trace, O, O, true, 0, &r) == 0);
	ASSERT(!r.incremental);
	pd_run_result_free(&r);
	return true;
}

/* ---- 3. check cadence --------------------------------------------------- */

/*
 * The oracle with a counted check() that reports a broken invariant once
 * op `bad_after` has run (counted in calls).
 */
static struct {
	unsigned checks;       /* check() calls, all instances */
	unsigned bad_after;    /* UINT32_MAX: never */
} chk;

struct counted {
	void *o;
	unsigned calls;
};

static void *counted_create(const struct pd_config *cfg, char *err, size_t errlen)
{
	struct counted *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->o = O->create(cfg, err, errlen);
	if (!c->o) {
		free(c);
		return NULL;
	}
	return c;
}

static void counted_destroy(void *model)
{
	struct counted *c = model;

	O->destroy(c->o);
	free(c);
}

static void counted_call(void *model, struct pd_ctx *ctx, const struct pd_call *call,
			 struct pd_result *res)
{
	struct counted *c = model;

	c->calls++;
	member(O, call->code)(c->o, ctx, call, res);
}

static void counted_check(void *model, struct pd_ctx *ctx)
{
	struct counted *c = model;

	chk.checks++;
	if (chk.bad_after != UINT32_MAX && c->calls > chk.bad_after)
		pd_violation(ctx, "check", "counted: broken since op %u (deliberate)", chk.bad_after);
	O->check(c->o, ctx);
}

#define C_O(model) (((struct counted *)(model))->o)
static void counted_frame_state(void *model, uint32_t f, struct pd_frame_state *out)
{ O->frame_state(C_O(model), f, out); }
static void counted_pte_state(void *model, uint8_t p, uint16_t v, struct pd_pte_state *out)
{ O->pte_state(C_O(model), p, v, out); }
static void counted_proc_state(void *model, uint8_t p, struct pd_proc_state *out)
{ O->proc_state(C_O(model), p, out); }
static void counted_slot_state(void *model, uint32_t s, struct pd_slot_state *out)
{ O->slot_state(C_O(model), s, out); }
static void counted_unit_state(void *model, uint32_t u, struct pd_unit_state *out)
{ O->unit_state(C_O(model), u, out); }
static void counted_tagblock_state(void *model, uint32_t b, struct pd_tagblock_state *out)
{ O->tagblock_state(C_O(model), b, out); }
static void counted_totals(void *model, struct pd_totals *out)
{ O->totals(C_O(model), out); }

static const struct pd_model_ops counted_ops = {
	.name = "counted", .caps = PD_CAP_REPLAY | PD_CAP_TOUCH,
	.create = counted_create, .destroy = counted_destroy,
	.alloc = counted_call, .free = counted_call, .drain = counted_call,
	.zone_lock = counted_call, .zone_unlock = counted_call,
	.spawn = counted_call, .mmap = counted_call, .munmap = counted_call,
	.exit = counted_call, .fork = counted_call,
	.read = counted_call, .write = counted_call, .settag = counted_call,
	.swapout = counted_call, .swapcache_drop = counted_call,
	.pin = counted_call, .unpin = counted_call, .pin_read = counted_call,
	.pin_write = counted_call, .get = counted_call, .put = counted_call,
	.ref_read = counted_call, .tagstore_pin = counted_call, .tagstore_unpin = counted_call,
	.frame_state = counted_frame_state, .pte_state = counted_pte_state,
	.proc_state = counted_proc_state, .slot_state = counted_slot_state,
	.unit_state = counted_unit_state, .tagblock_state = counted_tagblock_state,
	.totals = counted_totals, .check = counted_check,
};

/* check() calls of one clean run of the 7-op trace (both models). */
static bool checks_of_clean_run(unsigned every, unsigned want)
{
	struct pd_run_result r;

	chk.checks = 0;
	chk.bad_after = UINT32_MAX;
	ASSERT(run_text(liar_trace, &counted_ops, &counted_ops, false, every, &r) == 0);
	pd_run_result_free(&r);
	ASSERTF(chk.checks == want, "check_every %u: %u check() calls, want %u", every,
		chk.checks, want);
	return true;
}

static bool test_check_every_cadence(void)
{
	/* Per model: boot + ops 0..6 = 8. */
	if (!checks_of_clean_run(0, 16) || !checks_of_clean_run(1, 16))
		return false;
	/* every 3: boot, after ops 2 and 5, and after the last op (6) = 4. */
	if (!checks_of_clean_run(3, 8))
		return false;
	/* every 7: boot, op 6 (both the 7th and the last) = 2. */
	if (!checks_of_clean_run(7, 4))
		return false;
	/* every 100: boot and the last op. */
	return checks_of_clean_run(100, 4);
}

static bool test_check_every_reports_late(void)
{
	struct pd_run_result r;

	/* Broken from op 1 (mmap) on: every op finds it at op 1 ... */
	chk.bad_after = 1;
	ASSERT(run_text(liar_trace, &counted_ops, O, false, 0, &r) == 1);
	ASSERT(r.div_op == 1 && r.div_class == PD_DIV_CHECK);
	ASSERT_STREQ(r.signature, "check@mmap");
	pd_run_result_free(&r);
	/* ... every 4th op at op 3 (the 4th). */
	ASSERT(run_text(liar_trace, &counted_ops, O, false, 4, &r) == 1);
	ASSERT(r.div_op == 3 && r.div_class == PD_DIV_CHECK);
	ASSERT_STREQ(r.signature, "check@write");
	pd_run_result_free(&r);
	/* Broken only by the last op: found there whatever the cadence. */
	chk.bad_after = 6;
	ASSERT(run_text(liar_trace, &counted_ops, O, false, 100, &r) == 1);
	ASSERT(r.div_op == 6 && r.div_class == PD_DIV_CHECK);
	pd_run_result_free(&r);
	chk.bad_after = UINT32_MAX;
	return true;
}

/* A divergence between checks still runs check(), so the report has it. */
static bool test_check_runs_at_divergence(void)
{
	const char *text =
		"config frames=64 max_order=3\n"
		"p0 = spawn\n"
		"mmap p0 vpage=0 pages=2\n"
		"write p0 vpage=0 value=0x1\n"
		"write p0 vpage=1 value=0x2\n";
	struct pd_run_result r;

	/*
	 * counted as primary with a broken check from op 1, against the liar
	 * (lying from op 2, touched): a state divergence at op 2, check
	 * every 100 ops.
	 */
	chk.checks = 0;
	chk.bad_after = 1;
	lie.op = 2;
	lie.frame = 63;
	lie.touch = true;
	ASSERT(run_text(text, &counted_ops, &liar_ops, false, 100, &r) == 1);
	ASSERT(r.div_op == 2 && r.div_class == PD_DIV_STATE);
	ASSERT(chk.checks == 2);   /* boot, and at the divergence */
	ASSERT(strstr(r.report, "counted: broken since op 1 (deliberate)"));
	pd_run_result_free(&r);
	chk.bad_after = UINT32_MAX;
	return true;
}

/* ---- 4. the impl reports every object it changes ------------------------ */

#if PAGEDIFF_HAVE_IMPL
/*
 * The same watch around the impl (pd_impl_ops, which has PD_CAP_TOUCH),
 * run as the primary against the oracle: every change the impl makes to
 * its observable state must be touched in that call's ctx, and the run
 * must be a clean incremental one (no divergence, no re-run).
 */
static void *watch_create_impl(const struct pd_config *cfg, char *err, size_t errlen)
{
	return watch_create_of(&pd_impl_ops, cfg, err, errlen);
}

static struct pd_model_ops watch_impl_ops(void)
{
	struct pd_model_ops ops = watch_ops;

	ops.name = "watch(impl)";
	ops.caps = PD_CAP_TOUCH;   /* the impl cannot replay */
	ops.create = watch_create_impl;
	return ops;
}

/* The watch sees an impl change whose touches were lost. */
static bool test_watch_catches_untouched_impl(void)
{
	struct pd_config cfg;
	struct pd_ctx ctx;
	struct pd_call call;
	struct pd_result res;
	struct watch *w;
	char err[256];

	pd_config_default(&cfg);
	w = watch_create_impl(&cfg, err, sizeof(err));
	ASSERT(w);
	memset(&W, 0, sizeof(W));
	memset(&call, 0, sizeof(call));
	call.code = PD_OP_SPAWN;
	call.frame = PD_NO_FRAME;
	pd_ctx_begin_record(&ctx);
	watch_call(w, &ctx, &call, &res);
	ASSERT(res.status == PD_OK && W.untouched == 0 && W.changed[PD_OBJ_PROC] == 1);
	/* An alloc whose touches are lost: its block's two frames changed untouched. */
	call.code = PD_OP_ALLOC;
	call.order = 1;
	pd_ctx_begin_record(&ctx);
	W.drop_touches = true;
	fprintf(stderr, "(two reports expected:)\n");
	watch_call(w, &ctx, &call, &res);
	W.drop_touches = false;
	ASSERT(res.status == PD_OK && res.frame != PD_NO_FRAME);
	ASSERTF(W.untouched == 2, "%lu", W.untouched);
	/* Touched, it is clean: the same alloc again. */
	pd_ctx_begin_record(&ctx);
	watch_call(w, &ctx, &call, &res);
	ASSERT(res.status == PD_OK && W.untouched == 2);
	watch_destroy(w);
	memset(&W, 0, sizeof(W));
	return true;
}

/*
 * Random traces as for the oracle (all 12 design option combinations,
 * 8..256 frames, 1024 every 50th) and every 10th at 4096 frames, each
 * run watched impl vs oracle.
 */
static bool test_impl_touches_every_change(void)
{
	static uint8_t buf[16 + 200 * 8];
	struct pd_model_ops wi = watch_impl_ops();
	struct pd_run_opts o = { .primary = &wi, .reference = O, .file = "random" };
	unsigned n = ntraces(), unclean = 0, big = 0;
	uint64_t seed = 0x1e7c0de5;

	memset(&W, 0, sizeof(W));
	for (unsigned i = 0; i < n; i++) {
		struct pd_run_result r;
		struct pd_trace t;
		size_t len = pdt_gen_trace(&seed, i, 200, buf);
		unsigned long before = W.untouched;

		if (i % 10 == 9) {
			buf[1] = 12 - PD_MIN_FRAMES_LOG2;
			big++;
		}
		pd_trace_decode(buf, len, &t);
		W.trace = i;
		pd_run(&t, &o, &r);
		if (r.status != 0 || !r.incremental || r.rerun_full || W.untouched != before) {
			if (unclean++ < 3) {
				char *text = pd_trace_print(&t, PD_PRINT_OPS_ONLY);

				fprintf(stderr, "trace %u: status %d, incremental %d, rerun_full %d\n%s%s%s",
					i, r.status, r.incremental, r.rerun_full,
					r.report ? r.report : "", r.messages ? r.messages : "", text);
				free(text);
			}
		}
		pd_run_result_free(&r);
		pd_trace_free(&t);
	}
	printf("  %u traces (%u at 4096 frames), %lu impl calls watched, %lu with overflowing"
	       " touches; changed objects touched: %lu frames, %lu ptes, %lu procs, %lu slots,"
	       " %lu units, %lu tagblocks\n",
	       n, big, W.calls, W.touch_all, W.changed[PD_OBJ_FRAME], W.changed[PD_OBJ_PTE],
	       W.changed[PD_OBJ_PROC], W.changed[PD_OBJ_SLOT], W.changed[PD_OBJ_UNIT],
	       W.changed[PD_OBJ_TAGBLOCK]);
	printf("  ok calls per op:");
	for (unsigned c = 0; c < PD_NR_OPS; c++)
		printf(" %s=%lu", pd_opcode_name(c), W.ok[c]);
	printf("\n");
	printf("  frame_state_range: %lu frames read in runs, %lu differed from frame_state\n",
	       W.range_frames, W.range_wrong);
	ASSERTF(W.untouched == 0, "%lu changes were not touched", W.untouched);
	ASSERTF(unclean == 0, "%u traces were not clean incremental runs", unclean);
	ASSERTF(W.range_wrong == 0, "%lu frames differ in frame_state_range", W.range_wrong);
	ASSERTF(n < 100 || W.range_frames > 0, "frame_state_range never checked");
	for (unsigned c = 0; c < PD_NR_OPS; c++)
		ASSERTF(n < 100 || W.ok[c] > 0, "no %s ever succeeded", pd_opcode_name(c));
	for (unsigned k = 0; k < PD_OBJ_TOTALS; k++)
		ASSERTF(n < 100 || W.changed[k] > 0, "no object of kind %u ever changed", k);
	memset(&W, 0, sizeof(W));
	return true;
}

/* impl vs oracle is incremental; --full (full_compare) keeps it full. */
static bool test_impl_incremental(void)
{
	struct pd_run_result r;

	ASSERT(pd_impl_ops.caps & PD_CAP_TOUCH);
	ASSERT(run_text(liar_trace, &pd_impl_ops, O, false, 0, &r) == 0);
	ASSERT(r.incremental && !r.rerun_full && r.ops_run == 7);
	pd_run_result_free(&r);
	ASSERT(run_text(liar_trace, &pd_impl_ops, O, true, 0, &r) == 0);
	ASSERT(!r.incremental);
	pd_run_result_free(&r);
	return true;
}
#endif

int main(void)
{
	static const struct test tests[] = {
		TEST(test_watch_catches_untouched),
		TEST(test_oracle_touches_every_change),
		TEST(test_untouched_change_found_at_its_op),
		TEST(test_fast_end_compares_the_inputs_objects),
		TEST(test_incremental_needs_both),
		TEST(test_check_every_cadence),
		TEST(test_check_every_reports_late),
		TEST(test_check_runs_at_divergence),
#if PAGEDIFF_HAVE_IMPL
		TEST(test_watch_catches_untouched_impl),
		TEST(test_impl_touches_every_change),
		TEST(test_impl_incremental),
#endif
	};

	return RUN_TESTS(tests);
}
