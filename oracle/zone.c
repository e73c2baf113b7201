// SPDX-License-Identifier: MIT
/*
 * zone.c - the oracle's zone: frames, acceptance units and the unaccepted
 * list, tag storage, the allocation core (placements, recorded or
 * replayed and checked), frees, the deferred list and the zone lock.
 *
 * There are no free lists: free memory is the set of FREE frames (B3).
 * A candidate block of order k starts at a multiple of 2^k; it is a legal
 * placement when block_legal() says so, and the oracle's own choice is the
 * lowest-numbered legal block.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "oracle.h"

static const char *const kind_name[] = {
	[PD_FRAME_FREE] = "free", [PD_FRAME_HEAD] = "head",
	[PD_FRAME_TAIL] = "tail", [PD_FRAME_DEFERRED] = "deferred",
};

/* ---- acceptance units and the unaccepted list (A1..A5) -------------- */

/* A1, A2: whether a unit or a frame is accepted: oracle.h (o_unit_is_accepted). */

/* A1: accept a still-unaccepted unit, counting it.  Never called twice. */
static void accept_unit(struct oracle *o, uint32_t u)
{
	if (o_unit_is_accepted(o, u))
		return;
	o_unit(o, u)->times_accepted++;
}

/* Accept every still-unaccepted unit overlapping frames [first, first + n). */
static void accept_range(struct oracle *o, uint32_t first, uint32_t n)
{
	uint32_t u, ufirst = first >> o->cfg.accept_order;
	uint32_t ulast = (first + n - 1) >> o->cfg.accept_order;

	for (u = ufirst; u <= ulast && o_unit_is_accepted(o, u); u++)
		;
	if (u > ulast)
		return;  /* all accepted already */
	/* A2: the frames of the units report `accepted`: they change too. */
	o_touch(o, PD_OBJ_FRAME, ufirst << o->cfg.accept_order,
		(ulast - ufirst + 1) << o->cfg.accept_order);
	/*
	 * The units as one range, before the loop touches the unaccepted
	 * ones among them: those touches then fall inside it.  Touched one
	 * by one, a list block of already partly accepted units was
	 * hundreds of separate records, and an op that overflows its touch
	 * list is compared whole (O(frames)).
	 */
	o_touch(o, PD_OBJ_UNIT, u, ulast - u + 1);
	for (; u <= ulast; u++)
		accept_unit(o, u);
}

/* The MAX_ORDER block (list block) a frame lies in. */
static uint32_t list_block_of(const struct oracle *o, uint32_t frame)
{
	return frame >> o->cfg.max_order;
}

/* Lowest list block on the unaccepted list, or UINT32_MAX. */
static uint32_t lowest_list_block(const struct oracle *o)
{
	uint32_t b;

	if (o->cfg.accept != PD_ACCEPT_LIST)
		return UINT32_MAX;
	for (b = 0; b < o->nr_list_blocks; b++)
		if (o->on_list[b])
			return b;
	return UINT32_MAX;
}

/*
 * A4: accepting list block b accepts all of its still-unaccepted units
 * (once each) and makes it ordinary free memory.
 */
static void accept_list_block(struct oracle *o, uint32_t b)
{
	accept_range(o, b << o->cfg.max_order, 1u << o->cfg.max_order);
	*o_list_block(o, b) = false;
}

/* ---- boot (create, and reset of what was written since) -------------- */

/*
 * B3: at boot every frame is FREE, and a FREE frame is all zero, tags
 * included.  create() gets that from calloc; reset() from here.
 */
void o_frames_boot(struct oracle *o, uint32_t first, uint32_t n)
{
	memset(&o->frames[first], 0, (size_t)n * sizeof(*o->frames));
	memset(&o->frame_tags[(size_t)first * o->tag_bytes], 0, (size_t)n * o->tag_bytes);
}

/* A1: unit u as at boot: never accepted since (accepted per its bit). */
void o_unit_boot(struct oracle *o, uint32_t u)
{
	memset(&o->units[u], 0, sizeof(o->units[u]));
}

