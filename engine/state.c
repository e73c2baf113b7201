// SPDX-License-Identifier: MIT
/*
 * state.c - comparing the observable state of two models (spec.md §2),
 * object by object, and tracking which objects each op changed in the
 * primary (for the "earlier ops that touched it" part of a report).
 *
 * Every object kind is a small table of fields.  A field is compared
 * always, or only when both sides say it is meaningful: a frame's content
 * when both are content_defined, its tags (the first `granules`) when both
 * are mte_tagged; a slot's content when both are in use, its tags when
 * both have tags saved.  The same rule, applied to one side, normalizes
 * an object before it is hashed for change tracking, so that an undefined
 * content changing is not a change.
 *
 * The walk is per object (cmp_frame, cmp_pte, ...), so that a later,
 * incremental comparison can visit only the objects an op touched.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "run.h"

const char *const pd_obj_name[PD_NR_OBJ] = {
	"frame", "pte", "proc", "slot", "unit", "tagblock", "totals",
};

enum when { W_ALWAYS, W_CONTENT, W_INUSE };

struct fdesc {
	const char *name;
	uint16_t    off;
	uint8_t     size;
	uint8_t     when;   /* enum when */
};

#define F(type, field, when) { #field, offsetof(type, field), sizeof(((type *)0)->field), when }

static const struct fdesc frame_fields[] = {
	F(struct pd_frame_state, kind, W_ALWAYS),
	F(struct pd_frame_state, order, W_ALWAYS),
	F(struct pd_frame_state, accepted, W_ALWAYS),
	F(struct pd_frame_state, anon, W_ALWAYS),
	F(struct pd_frame_state, anon_exclusive, W_ALWAYS),
	F(struct pd_frame_state, mte_tagged, W_ALWAYS),
	F(struct pd_frame_state, tag_reserved, W_ALWAYS),
	F(struct pd_frame_state, in_swapcache, W_ALWAYS),
	F(struct pd_frame_state, content_defined, W_ALWAYS),
	F(struct pd_frame_state, mapcount, W_ALWAYS),
	F(struct pd_frame_state, refcount, W_ALWAYS),
	F(struct pd_frame_state, swapcache_slot, W_ALWAYS),
	F(struct pd_frame_state, content, W_CONTENT),
};

static const struct fdesc pte_fields[] = {
	F(struct pd_pte_state, mapped, W_ALWAYS),
	F(struct pd_pte_state, mte, W_ALWAYS),
	F(struct pd_pte_state, kind, W_ALWAYS),
	F(struct pd_pte_state, writable, W_ALWAYS),
	F(struct pd_pte_state, exclusive, W_ALWAYS),
	F(struct pd_pte_state, frame, W_ALWAYS),
	F(struct pd_pte_state, slot, W_ALWAYS),
};

static const struct fdesc proc_fields[] = {
	F(struct pd_proc_state, alive, W_ALWAYS),
	F(struct pd_proc_state, has_pinned, W_ALWAYS),
};

static const struct fdesc slot_fields[] = {
	F(struct pd_slot_state, in_use, W_ALWAYS),
	F(struct pd_slot_state, in_swapcache, W_ALWAYS),
	F(struct pd_slot_state, tags_saved, W_ALWAYS),
	F(struct pd_slot_state, count, W_ALWAYS),
	F(struct pd_slot_state, frame, W_ALWAYS),
	F(struct pd_slot_state, content, W_INUSE),
};

static const struct fdesc unit_fields[] = {
	F(struct pd_unit_state, accepted, W_ALWAYS),
	F(struct pd_unit_state, times_accepted, W_ALWAYS),
};

static const struct fdesc tagblock_fields[] = {
	F(struct pd_tagblock_state, reservations, W_ALWAYS),
	F(struct pd_tagblock_state, pins, W_ALWAYS),
};

