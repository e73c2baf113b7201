// SPDX-License-Identifier: MIT
/*
 * shrink.c - make a diverging trace small while it keeps diverging with
 * the same signature (engine.h, "shrinking").
 *
 * The shrinker keeps one current trace: a config and a list of ops that
 * still use the input's names.  Every edit makes a candidate from it (drop
 * some ops, lower an argument, point the uses of one process at another,
 * shrink the config) and runs it; a candidate is kept when it diverges
 * with the input's signature.  The passes, repeated until a whole round
 * keeps nothing:
 *
 *   config   fewer frames (smallest first), then fewer cpus, slots,
 *            vpages, granules; other keys back to their defaults
 *   ddmin    drop chunks of ops: halves, quarters, ... (Zeller's ddmin,
 *            complements only)
 *   one      drop single ops, last first
 *   procs    drop a spawn/fork and point its process's uses at an older
 *            process (fewer processes)
 *   args     per op: each argument to its lowest value, half its value,
 *            one less; each flag off
 *
 * Names.  The input's names are dense per letter (p0, p1, ... in creation
 * order), so the current trace keeps them and a candidate is made valid
 * by normalize(): walk the ops with one table per letter mapping an input
 * name to its new number; an op that uses a name that is not live (its
 * creator was dropped, or it already ended) is dropped; a creating op
 * gets the next number of its letter.  Arguments are clamped into the
 * candidate config's ranges.  So any subset of ops is a valid trace, and
 * dropping `p1 = spawn` drops everything p1 did.
 *
 * Every kept candidate is cut after its diverging op (the run stops
 * there, nothing later matters).  Everything is deterministic: the same
 * input, models and limits give the same result.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "optab.h"
#include "util.h"

#define SHRINK_DEFAULT_MAX_RUNS 200000u

struct shrinker {
	struct pd_run_opts o;           /* the caller's, without expectations */
	unsigned           max_runs;
	bool               keep_config;

	char               sig[sizeof(((struct pd_run_result *)0)->signature)];
	struct pd_config   cfg;         /* the current trace */
	struct pd_op      *ops;
	size_t             n, cap;

	/* scratch */
	struct pd_op      *cand, *kept;
	size_t             cand_cap;
	uint32_t          *map[PD_NR_LETTERS];  /* input name -> new number */
	uint32_t           nnames[PD_NR_LETTERS];
	struct pd_trace    t;

	struct pd_shrink_stats *st;
};

#define NO_NAME UINT32_MAX

static uint32_t used_name(const struct pd_op *op)
{
	return pd_op_desc[op->code].use == PD_L_PROC ? op->proc : op->handle;
}

static void set_used_name(struct pd_op *op, uint32_t v)
{
	if (pd_op_desc[op->code].use == PD_L_PROC)
		op->proc = v;
	else
		op->handle = v;
}

/* Clamp every argument of op into its range under cfg. */
static void clamp_args(const struct pd_config *cfg, struct pd_op *op)
{
	const struct pd_op_desc *d = &pd_op_desc[op->code];
	uint64_t lo, hi, v;

	for (unsigned a = 0; a < d->nargs; a++) {
		if (d->args[a].kind == PD_ARG_FLAG)
			continue;
		pd_arg_range(cfg, d->args[a].kind, &lo, &hi);
		v = pd_arg_get(op, d->args[a].kind);
		if (v < lo)
			pd_arg_set(op, d->args[a].kind, lo);
		else if (v > hi)
			pd_arg_set(op, d->args[a].kind, hi);
	}
	op->flags &= pd_op_flag_mask(op->code);
}

/*
 * Make ops[0..n) (input names) a valid trace under cfg: s->kept gets the
 * surviving ops with input names, s->t the same ops renumbered.  Returns
 * the number kept.
 */
