// SPDX-License-Identifier: MIT
/*
 * text.c - the text form of a trace (docs/trace-format.md, "Text"): the
 * parser, with FILE:LINE:COL errors, and the canonical printer.
 *
 * print(parse(T)) == T for a canonically written T: comments and blank
 * lines are kept verbatim, trailing comments are kept with the blanks
 * before them, expect fields keep their order.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expect.h"
#include "optab.h"
#include "trace_int.h"
#include "util.h"

/* ---- configuration keys ---- */

enum cfg_key {
	K_FRAMES, K_CPUS, K_MAX_ORDER, K_GRANULES, K_ACCEPT_ORDER, K_UNACCEPTED,
	K_TAG_RATIO, K_SLOTS, K_PCP_BATCH, K_PCP_HIGH, K_VPAGES, K_SWAP_EXCL,
	K_ACCEPT, K_TAGSTORE, NR_CFG_KEYS
};

struct cfg_key_desc {
	const char *name;
	uint32_t lo, hi;
	bool pow2;
	const char *const *words;  /* enum keys: value names */
};

static const char *const swap_excl_words[] = { "lost", "kept", NULL };
static const char *const accept_words[] = { "flag", "list", NULL };
static const char *const tagstore_words[] = { "none", "strict", "besteffort", NULL };

static const struct cfg_key_desc cfg_keys[NR_CFG_KEYS] = {
	[K_FRAMES]       = { "frames", 1u << PD_MIN_FRAMES_LOG2, 1u << PD_MAX_FRAMES_LOG2, true, NULL },
	[K_CPUS]         = { "cpus", 1, PD_MAX_CPUS, false, NULL },
	[K_MAX_ORDER]    = { "max_order", 0, PD_MAX_ORDER_LIMIT, false, NULL },
	[K_GRANULES]     = { "granules", 1, PD_MAX_GRANULES, true, NULL },
	[K_ACCEPT_ORDER] = { "accept_order", 0, PD_MAX_ORDER_LIMIT, false, NULL },
	[K_UNACCEPTED]   = { "unaccepted", 0, 255, false, NULL },
	[K_TAG_RATIO]    = { "tag_ratio", 1, 32, true, NULL },
	[K_SLOTS]        = { "slots", 1, 65536, false, NULL },
	[K_PCP_BATCH]    = { "pcp_batch", 1, 64, false, NULL },
	[K_PCP_HIGH]     = { "pcp_high", 1, 255, false, NULL },
	[K_VPAGES]       = { "vpages", 1, PD_MAX_VPAGES, false, NULL },
	[K_SWAP_EXCL]    = { "swap_excl", 0, 1, false, swap_excl_words },
	[K_ACCEPT]       = { "accept", 0, 1, false, accept_words },
	[K_TAGSTORE]     = { "tagstore", 0, 2, false, tagstore_words },
};

/* The value of key k as written in text (frames, not frames_log2). */
static uint32_t cfg_get(const struct pd_config *c, unsigned k)
{
	switch (k) {
	case K_FRAMES:       return pd_nr_frames(c);
	case K_CPUS:         return c->cpus;
	case K_MAX_ORDER:    return c->max_order;
	case K_GRANULES:     return c->granules;
	case K_ACCEPT_ORDER: return c->accept_order;
	case K_UNACCEPTED:   return c->unaccepted;
	case K_TAG_RATIO:    return 1u << c->tag_ratio_log2;
	case K_SLOTS:        return c->slots;
	case K_PCP_BATCH:    return c->pcp_batch;
	case K_PCP_HIGH:     return c->pcp_high;
	case K_VPAGES:       return c->vpages;
	case K_SWAP_EXCL:    return c->swap_excl;
	case K_ACCEPT:       return c->accept;
	default:             return c->tagstore;
	}
}

/* v is in the key's range. */
static void cfg_set(struct pd_config *c, unsigned k, uint32_t v)
{
	switch (k) {
	case K_FRAMES:       c->frames_log2 = (uint8_t)pd_ilog2(v); break;
	case K_CPUS:         c->cpus = (uint8_t)v; break;
	case K_MAX_ORDER:    c->max_order = (uint8_t)v; break;
	case K_GRANULES:     c->granules = (uint16_t)v; break;
	case K_ACCEPT_ORDER: c->accept_order = (uint8_t)v; break;
	case K_UNACCEPTED:   c->unaccepted = (uint8_t)v; break;
	case K_TAG_RATIO:    c->tag_ratio_log2 = (uint8_t)pd_ilog2(v); break;
	case K_SLOTS:        c->slots = v; break;
	case K_PCP_BATCH:    c->pcp_batch = (uint16_t)v; break;
	case K_PCP_HIGH:     c->pcp_high = (uint16_t)v; break;
	case K_VPAGES:       c->vpages = (uint16_t)v; break;
	case K_SWAP_EXCL:    c->swap_excl = (uint8_t)v; break;
	case K_ACCEPT:       c->accept = (uint8_t)v; break;
	default:             c->tagstore = (uint8_t)v; break;
	}
}