static const struct fdesc totals_fields[] = {
	F(struct pd_totals, free_frames, W_ALWAYS),
	F(struct pd_totals, deferred_frames, W_ALWAYS),
	F(struct pd_totals, live_procs, W_ALWAYS),
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t field_get(const void *obj, const struct fdesc *f)
{
	const uint8_t *p = (const uint8_t *)obj + f->off;
	uint32_t v32;
	uint16_t v16;
	uint64_t v64;

	switch (f->size) {
	case 1: return *p;
	case 2: memcpy(&v16, p, 2); return v16;
	case 4: memcpy(&v32, p, 4); return v32;
	default: memcpy(&v64, p, 8); return v64;
	}
}

/* Whether a conditional field is meaningful in this object (W_* flag). */
static bool meaningful(unsigned obj, const void *s, unsigned when)
{
	/* The obj test lets the compiler see which struct s is (gcc -Warray-bounds). */
	if (when == W_CONTENT && obj == PD_OBJ_FRAME)
		return ((const struct pd_frame_state *)s)->content_defined;
	if (when == W_INUSE && obj == PD_OBJ_SLOT)
		return ((const struct pd_slot_state *)s)->in_use;
	return true;
}

static void add_diff(struct pd_runner *rn, unsigned obj, unsigned proc, uint32_t index,
		     const char *field, int granule, uint64_t pv, uint64_t rv)
{
	struct pd_diff *d;

	if (rn->ndiff_total++ >= PD_MAX_DIFFS)
		return;
	d = &rn->diff[rn->ndiff++];
	d->obj = (uint8_t)obj;
	d->proc = (uint8_t)proc;
	d->index = index;
	d->field = field;
	d->granule = granule;
	d->pv = pv;
	d->rv = rv;
}

static void cmp_fields(struct pd_runner *rn, unsigned obj, unsigned proc, uint32_t index,
		       const struct fdesc *fd, size_t nf, const void *a, const void *b)
{
	for (size_t i = 0; i < nf; i++) {
		uint64_t x, y;

		if (fd[i].when != W_ALWAYS &&
		    !(meaningful(obj, a, fd[i].when) && meaningful(obj, b, fd[i].when)))
			continue;
		x = field_get(a, &fd[i]);
		y = field_get(b, &fd[i]);
		if (x != y)
			add_diff(rn, obj, proc, index, fd[i].name, -1, x, y);
	}
}

static void cmp_tags(struct pd_runner *rn, unsigned obj, uint32_t index,
		     const uint8_t *a, const uint8_t *b)
{
	for (unsigned g = 0; g < rn->cfg->granules; g++)
		if (pd_tag_get(a, g) != pd_tag_get(b, g))
			add_diff(rn, obj, 0, index, "tags", (int)g, pd_tag_get(a, g), pd_tag_get(b, g));
}

/* One 64-bit word into the hash (a multiply-xorshift step). */
static inline uint64_t hash_mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	h *= 0xff51afd7ed558ccdull;
	return h ^ (h >> 32);
}

/*
 * Hash of the meaningful fields of one side's object, for change tracking
 * only (a collision just drops one op from a report's history).  Word at a
 * time: this runs on every object in a full comparison.
 */
static uint64_t hash_fields(unsigned obj, const struct fdesc *fd, size_t nf, const void *s,
			    const uint8_t *tags, unsigned granules)
{
	uint64_t h = 0xcbf29ce484222325ull, w;
	unsigned nbytes;

	for (size_t i = 0; i < nf; i++)
		h = hash_mix(h, meaningful(obj, s, fd[i].when) ? field_get(s, &fd[i]) : 0);
	if (tags) {
		nbytes = (granules + 1) / 2;
		for (unsigned b = 0; b < nbytes; b += 8) {
			w = 0;
			memcpy(&w, tags + b, nbytes - b < 8 ? nbytes - b : 8);
			if (granules & 1 && b + 8 >= nbytes)
				w &= ~((uint64_t)0xf0 << (8 * (nbytes - 1 - b)));
			h = hash_mix(h, w);
		}
	}
	return h;
}

/* Note that the current op changed object (obj, proc, index) in the primary. */
static void touch(struct pd_runner *rn, unsigned obj, unsigned proc, uint32_t index)
{
	struct pd_change *c = rn->nchanges ? &rn->changes[rn->nchanges - 1] : NULL;
	uint32_t op = (uint32_t)rn->op;

	if (rn->op < 0)
		return;
	if (c && c->op == op && c->obj == obj && c->proc == proc && c->last + 1 == index) {
		c->last = index;
		return;
	}
	pd_grow((void **)&rn->changes, &rn->changes_cap, rn->nchanges + 1, sizeof(*rn->changes));
	c = &rn->changes[rn->nchanges++];
	c->op = op;
	c->obj = (uint8_t)obj;
	c->proc = (uint8_t)proc;
	c->first = c->last = index;
}