static size_t normalize(struct shrinker *s, const struct pd_config *cfg,
			const struct pd_op *ops, size_t n)
{
	uint32_t next[PD_NR_LETTERS] = { 0 }, live[PD_NR_LETTERS] = { 0 };
	size_t nk = 0;

	for (int l = 0; l < PD_NR_LETTERS; l++)
		for (uint32_t i = 0; i < s->nnames[l]; i++)
			s->map[l][i] = NO_NAME;
	pd_trace_free(&s->t);
	s->t.cfg = *cfg;
	for (size_t i = 0; i < n; i++) {
		const struct pd_op_desc *d = &pd_op_desc[ops[i].code];
		struct pd_op op = ops[i], out;
		uint32_t u = 0;

		clamp_args(cfg, &op);
		out = op;
		if (d->use != PD_L_NONE) {
			u = used_name(&op);
			if (u >= s->nnames[d->use] || s->map[d->use][u] == NO_NAME)
				continue;
			set_used_name(&out, s->map[d->use][u]);
		}
		if (d->def != PD_L_NONE) {
			/* An exit in the same op cannot free a slot first: no op both ends and creates. */
			if (live[d->def] >= pd_names_limit(d->def))
				continue;
			out.name = next[d->def]++;
		}
		if (d->ends) {
			s->map[d->use][u] = NO_NAME;
			live[d->use]--;
		}
		if (d->def != PD_L_NONE) {
			s->map[d->def][op.name] = out.name;
			live[d->def]++;
		}
		s->kept[nk++] = op;
		pd_trace_add_op(&s->t, &out, 0);
	}
	return nk;
}

/* The current trace as a pd_trace (renumbered), into out. */
static void current_trace(struct shrinker *s, struct pd_trace *out)
{
	normalize(s, &s->cfg, s->ops, s->n);
	*out = s->t;
	pd_trace_init(&s->t);
}

static void ensure_cand(struct shrinker *s, size_t n)
{
	if (n <= s->cand_cap)
		return;
	s->cand_cap = n;
	s->cand = pd_xrealloc(s->cand, n * sizeof(*s->cand));
	s->kept = pd_xrealloc(s->kept, n * sizeof(*s->kept));
}

/*
 * Run a candidate (cfg, ops[0..n), input names).  If it diverges with the
 * signature, it becomes the current trace (cut after the diverging op)
 * and the result is true.
 */
static bool try_cand(struct shrinker *s, const struct pd_config *cfg,
		     const struct pd_op *ops, size_t n)
{
	struct pd_run_result r;
	size_t nk;
	bool hit;

	if (s->st->runs >= s->max_runs) {
		s->st->limited = true;
		return false;
	}
	if (pd_config_validate(cfg, NULL, 0))
		return false;
	nk = normalize(s, cfg, ops, n);
	s->st->runs++;
	pd_run(&s->t, &s->o, &r);
	hit = r.diverged && !strcmp(r.signature, s->sig);
	if (hit) {
		/* div_op indexes the renumbered ops, which are s->kept in order. */
		size_t keep = r.div_op < 0 ? 0 : (size_t)r.div_op + 1;

		if (keep > nk)
			keep = nk;
		s->cfg = *cfg;
		memcpy(s->ops, s->kept, keep * sizeof(*s->ops));
		s->n = keep;
		s->st->kept++;
	}
	pd_run_result_free(&r);
	return hit;
}

static bool out_of_runs(const struct shrinker *s)
{
	return s->st->runs >= s->max_runs;
}

/* Current ops without [from, to). */
static bool try_without(struct shrinker *s, size_t from, size_t to)
{
	size_t k = 0;

	ensure_cand(s, s->n);
	for (size_t i = 0; i < s->n; i++)
		if (i < from || i >= to)
			s->cand[k++] = s->ops[i];
	return try_cand(s, &s->cfg, s->cand, k);
}

/* ---- passes; each returns whether it kept anything ---- */

