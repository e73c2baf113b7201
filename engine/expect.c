// SPDX-License-Identifier: MIT
/* expect.c - the vocabulary of expect lines, their validation and printing. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "expect.h"
#include "optab.h"

const char *const pd_expect_what_name[PD_NR_EXPECT] = {
	"result", "page", "pte", "slot", "proc", "unit", "tagblock", "totals",
};

const char *const pd_ef_name[PD_NR_EF] = {
	[PD_EF_VALUE] = "value", [PD_EF_FRAME] = "frame", [PD_EF_ORDER] = "order",
	[PD_EF_KIND] = "kind", [PD_EF_ACCEPTED] = "accepted", [PD_EF_ANON] = "anon",
	[PD_EF_AE] = "ae", [PD_EF_TAGGED] = "tagged", [PD_EF_RESERVED] = "reserved",
	[PD_EF_SWAPCACHE] = "swapcache", [PD_EF_MC] = "mc", [PD_EF_RC] = "rc",
	[PD_EF_CONTENT] = "content", [PD_EF_TAGS] = "tags", [PD_EF_TAG] = "tag",
	[PD_EF_MAPPED] = "mapped", [PD_EF_MTE] = "mte", [PD_EF_WRITABLE] = "writable",
	[PD_EF_EXCL] = "excl", [PD_EF_SLOT] = "slot", [PD_EF_INUSE] = "inuse",
	[PD_EF_COUNT] = "count", [PD_EF_TAGSAVED] = "tagsaved", [PD_EF_ALIVE] = "alive",
	[PD_EF_PINNED] = "pinned", [PD_EF_TIMES] = "times", [PD_EF_PINS] = "pins",
	[PD_EF_FREE] = "free", [PD_EF_DEFERRED] = "deferred", [PD_EF_PROCS] = "procs",
};

const char *const pd_page_kind_name[4] = { "free", "head", "tail", "deferred" };
const char *const pd_pte_kind_name[4] = { "none", "present", "swap", "foa" };

static const char *const status_name[PD_NR_STATUS] = {
	"ok", "enomem", "efault", "tagcheck", "retry", "refused", "einval", "nohandle",
	"unsupported",
};

const char *pd_status_name(unsigned status)
{
	return status < PD_NR_STATUS ? status_name[status] : "?";
}

int pd_status_lookup(const char *s, size_t len)
{
	for (int i = 0; i < PD_UNSUPPORTED; i++)
		if (strlen(status_name[i]) == len && !memcmp(status_name[i], s, len))
			return i;
	return -1;
}

#define B(x) (1ull << (x))
static const uint64_t allowed[PD_NR_EXPECT] = {
	[PD_EXPECT_RESULT] = B(PD_EF_VALUE) | B(PD_EF_FRAME) | B(PD_EF_ORDER),
	[PD_EXPECT_PAGE] = B(PD_EF_KIND) | B(PD_EF_ORDER) | B(PD_EF_ACCEPTED) | B(PD_EF_ANON) |
		B(PD_EF_AE) | B(PD_EF_TAGGED) | B(PD_EF_RESERVED) | B(PD_EF_SWAPCACHE) |
		B(PD_EF_MC) | B(PD_EF_RC) | B(PD_EF_CONTENT) | B(PD_EF_TAGS) | B(PD_EF_TAG),
	[PD_EXPECT_PTE] = B(PD_EF_KIND) | B(PD_EF_MAPPED) | B(PD_EF_MTE) | B(PD_EF_WRITABLE) |
		B(PD_EF_EXCL) | B(PD_EF_FRAME) | B(PD_EF_SLOT),
	[PD_EXPECT_SLOT] = B(PD_EF_INUSE) | B(PD_EF_COUNT) | B(PD_EF_SWAPCACHE) |
		B(PD_EF_TAGSAVED) | B(PD_EF_CONTENT) | B(PD_EF_TAGS) | B(PD_EF_TAG),
	[PD_EXPECT_PROC] = B(PD_EF_ALIVE) | B(PD_EF_PINNED),
	[PD_EXPECT_UNIT] = B(PD_EF_ACCEPTED) | B(PD_EF_TIMES),
	[PD_EXPECT_TAGBLOCK] = B(PD_EF_RESERVED) | B(PD_EF_PINS),
	[PD_EXPECT_TOTALS] = B(PD_EF_FREE) | B(PD_EF_DEFERRED) | B(PD_EF_PROCS),
};

bool pd_ef_allowed(unsigned what, unsigned id)
{
	return what < PD_NR_EXPECT && id < PD_NR_EF && (allowed[what] & B(id));
}

unsigned pd_ef_type(unsigned what, unsigned id)
{
	switch (id) {
	case PD_EF_VALUE:    return PD_EFT_HEX;
	case PD_EF_CONTENT:  return PD_EFT_CONTENT;
	case PD_EF_FRAME:    return PD_EFT_FRAME;
	case PD_EF_SLOT:     return PD_EFT_SLOT;
	case PD_EF_ORDER:    return PD_EFT_ORDER;
	case PD_EF_KIND:     return what == PD_EXPECT_PTE ? PD_EFT_PTE_KIND : PD_EFT_PAGE_KIND;
	case PD_EF_TAGS:     return PD_EFT_TAGS;
	case PD_EF_TAG:      return PD_EFT_TAG;
	case PD_EF_MC: case PD_EF_RC: case PD_EF_COUNT: case PD_EF_TIMES: case PD_EF_PINS:
	case PD_EF_FREE: case PD_EF_DEFERRED: case PD_EF_PROCS:
		return PD_EFT_COUNT;
	case PD_EF_RESERVED:
		/* A page's reserved is a flag; a tag block's the reservation count. */
		return what == PD_EXPECT_TAGBLOCK ? PD_EFT_COUNT : PD_EFT_BOOL;
	default:             return PD_EFT_BOOL;
	}
}

