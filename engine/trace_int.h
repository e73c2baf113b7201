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

/* ---- text.c ---- */
/* Canonical "config ..." line of cfg (keys that differ from the defaults). */
void pd_config_format(const struct pd_config *cfg, struct pd_strbuf *sb);

#endif