void pd_config_format(const struct pd_config *cfg, struct pd_strbuf *sb)
{
	struct pd_config def;

	pd_config_default(&def);
	pd_sb_puts(sb, "config");
	for (unsigned k = 0; k < NR_CFG_KEYS; k++) {
		uint32_t v = cfg_get(cfg, k);

		if (v == cfg_get(&def, k))
			continue;
		if (cfg_keys[k].words)
			pd_sb_printf(sb, " %s=%s", cfg_keys[k].name, cfg_keys[k].words[v]);
		else
			pd_sb_printf(sb, " %s=%u", cfg_keys[k].name, v);
	}
}

/* ---- the parser ---- */

struct tok {
	const char *s;
	unsigned    n;
	unsigned    col;  /* 1-based */
};

#define MAX_TOKS 320

struct parser {
	const char      *file;
	struct pd_trace *t;
	struct pd_names  nm;
	uint32_t         line;
	bool             seen_config, seen_op;
	char            *err;
	size_t           errlen;
	struct tok       tok[MAX_TOKS];
	unsigned         ntok;
	unsigned         endcol;   /* column just past the last token */
	const char      *trail;    /* blanks + trailing comment, or NULL */
	size_t           trail_len;
};

static int perr(struct parser *p, unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int perr(struct parser *p, unsigned col, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (p->err)
		snprintf(p->err, p->errlen, "%s:%u:%u: %s", p->file, p->line, col, msg);
	return -1;
}

/* A token, quoted for a message: at most 32 bytes, non-printables escaped. */
static const char *q(const struct tok *tk, char *buf, size_t len)
{
	size_t o = 0;

	for (unsigned i = 0; i < tk->n && i < 32 && o + 5 < len; i++) {
		unsigned char ch = (unsigned char)tk->s[i];

		if (ch >= 0x20 && ch < 0x7f)
			buf[o++] = (char)ch;
		else
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", ch);
	}
	if (tk->n > 32 && o + 4 < len) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = 0;
	return buf;
}

static bool tok_is(const struct tok *tk, const char *s)
{
	return strlen(s) == tk->n && !memcmp(tk->s, s, tk->n);
}

/* Decimal or 0x hex, no sign, no overflow. */
static bool parse_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	unsigned base = 10, d;
	size_t i = 0;

	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == n)
		return false;
	for (; i < n; i++) {
		char c = s[i];

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return false;
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

/*
 * A name token: letter then a decimal number without leading zeros.
 * Returns the letter (enum pd_letter) or PD_L_NONE.
 */
static int parse_name(const struct tok *tk, uint32_t *num)
{
	uint64_t v;
	int letter = PD_L_NONE;

	if (tk->n < 2 || tk->n > 11)
		return PD_L_NONE;
	for (int l = 0; l < PD_NR_LETTERS; l++)
		if (tk->s[0] == pd_letter_char[l])
			letter = l;
	if (letter == PD_L_NONE || (tk->s[1] == '0' && tk->n > 2))
		return PD_L_NONE;
	for (unsigned i = 1; i < tk->n; i++)
		if (tk->s[i] < '0' || tk->s[i] > '9')
			return PD_L_NONE;
	if (!parse_u64(tk->s + 1, tk->n - 1, &v) || v >= UINT32_MAX)
		return PD_L_NONE;
	*num = (uint32_t)v;
	return letter;
}

/* Split a `key=value` token; false if it has no '='. */
static bool split_kv(const struct tok *tk, struct tok *key, struct tok *val)
{
	const char *eq = memchr(tk->s, '=', tk->n);

	if (!eq)
		return false;
	key->s = tk->s;
	key->n = (unsigned)(eq - tk->s);
	key->col = tk->col;
	val->s = eq + 1;
	val->n = tk->n - key->n - 1;
	val->col = tk->col + key->n + 1;
	return true;
}

/*
 * Tokenize one line (without its newline).  A '#' anywhere starts a
 * comment; the blanks before it and the comment are kept as the trailer.
 */
static int tokenize(struct parser *p, const char *s, size_t n)
{
	size_t i = 0, last_end = 0;

	p->ntok = 0;
	p->trail = NULL;
	p->trail_len = 0;
	while (i < n) {
		size_t b;

		while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
			i++;
		if (i == n)
			break;
		if (s[i] == '#') {
			p->trail = s + last_end;
			p->trail_len = n - last_end;
			/* A trailing CR is not part of the comment. */
			while (p->trail_len && p->trail[p->trail_len - 1] == '\r')
				p->trail_len--;
			break;
		}
		b = i;
		while (i < n && s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '#')
			i++;
		if (p->ntok == MAX_TOKS)
			return perr(p, (unsigned)b + 1, "too many tokens on one line (at most %d)",
				    MAX_TOKS);
		p->tok[p->ntok].s = s + b;
		p->tok[p->ntok].n = (unsigned)(i - b);
		p->tok[p->ntok].col = (unsigned)b + 1;
		p->ntok++;
		last_end = i;
	}
	p->endcol = (unsigned)last_end + 1;
	return 0;
}

static void set_trail(struct parser *p)
{
	if (p->trail)
		p->t->items[p->t->nitems - 1].text = pd_xstrndup(p->trail, p->trail_len);
}

/* ---- config line ---- */

static unsigned later(unsigned a, unsigned b, unsigned dflt)
{
	unsigned m = a > b ? a : b;

	return m ? m : dflt;
}

static int parse_config(struct parser *p)
{
	unsigned col[NR_CFG_KEYS] = { 0 };
	struct pd_config *c = &p->t->cfg;
	char b1[160], b2[160];

	if (p->seen_config)
		return perr(p, p->tok[0].col, "duplicate config line");
	if (p->seen_op)
		return perr(p, p->tok[0].col, "config line after the first op");
	p->seen_config = true;
	for (unsigned i = 1; i < p->ntok; i++) {
		struct tok *tk = &p->tok[i], key, val;
		uint64_t v = 0;
		int k;

		if (!split_kv(tk, &key, &val))
			return perr(p, tk->col, "expected key=value, got '%s'", q(tk, b1, sizeof(b1)));
		for (k = 0; k < NR_CFG_KEYS; k++)
			if (tok_is(&key, cfg_keys[k].name))
				break;
		if (k == NR_CFG_KEYS)
			return perr(p, key.col, "unknown config key '%s'", q(&key, b1, sizeof(b1)));
		if (col[k])
			return perr(p, key.col, "repeated key '%s'", cfg_keys[k].name);
		col[k] = key.col;
		if (cfg_keys[k].words) {
			unsigned w;

			for (w = 0; cfg_keys[k].words[w]; w++)
				if (tok_is(&val, cfg_keys[k].words[w]))
					break;
			if (!cfg_keys[k].words[w])
				return perr(p, val.col, "bad value '%s' for %s", q(&val, b1, sizeof(b1)),
					    cfg_keys[k].name);
			v = w;
		} else {
			if (!parse_u64(val.s, val.n, &v))
				return perr(p, val.col, "bad number '%s'", q(&val, b1, sizeof(b1)));
			if (v < cfg_keys[k].lo || v > cfg_keys[k].hi ||
			    (cfg_keys[k].pow2 && (v & (v - 1))))
				return perr(p, val.col, "%s=%s out of range (%s%u..%u)",
					    cfg_keys[k].name, q(&val, b1, sizeof(b1)),
					    cfg_keys[k].pow2 ? "a power of two " : "",
					    cfg_keys[k].lo, cfg_keys[k].hi);
		}
		cfg_set(c, (unsigned)k, (uint32_t)v);
	}

	/* Cross-key ranges: blame the later of the two keys on the line. */
#define LATER(a, b) later(col[a], col[b], p->tok[0].col)
	if (c->max_order > c->frames_log2)
		return perr(p, LATER(K_MAX_ORDER, K_FRAMES),
			    "max_order=%u out of range for frames=%u", c->max_order, pd_nr_frames(c));
	if (c->accept_order > c->frames_log2)
		return perr(p, LATER(K_ACCEPT_ORDER, K_FRAMES),
			    "accept_order=%u out of range for frames=%u", c->accept_order,
			    pd_nr_frames(c));
	if (c->tag_ratio_log2 > c->frames_log2)
		return perr(p, LATER(K_TAG_RATIO, K_FRAMES),
			    "tag_ratio=%u out of range for frames=%u", 1u << c->tag_ratio_log2,
			    pd_nr_frames(c));
	if (c->pcp_high < c->pcp_batch)
		return perr(p, LATER(K_PCP_HIGH, K_PCP_BATCH),
			    "pcp_high=%u is below pcp_batch=%u", c->pcp_high, c->pcp_batch);
#undef LATER
	if (pd_config_validate(c, b2, sizeof(b2)))
		return perr(p, p->tok[0].col, "%s", b2);
	pd_trace_add_item(p->t, PD_ITEM_CONFIG, p->line, 0);
	set_trail(p);
	return 0;
}

/* ---- op line ---- */

/* The name token at i, which must be a live name of `letter`. */
static int use_name(struct parser *p, unsigned i, int letter, uint32_t *num)
{
	char b[160];
	int l;

	if (i >= p->ntok)
		return perr(p, p->endcol, "truncated line: missing %cN", pd_letter_char[letter]);
	l = parse_name(&p->tok[i], num);
	if (l != letter)
		return perr(p, p->tok[i].col, "expected a %c name, got '%s'",
			    pd_letter_char[letter], q(&p->tok[i], b, sizeof(b)));
	if (pd_names_find(&p->nm, letter, *num) < 0)
		return perr(p, p->tok[i].col, "%c%u is not live", pd_letter_char[letter], *num);
	return 0;
}

static int parse_op(struct parser *p)
{
	const struct pd_op_desc *d;
	struct pd_op op;
	unsigned opi = 0, i, seen = 0;
	int code, argi;
	char b[160], msg[160];

	memset(&op, 0, sizeof(op));
	if (p->ntok >= 2 && tok_is(&p->tok[1], "=")) {
		opi = 2;
		if (p->ntok == 2)
			return perr(p, p->endcol, "truncated line: missing op after '='");
	}
	code = pd_opcode_lookup(p->tok[opi].s, p->tok[opi].n);
	if (code < 0)
		return perr(p, p->tok[opi].col, "unknown op '%s'", q(&p->tok[opi], b, sizeof(b)));
	op.code = (uint8_t)code;
	d = &pd_op_desc[code];

	if (d->def != PD_L_NONE) {
		uint32_t num;

		if (!opi)
			return perr(p, p->tok[0].col, "%s creates a name: write '%cN = %s ...'",
				    d->name, pd_letter_char[d->def], d->name);
		if (parse_name(&p->tok[0], &num) != d->def)
			return perr(p, p->tok[0].col, "%s creates a %c name, not '%s'", d->name,
				    pd_letter_char[d->def], q(&p->tok[0], b, sizeof(b)));
		if (num != p->nm.next[d->def])
			return perr(p, p->tok[0].col, "%c%u is not the next name (expected %c%u)",
				    pd_letter_char[d->def], num, pd_letter_char[d->def],
				    p->nm.next[d->def]);
		if (p->nm.n[d->def] >= pd_names_limit(d->def))
			return perr(p, p->tok[0].col, "too many live %c names (at most %u)",
				    pd_letter_char[d->def], pd_names_limit(d->def));
		op.name = num;
	} else if (opi) {
		return perr(p, p->tok[0].col, "%s does not create a name", d->name);
	}

	i = opi + 1;
	if (d->use != PD_L_NONE) {
		uint32_t num;

		if (use_name(p, i, d->use, &num))
			return -1;
		if (d->use == PD_L_PROC)
			op.proc = num;
		else
			op.handle = num;
		i++;
	}

	for (; i < p->ntok; i++) {
		struct tok *tk = &p->tok[i], key, val;
		bool kv = split_kv(tk, &key, &val);
		unsigned a;

		if (!kv)
			key = *tk;
		for (a = 0; a < d->nargs; a++)
			if (tok_is(&key, d->args[a].key))
				break;
		if (a == d->nargs)
			return perr(p, tk->col, "unknown key '%s' for %s", q(&key, b, sizeof(b)),
				    d->name);
		if (seen & (1u << a))
			return perr(p, tk->col, "repeated key '%s'", d->args[a].key);
		seen |= 1u << a;
		if (d->args[a].kind == PD_ARG_FLAG) {
			if (kv)
				return perr(p, tk->col, "'%s' takes no value", d->args[a].key);
			op.flags |= d->args[a].flag;
		} else {
			uint64_t v, lo, hi;

			if (!kv)
				return perr(p, tk->col, "'%s' needs a value: %s=N", d->args[a].key,
					    d->args[a].key);
			if (!parse_u64(val.s, val.n, &v))
				return perr(p, val.col, "bad number '%s'", q(&val, b, sizeof(b)));
			pd_arg_range(&p->t->cfg, d->args[a].kind, &lo, &hi);
			if (v < lo || v > hi)
				return perr(p, val.col, "%s=%s out of range %" PRIu64 "..%" PRIu64,
					    d->args[a].key, q(&val, b, sizeof(b)), lo, hi);
			pd_arg_set(&op, d->args[a].kind, v);
		}
	}
	for (unsigned a = 0; a < d->nargs; a++)
		if (d->args[a].req && !(seen & (1u << a)))
			return perr(p, p->endcol, "truncated line: missing %s=", d->args[a].key);

	/* Everything was checked above; this only guards the two from drifting. */
	if (pd_op_check(&p->t->cfg, &p->nm, &op, &argi, msg, sizeof(msg)))
		return perr(p, p->tok[0].col, "%s", msg);
	pd_names_apply(&p->nm, &op);
	pd_trace_add_op(p->t, &op, p->line);
	set_trail(p);
	p->seen_op = true;
	return 0;
}

/* ---- expect line ---- */

/* `pN vpage=V` starting at token *i. */
static int parse_vpage_ref(struct parser *p, unsigned *i, struct pd_expect *e)
{
	struct tok key, val;
	uint64_t v;
	char b[160];

	if (use_name(p, *i, PD_L_PROC, &e->name))
		return -1;
	(*i)++;
	if (*i >= p->ntok)
		return perr(p, p->endcol, "truncated line: missing vpage=");
	if (!split_kv(&p->tok[*i], &key, &val) || !tok_is(&key, "vpage"))
		return perr(p, p->tok[*i].col, "expected vpage=V, got '%s'",
			    q(&p->tok[*i], b, sizeof(b)));
	if (!parse_u64(val.s, val.n, &v))
		return perr(p, val.col, "bad number '%s'", q(&val, b, sizeof(b)));
	if (v >= p->t->cfg.vpages)
		return perr(p, val.col, "vpage=%s out of range 0..%u", q(&val, b, sizeof(b)),
			    p->t->cfg.vpages - 1u);
	e->vpage = (uint16_t)v;
	e->ref = PD_REF_VPAGE;
	(*i)++;
	return 0;
}

/* `key=N` at token *i with N < limit. */
static int parse_index_kv(struct parser *p, unsigned *i, const char *keyname,
			  uint32_t limit, uint32_t *out)
{
	struct tok key, val;
	uint64_t v;
	char b[160];

	if (!split_kv(&p->tok[*i], &key, &val) || !tok_is(&key, keyname))
		return perr(p, p->tok[*i].col, "expected %s=N, got '%s'", keyname,
			    q(&p->tok[*i], b, sizeof(b)));
	if (!parse_u64(val.s, val.n, &v))
		return perr(p, val.col, "bad number '%s'", q(&val, b, sizeof(b)));
	if (v >= limit)
		return perr(p, val.col, "%s=%s out of range 0..%u", keyname,
			    q(&val, b, sizeof(b)), limit - 1);
	*out = (uint32_t)v;
	(*i)++;
	return 0;
}

static int parse_expect_ref(struct parser *p, unsigned *i, struct pd_expect *e)
{
	const struct pd_config *c = &p->t->cfg;
	char b[160];
	uint64_t v;
	int l;

	switch (e->what) {
	case PD_EXPECT_RESULT: {
		int st;

		if (*i >= p->ntok)
			return perr(p, p->endcol, "truncated line: missing status");
		st = pd_status_lookup(p->tok[*i].s, p->tok[*i].n);
		if (st < 0)
			return perr(p, p->tok[*i].col, "unknown status '%s'",
				    q(&p->tok[*i], b, sizeof(b)));
		e->status = (uint8_t)st;
		e->ref = PD_REF_NONE;
		(*i)++;
		return 0;
	}
	case PD_EXPECT_TOTALS:
		e->ref = PD_REF_NONE;
		return 0;
	default:
		break;
	}
	if (*i >= p->ntok)
		return perr(p, p->endcol, "truncated line: missing what to check");
	switch (e->what) {
	case PD_EXPECT_PAGE:
		if (p->tok[*i].n > 6 && !memcmp(p->tok[*i].s, "frame=", 6)) {
			e->ref = PD_REF_FRAME;
			return parse_index_kv(p, i, "frame", pd_nr_frames(c), &e->index);
		}
		l = parse_name(&p->tok[*i], &e->name);
		if (l == PD_L_PROC)
			return parse_vpage_ref(p, i, e);
		if (l == PD_L_NONE)
			return perr(p, p->tok[*i].col, "expected pN vpage=V, aN, kN, rN or frame=F, "
				    "got '%s'", q(&p->tok[*i], b, sizeof(b)));
		if (pd_names_find(&p->nm, l, e->name) < 0)
			return perr(p, p->tok[*i].col, "%c%u is not live", pd_letter_char[l], e->name);
		e->ref = l == PD_L_ALLOC ? PD_REF_ALLOC : l == PD_L_PIN ? PD_REF_PIN : PD_REF_GET;
		(*i)++;
		return 0;
	case PD_EXPECT_PTE:
		return parse_vpage_ref(p, i, e);
	case PD_EXPECT_SLOT:
		if (p->tok[*i].n > 5 && !memcmp(p->tok[*i].s, "slot=", 5)) {
			e->ref = PD_REF_SLOT;
			return parse_index_kv(p, i, "slot", c->slots, &e->index);
		}
		return parse_vpage_ref(p, i, e);
	case PD_EXPECT_PROC:
		e->ref = PD_REF_PROC;
		if (use_name(p, *i, PD_L_PROC, &e->name))
			return -1;
		(*i)++;
		return 0;
	default: {  /* unit, tagblock */
		uint32_t limit = e->what == PD_EXPECT_UNIT ? pd_nr_units(c) : pd_nr_tag_blocks(c);
		struct tok *tk = &p->tok[*i];

		e->ref = PD_REF_INDEX;
		if (!parse_u64(tk->s, tk->n, &v))
			return perr(p, tk->col, "bad number '%s'", q(tk, b, sizeof(b)));
		if (v >= limit)
			return perr(p, tk->col, "%s %s out of range 0..%u",
				    pd_expect_what_name[e->what], q(tk, b, sizeof(b)), limit - 1);
		e->index = (uint32_t)v;
		(*i)++;
		return 0;
	}
	}
}

static int hexdigit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int parse_field_value(struct parser *p, struct pd_expect *e,
			     struct pd_expect_field *f, const struct tok *val)
{
	const struct pd_config *c = &p->t->cfg;
	char b[160], msg[160];
	unsigned type = pd_ef_type(e->what, f->id);

	switch (type) {
	case PD_EFT_PAGE_KIND:
	case PD_EFT_PTE_KIND: {
		const char *const *names = type == PD_EFT_PTE_KIND ? pd_pte_kind_name
								   : pd_page_kind_name;

		for (unsigned k = 0; k < 4; k++)
			if (tok_is(val, names[k])) {
				f->value = k;
				return 0;
			}
		return perr(p, val->col, "bad kind '%s'", q(val, b, sizeof(b)));
	}
	case PD_EFT_TAGS:
		if (val->n != c->granules)
			return perr(p, val->col, "tags=%s: need %u hex digits (one per granule)",
				    q(val, b, sizeof(b)), c->granules);
		memset(e->tags, 0, sizeof(e->tags));
		for (unsigned g = 0; g < val->n; g++) {
			int d = hexdigit(val->s[g]);

			if (d < 0)
				return perr(p, val->col + g, "bad hex digit in tags");
			pd_tag_set(e->tags, g, (uint8_t)d);
		}
		return 0;
	case PD_EFT_CONTENT:
		if (tok_is(val, "undefined")) {
			f->undef = 1;
			return 0;
		}
		break;
	default:
		break;
	}
	if (!parse_u64(val->s, val->n, &f->value))
		return perr(p, val->col, "bad number '%s'", q(val, b, sizeof(b)));
	if (pd_ef_check_value(c, e->what, f, msg, sizeof(msg)))
		return perr(p, val->col, "%s", msg);
	return 0;
}

static int parse_expect_fields(struct parser *p, unsigned i, struct pd_expect *e)
{
	uint64_t seen = 0;
	uint8_t tag_seen[PD_MAX_GRANULES / 8] = { 0 };
	char b[160];

	e->fields = pd_xcalloc(p->ntok, sizeof(*e->fields));
	for (; i < p->ntok; i++) {
		struct tok *tk = &p->tok[i], key, val;
		struct pd_expect_field *f = &e->fields[e->nfields];
		int id;

		if (!split_kv(tk, &key, &val))
			return perr(p, tk->col, "expected field=value, got '%s'", q(tk, b, sizeof(b)));
		memset(f, 0, sizeof(*f));
		if (key.n > 4 && !memcmp(key.s, "tag.", 4)) {
			uint64_t g;

			id = PD_EF_TAG;
			if (!pd_ef_allowed(e->what, PD_EF_TAG))
				return perr(p, key.col, "unknown field '%s' for expect %s",
					    q(&key, b, sizeof(b)), pd_expect_what_name[e->what]);
			if (!parse_u64(key.s + 4, key.n - 4, &g))
				return perr(p, key.col + 4, "bad granule number");
			if (g >= p->t->cfg.granules)
				return perr(p, key.col + 4, "granule %" PRIu64 " out of range 0..%u",
					    g, p->t->cfg.granules - 1u);
			if (tag_seen[g / 8] & (1u << (g % 8)))
				return perr(p, key.col, "repeated key '%s'", q(&key, b, sizeof(b)));
			tag_seen[g / 8] |= (uint8_t)(1u << (g % 8));
			f->granule = (uint16_t)g;
		} else {
			for (id = 0; id < PD_NR_EF; id++)
				if (id != PD_EF_TAG && tok_is(&key, pd_ef_name[id]))
					break;
			if (id == PD_NR_EF || !pd_ef_allowed(e->what, (unsigned)id))
				return perr(p, key.col, "unknown field '%s' for expect %s",
					    q(&key, b, sizeof(b)), pd_expect_what_name[e->what]);
			if (seen & (1ull << id))
				return perr(p, key.col, "repeated key '%s'", pd_ef_name[id]);
			seen |= 1ull << id;
		}
		f->id = (uint8_t)id;
		if (parse_field_value(p, e, f, &val))
			return -1;
		e->nfields++;
	}
	return 0;
}

static int parse_expect(struct parser *p)
{
	struct pd_expect e;
	unsigned i = 2;
	char b[160];
	int what;

	memset(&e, 0, sizeof(e));
	if (p->ntok < 2)
		return perr(p, p->endcol, "truncated line: missing what to expect");
	for (what = 0; what < PD_NR_EXPECT; what++)
		if (tok_is(&p->tok[1], pd_expect_what_name[what]))
			break;
	if (what == PD_NR_EXPECT)
		return perr(p, p->tok[1].col, "unknown expect kind '%s'", q(&p->tok[1], b, sizeof(b)));
	if (what == PD_EXPECT_RESULT && !p->seen_op)
		return perr(p, p->tok[1].col, "expect result before any op");
	e.what = (uint8_t)what;
	if (parse_expect_ref(p, &i, &e) || parse_expect_fields(p, i, &e)) {
		free(e.fields);
		return -1;
	}
	pd_trace_add_expect(p->t, &e, p->line);
	set_trail(p);
	return 0;
}

/*
 * A line may end in the CR of a CRLF; any other control character (a NUL,
 * a stray CR, ...) is rejected, so that what is printed parses back to the
 * same trace: a CR or NUL kept inside a comment would not survive printing.
 */
static int check_line_chars(struct parser *p, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return perr(p, (unsigned)i + 1, "control character 0x%02x not allowed", c);
	}
	return 0;
}

