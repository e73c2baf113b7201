// SPDX-License-Identifier: MIT
/* config.c - configuration defaults and ranges (docs/model.md, "Configuration"). */
#include <stdio.h>
#include <string.h>

#include <pagediff/engine.h>

void pd_config_default(struct pd_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->frames_log2 = 10;
	cfg->cpus = 2;
	cfg->max_order = 6;
	cfg->granules = 16;
	cfg->accept_order = 2;
	cfg->unaccepted = 0;
	cfg->tag_ratio_log2 = 3;
	cfg->slots = 64;
	cfg->pcp_batch = 4;
	cfg->pcp_high = 12;
	cfg->vpages = 16;
	cfg->swap_excl = PD_SWAP_EXCL_KEPT;
	cfg->accept = PD_ACCEPT_FLAG;
	cfg->tagstore = PD_TAGSTORE_NONE;
}

static bool is_pow2(unsigned v)
{
	return v && !(v & (v - 1));
}

#define BAD(...) do { if (err) snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

int pd_config_validate(const struct pd_config *c, char *err, size_t errlen)
{
	if (c->frames_log2 < PD_MIN_FRAMES_LOG2 || c->frames_log2 > PD_MAX_FRAMES_LOG2)
		BAD("frames must be 2^%d..2^%d", PD_MIN_FRAMES_LOG2, PD_MAX_FRAMES_LOG2);
	if (c->cpus < 1 || c->cpus > PD_MAX_CPUS)
		BAD("cpus must be 1..%d", PD_MAX_CPUS);
	if (c->max_order > PD_MAX_ORDER_LIMIT || c->max_order > c->frames_log2)
		BAD("max_order must be <= %d and <= log2(frames)", PD_MAX_ORDER_LIMIT);
	if (!is_pow2(c->granules) || c->granules > PD_MAX_GRANULES)
		BAD("granules must be a power of two 1..%d", PD_MAX_GRANULES);
	if (c->accept_order > PD_MAX_ORDER_LIMIT || c->accept_order > c->frames_log2)
		BAD("accept_order must be <= %d and <= log2(frames)", PD_MAX_ORDER_LIMIT);
	if (c->tag_ratio_log2 > 5 || c->tag_ratio_log2 > c->frames_log2)
		BAD("tag_ratio must be a power of two 1..32 and <= frames");
	if (c->slots < 1 || c->slots > 65536)
		BAD("slots must be 1..65536");
	if (c->pcp_batch < 1 || c->pcp_batch > 64)
		BAD("pcp_batch must be 1..64");
	if (c->pcp_high < c->pcp_batch || c->pcp_high > 255)
		BAD("pcp_high must be pcp_batch..255");
	if (c->vpages < 1 || c->vpages > PD_MAX_VPAGES)
		BAD("vpages must be 1..%d", PD_MAX_VPAGES);
	if (c->swap_excl > PD_SWAP_EXCL_KEPT)
		BAD("swap_excl must be lost or kept");
	if (c->accept > PD_ACCEPT_LIST)
		BAD("accept must be flag or list");
	if (c->tagstore > PD_TAGSTORE_BESTEFFORT)
		BAD("tagstore must be none, strict or besteffort");
	return 0;
}

bool pd_config_equal(const struct pd_config *a, const struct pd_config *b)
{
	return a->frames_log2 == b->frames_log2 && a->cpus == b->cpus &&
	       a->max_order == b->max_order && a->granules == b->granules &&
	       a->accept_order == b->accept_order && a->unaccepted == b->unaccepted &&
	       a->tag_ratio_log2 == b->tag_ratio_log2 && a->slots == b->slots &&
	       a->pcp_batch == b->pcp_batch && a->pcp_high == b->pcp_high &&
	       a->vpages == b->vpages && a->swap_excl == b->swap_excl &&
	       a->accept == b->accept && a->tagstore == b->tagstore;
}
