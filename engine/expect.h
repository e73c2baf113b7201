/* SPDX-License-Identifier: MIT */
/*
 * expect.h - internal to the engine: the vocabulary of expect lines
 * (what, fields, value types), shared by the parser, the printer, the
 * validator and the evaluator.
 */
#ifndef PAGEDIFF_EXPECT_H
#define PAGEDIFF_EXPECT_H

#include <pagediff/engine.h>

struct pd_names;

/* How a field's value is written and range-checked. */
enum pd_ef_type {
	PD_EFT_BOOL,       /* 0 or 1 */
	PD_EFT_COUNT,      /* 0..2^32-1 */
	PD_EFT_PAGE_KIND,  /* free head tail deferred */
	PD_EFT_PTE_KIND,   /* none present swap foa */
	PD_EFT_FRAME,      /* < frames */
	PD_EFT_SLOT,       /* < slots */
	PD_EFT_ORDER,      /* <= max_order */
	PD_EFT_HEX,        /* 64-bit, printed 0x... */
	PD_EFT_CONTENT,    /* 64-bit or "undefined" */
	PD_EFT_TAGS,       /* one hex digit per granule */
	PD_EFT_TAG,        /* tag.G=T: G < granules, T 0..15 */
};

/* ---- expect.c ---- */
extern const char *const pd_expect_what_name[PD_NR_EXPECT];
extern const char *const pd_ef_name[PD_NR_EF];
extern const char *const pd_page_kind_name[4];
extern const char *const pd_pte_kind_name[4];
/* Whether field `id` may appear in an expect line of kind `what`. */
bool pd_ef_allowed(unsigned what, unsigned id);
unsigned pd_ef_type(unsigned what, unsigned id);
/* Look up a status by its text name (not "unsupported"); -1 if unknown. */
int pd_status_lookup(const char *s, size_t len);
/*
 * Check an expect line's reference and field values against the config
 * and the liveness at its position.  `after_op`: an op precedes it.
 */
int pd_expect_check(const struct pd_config *cfg, const struct pd_names *nm,
		    const struct pd_expect *e, bool after_op, char *msg, size_t len);
/* Range check of one field value (not tags=); 0 if valid. */
int pd_ef_check_value(const struct pd_config *cfg, unsigned what,
		      const struct pd_expect_field *f, char *msg, size_t len);

#endif