static int parse_line(struct parser *p, const char *s, size_t n)
{
	size_t i = 0;

	if (n && s[n - 1] == '\r')
		n--;
	if (check_line_chars(p, s, n))
		return -1;

	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
		i++;
	if (i == n || s[i] == '#') {
		/* Comment or blank line: kept verbatim (less a CR of CRLF). */
		if (n && s[n - 1] == '\r')
			n--;
		pd_trace_add_item(p->t, PD_ITEM_COMMENT, p->line, 0)->text = pd_xstrndup(s, n);
		return 0;
	}
	if (tokenize(p, s, n))
		return -1;
	if (tok_is(&p->tok[0], "config"))
		return parse_config(p);
	if (tok_is(&p->tok[0], "expect"))
		return parse_expect(p);
	return parse_op(p);
}

int pd_trace_parse(const char *text, size_t len, const char *file,
		   struct pd_trace *t, char *err, size_t errlen)
{
	struct parser *p = pd_xcalloc(1, sizeof(*p));
	size_t pos = 0;
	int rc = 0;

	pd_trace_init(t);
	p->file = file ? file : "<trace>";
	p->t = t;
	p->err = err;
	p->errlen = errlen;
	pd_names_init(&p->nm);
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;

		p->line++;
		rc = parse_line(p, text + pos, n);
		if (rc)
			break;
		pos += n + (nl ? 1 : 0);
	}
	free(p);
	if (rc)
		pd_trace_free(t);
	return rc;
}