/* ddmin over chunks of ops, complements only. */
static bool pass_ddmin(struct shrinker *s)
{
	size_t parts = 2;
	bool any = false;

	while (s->n >= 2 && !out_of_runs(s)) {
		size_t chunk = (s->n + parts - 1) / parts;
		bool hit = false;

		/* Later chunks first: later ops depend on earlier ones, not the reverse. */
		for (size_t end = s->n; end > 0 && !hit; end = end > chunk ? end - chunk : 0) {
			size_t from = end > chunk ? end - chunk : 0;

			hit = try_without(s, from, end);
		}
		if (hit) {
			any = true;
			parts = parts > 2 ? parts - 1 : 2;
			continue;
		}
		if (parts >= s->n)
			break;
		parts = parts * 2 < s->n ? parts * 2 : s->n;
	}
	return any;
}

/* Drop single ops, last first, until no single op can go. */
static bool pass_one(struct shrinker *s)
{
	bool any = false, hit = true;

	while (hit && !out_of_runs(s)) {
		hit = false;
		for (size_t i = s->n; i > 0 && !out_of_runs(s); i--) {
			if (i - 1 >= s->n)
				continue;
			if (try_without(s, i - 1, i)) {
				hit = any = true;
			}
		}
	}
	return any;
}

/*
 * Fewer processes: drop the op that creates pN and let pM (created
 * before it) stand in for pN in every later op.
 */
static bool pass_procs(struct shrinker *s)
{
	bool any = false;

	for (size_t i = s->n; i > 0 && !out_of_runs(s); i--) {
		const struct pd_op *c;
		uint32_t victim;

		if (i - 1 >= s->n)
			continue;
		c = &s->ops[i - 1];
		if (pd_op_desc[c->code].def != PD_L_PROC)
			continue;
		victim = c->name;
		for (size_t j = 0; j < i - 1 && !out_of_runs(s); j++) {
			uint32_t stand_in;
			size_t k = 0;

			if (pd_op_desc[s->ops[j].code].def != PD_L_PROC)
				continue;
			stand_in = s->ops[j].name;
			ensure_cand(s, s->n);
			for (size_t x = 0; x < s->n; x++) {
				struct pd_op op = s->ops[x];

				if (x == i - 1)
					continue;
				if (pd_op_desc[op.code].use == PD_L_PROC && op.proc == victim)
					op.proc = stand_in;
				s->cand[k++] = op;
			}
			if (try_cand(s, &s->cfg, s->cand, k)) {
				any = true;
				break;
			}
		}
	}
	return any;
}

/* Lower values to try for v in lo..v, simplest first. */
static unsigned lower_values(uint64_t lo, uint64_t v, uint64_t *vals)
{
	unsigned n = 0;

	if (v <= lo)
		return 0;
	vals[n++] = lo;
	if (lo + (v - lo) / 2 > lo)
		vals[n++] = lo + (v - lo) / 2;
	if (v - 1 > lo && v - 1 != vals[n - 1])
		vals[n++] = v - 1;
	return n;
}

/* Each argument of each op as low as it goes; each flag off. */
static bool pass_args(struct shrinker *s)
{
	bool any = false;

	for (size_t i = 0; i < s->n && !out_of_runs(s); i++) {
		const struct pd_op_desc *d = &pd_op_desc[s->ops[i].code];

		for (unsigned a = 0; a < d->nargs && i < s->n && !out_of_runs(s); a++) {
			const struct pd_arg_desc *ad = &d->args[a];
			bool hit = true;

			while (hit && i < s->n && !out_of_runs(s)) {
				uint64_t lo, hi, v, vals[3];
				unsigned nv;

				hit = false;
				ensure_cand(s, s->n);
				memcpy(s->cand, s->ops, s->n * sizeof(*s->cand));
				if (ad->kind == PD_ARG_FLAG) {
					if (!(s->cand[i].flags & ad->flag))
						break;
					s->cand[i].flags &= (pd_flags_t)~ad->flag;
					hit = try_cand(s, &s->cfg, s->cand, s->n);
					any |= hit;
					break;
				}
				pd_arg_range(&s->cfg, ad->kind, &lo, &hi);
				v = pd_arg_get(&s->cand[i], ad->kind);
				nv = lower_values(lo, v, vals);
				for (unsigned k = 0; k < nv && !hit; k++) {
					memcpy(s->cand, s->ops, s->n * sizeof(*s->cand));
					pd_arg_set(&s->cand[i], ad->kind, vals[k]);
					hit = try_cand(s, &s->cfg, s->cand, s->n);
				}
				any |= hit;
			}
		}
	}
	return any;
}

