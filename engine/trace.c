// SPDX-License-Identifier: MIT
/* trace.c - the in-memory trace: items, ops, expectations; validation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expect.h"
#include "optab.h"
#include "trace_int.h"
#include "util.h"

void pd_trace_init(struct pd_trace *t)
{
	memset(t, 0, sizeof(*t));
	pd_config_default(&t->cfg);
}

/* Drop the items' own allocations (comment text, expect fields). */
static void free_item_data(struct pd_trace *t)
{
	/* Most items own nothing; free(NULL) is not free under ASan. */
	for (size_t i = 0; i < t->nitems; i++)
		if (t->items[i].text)
			free(t->items[i].text);
	for (size_t i = 0; i < t->nexpects; i++)
		free(t->expects[i].fields);
}

void pd_trace_free(struct pd_trace *t)
{
	free_item_data(t);
	free(t->items);
	free(t->ops);
	free(t->op_line);
	free(t->expects);
	pd_trace_init(t);
}

void pd_trace_clear(struct pd_trace *t)
{
	free_item_data(t);
	t->nops = t->nexpects = t->nitems = 0;
	pd_config_default(&t->cfg);
}

/* Room for n more ops (and their items) without growing per op. */
void pd_trace_reserve_ops(struct pd_trace *t, size_t n)
{
	size_t cap = t->ops_cap;

	pd_grow((void **)&t->ops, &t->ops_cap, t->nops + n, sizeof(*t->ops));
	pd_grow((void **)&t->op_line, &cap, t->nops + n, sizeof(*t->op_line));
	pd_grow((void **)&t->items, &t->items_cap, t->nitems + n, sizeof(*t->items));
}

struct pd_item *pd_trace_add_item(struct pd_trace *t, unsigned kind, uint32_t line, size_t index)
{
	struct pd_item *it;

	pd_grow((void **)&t->items, &t->items_cap, t->nitems + 1, sizeof(*t->items));
	it = &t->items[t->nitems++];
	it->kind = (uint8_t)kind;
	it->line = line;
	it->index = (uint32_t)index;
	it->text = NULL;
	return it;
}

void pd_trace_add_op(struct pd_trace *t, const struct pd_op *op, uint32_t line)
{
	pd_trace_reserve_ops(t, 1);
	pd_trace_push_op(t, op, line);
}

void pd_trace_add_expect(struct pd_trace *t, struct pd_expect *e, uint32_t line)
{
	pd_grow((void **)&t->expects, &t->expects_cap, t->nexpects + 1, sizeof(*t->expects));
	t->expects[t->nexpects] = *e;
	e->fields = NULL;
	e->nfields = 0;
	pd_trace_add_item(t, PD_ITEM_EXPECT, line, t->nexpects);
	t->nexpects++;
}

void pd_trace_add_comment(struct pd_trace *t, const char *text, uint32_t line)
{
	pd_trace_add_item(t, PD_ITEM_COMMENT, line, 0)->text = pd_xstrdup(text);
}

int pd_trace_validate(const struct pd_trace *t, char *err, size_t errlen)
{
	struct pd_names nm;
	bool after_op = false, seen_config = false;
	char msg[160];
	int argi;

	if (pd_config_validate(&t->cfg, msg, sizeof(msg))) {
		if (err)
			snprintf(err, errlen, "config: %s", msg);
		return -1;
	}
	pd_names_init(&nm);
	for (size_t i = 0; i < t->nitems; i++) {
		const struct pd_item *it = &t->items[i];
		int rc = 0;

		switch (it->kind) {
		case PD_ITEM_CONFIG:
			if (seen_config || after_op) {
				snprintf(msg, sizeof(msg), "config line %s",
					 seen_config ? "repeated" : "after the first op");
				rc = -1;
			}
			seen_config = true;
			break;
		case PD_ITEM_OP:
			if (it->index >= t->nops) {
				snprintf(msg, sizeof(msg), "bad op index");
				rc = -1;
				break;
			}
			rc = pd_op_check(&t->cfg, &nm, &t->ops[it->index], &argi, msg, sizeof(msg));
			if (!rc)
				pd_names_apply(&nm, &t->ops[it->index]);
			after_op = true;
			break;
		case PD_ITEM_EXPECT:
			if (it->index >= t->nexpects) {
				snprintf(msg, sizeof(msg), "bad expect index");
				rc = -1;
				break;
			}
			rc = pd_expect_check(&t->cfg, &nm, &t->expects[it->index], after_op,
					     msg, sizeof(msg));
			break;
		default:
			break;
		}
		if (rc) {
			if (err)
				snprintf(err, errlen, "item %zu (line %u): %s", i, it->line, msg);
			return -1;
		}
	}
	return 0;
}

bool pd_trace_ops_equal(const struct pd_trace *a, const struct pd_trace *b)
{
	if (!pd_config_equal(&a->cfg, &b->cfg) || a->nops != b->nops)
		return false;
	for (size_t i = 0; i < a->nops; i++) {
		const struct pd_op *x = &a->ops[i], *y = &b->ops[i];

		if (x->code != y->code || x->flags != y->flags || x->cpu != y->cpu ||
		    x->order != y->order || x->granule != y->granule || x->tag != y->tag ||
		    x->vpage != y->vpage || x->npages != y->npages || x->proc != y->proc ||
		    x->handle != y->handle || x->name != y->name || x->slot != y->slot ||
		    x->block != y->block || x->value != y->value)
			return false;
	}
	return true;
}