/* ---- the printer ---- */

char *pd_op_format(const struct pd_op *op, char *buf, size_t len)
{
	const struct pd_op_desc *d;
	size_t o = 0;

#define PUT(...) do { \
		int n_ = snprintf(buf + o, o < len ? len - o : 0, __VA_ARGS__); \
		if (n_ > 0) \
			o += (size_t)n_; \
	} while (0)
	if (!len)
		return buf;
	buf[0] = 0;
	if (op->code >= PD_NR_OPS) {
		PUT("?op%u", op->code);
		return buf;
	}
	d = &pd_op_desc[op->code];
	if (d->def != PD_L_NONE)
		PUT("%c%u = ", pd_letter_char[d->def], op->name);
	PUT("%s", d->name);
	if (d->use != PD_L_NONE)
		PUT(" %c%u", pd_letter_char[d->use], d->use == PD_L_PROC ? op->proc : op->handle);
	for (unsigned a = 0; a < d->nargs; a++) {
		const struct pd_arg_desc *ad = &d->args[a];
		uint64_t v;

		if (ad->kind == PD_ARG_FLAG) {
			if (op->flags & ad->flag)
				PUT(" %s", ad->key);
			continue;
		}
		v = pd_arg_get(op, ad->kind);
		if (!ad->req && !v)
			continue;
		if (ad->kind == PD_ARG_VALUE)
			PUT(" %s=0x%" PRIx64, ad->key, v);
		else
			PUT(" %s=%" PRIu64, ad->key, v);
	}
