// SPDX-License-Identifier: MIT
/*
 * optab.c - the op table and static name liveness shared by the text and
 * byte forms and the validator.
 */
#include <stdio.h>
#include <string.h>

#include "optab.h"

#define REQ(k, key)  { k, true, 0, key }
#define OPT(k, key)  { k, false, 0, key }
#define FLAG(f, w)   { PD_ARG_FLAG, false, f, w }
#define NONE         PD_L_NONE

/*
 * Arguments are listed in canonical text order, which is also their byte
 * order (all flag words of an op share one byte, written where the first
 * of them is listed: always last).
 */
const struct pd_op_desc pd_op_desc[PD_NR_OPS] = {
	[PD_OP_ALLOC] = { "alloc", PD_L_ALLOC, NONE, false, 5,
		{ OPT(PD_ARG_CPU, "cpu"), REQ(PD_ARG_ORDER, "order"),
		  FLAG(PD_ALLOC_ZERO, "zero"), FLAG(PD_ALLOC_NOLOCK, "nolock"),
		  FLAG(PD_ALLOC_TAGGED, "tagged") } },
	[PD_OP_FREE] = { "free", NONE, PD_L_ALLOC, true, 2,
		{ OPT(PD_ARG_CPU, "cpu"), FLAG(PD_FREE_NOLOCK, "nolock") } },
	[PD_OP_DRAIN] = { "drain", NONE, NONE, false, 1, { OPT(PD_ARG_CPU, "cpu") } },
	[PD_OP_ZONE_LOCK] = { "zone_lock", NONE, NONE, false, 1, { OPT(PD_ARG_CPU, "cpu") } },
	[PD_OP_ZONE_UNLOCK] = { "zone_unlock", NONE, NONE, false, 0, { { 0 } } },
	[PD_OP_SPAWN] = { "spawn", PD_L_PROC, NONE, false, 0, { { 0 } } },
	[PD_OP_MMAP] = { "mmap", NONE, PD_L_PROC, false, 3,
		{ REQ(PD_ARG_VPAGE, "vpage"), REQ(PD_ARG_PAGES, "pages"),
		  FLAG(PD_MMAP_MTE, "mte") } },
	[PD_OP_MUNMAP] = { "munmap", NONE, PD_L_PROC, false, 2,
		{ REQ(PD_ARG_VPAGE, "vpage"), REQ(PD_ARG_PAGES, "pages") } },
	[PD_OP_EXIT] = { "exit", NONE, PD_L_PROC, true, 0, { { 0 } } },
	[PD_OP_FORK] = { "fork", PD_L_PROC, PD_L_PROC, false, 0, { { 0 } } },
	[PD_OP_READ] = { "read", NONE, PD_L_PROC, false, 1, { REQ(PD_ARG_VPAGE, "vpage") } },
	[PD_OP_WRITE] = { "write", NONE, PD_L_PROC, false, 4,
		{ REQ(PD_ARG_VPAGE, "vpage"), REQ(PD_ARG_VALUE, "value"),
		  OPT(PD_ARG_GRANULE, "granule"), OPT(PD_ARG_TAG, "tag") } },
	[PD_OP_SETTAG] = { "settag", NONE, PD_L_PROC, false, 3,
		{ REQ(PD_ARG_VPAGE, "vpage"), OPT(PD_ARG_GRANULE, "granule"),
		  REQ(PD_ARG_TAG, "tag") } },
	[PD_OP_SWAPOUT] = { "swapout", NONE, PD_L_PROC, false, 2,
		{ REQ(PD_ARG_VPAGE, "vpage"), FLAG(PD_SWAPOUT_KEEP, "keep") } },
	[PD_OP_SWAPCACHE_DROP] = { "swapcache_drop", NONE, NONE, false, 1,
		{ REQ(PD_ARG_SLOT, "slot") } },
	[PD_OP_PIN] = { "pin", PD_L_PIN, PD_L_PROC, false, 2,
		{ REQ(PD_ARG_VPAGE, "vpage"), FLAG(PD_PIN_WRITE, "write") } },
	[PD_OP_UNPIN] = { "unpin", NONE, PD_L_PIN, true, 0, { { 0 } } },
	[PD_OP_PIN_READ] = { "pin_read", NONE, PD_L_PIN, false, 0, { { 0 } } },
	[PD_OP_PIN_WRITE] = { "pin_write", NONE, PD_L_PIN, false, 1,
		{ REQ(PD_ARG_VALUE, "value") } },
	[PD_OP_GET] = { "get", PD_L_GET, PD_L_PROC, false, 1, { REQ(PD_ARG_VPAGE, "vpage") } },
	[PD_OP_PUT] = { "put", NONE, PD_L_GET, true, 0, { { 0 } } },
	[PD_OP_REF_READ] = { "ref_read", NONE, PD_L_GET, false, 0, { { 0 } } },
	[PD_OP_TAGSTORE_PIN] = { "tagstore_pin", NONE, NONE, false, 1,
		{ REQ(PD_ARG_BLOCK, "block") } },
	[PD_OP_TAGSTORE_UNPIN] = { "tagstore_unpin", NONE, NONE, false, 1,
		{ REQ(PD_ARG_BLOCK, "block") } },
};

const char pd_letter_char[PD_NR_LETTERS] = { 'p', 'a', 'k', 'r' };