/* Keys the config pass lowers (or resets), in this order. */
enum ckey { CK_FRAMES, CK_CPUS, CK_SLOTS, CK_VPAGES, CK_GRANULES, CK_MAX_ORDER,
	    CK_ACCEPT_ORDER, CK_TAG_RATIO, CK_PCP, CK_UNACCEPTED, CK_SWAP_EXCL, CK_ACCEPT,
	    CK_TAGSTORE, CK_NR };

/*
 * Candidate configs for key k, simplest first, into c[]; returns how many.
 * Orders that must not exceed log2(frames) follow a smaller frames.
 */
static unsigned config_cands(const struct pd_config *cur, unsigned k, struct pd_config *c,
			     unsigned max)
{
	struct pd_config def;
	unsigned n = 0;

	pd_config_default(&def);
#define CAND(stmt) do { if (n < max) { c[n] = *cur; { struct pd_config *x = &c[n]; stmt; } n++; } } while (0)
	switch (k) {
	case CK_FRAMES:
		for (unsigned f = PD_MIN_FRAMES_LOG2; f < cur->frames_log2; f++)
			CAND(x->frames_log2 = (uint8_t)f;
			     if (x->max_order > f) x->max_order = (uint8_t)f;
			     if (x->accept_order > f) x->accept_order = (uint8_t)f;
			     if (x->tag_ratio_log2 > f) x->tag_ratio_log2 = (uint8_t)f);
		break;
	case CK_CPUS:
		for (unsigned v = 1; v < cur->cpus; v++)
			CAND(x->cpus = (uint8_t)v);
		break;
	case CK_SLOTS:
		for (uint32_t v = 1; v < cur->slots; v *= 2)
			CAND(x->slots = v);
		break;
	case CK_VPAGES:
		for (unsigned v = 1; v < cur->vpages; v *= 2)
			CAND(x->vpages = (uint16_t)v);
		break;
	case CK_GRANULES:
		for (unsigned v = 1; v < cur->granules; v *= 2)
			CAND(x->granules = (uint16_t)v);
		break;
	case CK_MAX_ORDER:
		if (cur->max_order != def.max_order && def.max_order <= cur->frames_log2)
			CAND(x->max_order = def.max_order);
		break;
	case CK_ACCEPT_ORDER:
		if (cur->accept_order != def.accept_order && def.accept_order <= cur->frames_log2)
			CAND(x->accept_order = def.accept_order);
		break;
	case CK_TAG_RATIO:
		if (cur->tag_ratio_log2 != def.tag_ratio_log2 &&
		    def.tag_ratio_log2 <= cur->frames_log2)
			CAND(x->tag_ratio_log2 = def.tag_ratio_log2);
		break;
	case CK_PCP:
		if (cur->pcp_batch != def.pcp_batch || cur->pcp_high != def.pcp_high)
			CAND(x->pcp_batch = def.pcp_batch; x->pcp_high = def.pcp_high);
		break;
	case CK_UNACCEPTED:
		if (cur->unaccepted)
			CAND(x->unaccepted = 0);
		break;
	case CK_SWAP_EXCL:
		if (cur->swap_excl != def.swap_excl)
			CAND(x->swap_excl = def.swap_excl);
		break;
	case CK_ACCEPT:
		if (cur->accept != def.accept)
			CAND(x->accept = def.accept);
		break;
	case CK_TAGSTORE:
		if (cur->tagstore != def.tagstore)
			CAND(x->tagstore = def.tagstore);
		break;
	}
#undef CAND
	return n;
}