#undef PUT
	return buf;
}

static void format_field(struct pd_strbuf *sb, const struct pd_config *cfg,
			 const struct pd_expect *e, const struct pd_expect_field *f)
{
	switch (pd_ef_type(e->what, f->id)) {
	case PD_EFT_PAGE_KIND:
		pd_sb_printf(sb, " kind=%s", pd_page_kind_name[f->value & 3]);
		break;
	case PD_EFT_PTE_KIND:
		pd_sb_printf(sb, " kind=%s", pd_pte_kind_name[f->value & 3]);
		break;
	case PD_EFT_TAGS:
		pd_sb_puts(sb, " tags=");
		for (unsigned g = 0; g < cfg->granules; g++)
			pd_sb_printf(sb, "%x", pd_tag_get(e->tags, g));
		break;
	case PD_EFT_TAG:
		pd_sb_printf(sb, " tag.%u=%" PRIu64, f->granule, f->value);
		break;
	case PD_EFT_CONTENT:
		if (f->undef) {
			pd_sb_puts(sb, " content=undefined");
			break;
		}
		/* fall through */
	case PD_EFT_HEX:
		pd_sb_printf(sb, " %s=0x%" PRIx64, pd_ef_name[f->id], f->value);
		break;
	default:
		pd_sb_printf(sb, " %s=%" PRIu64, pd_ef_name[f->id], f->value);
		break;
	}
}

