// SPDX-License-Identifier: MIT
/*
 * run_expect.c - evaluating `expect` lines against each model after the
 * op above them.  A failure is reported, one line per field, as
 *   FILE:LINE: expectation failed on model NAME (ROLE): OBJECT: field=F expected E got G
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "expect.h"
#include "optab.h"
#include "run.h"

struct ectx {
	struct pd_runner        *rn;
	const struct pd_side    *sd;
	const struct pd_expect  *e;
	uint32_t                 line;
	struct pd_strbuf         obj;     /* "page p0 vpage=0 (frame 3)" */
	bool                     failed;
};

static void fail(struct ectx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(struct ectx *x, const char *fmt, ...)
{
	struct pd_strbuf *sb = &x->rn->msgs;
	va_list ap;

	pd_sb_printf(sb, "%s:%u: expectation failed on model %s (%s): %s: ", x->rn->file,
		     x->line, x->sd->name, x->sd->role, x->obj.s ? x->obj.s : "?");
	va_start(ap, fmt);
	pd_sb_vprintf(sb, fmt, ap);
	va_end(ap);
	pd_sb_puts(sb, "\n");
	x->failed = true;
}

/* A field whose expected and actual values are plain numbers. */
static void want(struct ectx *x, const struct pd_expect_field *f, uint64_t got)
{
	unsigned type = pd_ef_type(x->e->what, f->id);
	const char *name = pd_ef_name[f->id];

	if (got == f->value)
		return;
	switch (type) {
	case PD_EFT_PAGE_KIND:
		fail(x, "field=%s expected %s got %s", name, pd_page_kind_name[f->value & 3],
		     got < 4 ? pd_page_kind_name[got] : "?");
		break;
	case PD_EFT_PTE_KIND:
		fail(x, "field=%s expected %s got %s", name, pd_pte_kind_name[f->value & 3],
		     got < 4 ? pd_pte_kind_name[got] : "?");
		break;
	case PD_EFT_HEX:
	case PD_EFT_CONTENT:
		fail(x, "field=%s expected 0x%" PRIx64 " got 0x%" PRIx64, name, f->value, got);
		break;
	default:
		if (got == UINT32_MAX && (type == PD_EFT_FRAME || type == PD_EFT_SLOT))
			fail(x, "field=%s expected %" PRIu64 " got none", name, f->value);
		else
			fail(x, "field=%s expected %" PRIu64 " got %" PRIu64, name, f->value, got);
		break;
	}
}

static void tags_str(char *buf, const uint8_t *tags, unsigned granules)
{
	for (unsigned g = 0; g < granules; g++)
		buf[g] = "0123456789abcdef"[pd_tag_get(tags, g)];
	buf[granules] = 0;
}

/* tags= and tag.G= of a page (tagged) or a slot (tags saved). */
static void want_tags(struct ectx *x, const struct pd_expect_field *f, bool have,
		      const uint8_t *tags, const char *flagname)
{
	unsigned granules = x->rn->cfg->granules;
	char a[PD_MAX_GRANULES + 1], b[PD_MAX_GRANULES + 1];

	tags_str(a, x->e->tags, granules);
	if (!have) {
		if (f->id == PD_EF_TAGS)
			fail(x, "field=tags expected %s got none (%s=0)", a, flagname);
		else
			fail(x, "field=tag.%u expected %" PRIu64 " got none (%s=0)", f->granule,
			     f->value, flagname);
		return;
	}
	if (f->id == PD_EF_TAG) {
		if (pd_tag_get(tags, f->granule) != f->value)
			fail(x, "field=tag.%u expected %" PRIu64 " got %u", f->granule, f->value,
			     pd_tag_get(tags, f->granule));
		return;
	}
	tags_str(b, tags, granules);
	if (strcmp(a, b))
		fail(x, "field=tags expected %s got %s", a, b);
}

static void eval_page(struct ectx *x, uint32_t frame)
{
	const struct pd_side *sd = x->sd;
	struct pd_frame_state s;

	memset(&s, 0, sizeof(s));
	sd->ops->frame_state(sd->m, frame, &s);
	for (uint32_t i = 0; i < x->e->nfields; i++) {
		const struct pd_expect_field *f = &x->e->fields[i];

		switch (f->id) {
		case PD_EF_KIND:      want(x, f, s.kind); break;
		case PD_EF_ORDER:     want(x, f, s.order); break;
		case PD_EF_ACCEPTED:  want(x, f, s.accepted); break;
		case PD_EF_ANON:      want(x, f, s.anon); break;
		case PD_EF_AE:        want(x, f, s.anon_exclusive); break;
		case PD_EF_TAGGED:    want(x, f, s.mte_tagged); break;
		case PD_EF_RESERVED:  want(x, f, s.tag_reserved); break;
		case PD_EF_SWAPCACHE: want(x, f, s.in_swapcache); break;
		case PD_EF_MC:        want(x, f, s.mapcount); break;
		case PD_EF_RC:        want(x, f, s.refcount); break;
		case PD_EF_CONTENT:
			if (f->undef && s.content_defined)
				fail(x, "field=content expected undefined got 0x%" PRIx64, s.content);
			else if (!f->undef && !s.content_defined)
				fail(x, "field=content expected 0x%" PRIx64 " got undefined", f->value);
			else if (!f->undef)
				want(x, f, s.content);
			break;
		case PD_EF_TAGS:
		case PD_EF_TAG:
			want_tags(x, f, s.mte_tagged, s.tags, "tagged");
			break;
		default:
			break;
		}
	}
}

static void eval_slot(struct ectx *x, uint32_t slot)
{
	const struct pd_side *sd = x->sd;
	struct pd_slot_state s;

	memset(&s, 0, sizeof(s));
	sd->ops->slot_state(sd->m, slot, &s);
	for (uint32_t i = 0; i < x->e->nfields; i++) {
		const struct pd_expect_field *f = &x->e->fields[i];

		switch (f->id) {
		case PD_EF_INUSE:     want(x, f, s.in_use); break;
		case PD_EF_COUNT:     want(x, f, s.count); break;
		case PD_EF_SWAPCACHE: want(x, f, s.in_swapcache); break;
		case PD_EF_TAGSAVED:  want(x, f, s.tags_saved); break;
		case PD_EF_CONTENT:
			/* A slot's content is defined while the slot is in use. */
			if (f->undef && s.in_use)
				fail(x, "field=content expected undefined got 0x%" PRIx64, s.content);
			else if (!f->undef && !s.in_use)
				fail(x, "field=content expected 0x%" PRIx64 " got undefined (inuse=0)",
				     f->value);
			else if (!f->undef)
				want(x, f, s.content);
			break;
		case PD_EF_TAGS:
		case PD_EF_TAG:
			want_tags(x, f, s.tags_saved, s.tags, "tagsaved");
			break;
		default:
			break;
		}
	}
}

static void eval_pte(struct ectx *x, const struct pd_pte_state *s)
{
	for (uint32_t i = 0; i < x->e->nfields; i++) {
		const struct pd_expect_field *f = &x->e->fields[i];

		switch (f->id) {
		case PD_EF_KIND:     want(x, f, s->kind); break;
		case PD_EF_MAPPED:   want(x, f, s->mapped); break;
		case PD_EF_MTE:      want(x, f, s->mte); break;
		case PD_EF_WRITABLE: want(x, f, s->writable); break;
		case PD_EF_EXCL:     want(x, f, s->exclusive); break;
		case PD_EF_FRAME:    want(x, f, s->frame); break;
		case PD_EF_SLOT:     want(x, f, s->slot); break;
		default:             break;
		}
	}
}

static void eval_result(struct ectx *x)
{
	const struct pd_result *res = &x->sd->res;

	if (res->status != x->e->status) {
		fail(x, "field=status expected %s got %s", pd_status_name(x->e->status),
		     pd_status_name(res->status));
		return;
	}
	for (uint32_t i = 0; i < x->e->nfields; i++) {
		const struct pd_expect_field *f = &x->e->fields[i];

		switch (f->id) {
		case PD_EF_VALUE: want(x, f, res->value); break;
		case PD_EF_FRAME: want(x, f, res->frame); break;
		case PD_EF_ORDER: want(x, f, res->order); break;
		default:          break;
		}
	}
}

/*
 * The process slot of a live pN at run time; false (and a failure) if the
 * op that created it failed.
 */
static bool proc_slot(struct ectx *x, uint32_t name, uint8_t *slot)
{
	struct pd_rname *e = pd_rname_find(x->rn, PD_L_PROC, name);

	if (!e || e->dead) {
		fail(x, "p%u is dead (the op that created it failed)", name);
		return false;
	}
	*slot = e->slot;
	return true;
}

static void read_pte(struct ectx *x, uint8_t slot, struct pd_pte_state *s)
{
	memset(s, 0, sizeof(*s));
	x->sd->ops->pte_state(x->sd->m, slot, x->e->vpage, s);
}

static void eval_one(struct ectx *x)
{
	const struct pd_expect *e = x->e;
	const struct pd_side *sd = x->sd;
	struct pd_pte_state pte;
	struct pd_rname *h;
	uint8_t slot;
	uint32_t idx = e->index;
	static const int8_t letter[] = {
		[PD_REF_ALLOC] = PD_L_ALLOC, [PD_REF_PIN] = PD_L_PIN, [PD_REF_GET] = PD_L_GET,
	};

	pd_sb_puts(&x->obj, pd_expect_what_name[e->what]);
	switch (e->ref) {
	case PD_REF_VPAGE:
		pd_sb_printf(&x->obj, " p%u vpage=%u", e->name, e->vpage);
		if (!proc_slot(x, e->name, &slot))
			return;
		read_pte(x, slot, &pte);
		if (e->what == PD_EXPECT_PTE) {
			eval_pte(x, &pte);
			return;
		}
		if (e->what == PD_EXPECT_PAGE) {
			if (pte.kind != PD_PTE_PRESENT && pte.kind != PD_PTE_FOA) {
				fail(x, "the pte is %s, not present or foa",
				     pd_pte_kind_name[pte.kind & 3]);
				return;
			}
			idx = pte.frame;
		} else {
			if (pte.kind != PD_PTE_SWAP) {
				fail(x, "the pte is %s, not swap", pd_pte_kind_name[pte.kind & 3]);
				return;
			}
			idx = pte.slot;
		}
		break;
	case PD_REF_PROC:
		pd_sb_printf(&x->obj, " p%u", e->name);
		if (proc_slot(x, e->name, &slot)) {
			struct pd_proc_state ps;

			memset(&ps, 0, sizeof(ps));
			sd->ops->proc_state(sd->m, slot, &ps);
			for (uint32_t i = 0; i < e->nfields; i++)
				want(x, &e->fields[i], e->fields[i].id == PD_EF_ALIVE ? ps.alive
										 : ps.has_pinned);
		}
		return;
	case PD_REF_ALLOC:
	case PD_REF_PIN:
	case PD_REF_GET:
		pd_sb_printf(&x->obj, " %c%u", pd_letter_char[letter[e->ref]], e->name);
		h = pd_rname_find(x->rn, letter[e->ref], e->name);
		if (!h || h->dead) {
			fail(x, "%c%u is dead (the op that created it failed)",
			     pd_letter_char[letter[e->ref]], e->name);
			return;
		}
		idx = h->frame;
		break;
	case PD_REF_FRAME:
		pd_sb_printf(&x->obj, " frame=%u", e->index);
		break;
	case PD_REF_SLOT:
		pd_sb_printf(&x->obj, " slot=%u", e->index);
		break;
	case PD_REF_INDEX:
		pd_sb_printf(&x->obj, " %u", e->index);
		break;
	default:
		break;
	}

	switch (e->what) {
	case PD_EXPECT_RESULT:
		eval_result(x);
		break;
	case PD_EXPECT_PAGE:
		if (e->ref != PD_REF_FRAME)
			pd_sb_printf(&x->obj, " (frame %u)", idx);
		if (idx >= pd_nr_frames(x->rn->cfg)) {
			fail(x, "frame %u out of range", idx);
			break;
		}
		eval_page(x, idx);
		break;
	case PD_EXPECT_SLOT:
		if (e->ref != PD_REF_SLOT)
			pd_sb_printf(&x->obj, " (slot %u)", idx);
		if (idx >= x->rn->cfg->slots) {
			fail(x, "slot %u out of range", idx);
			break;
		}
		eval_slot(x, idx);
		break;
	case PD_EXPECT_UNIT: {
		struct pd_unit_state u;

		memset(&u, 0, sizeof(u));
		sd->ops->unit_state(sd->m, idx, &u);
		for (uint32_t i = 0; i < e->nfields; i++)
			want(x, &e->fields[i], e->fields[i].id == PD_EF_ACCEPTED ? u.accepted
										 : u.times_accepted);
		break;
	}
	case PD_EXPECT_TAGBLOCK: {
		struct pd_tagblock_state tb;

		memset(&tb, 0, sizeof(tb));
		sd->ops->tagblock_state(sd->m, idx, &tb);
		for (uint32_t i = 0; i < e->nfields; i++)
			want(x, &e->fields[i], e->fields[i].id == PD_EF_PINS ? tb.pins
									     : tb.reservations);
		break;
	}
	case PD_EXPECT_TOTALS: {
		struct pd_totals tt;

		memset(&tt, 0, sizeof(tt));
		sd->ops->totals(sd->m, &tt);
		for (uint32_t i = 0; i < e->nfields; i++) {
			const struct pd_expect_field *f = &e->fields[i];

			want(x, f, f->id == PD_EF_FREE ? tt.free_frames :
				   f->id == PD_EF_DEFERRED ? tt.deferred_frames : tt.live_procs);
		}
		break;
	}
	default:
		break;
	}
}

void pd_expect_eval(struct pd_runner *rn, const struct pd_expect *e, uint32_t line)
{
	for (int i = 0; i < 2; i++) {
		struct ectx x;

		memset(&x, 0, sizeof(x));
		x.rn = rn;
		x.sd = &rn->side[i];
		x.e = e;
		x.line = line;
		eval_one(&x);
		pd_sb_free(&x.obj);
		rn->r->expects_checked++;
		if (x.failed)
			rn->r->expects_failed++;
	}
}
