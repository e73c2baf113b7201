// SPDX-License-Identifier: MIT
/*
 * bytes.c - the byte form of a trace (docs/trace-format.md, "Bytes"),
 * version 1, for fuzz engines.
 *
 * Every byte string decodes: a missing byte reads as 0, every value is
 * reduced into its range, and an op that needs a live name when none is
 * live, or would create one past the limit, is dropped after its bytes are
 * consumed.  Names are written as indices into the live names of their
 * letter (creation order); the decoder and encoder track liveness the same
 * way (optab.c), so decode(encode(T)) == T and encode(decode(B)) is a
 * fixed point.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "optab.h"
#include "trace_int.h"
#include "util.h"

struct reader {
	const uint8_t *b;
	size_t len, pos;
};

/* Missing bytes read as 0. */
static PD_HOT_INLINE unsigned rd(struct reader *r)
{
	return r->pos < r->len ? r->b[r->pos++] : (r->pos++, 0u);
}

static PD_HOT_INLINE unsigned rd16(struct reader *r)
{
	unsigned lo = rd(r);

	return lo | (rd(r) << 8);
}

static void decode_config(struct reader *r, struct pd_config *c)
{
	unsigned b, opts;

	memset(c, 0, sizeof(*c));
	c->frames_log2 = (uint8_t)(PD_MIN_FRAMES_LOG2 + rd(r) % 22);
	b = rd(r) % 11;
	c->max_order = (uint8_t)(b < c->frames_log2 ? b : c->frames_log2);
	c->cpus = (uint8_t)(1 + rd(r) % 8);
	c->granules = (uint16_t)(1u << (rd(r) % 9));
	b = rd(r) % 11;
	c->accept_order = (uint8_t)(b < c->frames_log2 ? b : c->frames_log2);
	c->unaccepted = (uint8_t)rd(r);
	b = rd(r) % 6;
	c->tag_ratio_log2 = (uint8_t)(b < c->frames_log2 ? b : c->frames_log2);
	c->slots = 1 + rd16(r);
	c->pcp_batch = (uint16_t)(1 + rd(r) % 64);
	b = rd(r);
	c->pcp_high = (uint16_t)(b > c->pcp_batch ? b : c->pcp_batch);
	c->vpages = (uint16_t)(1 + rd(r));
	opts = rd(r);
	c->swap_excl = opts & 1;
	c->accept = (opts >> 1) & 1;
	c->tagstore = (uint8_t)((opts >> 2) % 3);
	rd(r);  /* reserved */
	rd(r);
}

/*
 * x % d without a divide: Lemire's fastmod (exact for every 32-bit x and
 * d >= 1).  A fuzz input's ops are ~3 reduced bytes each, and a hardware
 * divide per argument was most of the decoder's time.
 */
struct fastmod {
	uint64_t m;
	uint32_t d;
};

static void fastmod_init(struct fastmod *f, uint32_t d)
{
	f->d = d;
	f->m = UINT64_MAX / d + 1;
}

static PD_HOT_INLINE uint32_t fastmod(const struct fastmod *f, uint32_t x)
{
	uint64_t low = f->m * x;

	return (uint32_t)(((unsigned __int128)low * f->d) >> 64);
}

#define FM(d) { UINT64_MAX / (d) + 1, (d) }
#define FM8(b) FM(b + 1), FM(b + 2), FM(b + 3), FM(b + 4), FM(b + 5), FM(b + 6), FM(b + 7), FM(b + 8)

/* A live-name index byte is reduced % n, n = 1..PD_MAX_HANDLES live names. */
static const struct fastmod name_mod[PD_MAX_HANDLES + 1] = {
	{ 0, 1 }, FM8(0), FM8(8), FM8(16), FM8(24), FM8(32), FM8(40), FM8(48), FM8(56),
};
_Static_assert(PD_MAX_HANDLES == 64, "name_mod has 64 entries");

/* Per argument kind: the modulus its byte(s) are reduced by under this config. */
struct arg_reducer {
	struct fastmod mod[PD_ARG_FLAG];
};

static void reducer_init(struct arg_reducer *ar, const struct pd_config *c)
{
	uint64_t lo, hi;

	memset(ar, 0, sizeof(*ar));
	fastmod_init(&ar->mod[PD_ARG_CPU], c->cpus);
	fastmod_init(&ar->mod[PD_ARG_ORDER], c->max_order + 1u);
	fastmod_init(&ar->mod[PD_ARG_VPAGE], c->vpages);
	fastmod_init(&ar->mod[PD_ARG_PAGES], c->vpages);
	fastmod_init(&ar->mod[PD_ARG_VALUE], 0x10000);
	fastmod_init(&ar->mod[PD_ARG_GRANULE], c->granules);
	fastmod_init(&ar->mod[PD_ARG_TAG], 16);
	fastmod_init(&ar->mod[PD_ARG_SLOT], c->slots);
	pd_arg_range(c, PD_ARG_BLOCK, &lo, &hi);
	fastmod_init(&ar->mod[PD_ARG_BLOCK], (uint32_t)hi + 1);
}