/*
 * A4: under accept=list every MAX_ORDER block containing an unaccepted
 * unit goes on the unaccepted list at boot; its frames stay FREE.
 * A3: under accept=flag there is no list.
 */
bool o_list_block_boot(const struct oracle *o, uint32_t b)
{
	uint32_t u, first, last;

	if (o->cfg.accept != PD_ACCEPT_LIST)
		return false;
	first = (b << o->cfg.max_order) >> o->cfg.accept_order;
	last = (((b + 1) << o->cfg.max_order) - 1) >> o->cfg.accept_order;
	for (u = first; u <= last; u++)
		if (!o_unit_boot_accepted(o, u))
			return true;
	return false;
}

/* B3, L1, L5: every frame FREE, the zone lock free, nothing deferred. */
void o_zone_boot_counters(struct oracle *o)
{
	o->free_frames = o->nr_frames;
	o->deferred_frames = 0;
	o->nr_deferred = 0;
	o->zone_locked = false;
	o->zone_lock_cpu = 0;
}

/*
 * The zone at boot, on the zeroed arrays of create(): all-zero frames are
 * FREE (B3), all-zero units as at boot (A1), and no list block is on the
 * list but under accept=list (A3, A4).
 */
void o_zone_init(struct oracle *o)
{
	uint32_t b;

	o_zone_boot_counters(o);
	/* A1: no bit set in cfg.unaccepted, no unit unaccepted: no block on the list. */
	if (o->cfg.accept != PD_ACCEPT_LIST || !o->cfg.unaccepted)
		return;
	for (b = 0; b < o->nr_list_blocks; b++)
		o->on_list[b] = o_list_block_boot(o, b);
}

/* ---- tag storage (R1..R5) -------------------------------------------- */

/* R1: the tag blocks a block of order k at `head` covers: [*first, *last]. */
static void tag_block_range(const struct oracle *o, uint32_t head, uint8_t order,
			    uint32_t *first, uint32_t *last)
{
	*first = head >> o->cfg.tag_ratio_log2;
	*last = (head + (1u << order) - 1) >> o->cfg.tag_ratio_log2;
}

/* The lowest pinned tag block covering the block, or UINT32_MAX. */
static uint32_t pinned_tag_block(const struct oracle *o, uint32_t head, uint8_t order)
{
	uint32_t b, first, last;

	tag_block_range(o, head, order, &first, &last);
	for (b = first; b <= last; b++)
		if (o->tagblocks[b].pins)
			return b;
	return UINT32_MAX;
}

/* R4: a page can hold tags under tagstore=none, or once it is reserved. */
bool o_tags_capable(const struct oracle *o, uint32_t head)
{
	return o->cfg.tagstore == PD_TAGSTORE_NONE || o->frames[head].tag_reserved;
}

/*
 * R2: reserve every tag block the block covers iff none of them is
 * pinned; all-or-nothing.  A block already reserved keeps its one
 * reservation (R5: a second FOA PTE of a page reserved meanwhile).
 * Under tagstore=none there is nothing to reserve.
 */
bool o_try_reserve(struct oracle *o, uint32_t head)
{
	const struct o_frame *fr = &o->frames[head];
	uint32_t b, first, last;

	if (o->cfg.tagstore == PD_TAGSTORE_NONE || fr->tag_reserved)
		return true;
	if (pinned_tag_block(o, head, fr->order) != UINT32_MAX)
		return false;
	tag_block_range(o, head, fr->order, &first, &last);
	for (b = first; b <= last; b++)
		o_tagblock(o, b)->reservations++;
	o_frame(o, head)->tag_reserved = true;
	return true;
}

/* R3: freeing a reserved block drops one reservation on each tag block. */
static void drop_reservation(struct oracle *o, uint32_t head)
{
	uint32_t b, first, last;

	if (!o->frames[head].tag_reserved)
		return;
	tag_block_range(o, head, o->frames[head].order, &first, &last);
	for (b = first; b <= last; b++)
		o_tagblock(o, b)->reservations--;
	o_frame(o, head)->tag_reserved = false;
}

