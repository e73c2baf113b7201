/* SPDX-License-Identifier: MIT */
/*
 * ctx.h - the per-call context behind struct pd_ctx: the placement log a
 * model under test fills and a reference replays, and the violations a
 * model reports.  Internal to the engine (and to tests that drive a model
 * by hand).
 */
#ifndef PAGEDIFF_CTX_H
#define PAGEDIFF_CTX_H

#include <pagediff/pagediff.h>

#include "util.h"

#define PD_CTX_MAX_PLACEMENTS 1024
#define PD_CTX_MAX_VIOLATIONS 8

struct pd_violation_rec {
	char what[32];   /* stable class: "illegal-placement", "check", ... */
	char msg[256];   /* for a person */
};

#define PD_CTX_MAX_TOUCH 256

/* Objects [first, first + n) of kind obj were changed (pd_touch). */
struct pd_touch_rec {
	uint8_t  obj;
	uint32_t first, n;
};

/*
 * The counts first, in one cache line: every op starts two contexts
 * (pd_ctx_begin_record) and reads their counts, and with each count
 * beside its array the ~15 KB struct cost three lines per start.
 */
struct pd_ctx {
	bool replay;
	bool overflow;       /* more than PD_CTX_MAX_PLACEMENTS recorded */
	bool touch_all;      /* more touches than fit: compare everything */
	unsigned nlog;       /* placements recorded (record) or available (replay) */
	unsigned pos;        /* replay: next to take */
	unsigned nviol;      /* may exceed PD_CTX_MAX_VIOLATIONS; extra ones are counted only */
	unsigned ntouch;
	struct pd_placement log[PD_CTX_MAX_PLACEMENTS];
	struct pd_violation_rec viol[PD_CTX_MAX_VIOLATIONS];
	struct pd_touch_rec touch[PD_CTX_MAX_TOUCH];
};

/* Start a call in which the model chooses and records its placements. */
static PD_HOT_INLINE void pd_ctx_begin_record(struct pd_ctx *ctx)
{
	ctx->replay = false;
	ctx->nlog = 0;
	ctx->pos = 0;
	ctx->overflow = false;
	ctx->nviol = 0;
	ctx->ntouch = 0;
	ctx->touch_all = false;
}
/* Start a call that must replay the placements recorded in `from`. */
void pd_ctx_begin_replay(struct pd_ctx *ctx, const struct pd_ctx *from);
/* Placements logged but not taken by a replaying model. */
static inline unsigned pd_ctx_unconsumed(const struct pd_ctx *ctx)
{ return ctx->replay ? ctx->nlog - ctx->pos : 0; }

#endif
