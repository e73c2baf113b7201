/* SPDX-License-Identifier: MIT */
/*
 * optab.h - internal to the engine: the table that describes every op once
 * (text name, names it creates and uses, arguments in canonical order) and
 * the static liveness of names.  The text parser and printer, the byte
 * decoder and encoder and the trace validator are all driven by it, so
 * the two forms cannot drift apart.
 */
#ifndef PAGEDIFF_OPTAB_H
#define PAGEDIFF_OPTAB_H

#include <pagediff/engine.h>

/* Letters of names. */
enum pd_letter { PD_L_NONE = -1, PD_L_PROC = 0, PD_L_ALLOC, PD_L_PIN, PD_L_GET, PD_NR_LETTERS };

/* Kinds of op arguments, each with one range and one byte encoding. */
enum pd_arg_kind {
	PD_ARG_CPU,      /* < cpus; optional, omitted when 0 */
	PD_ARG_ORDER,    /* <= max_order */
	PD_ARG_VPAGE,    /* < vpages */
	PD_ARG_PAGES,    /* 1..vpages */
	PD_ARG_VALUE,    /* 0..65535, printed in hex; 2 bytes */
	PD_ARG_GRANULE,  /* < granules; optional */
	PD_ARG_TAG,      /* 0..15 */
	PD_ARG_SLOT,     /* < slots; 2 bytes */
	PD_ARG_BLOCK,    /* < min(tag blocks, 65536); 2 bytes */
	PD_ARG_FLAG,     /* a word that sets a flag bit */
};

struct pd_arg_desc {
	uint8_t     kind;    /* enum pd_arg_kind */
	bool        req;     /* required (and always printed) */
	pd_flags_t  flag;    /* PD_ARG_FLAG: the bit */
	const char *key;     /* key (or flag word) in text */
};

#define PD_OP_MAX_ARGS 5

struct pd_op_desc {
	const char *name;
	int8_t      def;     /* letter of the name created, or PD_L_NONE */
	int8_t      use;     /* letter of the name used, or PD_L_NONE */
	bool        ends;    /* the op ends the name it uses */
	uint8_t     nargs;
	struct pd_arg_desc args[PD_OP_MAX_ARGS];
};

/* ---- optab.c ---- */
extern const struct pd_op_desc pd_op_desc[PD_NR_OPS];
extern const char pd_letter_char[PD_NR_LETTERS];
/* Inclusive range of an argument kind under cfg. */
void pd_arg_range(const struct pd_config *cfg, unsigned kind, uint64_t *lo, uint64_t *hi);
uint64_t pd_arg_get(const struct pd_op *op, unsigned kind);
/* Inline: the byte decoder stores every argument through it. */
static inline void pd_arg_set(struct pd_op *op, unsigned kind, uint64_t v)
{
	switch (kind) {
	case PD_ARG_CPU:     op->cpu = (uint8_t)v; break;
	case PD_ARG_ORDER:   op->order = (uint8_t)v; break;
	case PD_ARG_VPAGE:   op->vpage = (uint16_t)v; break;
	case PD_ARG_PAGES:   op->npages = (uint16_t)v; break;
	case PD_ARG_VALUE:   op->value = v; break;
	case PD_ARG_GRANULE: op->granule = (uint8_t)v; break;
	case PD_ARG_TAG:     op->tag = (uint8_t)v; break;
	case PD_ARG_SLOT:    op->slot = (uint32_t)v; break;
	case PD_ARG_BLOCK:   op->block = (uint32_t)v; break;
	default:             break;
	}
}
/* All flag bits an op accepts. */
pd_flags_t pd_op_flag_mask(unsigned code);
/* Look up an op by its text name; -1 if unknown. */
int pd_opcode_lookup(const char *s, size_t len);

/*
 * Static liveness of names: per letter, the next number to create and the
 * live numbers in creation order (which is increasing order, since
 * numbers are never reused).
 */
struct pd_names {
	uint32_t next[PD_NR_LETTERS];
	uint32_t n[PD_NR_LETTERS];
	uint32_t live[PD_NR_LETTERS][PD_MAX_HANDLES];
};

void pd_names_init(struct pd_names *nm);
unsigned pd_names_limit(int letter);
/* Index of `num` among the live names of `letter`, or -1. */
int pd_names_find(const struct pd_names *nm, int letter, uint32_t num);
/*
 * Check one op's names and argument ranges against the liveness before
 * it.  Returns 0 if valid, else -1 with a message in msg; *argi is the
 * index of the argument at fault, PD_AT_USE for the used name, PD_AT_DEF
 * for the created name, PD_AT_OP for the op itself.
 */
#define PD_AT_USE (-1)
#define PD_AT_DEF (-2)
#define PD_AT_OP  (-3)
int pd_op_check(const struct pd_config *cfg, const struct pd_names *nm,
		const struct pd_op *op, int *argi, char *msg, size_t len);
/* Apply a valid op's effect on liveness. */
void pd_names_apply(struct pd_names *nm, const struct pd_op *op);

#endif