void pd_arg_range(const struct pd_config *cfg, unsigned kind, uint64_t *lo, uint64_t *hi)
{
	uint64_t blocks;

	*lo = 0;
	switch (kind) {
	case PD_ARG_CPU:     *hi = cfg->cpus - 1u; break;
	case PD_ARG_ORDER:   *hi = cfg->max_order; break;
	case PD_ARG_VPAGE:   *hi = cfg->vpages - 1u; break;
	case PD_ARG_PAGES:   *lo = 1; *hi = cfg->vpages; break;
	case PD_ARG_VALUE:   *hi = 0xffff; break;
	case PD_ARG_GRANULE: *hi = cfg->granules - 1u; break;
	case PD_ARG_TAG:     *hi = 15; break;
	case PD_ARG_SLOT:    *hi = cfg->slots - 1u; break;
	case PD_ARG_BLOCK:
		/* The byte form carries 16 bits of block number. */
		blocks = pd_nr_tag_blocks(cfg);
		*hi = (blocks > 65536 ? 65536 : blocks) - 1;
		break;
	default:             *hi = 1; break;
	}
}

uint64_t pd_arg_get(const struct pd_op *op, unsigned kind)
{
	switch (kind) {
	case PD_ARG_CPU:     return op->cpu;
	case PD_ARG_ORDER:   return op->order;
	case PD_ARG_VPAGE:   return op->vpage;
	case PD_ARG_PAGES:   return op->npages;
	case PD_ARG_VALUE:   return op->value;
	case PD_ARG_GRANULE: return op->granule;
	case PD_ARG_TAG:     return op->tag;
	case PD_ARG_SLOT:    return op->slot;
	case PD_ARG_BLOCK:   return op->block;
	default:             return 0;
	}
}

/* The caller has range-checked v with pd_arg_range(). */
pd_flags_t pd_op_flag_mask(unsigned code)
{
	const struct pd_op_desc *d = &pd_op_desc[code];
	pd_flags_t m = 0;

	for (unsigned i = 0; i < d->nargs; i++)
		if (d->args[i].kind == PD_ARG_FLAG)
			m |= d->args[i].flag;
	return m;
}

int pd_opcode_lookup(const char *s, size_t len)
{
	for (int i = 0; i < PD_NR_OPS; i++)
		if (strlen(pd_op_desc[i].name) == len && !memcmp(pd_op_desc[i].name, s, len))
			return i;
	return -1;
}

const char *pd_opcode_name(unsigned code)
{
	return code < PD_NR_OPS ? pd_op_desc[code].name : "?";
}

/* ---- static liveness ---- */

void pd_names_init(struct pd_names *nm)
{
	memset(nm, 0, sizeof(*nm));
}

unsigned pd_names_limit(int letter)
{
	return letter == PD_L_PROC ? PD_MAX_PROCS : PD_MAX_HANDLES;
}

int pd_names_find(const struct pd_names *nm, int letter, uint32_t num)
{
	for (unsigned i = 0; i < nm->n[letter]; i++)
		if (nm->live[letter][i] == num)
			return (int)i;
	return -1;
}

static uint32_t op_used_name(const struct pd_op *op)
{
	return pd_op_desc[op->code].use == PD_L_PROC ? op->proc : op->handle;
}

int pd_op_check(const struct pd_config *cfg, const struct pd_names *nm,
		const struct pd_op *op, int *argi, char *msg, size_t len)
{
	const struct pd_op_desc *d;
	uint64_t lo, hi, v;

	*argi = PD_AT_OP;
	if (op->code >= PD_NR_OPS) {
		snprintf(msg, len, "unknown opcode %u", op->code);
		return -1;
	}
	d = &pd_op_desc[op->code];
	if (d->use != PD_L_NONE && pd_names_find(nm, d->use, op_used_name(op)) < 0) {
		*argi = PD_AT_USE;
		snprintf(msg, len, "%c%u is not live", pd_letter_char[d->use], op_used_name(op));
		return -1;
	}
	if (d->def != PD_L_NONE) {
		*argi = PD_AT_DEF;
		if (op->name != nm->next[d->def]) {
			snprintf(msg, len, "%c%u is not the next name (expected %c%u)",
				 pd_letter_char[d->def], op->name,
				 pd_letter_char[d->def], nm->next[d->def]);
			return -1;
		}
		if (nm->n[d->def] >= pd_names_limit(d->def)) {
			snprintf(msg, len, "too many live %c names (at most %u)",
				 pd_letter_char[d->def], pd_names_limit(d->def));
			return -1;
		}
	}
	if (op->flags & ~pd_op_flag_mask(op->code)) {
		snprintf(msg, len, "flags 0x%x not valid for %s", op->flags, d->name);
		return -1;
	}
	for (unsigned i = 0; i < d->nargs; i++) {
		if (d->args[i].kind == PD_ARG_FLAG)
			continue;
		pd_arg_range(cfg, d->args[i].kind, &lo, &hi);
		v = pd_arg_get(op, d->args[i].kind);
		if (v < lo || v > hi) {
			*argi = (int)i;
			snprintf(msg, len, "%s=%llu out of range %llu..%llu", d->args[i].key,
				 (unsigned long long)v, (unsigned long long)lo,
				 (unsigned long long)hi);
			return -1;
		}
	}
	return 0;
}

void pd_names_apply(struct pd_names *nm, const struct pd_op *op)
{
	const struct pd_op_desc *d = &pd_op_desc[op->code];
	int i;

	if (d->ends) {
		i = pd_names_find(nm, d->use, op_used_name(op));
		if (i >= 0) {
			nm->n[d->use]--;
			memmove(&nm->live[d->use][i], &nm->live[d->use][i + 1],
				(nm->n[d->use] - (unsigned)i) * sizeof(uint32_t));
		}
	}
	if (d->def != PD_L_NONE && nm->n[d->def] < pd_names_limit(d->def)) {
		nm->live[d->def][nm->n[d->def]++] = op->name;
		nm->next[d->def] = op->name + 1;
	}
}