static const char ref_letter[] = {
	[PD_REF_VPAGE] = 'p', [PD_REF_PROC] = 'p', [PD_REF_ALLOC] = 'a',
	[PD_REF_PIN] = 'k', [PD_REF_GET] = 'r',
};

static void format_expect(struct pd_strbuf *sb, const struct pd_config *cfg,
			  const struct pd_expect *e)
{
	pd_sb_printf(sb, "expect %s", e->what < PD_NR_EXPECT ? pd_expect_what_name[e->what] : "?");
	switch (e->ref) {
	case PD_REF_NONE:
		if (e->what == PD_EXPECT_RESULT)
			pd_sb_printf(sb, " %s", pd_status_name(e->status));
		break;
	case PD_REF_VPAGE:
		pd_sb_printf(sb, " p%u vpage=%u", e->name, e->vpage);
		break;
	case PD_REF_PROC: case PD_REF_ALLOC: case PD_REF_PIN: case PD_REF_GET:
		pd_sb_printf(sb, " %c%u", ref_letter[e->ref], e->name);
		break;
	case PD_REF_FRAME:
		pd_sb_printf(sb, " frame=%u", e->index);
		break;
	case PD_REF_SLOT:
		pd_sb_printf(sb, " slot=%u", e->index);
		break;
	default:
		pd_sb_printf(sb, " %u", e->index);
		break;
	}
	for (uint32_t i = 0; i < e->nfields; i++)
		format_field(sb, cfg, e, &e->fields[i]);
}