/* One argument, reduced into its range (and so valid for the text form). */
static PD_HOT_INLINE uint64_t decode_arg(struct reader *r, const struct arg_reducer *ar,
					 unsigned kind)
{
	switch (kind) {
	case PD_ARG_VALUE:
		return rd16(r);
	case PD_ARG_SLOT:
	case PD_ARG_BLOCK:
		return fastmod(&ar->mod[kind], rd16(r));
	case PD_ARG_PAGES:
		return 1 + fastmod(&ar->mod[kind], rd(r));
	case PD_ARG_CPU:
	case PD_ARG_ORDER:
	case PD_ARG_VPAGE:
	case PD_ARG_GRANULE:
	case PD_ARG_TAG:
		return fastmod(&ar->mod[kind], rd(r));
	default:
		return 0;
	}
}

/*
 * Per opcode, what decode_op reads, in byte order: the argument kinds
 * with the flags byte at the first flag's place, the flag mask and the
 * name limit.  Built once from pd_op_desc, so the byte layout still
 * comes from the one table; decoding from it saved the per-argument
 * lookups and calls that were a fifth of the decoder.
 */
struct op_prog {
	uint8_t    n;
	uint8_t    kind[PD_OP_MAX_ARGS];
	pd_flags_t flags;
	uint32_t   def_limit;
};

static struct op_prog op_progs[PD_NR_OPS];
static bool op_progs_ready;

static void op_progs_init(void)
{
	for (unsigned code = 0; code < PD_NR_OPS; code++) {
		const struct pd_op_desc *d = &pd_op_desc[code];
		struct op_prog *pg = &op_progs[code];
		bool flags_seen = false;

		pg->n = 0;
		for (unsigned a = 0; a < d->nargs; a++) {
			if (d->args[a].kind == PD_ARG_FLAG) {
				if (flags_seen)
					continue;
				flags_seen = true;
			}
			pg->kind[pg->n++] = d->args[a].kind;
		}
		pg->flags = pd_op_flag_mask(code);
		pg->def_limit = d->def != PD_L_NONE ? pd_names_limit(d->def) : 0;
	}
	op_progs_ready = true;
}

/* Decode one op at r; false if it must be dropped. */
static PD_HOT_INLINE bool decode_op(struct reader *r, const struct arg_reducer *ar,
				    const struct pd_names *nm, struct pd_op *op)
{
	const struct pd_op_desc *d;
	const struct op_prog *pg;
	bool keep = true;

	memset(op, 0, sizeof(*op));
	op->code = (uint8_t)(rd(r) % PD_NR_OPS);
	d = &pd_op_desc[op->code];
	pg = &op_progs[op->code];
	if (d->use != PD_L_NONE) {
		unsigned idx = rd(r), n = nm->n[d->use];
		uint32_t num = n ? nm->live[d->use][fastmod(&name_mod[n], idx)] : 0;

		keep = n > 0;
		if (d->use == PD_L_PROC)
			op->proc = num;
		else
			op->handle = num;
	}
	for (unsigned a = 0; a < pg->n; a++) {
		unsigned kind = pg->kind[a];

		if (kind == PD_ARG_FLAG)
			op->flags = (pd_flags_t)(rd(r) & pg->flags);
		else
			pd_arg_set(op, kind, decode_arg(r, ar, kind));
	}
	if (d->def != PD_L_NONE) {
		if (nm->n[d->def] >= pg->def_limit)
			keep = false;
		op->name = nm->next[d->def];
	}
	return keep;
}

/* pd_names_apply for a decoded op (its used name is live, its limit checked). */
static PD_HOT_INLINE void apply_names(struct pd_names *nm, const struct pd_op *op)
{
	const struct pd_op_desc *d = &pd_op_desc[op->code];

	if (d->ends) {
		pd_names_apply(nm, op);
		return;
	}
	if (d->def != PD_L_NONE) {
		nm->live[d->def][nm->n[d->def]++] = op->name;
		nm->next[d->def] = op->name + 1;
	}
}

void pd_trace_decode(const uint8_t *buf, size_t len, struct pd_trace *t)
{
	pd_trace_init(t);
	pd_trace_decode_into(buf, len, t);
}

void pd_trace_decode_into(const uint8_t *buf, size_t len, struct pd_trace *t)
{
	struct reader r = { buf, len, 0 };
	struct arg_reducer ar;
	struct pd_names nm;
	struct pd_op op;

	if (!op_progs_ready)
		op_progs_init();
	pd_trace_clear(t);
	/* Every op takes at least one byte: room for a fuzz input's ops at once. */
	if (len > PD_BYTES_HEADER)
		pd_trace_reserve_ops(t, len - PD_BYTES_HEADER < 1024 ? len - PD_BYTES_HEADER : 1024);
	rd(&r);  /* version: anything reads as 1 */
	decode_config(&r, &t->cfg);
	reducer_init(&ar, &t->cfg);
	pd_names_init(&nm);
	while (r.pos < len) {
		if (!decode_op(&r, &ar, &nm, &op))
			continue;
		apply_names(&nm, &op);
		if (t->nops < t->ops_cap && t->nitems < t->items_cap)
			pd_trace_push_op(t, &op, 0);
		else
			pd_trace_add_op(t, &op, 0);
	}
}