/* ---- legality of a placement ----------------------------------------- */

/* Say why a placement is illegal; `why` NULL: the caller only asks. */
static void why_set(char *why, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void why_set(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!why)
		return;
	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
}

/* The last unaccepted unit of those overlapping frames [f, f + n), or UINT32_MAX. */
static uint32_t last_unaccepted_unit(const struct oracle *o, uint32_t f, uint32_t n)
{
	uint32_t u, ufirst = f >> o->cfg.accept_order, ulast = (f + n - 1) >> o->cfg.accept_order;

	for (u = ulast + 1; u-- > ufirst;)
		if (!o_unit_is_accepted(o, u))
			return u;
	return UINT32_MAX;
}

/*
 * Is a block of `order` at `frame` a legal placement for `rq`?  If not,
 * says why in `why` (for a kernel developer: which rule, which frame).
 *   B2  naturally aligned, order as asked and <= max_order, all frames FREE
 *   A4  accept=list: not in a list block, every unit it overlaps accepted
 *   A5  NOLOCK: every unit it overlaps accepted (no acceptance, any mode)
 *   A3  accept=flag, locked: unaccepted units are "accepted now": legal
 *   R2  strict, tagged allocation: no covered tag block pinned
 */
static bool block_legal(const struct oracle *o, const struct o_alloc_req *rq,
			uint32_t frame, uint8_t order, char *why, size_t len)
{
	bool list = o->cfg.accept == PD_ACCEPT_LIST;
	uint32_t f, n, u, tb;

	/* B2 */
	if (order != rq->order) {
		why_set(why, len, "order %u, but the allocation asked for order %u (B2)",
			 order, rq->order);
		return false;
	}
	if (order > o->cfg.max_order) {
		why_set(why, len, "order %u exceeds max_order %u (B2)", order, o->cfg.max_order);
		return false;
	}
	if (frame >= o->nr_frames) {
		why_set(why, len, "frame %u is outside the zone of %u frames (B2)",
			 frame, o->nr_frames);
		return false;
	}
	n = 1u << order;
	if (frame % n) {
		why_set(why, len, "frame %u is not aligned to order %u (B2: frame %% %u != 0)",
			 frame, order, n);
		return false;
	}
	if (frame + n > o->nr_frames) {
		why_set(why, len, "block %u..%u runs past the zone end (B2)", frame, frame + n - 1);
		return false;
	}
	for (f = frame; f < frame + n; f++) {
		if (o->frames[f].kind != PD_FRAME_FREE) {
			why_set(why, len, "frame %u is %s, not FREE (B2)",
				 f, kind_name[o->frames[f].kind]);
			return false;
		}
	}
	/*
	 * A4: list blocks are free but not allocatable until accepted.  The
	 * block is aligned and no larger than MAX_ORDER (B2, above), so all
	 * of it lies in one list block: its first frame's.
	 */
	if (list && o->on_list[list_block_of(o, frame)]) {
		why_set(why, len, "it lies in MAX_ORDER block %u..%u, which is on the unaccepted list (A4)",
			 list_block_of(o, frame) << o->cfg.max_order,
			 ((list_block_of(o, frame) + 1) << o->cfg.max_order) - 1);
		return false;
	}
	/* A4 (list) and A5 (NOLOCK): entirely in accepted units. */
	if (list || rq->nolock) {
		u = last_unaccepted_unit(o, frame, n);
		if (u != UINT32_MAX) {
			why_set(why, len, "unit %u (frames %u..%u) overlapping it is unaccepted (%s)",
				 u, u << o->cfg.accept_order, ((u + 1) << o->cfg.accept_order) - 1,
				 rq->nolock ? "A5: NOLOCK allocations never accept" : "A4");
			return false;
		}
	}
	/* R2 strict: a block whose reservation would fail is not legal. */
	if (rq->tagged && o->cfg.tagstore == PD_TAGSTORE_STRICT) {
		tb = pinned_tag_block(o, frame, order);
		if (tb != UINT32_MAX) {
			why_set(why, len, "tag block %u covering it is pinned (R2, tagstore=strict)", tb);
			return false;
		}
	}
	return true;
}