int pd_ef_check_value(const struct pd_config *cfg, unsigned what,
		      const struct pd_expect_field *f, char *msg, size_t len)
{
	uint64_t hi;

	switch (pd_ef_type(what, f->id)) {
	case PD_EFT_BOOL:      hi = 1; break;
	case PD_EFT_COUNT:     hi = UINT32_MAX; break;
	case PD_EFT_PAGE_KIND:
	case PD_EFT_PTE_KIND:  hi = 3; break;
	case PD_EFT_FRAME:     hi = pd_nr_frames(cfg) - 1; break;
	case PD_EFT_SLOT:      hi = cfg->slots - 1; break;
	case PD_EFT_ORDER:     hi = cfg->max_order; break;
	case PD_EFT_TAG:
		if (f->granule >= cfg->granules) {
			snprintf(msg, len, "granule %u out of range 0..%u", f->granule,
				 cfg->granules - 1u);
			return -1;
		}
		hi = 15;
		break;
	default:               return 0;
	}
	if (f->value > hi) {
		snprintf(msg, len, "%s=%" PRIu64 " out of range 0..%" PRIu64,
			 pd_ef_name[f->id], f->value, hi);
		return -1;
	}
	return 0;
}

static int check_ref(const struct pd_config *cfg, const struct pd_names *nm,
		     const struct pd_expect *e, char *msg, size_t len)
{
	static const int8_t letter[] = {
		[PD_REF_VPAGE] = PD_L_PROC, [PD_REF_PROC] = PD_L_PROC,
		[PD_REF_ALLOC] = PD_L_ALLOC, [PD_REF_PIN] = PD_L_PIN, [PD_REF_GET] = PD_L_GET,
	};
	uint32_t limit = 0;

	switch (e->ref) {
	case PD_REF_VPAGE: case PD_REF_PROC: case PD_REF_ALLOC: case PD_REF_PIN: case PD_REF_GET:
		if (pd_names_find(nm, letter[e->ref], e->name) < 0) {
			snprintf(msg, len, "%c%u is not live", pd_letter_char[letter[e->ref]], e->name);
			return -1;
		}
		if (e->ref == PD_REF_VPAGE && e->vpage >= cfg->vpages) {
			snprintf(msg, len, "vpage=%u out of range 0..%u", e->vpage, cfg->vpages - 1u);
			return -1;
		}
		return 0;
	case PD_REF_FRAME: limit = pd_nr_frames(cfg); break;
	case PD_REF_SLOT:  limit = cfg->slots; break;
	case PD_REF_INDEX:
		limit = e->what == PD_EXPECT_UNIT ? pd_nr_units(cfg) : pd_nr_tag_blocks(cfg);
		break;
	default:
		return 0;
	}
	if (e->index >= limit) {
		snprintf(msg, len, "%s %u out of range 0..%u", pd_expect_what_name[e->what],
			 e->index, limit - 1);
		return -1;
	}
	return 0;
}

/* Which references each kind of expect line takes. */
static bool ref_ok(unsigned what, unsigned ref)
{
	switch (what) {
	case PD_EXPECT_RESULT: case PD_EXPECT_TOTALS: return ref == PD_REF_NONE;
	case PD_EXPECT_PAGE:
		return ref == PD_REF_VPAGE || ref == PD_REF_ALLOC || ref == PD_REF_PIN ||
		       ref == PD_REF_GET || ref == PD_REF_FRAME;
	case PD_EXPECT_PTE:    return ref == PD_REF_VPAGE;
	case PD_EXPECT_SLOT:   return ref == PD_REF_VPAGE || ref == PD_REF_SLOT;
	case PD_EXPECT_PROC:   return ref == PD_REF_PROC;
	case PD_EXPECT_UNIT: case PD_EXPECT_TAGBLOCK: return ref == PD_REF_INDEX;
	default:               return false;
	}
}

int pd_expect_check(const struct pd_config *cfg, const struct pd_names *nm,
		    const struct pd_expect *e, bool after_op, char *msg, size_t len)
{
	uint64_t seen = 0;

	if (e->what >= PD_NR_EXPECT || !ref_ok(e->what, e->ref)) {
		snprintf(msg, len, "bad expect kind or reference");
		return -1;
	}
	if (e->what == PD_EXPECT_RESULT) {
		if (!after_op) {
			snprintf(msg, len, "expect result before any op");
			return -1;
		}
		if (e->status >= PD_UNSUPPORTED) {
			snprintf(msg, len, "bad status %u", e->status);
			return -1;
		}
	}
	if (check_ref(cfg, nm, e, msg, len))
		return -1;
	for (uint32_t i = 0; i < e->nfields; i++) {
		const struct pd_expect_field *f = &e->fields[i];

		if (!pd_ef_allowed(e->what, f->id)) {
			snprintf(msg, len, "field %u not valid in expect %s", f->id,
				 pd_expect_what_name[e->what]);
			return -1;
		}
		if (f->id != PD_EF_TAG && (seen & B(f->id))) {
			snprintf(msg, len, "repeated field %s", pd_ef_name[f->id]);
			return -1;
		}
		seen |= B(f->id);
		if (pd_ef_check_value(cfg, e->what, f, msg, len))
			return -1;
	}
	return 0;
}
