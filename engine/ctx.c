// SPDX-License-Identifier: MIT
/* ctx.c - the placement log and violation list behind struct pd_ctx. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ctx.h"

void pd_ctx_begin_replay(struct pd_ctx *ctx, const struct pd_ctx *from)
{
	ctx->replay = true;
	ctx->nlog = from->nlog;
	ctx->pos = 0;
	ctx->overflow = from->overflow;
	memcpy(ctx->log, from->log, from->nlog * sizeof(ctx->log[0]));
	ctx->nviol = 0;
	ctx->ntouch = 0;
	ctx->touch_all = false;
}

bool pd_replaying(const struct pd_ctx *ctx)
{
	return ctx->replay;
}

void pd_record_placement(struct pd_ctx *ctx, const struct pd_placement *p)
{
	if (ctx->replay)
		return;
	if (ctx->nlog == PD_CTX_MAX_PLACEMENTS) {
		ctx->overflow = true;
		return;
	}
	ctx->log[ctx->nlog++] = *p;
}

bool pd_peek_placement(const struct pd_ctx *ctx, struct pd_placement *out)
{
	if (!ctx->replay || ctx->pos >= ctx->nlog)
		return false;
	*out = ctx->log[ctx->pos];
	return true;
}

bool pd_next_placement(struct pd_ctx *ctx, struct pd_placement *out)
{
	if (!pd_peek_placement(ctx, out))
		return false;
	ctx->pos++;
	return true;
}

void pd_violation(struct pd_ctx *ctx, const char *what, const char *fmt, ...)
{
	struct pd_violation_rec *v;
	va_list ap;

	if (ctx->nviol++ >= PD_CTX_MAX_VIOLATIONS)
		return;
	v = &ctx->viol[ctx->nviol - 1];
	snprintf(v->what, sizeof(v->what), "%s", what);
	va_start(ap, fmt);
	vsnprintf(v->msg, sizeof(v->msg), fmt, ap);
	va_end(ap);
}

/*
 * Append a run of changed objects, extending the last record when the run
 * continues it (a block's frames, a range of PTEs), so that an op touching
 * a large block costs one record.
 */
void pd_touch(struct pd_ctx *ctx, unsigned obj, uint32_t id, uint32_t n)
{
	struct pd_touch_rec *t;

	if (!n || ctx->touch_all)
		return;
	if (ctx->ntouch) {
		t = &ctx->touch[ctx->ntouch - 1];
		if (t->obj == obj && id >= t->first && id <= t->first + t->n) {
			if (id + n > t->first + t->n)
				t->n = id + n - t->first;
			return;
		}
	}
	if (ctx->ntouch == PD_CTX_MAX_TOUCH) {
		ctx->touch_all = true;
		return;
	}
	t = &ctx->touch[ctx->ntouch++];
	t->obj = (uint8_t)obj;
	t->first = id;
	t->n = n;
}
