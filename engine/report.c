// SPDX-License-Identifier: MIT
/*
 * report.c - the divergence report for a person, and its signature.
 *
 * The signature is class + field + op kind ("state.frame.anon_exclusive@fork",
 * "violation.illegal-placement@alloc", "result.status@pin"): it never holds
 * a frame, slot, address or time, so the same bug found twice gets the
 * same signature and bug trackers can group by it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "expect.h"
#include "run.h"

#define MAX_HISTORY_OBJECTS 4

static const char *const class_name[] = {
	[PD_DIV_NONE] = "none", [PD_DIV_VIOLATION] = "violation", [PD_DIV_CHECK] = "check",
	[PD_DIV_RESULT] = "result", [PD_DIV_PLACEMENT] = "placement", [PD_DIV_STATE] = "state",
};

/* Signature-safe copy of a model-supplied class: [a-z0-9_-] only. */
static void sig_word(char *dst, size_t len, const char *src)
{
	size_t o = 0;

	for (; *src && o + 1 < len; src++) {
		char c = *src;

		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')
			dst[o++] = c;
		else if (c >= 'A' && c <= 'Z')
			dst[o++] = (char)(c - 'A' + 'a');
		else
			dst[o++] = '_';
	}
	dst[o] = 0;
}

static const char *op_kind(const struct pd_runner *rn)
{
	return rn->op < 0 ? "boot" : pd_opcode_name(rn->t->ops[rn->op].code);
}

static void where(const struct pd_runner *rn, int op, struct pd_strbuf *sb)
{
	uint32_t line = op >= 0 && rn->t->op_line ? rn->t->op_line[op] : 0;

	if (op < 0)
		pd_sb_puts(sb, "boot");
	else if (line)
		pd_sb_printf(sb, "op %d (%s:%u)", op, rn->file, line);
	else
		pd_sb_printf(sb, "op %d", op);
}

/* The first violation, in a fixed order: primary before reference. */
static const struct pd_violation_rec *first_violation(const struct pd_runner *rn, bool check,
						      const char **model)
{
	for (int i = 0; i < 2; i++) {
		const struct pd_side *sd = &rn->side[i];
		const struct pd_ctx *c[] = { &sd->uctx, &sd->ctx };

		*model = sd->name;
		if (check) {
			if (sd->cctx.nviol)
				return &sd->cctx.viol[0];
			continue;
		}
		for (int k = 0; k < 2; k++)
			if (c[k]->nviol)
				return &c[k]->viol[0];
	}
	return NULL;
}

static void make_signature(struct pd_runner *rn, unsigned cls)
{
	struct pd_run_result *r = rn->r;
	const struct pd_violation_rec *v;
	const char *model;
	char w[40];

	switch (cls) {
	case PD_DIV_VIOLATION:
		v = first_violation(rn, false, &model);
		sig_word(w, sizeof(w), v ? v->what : "placement-overflow");
		snprintf(r->signature, sizeof(r->signature), "violation.%s@%s", w, op_kind(rn));
		break;
	case PD_DIV_CHECK:
		v = first_violation(rn, true, &model);
		sig_word(w, sizeof(w), v ? v->what : "check");
		if (!strcmp(w, "check"))
			snprintf(r->signature, sizeof(r->signature), "check@%s", op_kind(rn));
		else
			snprintf(r->signature, sizeof(r->signature), "check.%s@%s", w, op_kind(rn));
		break;
	case PD_DIV_RESULT:
		snprintf(r->signature, sizeof(r->signature), "result.%s@%s", rn->result_field,
			 op_kind(rn));
		break;
	case PD_DIV_PLACEMENT:
		snprintf(r->signature, sizeof(r->signature), "violation.unneeded-placement@%s",
			 op_kind(rn));
		break;
	default:
		snprintf(r->signature, sizeof(r->signature), "state.%s.%s@%s",
			 pd_obj_name[rn->diff[0].obj], rn->diff[0].field, op_kind(rn));
		break;
	}
}

static void fmt_value(struct pd_strbuf *sb, const struct pd_diff *d, uint64_t v)
{
	const char *f = d->field;

	if (!strcmp(f, "kind") && v < 4)
		pd_sb_puts(sb, d->obj == PD_OBJ_PTE ? pd_pte_kind_name[v] : pd_page_kind_name[v]);
	else if (!strcmp(f, "content"))
		pd_sb_printf(sb, "0x%" PRIx64, v);
	else if ((!strcmp(f, "frame") || !strcmp(f, "swapcache_slot") || !strcmp(f, "slot")) &&
		 v == UINT32_MAX)
		pd_sb_puts(sb, "none");
	else if (!strcmp(f, "tags"))
		pd_sb_printf(sb, "%" PRIx64, v);
	else
		pd_sb_printf(sb, "%" PRIu64, v);
}