static void track(struct pd_runner *rn, uint64_t *slot, uint64_t h, unsigned obj,
		  unsigned proc, uint32_t index)
{
	if (*slot != h)
		touch(rn, obj, proc, index);
	*slot = h;
}

/*
 * The common case, equal frames, without the field table: byte-equal
 * (both sides were zeroed before the model filled them) means every field
 * is equal.  Not byte-equal falls through to the field-by-field rules,
 * which also know what is allowed to differ (undefined content, tags of
 * an untagged page).
 */
static bool frame_same(const struct pd_runner *rn, const struct pd_frame_state *a,
		       const struct pd_frame_state *b)
{
	if (!pd_bytes_equal(a, b, offsetof(struct pd_frame_state, tags)))
		return false;
	return !a->mte_tagged || pd_bytes_equal(a->tags, b->tags, (rn->cfg->granules + 1u) / 2);
}

/* Compare one frame's two states (and track it in the primary). */
static void judge_frame(struct pd_runner *rn, uint32_t f, const struct pd_frame_state *a,
			const struct pd_frame_state *b)
{
	if (!frame_same(rn, a, b)) {
		cmp_fields(rn, PD_OBJ_FRAME, 0, f, frame_fields, N(frame_fields), a, b);
		if (a->mte_tagged && b->mte_tagged)
			cmp_tags(rn, PD_OBJ_FRAME, f, a->tags, b->tags);
	}
	if (!rn->fast)
		track(rn, &rn->h_frame[f],
		      hash_fields(PD_OBJ_FRAME, frame_fields, N(frame_fields), a,
				  a->mte_tagged ? a->tags : NULL, rn->cfg->granules),
		      PD_OBJ_FRAME, 0, f);
}

/*
 * One side's states of frames [f, f + n) into its run buffer, n <= PD_FRAME_RUN:
 * one frame_state_range() call where the model has it.  Zeroed up to the
 * tags first (padding included, for the byte-equal test); tags are read
 * only when mte_tagged, and then a model fills them.
 */
static void read_frames(struct pd_side *sd, uint32_t f, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		memset(&sd->frun[i], 0, offsetof(struct pd_frame_state, tags));
	if (sd->ops->frame_state_range) {
		sd->ops->frame_state_range(sd->m, f, n, sd->frun);
		return;
	}
	for (uint32_t i = 0; i < n; i++)
		sd->ops->frame_state(sd->m, f + i, &sd->frun[i]);
}

/* Frames [f, f + n), n <= PD_FRAME_RUN, in frame order. */
static void cmp_frame_run(struct pd_runner *rn, uint32_t f, uint32_t n)
{
	struct pd_side *p = &rn->side[0], *r = &rn->side[1];

	read_frames(p, f, n);
	read_frames(r, f, n);
	for (uint32_t i = 0; i < n; i++)
		judge_frame(rn, f + i, &p->frun[i], &r->frun[i]);
}

static void cmp_proc(struct pd_runner *rn, uint8_t proc)
{
	struct pd_side *p = &rn->side[0], *r = &rn->side[1];
	struct pd_proc_state a, b;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	p->ops->proc_state(p->m, proc, &a);
	r->ops->proc_state(r->m, proc, &b);
	/* Byte-equal (both zeroed first): every field equal; the usual case. */
	if (!pd_bytes_equal(&a, &b, sizeof(a)))
		cmp_fields(rn, PD_OBJ_PROC, proc, proc, proc_fields, N(proc_fields), &a, &b);
	if (!rn->fast)
		track(rn, &rn->h_proc[proc],
		      hash_fields(PD_OBJ_PROC, proc_fields, N(proc_fields), &a, NULL, 0),
		      PD_OBJ_PROC, proc, proc);
}

static void cmp_pte(struct pd_runner *rn, uint8_t proc, uint16_t v)
{
	struct pd_side *p = &rn->side[0], *r = &rn->side[1];
	struct pd_pte_state a, b;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	p->ops->pte_state(p->m, proc, v, &a);
	r->ops->pte_state(r->m, proc, v, &b);
	/* Byte-equal (both zeroed first): every field equal; the usual case. */
	if (!pd_bytes_equal(&a, &b, sizeof(a)))
		cmp_fields(rn, PD_OBJ_PTE, proc, v, pte_fields, N(pte_fields), &a, &b);
	if (!rn->fast)
		track(rn, &rn->h_pte[(size_t)proc * rn->cfg->vpages + v],
		      hash_fields(PD_OBJ_PTE, pte_fields, N(pte_fields), &a, NULL, 0),
		      PD_OBJ_PTE, proc, v);
}

