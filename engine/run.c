// SPDX-License-Identifier: MIT
/*
 * run.c - the runner: drive a primary model (record mode: it chooses the
 * placements) and a reference model (replay mode: it checks them) op by
 * op, and compare after each op.
 *
 * Engine-level duties (docs/model.md):
 *   - names: pids map to the lowest free process slot; alloc, pin and get
 *     handles map to the frame (and order, write) the primary returned.
 *     A name whose creating op failed is dead: ops naming it report
 *     PD_NOHANDLE and reach no model.
 *   - L1: while a zone_lock is outstanding, every op other than alloc
 *     nolock and free nolock (and zone_unlock itself) is preceded by an
 *     implicit zone_unlock on both models.
 *   - a NULL op member means the model cannot comply: the op is skipped on
 *     both models and not compared; the names it creates are dead.
 *
 * Per op the comparison is: violations either model reported, the
 * models' check() (after every op, or every check_every-th), the results,
 * placements the reference left unused, and the whole observable state
 * (or, with incremental comparison, what the models touched).  The first
 * op where any of these differ is the divergence; the run stops there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expect.h"
#include "optab.h"
#include "run.h"

/*
 * 1 only in the floor benchmarks, bench_exec_floor and fuzz_diff_floor
 * (targets/CMakeLists.txt, never built by default): both models run
 * every op and nothing is compared, after an op or at the end, so that
 * they show what an execution costs before any comparison.  Such a run
 * can report no divergence.
 */
#ifndef PD_BENCH_NO_COMPARE
#define PD_BENCH_NO_COMPARE 0
#endif

/*
 * Where each op's member sits in struct pd_model_ops: a load per op rather
 * than a switch, whose jump mispredicted on nearly every op of a fuzz input
 * (consecutive ops differ), twice an op.
 */
#define MEMBER(code, field) [code] = offsetof(struct pd_model_ops, field)
static const uint16_t op_member_off[PD_NR_OPS] = {
	MEMBER(PD_OP_ALLOC, alloc),
	MEMBER(PD_OP_FREE, free),
	MEMBER(PD_OP_DRAIN, drain),
	MEMBER(PD_OP_ZONE_LOCK, zone_lock),
	MEMBER(PD_OP_ZONE_UNLOCK, zone_unlock),
	MEMBER(PD_OP_SPAWN, spawn),
	MEMBER(PD_OP_MMAP, mmap),
	MEMBER(PD_OP_MUNMAP, munmap),
	MEMBER(PD_OP_EXIT, exit),
	MEMBER(PD_OP_FORK, fork),
	MEMBER(PD_OP_READ, read),
	MEMBER(PD_OP_WRITE, write),
	MEMBER(PD_OP_SETTAG, settag),
	MEMBER(PD_OP_SWAPOUT, swapout),
	MEMBER(PD_OP_SWAPCACHE_DROP, swapcache_drop),
	MEMBER(PD_OP_PIN, pin),
	MEMBER(PD_OP_UNPIN, unpin),
	MEMBER(PD_OP_PIN_READ, pin_read),
	MEMBER(PD_OP_PIN_WRITE, pin_write),
	MEMBER(PD_OP_GET, get),
	MEMBER(PD_OP_PUT, put),
	MEMBER(PD_OP_REF_READ, ref_read),
	MEMBER(PD_OP_TAGSTORE_PIN, tagstore_pin),
	MEMBER(PD_OP_TAGSTORE_UNPIN, tagstore_unpin),
};
#undef MEMBER
/* A new op needs its line above (a missing one would read offset 0, the name). */
_Static_assert(PD_NR_OPS == 24, "op_member_off lists every op");

static PD_HOT_INLINE pd_op_fn *op_member(const struct pd_model_ops *ops, unsigned code)
{
	pd_op_fn *fn;

	if (code >= PD_NR_OPS)
		return NULL;
	memcpy(&fn, (const char *)ops + op_member_off[code], sizeof(fn));
	return fn;
}

/* ---- names at run time ---- */