static void put(uint8_t **b, size_t *len, size_t *cap, unsigned v)
{
	pd_grow((void **)b, cap, *len + 1, 1);
	(*b)[(*len)++] = (uint8_t)v;
}

static void put16(uint8_t **b, size_t *len, size_t *cap, unsigned v)
{
	put(b, len, cap, v & 0xff);
	put(b, len, cap, (v >> 8) & 0xff);
}

int pd_trace_encode(const struct pd_trace *t, uint8_t **out, size_t *outlen,
		    char *err, size_t errlen)
{
	const struct pd_config *c = &t->cfg;
	struct pd_names nm;
	uint8_t *b = NULL;
	size_t len = 0, cap = 0;
	char msg[160];
	int argi;

	*out = NULL;
	*outlen = 0;
	if (pd_config_validate(c, msg, sizeof(msg))) {
		if (err)
			snprintf(err, errlen, "config: %s", msg);
		return -1;
	}
	put(&b, &len, &cap, PD_BYTES_VERSION);
	put(&b, &len, &cap, c->frames_log2 - PD_MIN_FRAMES_LOG2);
	put(&b, &len, &cap, c->max_order);
	put(&b, &len, &cap, c->cpus - 1u);
	put(&b, &len, &cap, pd_ilog2(c->granules));
	put(&b, &len, &cap, c->accept_order);
	put(&b, &len, &cap, c->unaccepted);
	put(&b, &len, &cap, c->tag_ratio_log2);
	put16(&b, &len, &cap, c->slots - 1);
	put(&b, &len, &cap, c->pcp_batch - 1u);
	put(&b, &len, &cap, c->pcp_high);
	put(&b, &len, &cap, c->vpages - 1u);
	put(&b, &len, &cap, (unsigned)c->swap_excl | (unsigned)c->accept << 1 |
			    (unsigned)c->tagstore << 2);
	put(&b, &len, &cap, 0);
	put(&b, &len, &cap, 0);

	pd_names_init(&nm);
	for (size_t i = 0; i < t->nops; i++) {
		const struct pd_op *op = &t->ops[i];
		const struct pd_op_desc *d;
		bool flags_done = false;

		if (pd_op_check(c, &nm, op, &argi, msg, sizeof(msg))) {
			if (err)
				snprintf(err, errlen, "op %zu: %s", i, msg);
			free(b);
			return -1;
		}
		d = &pd_op_desc[op->code];
		put(&b, &len, &cap, op->code);
		if (d->use != PD_L_NONE)
			put(&b, &len, &cap, (unsigned)pd_names_find(&nm, d->use,
				d->use == PD_L_PROC ? op->proc : op->handle));
		for (unsigned a = 0; a < d->nargs; a++) {
			unsigned kind = d->args[a].kind;
			uint64_t v = pd_arg_get(op, kind);

			switch (kind) {
			case PD_ARG_FLAG:
				if (!flags_done)
					put(&b, &len, &cap, op->flags);
				flags_done = true;
				break;
			case PD_ARG_PAGES:
				put(&b, &len, &cap, (unsigned)v - 1);
				break;
			case PD_ARG_VALUE: case PD_ARG_SLOT: case PD_ARG_BLOCK:
				put16(&b, &len, &cap, (unsigned)v);
				break;
			default:
				put(&b, &len, &cap, (unsigned)v);
				break;
			}
		}
		pd_names_apply(&nm, op);
	}
	*out = b;
	*outlen = len;
	return 0;
}

/* Length of the UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t utf8_len(const uint8_t *s, size_t n)
{
	size_t need;
	uint32_t cp, min;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		need = 2; cp = s[0] & 0x1f; min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		need = 3; cp = s[0] & 0x0f; min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		need = 4; cp = s[0] & 0x07; min = 0x10000;
	} else {
		return 0;
	}
	if (n < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need;
}

bool pd_looks_like_text(const uint8_t *buf, size_t len)
{
	size_t i = 0, b, e;

	for (size_t k = 0; k < len;) {
		size_t n = utf8_len(buf + k, len - k);

		if (!n)
			return false;
		if (n == 1 && buf[k] < 0x20 && buf[k] != '\n' && buf[k] != '\t' && buf[k] != '\r')
			return false;
		if (buf[k] == 0x7f)
			return false;
		k += n;
	}
	/* The first non-blank token. */
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
		i++;
	if (i == len || buf[i] == '#')
		return true;
	b = i;
	while (i < len && buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\r' && buf[i] != '\n')
		i++;
	e = i;
	if ((e - b == 6 && !memcmp(buf + b, "config", 6)) ||
	    (e - b == 6 && !memcmp(buf + b, "expect", 6)) ||
	    pd_opcode_lookup((const char *)buf + b, e - b) >= 0)
		return true;
	/* "pN = op" */
	while (i < len && (buf[i] == ' ' || buf[i] == '\t'))
		i++;
	return e - b >= 2 && strchr("pakr", buf[b]) && i < len && buf[i] == '=';
}