static void cmp_slot(struct pd_runner *rn, uint32_t s)
{
	struct pd_side *p = &rn->side[0], *r = &rn->side[1];
	struct pd_slot_state a, b;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	p->ops->slot_state(p->m, s, &a);
	r->ops->slot_state(r->m, s, &b);
	if (!pd_bytes_equal(&a, &b, sizeof(a))) {
		cmp_fields(rn, PD_OBJ_SLOT, 0, s, slot_fields, N(slot_fields), &a, &b);
		if (a.tags_saved && b.tags_saved)
			cmp_tags(rn, PD_OBJ_SLOT, s, a.tags, b.tags);
	}
	if (!rn->fast)
		track(rn, &rn->h_slot[s],
		      hash_fields(PD_OBJ_SLOT, slot_fields, N(slot_fields), &a,
				  a.tags_saved ? a.tags : NULL, rn->cfg->granules),
		      PD_OBJ_SLOT, 0, s);
}

static void cmp_unit(struct pd_runner *rn, uint32_t u)
{
	struct pd_side *p = &rn->side[0], *r = &rn->side[1];
	struct pd_unit_state a, b;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	p->ops->unit_state(p->m, u, &a);
	r->ops->unit_state(r->m, u, &b);
	/* Byte-equal (both zeroed first): every field equal; the usual case. */
	if (!pd_bytes_equal(&a, &b, sizeof(a)))
		cmp_fields(rn, PD_OBJ_UNIT, 0, u, unit_fields, N(unit_fields), &a, &b);
	if (!rn->fast)
		track(rn, &rn->h_unit[u], hash_fields(PD_OBJ_UNIT, unit_fields, N(unit_fields), &a, NULL, 0),
		      PD_OBJ_UNIT, 0, u);
}

static void cmp_tagblock(struct pd_runner *rn, uint32_t tb)
{
	struct pd_side *p = &rn->side[0], *r = &rn->side[1];
	struct pd_tagblock_state a, b;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	p->ops->tagblock_state(p->m, tb, &a);
	r->ops->tagblock_state(r->m, tb, &b);
	/* Byte-equal (both zeroed first): every field equal; the usual case. */
	if (!pd_bytes_equal(&a, &b, sizeof(a)))
		cmp_fields(rn, PD_OBJ_TAGBLOCK, 0, tb, tagblock_fields, N(tagblock_fields), &a, &b);
	if (!rn->fast)
		track(rn, &rn->h_tagblock[tb],
		      hash_fields(PD_OBJ_TAGBLOCK, tagblock_fields, N(tagblock_fields), &a, NULL, 0),
		      PD_OBJ_TAGBLOCK, 0, tb);
}

static void cmp_totals(struct pd_runner *rn)
{
	struct pd_side *p = &rn->side[0], *r = &rn->side[1];
	struct pd_totals a, b;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	p->ops->totals(p->m, &a);
	r->ops->totals(r->m, &b);
	/* Byte-equal (both zeroed first): every field equal; the usual case. */
	if (!pd_bytes_equal(&a, &b, sizeof(a)))
		cmp_fields(rn, PD_OBJ_TOTALS, 0, 0, totals_fields, N(totals_fields), &a, &b);
	if (!rn->fast)
		track(rn, &rn->h_totals,
		      hash_fields(PD_OBJ_TOTALS, totals_fields, N(totals_fields), &a, NULL, 0),
		      PD_OBJ_TOTALS, 0, 0);
}

void pd_visit_init(struct pd_visit *v, const struct pd_config *c)
{
	memset(v, 0, sizeof(*v));
	v->nframe = pd_nr_frames(c);
	v->npte = (size_t)PD_MAX_PROCS * c->vpages;
	v->nslot = c->slots;
	v->nunit = pd_nr_units(c);
	v->ntagblock = pd_nr_tag_blocks(c);
	/* An input stamps what it touches, a few pages of these at most. */
	v->frame = pd_xzalloc_sparse(v->nframe, sizeof(uint32_t));
	v->pte = pd_xzalloc_sparse(v->npte, sizeof(uint32_t));
	v->slot = pd_xzalloc_sparse(v->nslot, sizeof(uint32_t));
	v->unit = pd_xzalloc_sparse(v->nunit, sizeof(uint32_t));
	v->tagblock = pd_xzalloc_sparse(v->ntagblock, sizeof(uint32_t));
}