struct pd_rname *pd_rname_find(struct pd_runner *rn, int letter, uint32_t name)
{
	struct pd_rnames *t = &rn->names[letter];

	for (unsigned i = 0; i < t->n; i++)
		if (t->e[i].name == name)
			return &t->e[i];
	return NULL;
}

static struct pd_rname *rname_add(struct pd_runner *rn, int letter, uint32_t name)
{
	struct pd_rnames *t = &rn->names[letter];
	struct pd_rname *e;

	/* The trace was validated: at most 8 / 64 live names. */
	if (t->n == PD_MAX_HANDLES)
		return NULL;
	e = &t->e[t->n++];
	memset(e, 0, sizeof(*e));
	e->name = name;
	e->dead = true;
	return e;
}

static void rname_del(struct pd_runner *rn, int letter, uint32_t name)
{
	struct pd_rnames *t = &rn->names[letter];

	for (unsigned i = 0; i < t->n; i++)
		if (t->e[i].name == name) {
			t->e[i] = t->e[--t->n];
			return;
		}
}

static int lowest_free_slot(const struct pd_runner *rn)
{
	for (int s = 0; s < PD_MAX_PROCS; s++)
		if (!rn->slot_used[s])
			return s;
	return -1;
}

void pd_op_text(const struct pd_runner *rn, int op, struct pd_strbuf *sb)
{
	char buf[256];

	if (op < 0) {
		pd_sb_puts(sb, "boot");
		return;
	}
	pd_sb_puts(sb, pd_op_format(&rn->t->ops[op], buf, sizeof(buf)));
}