/* The lowest-numbered legal block for rq, or PD_NO_FRAME. */
static uint32_t lowest_legal_block(const struct oracle *o, const struct o_alloc_req *rq)
{
	uint32_t f, n = 1u << rq->order, u, next;

	for (f = 0; f + n <= o->nr_frames; f += n) {
		/*
		 * A5: a NOLOCK block lies in accepted units only, so no
		 * candidate overlapping an unaccepted unit is legal: go on
		 * at the first candidate past the last such unit (every
		 * candidate before it overlaps that unit too).  The same
		 * answer as testing each, in O(units).
		 */
		if (rq->nolock && (u = last_unaccepted_unit(o, f, n)) != UINT32_MAX) {
			next = (u + 1) << o->cfg.accept_order;   /* the unit's end */
			next = (next + n - 1) / n * n;           /* the first candidate from there */
			f = next - n;
			continue;
		}
		/*
		 * A4: nothing in a list block is allocatable, and a list
		 * block (MAX_ORDER) is never smaller than a candidate: go on
		 * at its end.
		 */
		if (o->cfg.accept == PD_ACCEPT_LIST && o->on_list[list_block_of(o, f)]) {
			f = ((list_block_of(o, f) + 1) << o->cfg.max_order) - n;
			continue;
		}
		if (block_legal(o, rq, f, rq->order, NULL, 0))
			return f;
	}
	return PD_NO_FRAME;
}

/*
 * Hand out a legal block: accept (A3), make it HEAD + TAILs with rc 1,
 * mc 0, anon 0, content undefined (B4); tag it (R2, R4).
 */
static void place_block(struct oracle *o, const struct o_alloc_req *rq, uint32_t head)
{
	uint32_t f, n = 1u << rq->order;
	struct o_frame *blk;

	/* A3: accept=flag accepts every still-unaccepted unit it overlaps. */
	if (o->cfg.accept == PD_ACCEPT_FLAG)
		accept_range(o, head, n);

	/* B4 */
	blk = o_block(o, head, rq->order);
	memset(blk, 0, n * sizeof(*blk));
	blk[0].kind = PD_FRAME_HEAD;
	blk[0].order = rq->order;
	blk[0].refcount = 1;
	for (f = 1; f < n; f++)
		blk[f].kind = PD_FRAME_TAIL;
	o->free_frames -= n;

	/*
	 * R2: a tagged allocation reserves its tag blocks (strict: the block
	 * is legal, so this succeeds; besteffort: it may fail and the block
	 * is handed out unreserved).  R4: reserved, or tagstore=none, means
	 * tags 0 and PG_mte_tagged; unreserved means not tagged.
	 */
	if (rq->tagged && o_try_reserve(o, head)) {
		memset(o_frame_tags(o, head), 0, o->tag_bytes);
		o_frame(o, head)->mte_tagged = true;
	}
}

/* ---- the allocation core: record or replay a placement --------------- */

static void record(struct pd_ctx *ctx, uint8_t kind, uint8_t order, uint32_t where)
{
	struct pd_placement p = { .kind = kind, .order = order, .where = where };

	pd_record_placement(ctx, &p);
}

/*
 * Record mode: the oracle chooses.  The lowest legal block; under
 * accept=list, if there is none, the lowest list block is accepted and
 * the allocation retries (A4); NOLOCK never accepts (A5) and fails while
 * the zone lock is held (L3).
 */