static void fmt_result(struct pd_strbuf *sb, unsigned code, const struct pd_result *res)
{
	pd_sb_puts(sb, pd_status_name(res->status));
	if (res->status != PD_OK)
		return;
	if (code == PD_OP_ALLOC)
		pd_sb_printf(sb, " frame=%u order=%u", res->frame, res->order);
	else if (code == PD_OP_PIN || code == PD_OP_GET)
		pd_sb_printf(sb, " frame=%u", res->frame);
	else if (code == PD_OP_READ || code == PD_OP_PIN_READ || code == PD_OP_REF_READ)
		pd_sb_printf(sb, " value=0x%" PRIx64, res->value);
}

static void fmt_placement(struct pd_strbuf *sb, const struct pd_placement *pl)
{
	switch (pl->kind) {
	case PD_PLACE_BLOCK:
		pd_sb_printf(sb, "block frame %u order %u", pl->where, pl->order);
		break;
	case PD_PLACE_SLOT:
		pd_sb_printf(sb, "slot %u", pl->where);
		break;
	default:
		pd_sb_printf(sb, "accept frame %u", pl->where);
		break;
	}
}

static void report_violations(struct pd_runner *rn, struct pd_strbuf *sb)
{
	bool any = false;

	for (int i = 0; i < 2; i++) {
		const struct pd_side *sd = &rn->side[i];
		const struct pd_ctx *c[] = { &sd->uctx, &sd->ctx, &sd->cctx };
		static const char *const what[] = { " (implicit zone_unlock)", "", " (check)" };

		for (int k = 0; k < 3; k++) {
			for (unsigned v = 0; v < c[k]->nviol && v < PD_CTX_MAX_VIOLATIONS; v++) {
				if (!any)
					pd_sb_puts(sb, "violations:\n");
				any = true;
				pd_sb_printf(sb, "  %s%s: %s: %s\n", sd->name, what[k], c[k]->viol[v].what,
					     c[k]->viol[v].msg);
			}
			if (c[k]->nviol > PD_CTX_MAX_VIOLATIONS)
				pd_sb_printf(sb, "  %s: ... and %u more\n", sd->name,
					     c[k]->nviol - PD_CTX_MAX_VIOLATIONS);
		}
		if (sd->ctx.overflow) {
			if (!any)
				pd_sb_puts(sb, "violations:\n");
			any = true;
			pd_sb_printf(sb, "  %s: placement-overflow: more than %d placements in one op\n",
				     sd->name, PD_CTX_MAX_PLACEMENTS);
		}
	}
}

static void report_unconsumed(struct pd_runner *rn, struct pd_strbuf *sb)
{
	const struct pd_side *r = &rn->side[1];
	const struct pd_ctx *c[] = { &r->uctx, &r->ctx };

	for (int k = 0; k < 2; k++) {
		unsigned left = pd_ctx_unconsumed(c[k]);

		if (!left)
			continue;
		pd_sb_printf(sb, "unneeded placements: %s recorded %u, %s used %u%s; unused:",
			     rn->side[0].name, c[k]->nlog, r->name, c[k]->pos,
			     k == 0 ? " (implicit zone_unlock)" : "");
		for (unsigned i = c[k]->pos; i < c[k]->nlog && i < c[k]->pos + 8; i++) {
			pd_sb_puts(sb, i == c[k]->pos ? " " : ", ");
			fmt_placement(sb, &c[k]->log[i]);
		}
		pd_sb_puts(sb, left > 8 ? ", ...\n" : "\n");
	}
}

static void report_diffs(struct pd_runner *rn, struct pd_strbuf *sb)
{
	if (!rn->ndiff_total)
		return;
	pd_sb_printf(sb, "state differences (%u field%s):\n", rn->ndiff_total,
		     rn->ndiff_total == 1 ? "" : "s");
	for (unsigned i = 0; i < rn->ndiff; i++) {
		const struct pd_diff *d = &rn->diff[i];

		pd_sb_puts(sb, "  ");
		pd_obj_format(rn, d->obj, d->proc, d->index, sb);
		if (d->granule >= 0)
			pd_sb_printf(sb, ": %s[%d]: ", d->field, d->granule);
		else
			pd_sb_printf(sb, ": %s: ", d->field);
		pd_sb_printf(sb, "%s=", rn->side[0].name);
		fmt_value(sb, d, d->pv);
		pd_sb_printf(sb, " %s=", rn->side[1].name);
		fmt_value(sb, d, d->rv);
		pd_sb_puts(sb, "\n");
	}
	if (rn->ndiff_total > rn->ndiff)
		pd_sb_printf(sb, "  ... and %u more\n", rn->ndiff_total - rn->ndiff);
}