static bool pass_config(struct shrinker *s)
{
	struct pd_config c[32];
	bool any = false;

	for (unsigned k = 0; k < CK_NR && !out_of_runs(s); k++) {
		unsigned n = config_cands(&s->cfg, k, c, 32);

		for (unsigned i = 0; i < n && !out_of_runs(s); i++) {
			ensure_cand(s, s->n);
			memcpy(s->cand, s->ops, s->n * sizeof(*s->cand));
			if (try_cand(s, &c[i], s->cand, s->n)) {
				any = true;
				break;
			}
		}
	}
	return any;
}

/* Names per letter in the input: one more than the largest used or created. */
static void count_names(struct shrinker *s, const struct pd_trace *in)
{
	for (size_t i = 0; i < in->nops; i++) {
		const struct pd_op *op = &in->ops[i];
		const struct pd_op_desc *d = &pd_op_desc[op->code];

		if (d->use != PD_L_NONE && used_name(op) + 1 > s->nnames[d->use])
			s->nnames[d->use] = used_name(op) + 1;
		if (d->def != PD_L_NONE && op->name + 1 > s->nnames[d->def])
			s->nnames[d->def] = op->name + 1;
	}
	for (int l = 0; l < PD_NR_LETTERS; l++)
		s->map[l] = pd_xcalloc(s->nnames[l] ? s->nnames[l] : 1, sizeof(uint32_t));
}

static void shrinker_free(struct shrinker *s)
{
	for (int l = 0; l < PD_NR_LETTERS; l++)
		free(s->map[l]);
	free(s->ops);
	free(s->cand);
	free(s->kept);
	pd_trace_free(&s->t);
}

int pd_shrink(const struct pd_trace *in, const struct pd_run_opts *o,
	      const struct pd_shrink_opts *so, struct pd_trace *out,
	      struct pd_shrink_stats *st)
{
	struct shrinker s;
	struct pd_run_result r;
	int rc;

	memset(st, 0, sizeof(*st));
	memset(&s, 0, sizeof(s));
	pd_trace_init(out);
	pd_trace_init(&s.t);
	s.st = st;
	s.o = *o;
	s.o.expect = false;
	s.max_runs = so && so->max_runs ? so->max_runs : SHRINK_DEFAULT_MAX_RUNS;
	s.keep_config = so && so->keep_config;
	st->ops_before = st->ops_after = (unsigned)in->nops;

	/* The input as it is: does it diverge, and how? */
	st->runs++;
	rc = pd_run(in, &s.o, &r);
	if (rc == 2 || !r.diverged) {
		if (rc == 2)
			snprintf(st->message, sizeof(st->message), "%s",
				 r.messages ? r.messages : "cannot run the trace\n");
		pd_run_result_free(&r);
		out->cfg = in->cfg;
		for (size_t i = 0; i < in->nops; i++)
			pd_trace_add_op(out, &in->ops[i], 0);
		return rc == 2 ? 2 : 0;
	}
	st->diverged = true;
	snprintf(st->signature, sizeof(st->signature), "%s", r.signature);
	snprintf(s.sig, sizeof(s.sig), "%s", r.signature);

	s.cfg = in->cfg;
	s.n = r.div_op < 0 ? 0 : (size_t)r.div_op + 1;
	pd_run_result_free(&r);
	s.cap = in->nops ? in->nops : 1;
	s.ops = pd_xmalloc(s.cap * sizeof(*s.ops));
	memcpy(s.ops, in->ops, s.n * sizeof(*s.ops));
	count_names(&s, in);
	ensure_cand(&s, s.cap);

	for (;;) {
		bool any = false;

		if (!s.keep_config)
			any |= pass_config(&s);
		any |= pass_ddmin(&s);
		any |= pass_one(&s);
		any |= pass_procs(&s);
		any |= pass_args(&s);
		if (!any || out_of_runs(&s))
			break;
	}

	if (out_of_runs(&s))
		st->limited = true;
	current_trace(&s, out);
	st->ops_after = (unsigned)out->nops;
	shrinker_free(&s);
	return 1;
}