static bool record_alloc(struct oracle *o, struct pd_ctx *ctx,
			 const struct o_alloc_req *rq, uint32_t *out)
{
	uint32_t f, b;

	/* L3: the reference's own NOLOCK choice fails whenever the lock is held. */
	if (rq->nolock && o->zone_locked)
		return false;
	for (;;) {
		f = lowest_legal_block(o, rq);
		if (f != PD_NO_FRAME) {
			record(ctx, PD_PLACE_BLOCK, rq->order, f);
			place_block(o, rq, f);
			*out = f;
			return true;
		}
		/* A4, A5 */
		if (rq->nolock)
			return false;
		b = lowest_list_block(o);
		if (b == UINT32_MAX)
			return false;  /* B6: no legal placement, nothing to accept */
		record(ctx, PD_PLACE_ACCEPT, 0, b << o->cfg.max_order);
		accept_list_block(o, b);
	}
}

/* Who asks for rq, for a violation message (formatted only then). */
static const char *req_what(const struct o_alloc_req *rq, char *buf, size_t len)
{
	if (!rq->of_vpage)
		snprintf(buf, len, "%s%s order=%u", rq->what, rq->nolock ? " nolock" : "",
			 rq->order);
	else if (rq->has_slot)
		snprintf(buf, len, "%s proc %u vpage %u slot %u", rq->what, rq->proc,
			 rq->vpage, rq->slot);
	else
		snprintf(buf, len, "%s proc %u vpage %u", rq->what, rq->proc, rq->vpage);
	return buf;
}

/*
 * Replay mode: take each choice from the log and check it.  A failure
 * (nothing logged) is checked against B6, A4 and L3.
 */
static bool replay_alloc(struct oracle *o, struct pd_ctx *ctx,
			 const struct o_alloc_req *rq, uint32_t *out)
{
	struct pd_placement p;
	uint32_t f, b;
	char why[192], what[64];

	for (;;) {
		if (!pd_peek_placement(ctx, &p)) {
			/* L3: NOLOCK failure is legal while the lock is held. */
			if (rq->nolock && o->zone_locked)
				return false;
			/* B6, L3: failure is illegal while a legal block exists. */
			f = lowest_legal_block(o, rq);
			if (f != PD_NO_FRAME) {
				pd_violation(ctx, "illegal-failure",
					     "%s: order-%u allocation failed, but frame %u order %u was a legal placement (%s)",
					     req_what(rq, what, sizeof(what)), rq->order, f, rq->order,
					     rq->nolock ? "L3" : "B6");
				return false;
			}
			/* A4: ... or while the unaccepted list is not empty. */
			b = rq->nolock ? UINT32_MAX : lowest_list_block(o);
			if (b != UINT32_MAX) {
				pd_violation(ctx, "illegal-failure",
					     "%s: order-%u allocation failed without accepting MAX_ORDER block at frame %u from the unaccepted list (A4)",
					     req_what(rq, what, sizeof(what)), rq->order, b << o->cfg.max_order);
				return false;
			}
			return false;
		}
		if (p.kind == PD_PLACE_SLOT) {
			pd_violation(ctx, "missing-placement",
				     "%s: an order-%u block placement is needed, but the log has SLOT %u next",
				     req_what(rq, what, sizeof(what)), rq->order, p.where);
			return false;
		}
		pd_next_placement(ctx, &p);

		if (p.kind == PD_PLACE_ACCEPT) {
			/* A5: NOLOCK never accepts. */
			if (rq->nolock) {
				pd_violation(ctx, "illegal-placement",
					     "%s: ACCEPT of frame %u by a NOLOCK allocation (A5: NOLOCK never accepts)",
					     req_what(rq, what, sizeof(what)), p.where);
				return false;
			}
			/* A4: only accept=list has a list. */
			if (o->cfg.accept != PD_ACCEPT_LIST) {
				pd_violation(ctx, "illegal-placement",
					     "%s: ACCEPT of frame %u under accept=flag, which has no unaccepted list (A3)",
					     req_what(rq, what, sizeof(what)), p.where);
				return false;
			}
			b = list_block_of(o, p.where);
			if (p.where >= o->nr_frames || p.where % (1u << o->cfg.max_order) ||
			    !o->on_list[b]) {
				pd_violation(ctx, "illegal-placement",
					     "%s: ACCEPT of frame %u, which is not the first frame of a MAX_ORDER block on the unaccepted list (A4)",
					     req_what(rq, what, sizeof(what)), p.where);
				return false;
			}
			/* A4: legal only if no legal placement existed without it. */
			f = lowest_legal_block(o, rq);
			if (f != PD_NO_FRAME) {
				pd_violation(ctx, "illegal-placement",
					     "%s: ACCEPT of list block at frame %u although frame %u order %u was a legal placement (A4)",
					     req_what(rq, what, sizeof(what)), p.where, f, rq->order);
				return false;
			}
			accept_list_block(o, b);
			continue;  /* A4: the allocation retries */
		}

		/* PD_PLACE_BLOCK */
		if (!block_legal(o, rq, p.where, p.order, why, sizeof(why))) {
			pd_violation(ctx, "illegal-placement",
				     "%s: block frame %u order %u: %s",
				     req_what(rq, what, sizeof(what)), p.where, p.order, why);
			return false;
		}
		place_block(o, rq, p.where);
		*out = p.where;
		return true;
	}
}

