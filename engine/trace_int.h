/* SPDX-License-Identifier: MIT */
/* trace_int.h - internal to the engine: trace pieces shared across files. */
#ifndef PAGEDIFF_TRACE_INT_H
#define PAGEDIFF_TRACE_INT_H

#include <pagediff/engine.h>

struct pd_strbuf;

/* ---- trace.c ---- */
/* Append an item (the op/expect arrays are not touched). */
struct pd_item *pd_trace_add_item(struct pd_trace *t, unsigned kind, uint32_t line, size_t index);
/* Room for n more ops (and their items) without growing per op. */
void pd_trace_reserve_ops(struct pd_trace *t, size_t n);

/*
 * pd_trace_add_op() after pd_trace_reserve_ops() made room: the decoder's
 * per-op path, a few stores instead of a call and three capacity checks.
 */
static inline void pd_trace_push_op(struct pd_trace *t, const struct pd_op *op, uint32_t line)
{
	struct pd_item *it = &t->items[t->nitems++];

	t->ops[t->nops] = *op;
	t->op_line[t->nops] = line;
	it->kind = PD_ITEM_OP;
	it->line = line;
	it->index = (uint32_t)t->nops;
	it->text = NULL;
	t->nops++;
}

/* ---- text.c ---- */
/* Canonical "config ..." line of cfg (keys that differ from the defaults). */
void pd_config_format(const struct pd_config *cfg, struct pd_strbuf *sb);

#endif