static bool same_obj(const struct pd_diff *a, const struct pd_diff *b)
{
	return a->obj == b->obj && a->index == b->index &&
	       ((a->obj != PD_OBJ_PTE && a->obj != PD_OBJ_PROC) || a->proc == b->proc);
}

/* The last few earlier ops that changed one object in the primary. */
static void report_history_of(struct pd_runner *rn, const struct pd_diff *d,
			      struct pd_strbuf *sb)
{
	unsigned want = rn->o->history ? rn->o->history : 4, n = 0;
	uint32_t ops[64];

	for (size_t i = rn->nchanges; i-- > 0 && n < want && n < 64;) {
		const struct pd_change *c = &rn->changes[i];

		if ((int)c->op >= rn->op || c->obj != d->obj || d->index < c->first ||
		    d->index > c->last)
			continue;
		if ((d->obj == PD_OBJ_PTE || d->obj == PD_OBJ_PROC) && c->proc != d->proc)
			continue;
		if (n && ops[n - 1] == c->op)
			continue;
		ops[n++] = c->op;
	}
	pd_sb_puts(sb, "  ");
	pd_obj_format(rn, d->obj, d->proc, d->index, sb);
	pd_sb_puts(sb, n ? ":\n" : ": no earlier op changed it\n");
	while (n--) {
		pd_sb_puts(sb, "    ");
		where(rn, (int)ops[n], sb);
		pd_sb_puts(sb, ": ");
		pd_op_text(rn, (int)ops[n], sb);
		pd_sb_puts(sb, "\n");
	}
}

static void report_history(struct pd_runner *rn, struct pd_strbuf *sb)
{
	const struct pd_diff *seen[MAX_HISTORY_OBJECTS];
	unsigned nseen = 0;

	if (!rn->ndiff || rn->op < 0)
		return;
	pd_sb_printf(sb, "earlier ops that changed these objects in %s (oldest first):\n",
		     rn->side[0].name);
	for (unsigned i = 0; i < rn->ndiff && nseen < MAX_HISTORY_OBJECTS; i++) {
		bool dup = false;

		for (unsigned k = 0; k < nseen; k++)
			dup |= same_obj(seen[k], &rn->diff[i]);
		if (dup)
			continue;
		seen[nseen++] = &rn->diff[i];
		report_history_of(rn, &rn->diff[i], sb);
	}
}

void pd_report_divergence(struct pd_runner *rn, unsigned cls)
{
	struct pd_run_result *r = rn->r;
	struct pd_strbuf sb = { 0 };
	unsigned code = rn->op >= 0 ? rn->t->ops[rn->op].code : PD_NR_OPS;

	r->diverged = true;
	r->div_op = rn->op;
	r->div_line = rn->op >= 0 && rn->t->op_line ? rn->t->op_line[rn->op] : 0;
	r->div_class = (uint8_t)cls;
	make_signature(rn, cls);

	pd_sb_puts(&sb, "DIVERGENCE at ");
	where(rn, rn->op, &sb);
	if (rn->op >= 0) {
		pd_sb_puts(&sb, ": ");
		pd_op_text(rn, rn->op, &sb);
	}
	pd_sb_printf(&sb, "\n  models:    %s (primary, record) vs %s (reference, replay)\n",
		     rn->side[0].name, rn->side[1].name);
	pd_sb_printf(&sb, "  class:     %s\n  signature: %s\n", class_name[cls], r->signature);
	if (rn->op >= 0) {
		pd_sb_printf(&sb, "results:\n  %s: ", rn->side[0].name);
		fmt_result(&sb, code, &rn->side[0].res);
		pd_sb_printf(&sb, "\n  %s: ", rn->side[1].name);
		fmt_result(&sb, code, &rn->side[1].res);
		pd_sb_puts(&sb, rn->result_diff ? "   <-- differs\n" : "\n");
	}
	report_violations(rn, &sb);
	report_unconsumed(rn, &sb);
	report_diffs(rn, &sb);
	report_history(rn, &sb);
	r->report = pd_sb_take(&sb);
}