/*
 * Allocate a block for rq.  On success *out is the head: HEAD of order
 * rq->order, rc 1, mc 0, content undefined, tagged per R2/R4.  On failure
 * nothing changed but acceptances (A4), and the caller reports enomem.
 */
bool o_alloc_block(struct oracle *o, struct pd_ctx *ctx,
		   const struct o_alloc_req *rq, uint32_t *out)
{
	if (pd_replaying(ctx))
		return replay_alloc(o, ctx, rq, out);
	return record_alloc(o, ctx, rq, out);
}

/* ---- freeing (B5, L5, L6) -------------------------------------------- */

/*
 * B5, L6: clear a block's page state: anon, AE, PG_mte_tagged, content,
 * tags, and (R3) its tag reservation.  Leaves kind/order to the caller.
 */
static void clear_block(struct oracle *o, uint32_t head)
{
	uint8_t order = o->frames[head].order;
	uint32_t n = 1u << order;

	drop_reservation(o, head);
	memset(o_block(o, head, order), 0, n * sizeof(struct o_frame));  /* kind FREE */
	/* The tags of the block's frames, all touched just now. */
	memset(&o->frame_tags[(size_t)head * o->tag_bytes], 0, (size_t)n * o->tag_bytes);
	o->free_frames += n;
}

/*
 * L5: free every DEFERRED block (they are freed before any locked free).
 * They are on the deferred list, so this costs what was deferred, not a
 * scan of the zone; each is cleared on its own, so the order is moot.
 */
static void free_deferred(struct oracle *o)
{
	uint32_t i;

	for (i = 0; i < o->nr_deferred; i++)
		clear_block(o, o->deferred[i]);
	o->nr_deferred = 0;
	o->deferred_frames = 0;
}

/* A locked free (B5): first the deferred blocks (L5), then this block. */
void o_free_block_locked(struct oracle *o, uint32_t head)
{
	free_deferred(o);
	clear_block(o, head);
}

/* Drop `refs` references to a page; free it at rc 0 (V9, G4, G6). */
void o_put_page(struct oracle *o, uint32_t head, uint32_t refs)
{
	struct o_frame *fr = o_frame(o, head);

	fr->refcount -= refs;
	if (fr->refcount == 0)
		o_free_block_locked(o, head);
}

/* ---- ops ------------------------------------------------------------- */

void o_op_alloc(void *model, struct pd_ctx *ctx, const struct pd_call *call,
		struct pd_result *res)
{
	struct oracle *o = model;
	struct o_alloc_req rq = { .order = call->order };
	struct o_frame *fr;
	uint32_t head;

	o_res_init(res);
	if (call->order > o->cfg.max_order) {
		res->status = PD_EINVAL;
		return;
	}
	if (call->flags & PD_ALLOC_NOLOCK) {
		/* L2: only NOLOCK|ZERO, order <= 3; else einval, nothing changes. */
		if ((call->flags & ~(PD_ALLOC_NOLOCK | PD_ALLOC_ZERO)) ||
		    call->order > PD_NOLOCK_MAX_ORDER) {
			res->status = PD_EINVAL;
			return;
		}
		rq.nolock = true;
	}
	/* R2: `alloc tagged` is a tagged allocation. */
	rq.tagged = call->flags & PD_ALLOC_TAGGED;
	rq.what = "alloc";