void pd_visit_free(struct pd_visit *v)
{
	pd_zfree_sparse(v->frame, v->nframe, sizeof(uint32_t));
	pd_zfree_sparse(v->pte, v->npte, sizeof(uint32_t));
	pd_zfree_sparse(v->slot, v->nslot, sizeof(uint32_t));
	pd_zfree_sparse(v->unit, v->nunit, sizeof(uint32_t));
	pd_zfree_sparse(v->tagblock, v->ntagblock, sizeof(uint32_t));
	memset(v, 0, sizeof(*v));
}

void pd_visit_next(struct pd_visit *v)
{
	if (++v->epoch)
		return;
	/* Wrapped: stamps of 2^32 compares ago would read as current. */
	memset(v->frame, 0, v->nframe * sizeof(uint32_t));
	memset(v->pte, 0, v->npte * sizeof(uint32_t));
	memset(v->slot, 0, v->nslot * sizeof(uint32_t));
	memset(v->unit, 0, v->nunit * sizeof(uint32_t));
	memset(v->tagblock, 0, v->ntagblock * sizeof(uint32_t));
	memset(v->proc, 0, sizeof(v->proc));
	v->epoch = 1;
}

void pd_state_init(struct pd_runner *rn)
{
	const struct pd_config *c = rn->cfg;

	if (!rn->fast) {
		rn->h_frame = pd_xcalloc(pd_nr_frames(c), sizeof(uint64_t));
		rn->h_pte = pd_xcalloc((size_t)PD_MAX_PROCS * c->vpages, sizeof(uint64_t));
		rn->h_slot = pd_xcalloc(c->slots, sizeof(uint64_t));
		rn->h_unit = pd_xcalloc(pd_nr_units(c), sizeof(uint64_t));
		rn->h_tagblock = pd_xcalloc(pd_nr_tag_blocks(c), sizeof(uint64_t));
	}
	if (rn->incremental && !rn->vis) {
		pd_visit_init(&rn->own_vis, c);
		rn->vis = &rn->own_vis;
	}
	if (rn->vis)
		rn->input_epoch = rn->vis->epoch;
}

void pd_state_free(struct pd_runner *rn)
{
	free(rn->h_frame);
	free(rn->h_pte);
	free(rn->h_slot);
	free(rn->h_unit);
	free(rn->h_tagblock);
	free(rn->changes);
	if (rn->vis == &rn->own_vis)
		pd_visit_free(&rn->own_vis);
}

void pd_state_compare(struct pd_runner *rn)
{
	const struct pd_config *c = rn->cfg;

	for (uint32_t f = 0; f < pd_nr_frames(c); f += PD_FRAME_RUN)
		cmp_frame_run(rn, f, pd_nr_frames(c) - f < PD_FRAME_RUN ? pd_nr_frames(c) - f
									 : PD_FRAME_RUN);
	for (uint8_t proc = 0; proc < PD_MAX_PROCS; proc++) {
		cmp_proc(rn, proc);
		for (uint16_t v = 0; v < c->vpages; v++)
			cmp_pte(rn, proc, v);
	}
	for (uint32_t s = 0; s < c->slots; s++)
		cmp_slot(rn, s);
	for (uint32_t u = 0; u < pd_nr_units(c); u++)
		cmp_unit(rn, u);
	for (uint32_t tb = 0; tb < pd_nr_tag_blocks(c); tb++)
		cmp_tagblock(rn, tb);
	cmp_totals(rn);
}

/*
 * Fast mode: object `index` of kind obj is new to the input; join the end
 * comparison's list, extending its last run when it continues it (a
 * block's frames, a range of PTEs are one entry).
 */