char *pd_expect_format(const struct pd_config *cfg, const struct pd_expect *e,
		       char *buf, size_t len)
{
	struct pd_strbuf sb = { 0 };

	format_expect(&sb, cfg, e);
	if (len) {
		snprintf(buf, len, "%s", sb.s ? sb.s : "");
	}
	pd_sb_free(&sb);
	return buf;
}

char *pd_trace_print(const struct pd_trace *t, unsigned flags)
{
	struct pd_strbuf sb = { 0 };
	struct pd_config def;
	bool has_config = false;
	char buf[256];

	pd_config_default(&def);
	for (size_t i = 0; i < t->nitems; i++)
		if (t->items[i].kind == PD_ITEM_CONFIG)
			has_config = true;
	if ((flags & PD_PRINT_OPS_ONLY) || !has_config) {
		if (!pd_config_equal(&t->cfg, &def)) {
			pd_config_format(&t->cfg, &sb);
			pd_sb_puts(&sb, "\n");
		}
	}
	for (size_t i = 0; i < t->nitems; i++) {
		const struct pd_item *it = &t->items[i];

		switch (it->kind) {
		case PD_ITEM_COMMENT:
			if (flags & PD_PRINT_OPS_ONLY)
				continue;
			pd_sb_puts(&sb, it->text ? it->text : "");
			break;
		case PD_ITEM_CONFIG:
			if (flags & PD_PRINT_OPS_ONLY)
				continue;
			pd_config_format(&t->cfg, &sb);
			break;
		case PD_ITEM_OP:
			pd_sb_puts(&sb, pd_op_format(&t->ops[it->index], buf, sizeof(buf)));
			break;
		case PD_ITEM_EXPECT:
			if (flags & PD_PRINT_OPS_ONLY)
				continue;
			format_expect(&sb, &t->cfg, &t->expects[it->index]);
			break;
		default:
			continue;
		}
		if (it->kind != PD_ITEM_COMMENT && it->text && !(flags & PD_PRINT_OPS_ONLY))
			pd_sb_puts(&sb, it->text);
		pd_sb_puts(&sb, "\n");
	}
	return pd_sb_take(&sb);
}