	/* B6, L3 */
	if (!o_alloc_block(o, ctx, &rq, &head)) {
		res->status = PD_ENOMEM;
		return;
	}
	/* B4: content 0 and defined with ZERO; L2: NOLOCK always zeroes. */
	if (call->flags & (PD_ALLOC_ZERO | PD_ALLOC_NOLOCK)) {
		fr = o_frame(o, head);
		fr->content = 0;
		fr->content_defined = true;
	}
	res->frame = head;
	res->order = call->order;
}

void o_op_free(void *model, struct pd_ctx *ctx, const struct pd_call *call,
	       struct pd_result *res)
{
	struct oracle *o = model;
	uint32_t f, head = call->frame;
	struct o_frame *blk;

	o_res_init(res);
	if (head >= o->nr_frames || o->frames[head].kind != PD_FRAME_HEAD ||
	    o->frames[head].order != call->order) {
		res->status = PD_EINVAL;
		return;
	}
	if (!(call->flags & PD_FREE_NOLOCK)) {
		o_free_block_locked(o, head);  /* B5, L5 */
		return;
	}
	/*
	 * L5: free nolock.  Order <= 3 goes to the pcp and order > 3 without
	 * the lock to the buddy: FREE at once either way.  Order > 3 with the
	 * lock held becomes DEFERRED.  L6: cleared like B5 in all cases, the
	 * tag reservation included (R3).  A nolock free is not a locked free,
	 * so it does not free the deferred blocks.
	 */
	if (call->order <= PD_PCP_MAX_ORDER || !o->zone_locked) {
		clear_block(o, head);
		return;
	}
	clear_block(o, head);
	blk = o_block(o, head, call->order);
	blk[0].kind = PD_FRAME_DEFERRED;
	blk[0].order = call->order;
	for (f = 1; f < (1u << call->order); f++)
		blk[f].kind = PD_FRAME_TAIL;
	o->free_frames -= 1u << call->order;
	o->deferred_frames += 1u << call->order;
	o->deferred[o->nr_deferred++] = head;
}

/* B7: draining a pcp list is not observable in the oracle. */
void o_op_drain(void *model, struct pd_ctx *ctx, const struct pd_call *call,
		struct pd_result *res)
{
	o_res_init(res);
}

/* L1: zone_lock while held moves the lock to the new CPU. */
void o_op_zone_lock(void *model, struct pd_ctx *ctx, const struct pd_call *call,
		    struct pd_result *res)
{
	struct oracle *o = model;

	o_res_init(res);
	o->zone_locked = true;
	o->zone_lock_cpu = call->cpu;
}

/* L1: deferred blocks stay deferred until the next locked free (L5). */
void o_op_zone_unlock(void *model, struct pd_ctx *ctx, const struct pd_call *call,
		      struct pd_result *res)
{
	struct oracle *o = model;

	o_res_init(res);
	o->zone_locked = false;
}

/* R1: a short pin on a tag block; kept in every tagstore mode. */
void o_op_tagstore_pin(void *model, struct pd_ctx *ctx, const struct pd_call *call,
		       struct pd_result *res)
{
	struct oracle *o = model;

	o_res_init(res);
	if (call->block >= o->nr_tagblocks) {
		res->status = PD_EINVAL;
		return;
	}
	o_tagblock(o, call->block)->pins++;
}

/* R1: unpin of an unpinned tag block is einval. */
void o_op_tagstore_unpin(void *model, struct pd_ctx *ctx, const struct pd_call *call,
			 struct pd_result *res)
{
	struct oracle *o = model;

	o_res_init(res);
	if (call->block >= o->nr_tagblocks || !o->tagblocks[call->block].pins) {
		res->status = PD_EINVAL;
		return;
	}
	o_tagblock(o, call->block)->pins--;
}
