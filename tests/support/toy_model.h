/* SPDX-License-Identifier: MIT */
/*
 * toy_model.h - models for engine tests: the oracle wrapped, with one
 * deliberate bug each (or none).  Every call is delegated to
 * pd_oracle_ops; the bug changes one answer.
 */
#ifndef PAGEDIFF_TOY_MODEL_H
#define PAGEDIFF_TOY_MODEL_H

#include <pagediff/pagediff.h>

enum toy_bug {
	TOY_NONE,             /* "wrap": the oracle, delegated */
	TOY_FORK_KEEPS_AE,    /* "toy": frames AE before a fork still say AE after it */
	TOY_READ_PLUS_ONE,    /* read returns content + 1 */
	TOY_EXTRA_PLACEMENT,  /* alloc records one placement too many */
	TOY_DRAIN_UNSUPPORTED,/* drain answers PD_UNSUPPORTED at run time */
	TOY_NO_DRAIN,         /* the drain member is NULL */
	TOY_CHECK_FAILS,      /* check() reports a broken invariant after any mmap */
	TOY_NR_BUGS
};

/* The table for one bug (TOY_FORK_KEEPS_AE is "the toy"). */
const struct pd_model_ops *toy_model(enum toy_bug bug);

/* Calls that reached any toy model, per opcode (tests reset it). */
extern unsigned toy_calls[PD_NR_OPS];

#endif