static void input_seen(struct pd_runner *rn, unsigned obj, unsigned proc, uint32_t index)
{
	struct pd_obj_ref *e = rn->niseen ? &rn->iseen[rn->niseen - 1] : NULL;

	if (e && e->obj == obj && e->proc == proc && e->index + e->n == index) {
		e->n++;
		return;
	}
	pd_grow((void **)&rn->iseen, &rn->iseen_cap, rn->niseen + 1, sizeof(*rn->iseen));
	e = &rn->iseen[rn->niseen++];
	e->obj = (uint8_t)obj;
	e->proc = (uint8_t)proc;
	e->index = index;
	e->n = 1;
}

/*
 * First visit of an object in this compare?  (Both models may touch it.)
 * In fast mode, the first in the input also joins the end comparison's list.
 */
static PD_HOT_INLINE bool first_visit(struct pd_runner *rn, uint32_t *stamp, unsigned obj, unsigned proc,
			uint32_t index)
{
	uint32_t old = *stamp;

	if (old == rn->vis->epoch)
		return false;
	*stamp = rn->vis->epoch;
	if (rn->fast && old <= rn->input_epoch)
		input_seen(rn, obj, proc, index);
	return true;
}

/*
 * Frames [first, end) not yet visited in this compare, a run of up to
 * PD_FRAME_RUN at a time: the common touch is a whole block, all new.
 */
static void visit_frames(struct pd_runner *rn, uint32_t first, uint32_t end)
{
	uint32_t *stamp = rn->vis->frame, epoch = rn->vis->epoch;
	uint32_t f = first;

	while (f < end) {
		uint32_t run;

		while (f < end && stamp[f] == epoch)
			f++;
		for (run = f; f < end && f - run < PD_FRAME_RUN && stamp[f] != epoch; f++) {
			if (rn->fast && stamp[f] <= rn->input_epoch)
				input_seen(rn, PD_OBJ_FRAME, 0, f);
			stamp[f] = epoch;
		}
		if (f > run)
			cmp_frame_run(rn, run, f - run);
	}
}

/*
 * Visit objects [first, first + n) of one kind, clipped to the config: a
 * model's touch is a hint, never trusted to be in range.
 */
static void visit_range(struct pd_runner *rn, unsigned obj, uint32_t first, uint32_t n)
{
	const struct pd_config *c = rn->cfg;
	struct pd_visit *vis = rn->vis;
	uint64_t end = (uint64_t)first + n;

	switch (obj) {
	case PD_OBJ_FRAME:
		visit_frames(rn, first, end < pd_nr_frames(c) ? (uint32_t)end : pd_nr_frames(c));
		break;
	case PD_OBJ_PTE: {
		uint32_t proc = first >> 16, v0 = first & 0xffff;

		if (proc >= PD_MAX_PROCS)
			break;
		for (uint64_t v = v0; v < (uint64_t)v0 + n && v < c->vpages; v++)
			if (first_visit(rn, &vis->pte[(size_t)proc * c->vpages + v], PD_OBJ_PTE, proc,
					(uint32_t)v))
				cmp_pte(rn, (uint8_t)proc, (uint16_t)v);
		break;
	}
	case PD_OBJ_PROC:
		for (uint64_t p = first; p < end && p < PD_MAX_PROCS; p++)
			if (first_visit(rn, &vis->proc[p], PD_OBJ_PROC, (unsigned)p, (uint32_t)p))
				cmp_proc(rn, (uint8_t)p);
		break;
	case PD_OBJ_SLOT:
		for (uint64_t sl = first; sl < end && sl < c->slots; sl++)
			if (first_visit(rn, &vis->slot[sl], PD_OBJ_SLOT, 0, (uint32_t)sl))
				cmp_slot(rn, (uint32_t)sl);
		break;
	case PD_OBJ_UNIT:
		for (uint64_t u = first; u < end && u < pd_nr_units(c); u++)
			if (first_visit(rn, &vis->unit[u], PD_OBJ_UNIT, 0, (uint32_t)u))
				cmp_unit(rn, (uint32_t)u);
		break;
	case PD_OBJ_TAGBLOCK:
		for (uint64_t tb = first; tb < end && tb < pd_nr_tag_blocks(c); tb++)
			if (first_visit(rn, &vis->tagblock[tb], PD_OBJ_TAGBLOCK, 0, (uint32_t)tb))
				cmp_tagblock(rn, (uint32_t)tb);
		break;
	default:
		break;
	}
}