static void msg(struct pd_runner *rn, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void msg(struct pd_runner *rn, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pd_sb_vprintf(&rn->msgs, fmt, ap);
	va_end(ap);
}

/* ---- one op ---- */

/*
 * Resolve the op's names into a call.  Returns false if a name it uses is
 * dead at run time (or no process slot is free for a new process).
 */
static bool resolve(struct pd_runner *rn, const struct pd_op *op, struct pd_call *call)
{
	const struct pd_op_desc *d = &pd_op_desc[op->code];
	struct pd_rname *e;
	int s;

	memset(call, 0, sizeof(*call));
	call->code = op->code;
	call->flags = op->flags;
	call->cpu = op->cpu;
	call->order = op->order;
	call->granule = op->granule;
	call->tag = op->tag;
	call->vpage = op->vpage;
	call->npages = op->npages;
	call->slot = op->slot;
	call->block = op->block;
	call->value = op->value;
	call->frame = PD_NO_FRAME;

	if (d->use != PD_L_NONE) {
		e = pd_rname_find(rn, d->use, d->use == PD_L_PROC ? op->proc : op->handle);
		if (!e || e->dead)
			return false;
		switch (d->use) {
		case PD_L_PROC:
			call->proc = e->slot;
			break;
		case PD_L_ALLOC:
			call->frame = e->frame;
			call->order = e->order;
			break;
		case PD_L_PIN:
			call->frame = e->frame;
			call->flags |= e->write ? PD_PIN_WRITE : 0;
			break;
		default:
			call->frame = e->frame;
			break;
		}
	}
	if (op->code == PD_OP_SPAWN || op->code == PD_OP_FORK) {
		s = lowest_free_slot(rn);
		if (s < 0)
			return false;
		if (op->code == PD_OP_SPAWN)
			call->proc = (uint8_t)s;
		else
			call->child = (uint8_t)s;
	}
	return true;
}

/*
 * Update the run-time names after an op.  `ok`: the primary ran it and it
 * succeeded (a created name is live); `ran`: the models ran it at all.
 */
static void update_names(struct pd_runner *rn, const struct pd_op *op,
			 const struct pd_call *call, const struct pd_result *res, bool ran)
{
	const struct pd_op_desc *d = &pd_op_desc[op->code];
	bool ok = ran && res->status == PD_OK;
	struct pd_rname *e;

	if (d->ends) {
		uint32_t used = d->use == PD_L_PROC ? op->proc : op->handle;

		e = pd_rname_find(rn, d->use, used);
		/*
		 * A process slot is freed only if the models ran the exit: a
		 * process the models still have keeps its slot.
		 */
		if (e && d->use == PD_L_PROC && !e->dead && ran)
			rn->slot_used[e->slot] = false;
		rname_del(rn, d->use, used);
	}
	if (d->def == PD_L_NONE)
		return;
	e = rname_add(rn, d->def, op->name);
	if (!e || !ok)
		return;
	e->dead = false;
	switch (op->code) {
	case PD_OP_SPAWN:
	case PD_OP_FORK:
		e->slot = op->code == PD_OP_SPAWN ? call->proc : call->child;
		rn->slot_used[e->slot] = true;
		rn->slot_pid[e->slot] = op->name;
		break;
	case PD_OP_ALLOC:
		e->frame = res->frame;
		e->order = res->order;
		break;
	case PD_OP_PIN:
		e->frame = res->frame;
		e->write = (op->flags & PD_PIN_WRITE) != 0;
		break;
	default:
		e->frame = res->frame;
		break;
	}
}

static bool is_nolock(const struct pd_op *op)
{
	return (op->code == PD_OP_ALLOC && (op->flags & PD_ALLOC_NOLOCK)) ||
	       (op->code == PD_OP_FREE && (op->flags & PD_FREE_NOLOCK));
}

/* L1: the interrupted context resumes and releases the zone lock. */
static void implicit_unlock(struct pd_runner *rn)
{
	struct pd_call call;
	struct pd_result res;

	memset(&call, 0, sizeof(call));
	call.code = PD_OP_ZONE_UNLOCK;
	call.frame = PD_NO_FRAME;
	for (int i = 0; i < 2; i++) {
		struct pd_side *sd = &rn->side[i];

		sd->uctx_used = true;
		if (i == 0)
			pd_ctx_begin_record(&sd->uctx);
		else
			pd_ctx_begin_replay(&sd->uctx, &rn->side[0].uctx);
		if (!sd->ops->zone_unlock)
			continue;
		memset(&res, 0, sizeof(res));
		res.frame = PD_NO_FRAME;
		sd->ops->zone_unlock(sd->m, &sd->uctx, &call, &res);
	}
	rn->zone_locked = false;
}

/*
 * A new op's contexts: the op's own, and the implicit unlock's and
 * check()'s only if they were started since (most ops have neither), so
 * that what the comparison and the report read of them is this op's.
 */
static PD_HOT_INLINE void clear_ctx(struct pd_side *sd)
{
	pd_ctx_begin_record(&sd->ctx);
	if (sd->uctx_used)
		pd_ctx_begin_record(&sd->uctx);
	if (sd->cctx_used)
		pd_ctx_begin_record(&sd->cctx);
	sd->uctx_used = sd->cctx_used = false;
}

static bool results_differ(struct pd_runner *rn, unsigned code)
{
	const struct pd_result *a = &rn->side[0].res, *b = &rn->side[1].res;

	rn->result_field = NULL;
	if (a->status != b->status)
		rn->result_field = "status";
	else if (a->status == PD_OK && (code == PD_OP_ALLOC || code == PD_OP_PIN ||
					code == PD_OP_GET) && a->frame != b->frame)
		rn->result_field = "frame";
	else if (a->status == PD_OK && code == PD_OP_ALLOC && a->order != b->order)
		rn->result_field = "order";
	else if (a->status == PD_OK && (code == PD_OP_READ || code == PD_OP_PIN_READ ||
					code == PD_OP_REF_READ) && a->value != b->value)
		rn->result_field = "value";
	return rn->result_field != NULL;
}

/*
 * Whether the models' check() runs after this op: at boot, after every
 * check_every-th op (every op if it is 0 or 1) and after the last op.
 * compare() also runs it at a divergence.
 */
static bool check_due(const struct pd_runner *rn)
{
	unsigned every = rn->o->check_every;

	/* Fast mode: every Nth op, never if 0; the end is finish_fast()'s. */
	if (rn->fast)
		return every && rn->op >= 0 && ((unsigned)rn->op + 1) % every == 0;
	if (every <= 1 || rn->op < 0 || (size_t)rn->op + 1 >= rn->t->nops)
		return true;
	return ((unsigned)rn->op + 1) % every == 0;
}

static void run_checks(struct pd_runner *rn)
{
	for (int i = 0; i < 2; i++) {
		struct pd_side *sd = &rn->side[i];

		sd->cctx_used = true;
		pd_ctx_begin_record(&sd->cctx);
		if (sd->ops->check)
			sd->ops->check(sd->m, &sd->cctx);
	}
}

/*
 * Compare after op rn->op (or boot) and classify: the first class in
 * enum pd_div_class order that shows a difference.
 */
static unsigned compare(struct pd_runner *rn, bool with_result, unsigned code)
{
	unsigned cls = PD_DIV_NONE;
	bool checked;

	if (PD_BENCH_NO_COMPARE && rn->op >= 0)
		return PD_DIV_NONE;
	checked = check_due(rn);

	rn->ndiff = rn->ndiff_total = 0;
	rn->result_diff = false;
	if (checked)
		run_checks(rn);
	if (rn->incremental && rn->op >= 0)
		pd_state_compare_touched(rn);
	else
		pd_state_compare(rn);
	for (int i = 0; i < 2; i++) {
		if (rn->side[i].ctx.nviol || rn->side[i].uctx.nviol || rn->side[i].ctx.overflow) {
			cls = PD_DIV_VIOLATION;
			break;
		}
	}
	if (with_result)
		rn->result_diff = results_differ(rn, code);
	if (!cls && rn->result_diff)
		cls = PD_DIV_RESULT;
	if (!cls && (pd_ctx_unconsumed(&rn->side[1].ctx) || pd_ctx_unconsumed(&rn->side[1].uctx)))
		cls = PD_DIV_PLACEMENT;
	if (!cls && rn->ndiff_total)
		cls = PD_DIV_STATE;
	/* A divergence between checks: the report lists what check() says. */
	if (cls && !checked)
		run_checks(rn);
	if (!cls && (rn->side[0].cctx.nviol || rn->side[1].cctx.nviol))
		cls = PD_DIV_CHECK;
	return cls;
}

static void set_nohandle(struct pd_runner *rn)
{
	for (int i = 0; i < 2; i++) {
		memset(&rn->side[i].res, 0, sizeof(rn->side[i].res));
		rn->side[i].res.status = PD_NOHANDLE;
		rn->side[i].res.frame = PD_NO_FRAME;
	}
}

/* Run op i; returns a divergence class, or PD_DIV_NONE. */
static unsigned run_op(struct pd_runner *rn, int i)
{
	const struct pd_op *op = &rn->t->ops[i];
	struct pd_side *p = &rn->side[0], *r = &rn->side[1];
	pd_op_fn *pf = op_member(p->ops, op->code), *rf = op_member(r->ops, op->code);
	struct pd_call call;

	rn->op = i;
	rn->op_ran = false;
	clear_ctx(p);
	clear_ctx(r);
	if (rn->zone_locked && !is_nolock(op) && op->code != PD_OP_ZONE_UNLOCK)
		implicit_unlock(rn);

	if (!resolve(rn, op, &call)) {
		set_nohandle(rn);
		update_names(rn, op, &call, &p->res, false);
		rn->r->ops_nohandle++;
		rn->op_ran = true;
		/* Nothing ran, but an implicit unlock may have. */
		return compare(rn, false, op->code);
	}
	if (!pf || !rf) {
		set_nohandle(rn);
		p->res.status = r->res.status = PD_UNSUPPORTED;
		update_names(rn, op, &call, &p->res, false);
		rn->r->ops_skipped++;
		return compare(rn, false, op->code);
	}

	memset(&p->res, 0, sizeof(p->res));
	p->res.frame = PD_NO_FRAME;
	pf(p->m, &p->ctx, &call, &p->res);
	if (p->res.status == PD_UNSUPPORTED) {
		r->res = p->res;
		update_names(rn, op, &call, &p->res, false);
		rn->r->ops_skipped++;
		return compare(rn, false, op->code);
	}

	pd_ctx_begin_replay(&r->ctx, &p->ctx);
	memset(&r->res, 0, sizeof(r->res));
	r->res.frame = PD_NO_FRAME;
	rf(r->m, &r->ctx, &call, &r->res);
	if (r->res.status == PD_UNSUPPORTED) {
		rn->r->incomplete = true;
		msg(rn, "%s: note: reference %s cannot comply with op %d (%s); run stopped there\n",
		    rn->file, r->name, i, pd_opcode_name(op->code));
		update_names(rn, op, &call, &p->res, true);
		return PD_DIV_NONE;
	}

	rn->op_ran = true;
	rn->r->ops_run++;
	update_names(rn, op, &call, &p->res, true);
	if (op->code == PD_OP_ZONE_LOCK && p->res.status == PD_OK)
		rn->zone_locked = true;
	if (op->code == PD_OP_ZONE_UNLOCK)
		rn->zone_locked = false;
	return compare(rn, true, op->code);
}

/* ---- the run ---- */

static int setup_side(struct pd_runner *rn, int i, const struct pd_model_ops *ops,
		      const char *role)
{
	struct pd_side *sd = &rn->side[i];
	char err[256] = "";

	sd->ops = ops;
	sd->name = ops->name ? ops->name : "?";
	sd->role = role;
	if (!ops->create || !ops->destroy || !ops->frame_state || !ops->pte_state ||
	    !ops->proc_state || !ops->slot_state || !ops->unit_state || !ops->tagblock_state ||
	    !ops->totals) {
		msg(rn, "%s: error: model %s lacks create/destroy or a state function\n",
		    rn->file, sd->name);
		return -1;
	}
	if (rn->pooled && rn->pooled->m[i]) {
		sd->m = rn->pooled->m[i];  /* reset by pd_pool_take() */
		return 0;
	}
	sd->m = ops->create(rn->cfg, err, sizeof(err));
	if (rn->pooled)
		rn->pooled->m[i] = sd->m;
	if (!sd->m) {
		msg(rn, "%s: error: model %s (%s) rejects the config: %s\n", rn->file, sd->name,
		    role, err[0] ? err : "(no reason given)");
		return -1;
	}
	return 0;
}

/* Evaluate the expect items from item index *k while they are expects. */
static void eval_expects(struct pd_runner *rn, size_t *k, bool evaluate)
{
	const struct pd_trace *t = rn->t;

	while (*k < t->nitems && t->items[*k].kind != PD_ITEM_OP) {
		const struct pd_item *it = &t->items[*k];

		if (it->kind == PD_ITEM_EXPECT && rn->o->expect && evaluate)
			pd_expect_eval(rn, &t->expects[it->index], it->line);
		(*k)++;
	}
}

static void finish(struct pd_runner *rn)
{
	struct pd_run_result *r = rn->r;

	/* Pooled models stay for the next run (reset then). */
	for (int i = 0; i < 2; i++)
		if (rn->side[i].m && !rn->pooled)
			rn->side[i].ops->destroy(rn->side[i].m);
	pd_state_free(rn);
	if (r->status != 2)
		r->status = (r->diverged || r->expects_failed) ? 1 : 0;
	r->messages = rn->msgs.len ? pd_sb_take(&rn->msgs) : NULL;
	pd_sb_free(&rn->msgs);
}

/*
 * After an incremental run: the full comparison at the end of the input.
 * True if it finds a difference that no op reported touching.
 */
static bool final_full_compare_differs(struct pd_runner *rn)
{
	rn->ndiff = rn->ndiff_total = 0;
	pd_state_compare(rn);
	return rn->ndiff_total != 0;
}

/*
 * Fast mode, after the last op: the objects touched during the input
 * again, or (fast_full_end) everything and check().  True if anything
 * differs: pd_run() then re-runs the input in the default mode.
 */
static bool finish_fast_differs(struct pd_runner *rn)
{
	rn->ndiff = rn->ndiff_total = 0;
	if (PD_BENCH_NO_COMPARE)
		return false;
	if (!rn->o->fast_full_end) {
		pd_state_compare_input_touched(rn);
		return rn->ndiff_total != 0;
	}
	pd_state_compare(rn);
	run_checks(rn);
	return rn->ndiff_total || rn->side[0].cctx.nviol || rn->side[1].cctx.nviol;
}

/*
 * The last runner freed, kept for the next run: a fuzzer runs one input
 * after another, and under ASan every new 88 KB runner was fresh memory
 * (its allocator quarantines what is freed), so each input paid for page
 * faults on it.  Reuse changes nothing a run can see: runner_alloc() sets
 * everything that is read before it is written, as for new memory.
 */
static _Thread_local struct pd_runner *spare_runner;

/*
 * A zeroed runner but for the bodies of its contexts' logs, most of its
 * ~88 KB, its name tables and its diff array: those are read only below
 * their counts, which are zeroed here.
 * Zeroing all of it was a visible part of a fuzz execution.  The input's
 * object list keeps its buffer (not its contents) from the runner's last
 * use.
 */
static struct pd_runner *runner_alloc(void)
{
	struct pd_runner *rn = spare_runner;
	struct pd_obj_ref *iseen = NULL;
	size_t iseen_cap = 0;

	if (rn) {
		spare_runner = NULL;
		iseen = rn->iseen;
		iseen_cap = rn->iseen_cap;
	} else {
		rn = pd_xmalloc(sizeof(*rn));
	}
	memset(rn, 0, offsetof(struct pd_runner, side));
	/* Name entries are written when added, diffs when recorded: counts only. */
	for (int l = 0; l < 4; l++)
		rn->names[l].n = 0;
	memset(&rn->slot_used, 0, offsetof(struct pd_runner, diff) -
				  offsetof(struct pd_runner, slot_used));
	memset(&rn->ndiff, 0, sizeof(*rn) - offsetof(struct pd_runner, ndiff));
	rn->iseen = iseen;
	rn->iseen_cap = iseen_cap;
	for (int i = 0; i < 2; i++) {
		struct pd_side *sd = &rn->side[i];

		sd->ops = NULL;
		sd->m = NULL;
		sd->name = sd->role = NULL;
		memset(&sd->res, 0, sizeof(sd->res));
		pd_ctx_begin_record(&sd->ctx);
		pd_ctx_begin_record(&sd->uctx);
		pd_ctx_begin_record(&sd->cctx);
		sd->uctx_used = sd->cctx_used = false;
	}
	return rn;
}

static void runner_free(struct pd_runner *rn)
{
	if (!spare_runner) {
		spare_runner = rn;
		return;
	}
	free(rn->iseen);
	free(rn);
}

static int run_once(const struct pd_trace *t, const struct pd_run_opts *o,
		    struct pd_run_result *r, bool full, bool fast, bool *late_diff)
{
	struct pd_runner *rn;
	unsigned cls;
	char err[256];
	size_t k = 0;

	memset(r, 0, sizeof(*r));
	r->div_op = -1;
	r->ops_total = (unsigned)t->nops;
	rn = runner_alloc();
	rn->t = t;
	rn->cfg = &t->cfg;
	rn->o = o;
	rn->r = r;
	rn->file = o->file ? o->file : "<trace>";
	rn->op = -1;

	if (!o->valid && pd_trace_validate(t, err, sizeof(err))) {
		msg(rn, "%s: error: invalid trace: %s\n", rn->file, err);
		r->status = 2;
		goto out;
	}
	if (!o->primary || !o->reference) {
		msg(rn, "%s: error: need a primary and a reference model\n", rn->file);
		r->status = 2;
		goto out;
	}
	if (!(o->reference->caps & PD_CAP_REPLAY)) {
		msg(rn, "%s: error: model %s cannot be a reference (no PD_CAP_REPLAY)\n", rn->file,
		    o->reference->name ? o->reference->name : "?");
		r->status = 2;
		goto out;
	}
	rn->incremental = !full && (o->primary->caps & PD_CAP_TOUCH) &&
			  (o->reference->caps & PD_CAP_TOUCH);
	r->incremental = rn->incremental;
	rn->fast = fast && rn->incremental;
	if (o->pool && !full) {
		rn->pooled = pd_pool_take(o->pool, rn->cfg, o->primary, o->reference);
		rn->vis = &rn->pooled->vis;
	}
	pd_state_init(rn);
	if (setup_side(rn, 0, o->primary, "primary") ||
	    setup_side(rn, 1, o->reference, "reference")) {
		r->status = 2;
		goto out;
	}

	/*
	 * Boot: both models' initial state must already agree.  Fast mode
	 * compares an object when an op touches it, and the untouched rest
	 * only with fast_full_end.
	 */
	clear_ctx(&rn->side[0]);
	clear_ctx(&rn->side[1]);
	cls = rn->fast ? PD_DIV_NONE : compare(rn, false, PD_NR_OPS);
	rn->op_ran = true;
	eval_expects(rn, &k, true);
	if (cls) {
		pd_report_divergence(rn, cls);
		goto out;
	}
	/*
	 * Ops in item order, with the expect items after each.  Without
	 * expects (every fuzz input) the items are the ops in order: no walk.
	 */
	for (size_t n = 0; t->nexpects ? k < t->nitems : n < t->nops; n++) {
		int i = t->nexpects ? (int)t->items[k++].index : (int)n;

		cls = run_op(rn, i);
		if (t->nexpects)
			eval_expects(rn, &k, rn->op_ran);
		if (cls) {
			pd_report_divergence(rn, cls);
			break;
		}
		if (r->incomplete)
			break;
	}
	if (rn->fast && !r->diverged && !r->incomplete && finish_fast_differs(rn))
		*late_diff = true;
	else if (rn->incremental && !rn->fast && !r->diverged && final_full_compare_differs(rn))
		*late_diff = true;
out:
	finish(rn);
	runner_free(rn);
	return r->status;
}

/*
 * Run the trace.  With incremental comparison, a difference that only the
 * end-of-input full comparison sees means some op changed an object that
 * neither model reported touching: re-run comparing everything after every
 * op, so the report names the first diverging op as a full run would.
 *
 * Fast mode (fuzzing) reports nothing of its own: whatever it finds, the
 * input is run again in the default mode, on new models, and that run's
 * report and signature are returned, as `pagediff replay` would print
 * them.  Should the default mode not diverge (it compares more, so it
 * cannot unless a model is not deterministic), the fast run's divergence
 * is kept, with a note.
 */
int pd_run(const struct pd_trace *t, const struct pd_run_opts *o, struct pd_run_result *r)
{
	struct pd_run_opts dflt;
	struct pd_run_result fr;
	bool late_diff = false;

	if (o->fast && !o->full_compare) {
		run_once(t, o, r, false, true, &late_diff);
		if (!r->diverged && !late_diff)
			return r->status;
		dflt = *o;
		dflt.fast = false;
		dflt.pool = NULL;
		fr = *r;
		late_diff = false;
		run_once(t, &dflt, r, false, false, &late_diff);
		if (late_diff) {
			pd_run_result_free(r);
			run_once(t, &dflt, r, true, false, &late_diff);
			r->rerun_full = true;
		}
		if (r->diverged) {
			pd_run_result_free(&fr);
			return r->status;
		}
		pd_run_result_free(r);
		*r = fr;
		if (!r->diverged) {
			/* Only the fast end comparison saw it: no report of its own. */
			r->diverged = true;
			r->status = 1;
			r->div_class = PD_DIV_STATE;
			snprintf(r->signature, sizeof(r->signature), "state.fast-end-only");
		}
		return r->status;
	}
	run_once(t, o, r, o->full_compare, false, &late_diff);
	if (!late_diff)
		return r->status;
	pd_run_result_free(r);
	run_once(t, o, r, true, false, &late_diff);
	r->rerun_full = true;
	return r->status;
}

void pd_run_result_free(struct pd_run_result *r)
{
	free(r->report);
	free(r->messages);
	r->report = NULL;
	r->messages = NULL;
}