/* Record k of ctx, if it has one, is t. */
static PD_HOT_INLINE bool same_touch(const struct pd_touch_rec *t, const struct pd_ctx *ctx,
				     unsigned k)
{
	return k < ctx->ntouch && ctx->touch[k].obj == t->obj && ctx->touch[k].first == t->first &&
	       ctx->touch[k].n == t->n;
}

/* Fast mode: an op that overflowed its touch list makes the end compare everything. */
static void log_input_touches(struct pd_runner *rn, const struct pd_ctx *ctx)
{
	if (ctx->touch_all)
		rn->itouch_all = true;
}

void pd_state_compare_touched(struct pd_runner *rn)
{
	for (int i = 0; i < 2; i++) {
		const struct pd_side *sd = &rn->side[i];

		if (rn->fast) {
			log_input_touches(rn, &sd->uctx);
			log_input_touches(rn, &sd->ctx);
		}
	}
	for (int i = 0; i < 2; i++) {
		const struct pd_side *sd = &rn->side[i];

		if (sd->ctx.touch_all || sd->uctx.touch_all) {
			pd_state_compare(rn);
			return;
		}
	}
	pd_visit_next(rn->vis);
	/* Wrapped: stamps were cleared, the input's list can no longer grow right. */
	if (rn->vis->epoch <= rn->input_epoch)
		rn->itouch_all = true;
	for (int i = 0; i < 2; i++) {
		const struct pd_side *sd = &rn->side[i];

		for (unsigned k = 0; k < sd->uctx.ntouch; k++)
			visit_range(rn, sd->uctx.touch[k].obj, sd->uctx.touch[k].first,
				    sd->uctx.touch[k].n);
		for (unsigned k = 0; k < sd->ctx.ntouch; k++) {
			const struct pd_touch_rec *t = &sd->ctx.touch[k];

			/* The reference's record k is usually the primary's: all visited. */
			if (i && same_touch(t, &rn->side[0].ctx, k))
				continue;
			visit_range(rn, t->obj, t->first, t->n);
		}
	}
	cmp_totals(rn);
}

/*
 * Fast mode, end of input: an object touched at some op and changed again
 * later without being reported is caught here; objects nobody touched
 * are only compared by a full comparison (pd_run_opts.fast_full_end).
 */
void pd_state_compare_input_touched(struct pd_runner *rn)
{
	if (rn->itouch_all) {
		pd_state_compare(rn);
		return;
	}
	for (size_t k = 0; k < rn->niseen; k++) {
		const struct pd_obj_ref *e = &rn->iseen[k];

		for (uint32_t i = 0; i < e->n; i++) {
			uint32_t x = e->index + i;

			switch (e->obj) {
			case PD_OBJ_FRAME: {
				uint32_t n = e->n - i < PD_FRAME_RUN ? e->n - i : PD_FRAME_RUN;

				cmp_frame_run(rn, x, n);
				i += n - 1;
				break;
			}
			case PD_OBJ_PTE:      cmp_pte(rn, e->proc, (uint16_t)x); break;
			case PD_OBJ_PROC:     cmp_proc(rn, e->proc); break;
			case PD_OBJ_SLOT:     cmp_slot(rn, x); break;
			case PD_OBJ_UNIT:     cmp_unit(rn, x); break;
			case PD_OBJ_TAGBLOCK: cmp_tagblock(rn, x); break;
			default:              break;
			}
		}
	}
	cmp_totals(rn);
}

void pd_obj_format(const struct pd_runner *rn, unsigned obj, unsigned proc, uint32_t index,
		   struct pd_strbuf *sb)
{
	switch (obj) {
	case PD_OBJ_PTE:
	case PD_OBJ_PROC:
		if (rn->slot_used[proc])
			pd_sb_printf(sb, "%s p%u (slot %u)", obj == PD_OBJ_PTE ? "pte" : "proc",
				     rn->slot_pid[proc], proc);
		else
			pd_sb_printf(sb, "%s slot %u", obj == PD_OBJ_PTE ? "pte of free proc" : "free proc",
				     proc);
		if (obj == PD_OBJ_PTE)
			pd_sb_printf(sb, " vpage %u", index);
		break;
	case PD_OBJ_TOTALS:
		pd_sb_puts(sb, "totals");
		break;
	default:
		pd_sb_printf(sb, "%s %u", pd_obj_name[obj], index);
		break;
	}
}
