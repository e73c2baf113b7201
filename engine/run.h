/* SPDX-License-Identifier: MIT */
/*
 * run.h - internal to the engine: the runner's state, shared by the op
 * loop (run.c), the state comparison (state.c), expectations
 * (run_expect.c) and the divergence report (report.c).
 */
#ifndef PAGEDIFF_RUN_H
#define PAGEDIFF_RUN_H

#include <pagediff/engine.h>

#include "ctx.h"
#include "util.h"

/* Frames read per frame_state_range() call (state.c). */
#define PD_FRAME_RUN 64

/* One model of the pair. */
struct pd_side {
	const struct pd_model_ops *ops;
	void       *m;
	const char *name;     /* the model's name, for reports */
	const char *role;     /* "primary" or "reference" */
	struct pd_ctx ctx;    /* the op's placement log and violations */
	struct pd_ctx uctx;   /* the implicit zone_unlock before the op */
	struct pd_ctx cctx;   /* check() */
	bool uctx_used, cctx_used;  /* started since the last clear_ctx() (run.c) */
	struct pd_result res; /* the last op's result */
	/* A run of frames' states (state.c); never zeroed whole, only prefixes. */
	struct pd_frame_state frun[PD_FRAME_RUN];
};

/*
 * A statically live name at run time.  `dead`: the op that created it
 * failed (or was skipped), so ops naming it report PD_NOHANDLE.
 */
struct pd_rname {
	uint32_t name;
	bool     dead;
	uint8_t  slot;     /* proc: the process slot */
	uint8_t  order;    /* alloc */
	uint8_t  write;    /* pin: a write pin */
	uint32_t frame;    /* alloc, pin, get */
};

struct pd_rnames {
	unsigned n;
	struct pd_rname e[PD_MAX_HANDLES];
};

/* Objects of the observable state: enum pd_obj_kind in pagediff.h. */

/* One differing field. */
struct pd_diff {
	uint8_t     obj;      /* enum pd_obj_kind */
	uint8_t     proc;     /* PTE, PROC: the slot */
	int         granule;  /* tags: the granule; else -1 */
	uint32_t    index;    /* frame, vpage, slot, unit, tag block */
	const char *field;    /* field name in the state struct */
	uint64_t    pv, rv;   /* primary's and reference's values */
};

/*
 * A run of objects of one kind that op `op` changed in the primary:
 * [first, last] (PTE: vpages of process slot `proc`).
 */
struct pd_change {
	uint32_t op;
	uint8_t  obj;
	uint8_t  proc;
	uint32_t first, last;
};

#define PD_MAX_DIFFS 64

/*
 * Incremental comparison: the compare (by epoch) in which each object was
 * last visited, so an object both models touched is compared once.  Kept
 * in a pool entry between runs of the same config; the epoch only grows
 * (a stamp from an earlier run can never equal the current epoch), and
 * the arrays are cleared when it wraps.
 */
/* A run of objects: kind, process (PTE, proc), first index and count. */
struct pd_obj_ref {
	uint8_t  obj;
	uint8_t  proc;
	uint32_t index;
	uint32_t n;
};

struct pd_visit {
	uint32_t  epoch;
	uint32_t *frame, *pte, *slot, *unit, *tagblock;
	uint32_t  proc[PD_MAX_PROCS];
	size_t    nframe, npte, nslot, nunit, ntagblock;
};

void pd_visit_init(struct pd_visit *v, const struct pd_config *c);
void pd_visit_free(struct pd_visit *v);
/* A new compare: every object unvisited. */
void pd_visit_next(struct pd_visit *v);

/*
 * A config's model pair in a pool (pool.c).  m[i] NULL: not created yet
 * (or dropped after a failed reset).
 */
struct pd_pool_entry {
	bool      used;
	uint64_t  lru;
	unsigned  uses;     /* runs that took it; 1: not yet reused */
	uint64_t  key;      /* hash of cfg (pool.c) */
	struct pd_config cfg;
	const struct pd_model_ops *ops[2];
	void     *m[2];
	struct pd_visit vis;
};

/*
 * The entry for cfg and these two models, their models reset (or NULL
 * where one must be created: the caller creates it into the entry).
 */
/* The entry for cfg and these models as it is (no reset), or NULL; tests. */
struct pd_pool_entry *pd_pool_peek(struct pd_pool *pool, const struct pd_config *cfg,
				   const struct pd_model_ops *primary,
				   const struct pd_model_ops *reference);
struct pd_pool_entry *pd_pool_take(struct pd_pool *pool, const struct pd_config *cfg,
				   const struct pd_model_ops *primary,
				   const struct pd_model_ops *reference);

struct pd_runner {
	const struct pd_trace    *t;
	const struct pd_config   *cfg;
	const struct pd_run_opts *o;
	struct pd_run_result     *r;
	const char               *file;
	struct pd_side            side[2];   /* [0] primary, [1] reference */
	/*
	 * runner_alloc() zeroes what is before side[], and from names on but
	 * for the name entries and diff[] (read only below their counts).
	 */

	struct pd_rnames names[4];           /* by enum pd_letter */
	bool     slot_used[PD_MAX_PROCS];
	uint32_t slot_pid[PD_MAX_PROCS];     /* the pN using the slot */
	bool     zone_locked;

	int      op;           /* the op being compared; -1 = boot */
	bool     op_ran;       /* both models ran it (or it was a nohandle) */

	/* Change tracking in the primary: a hash per object after the last op. */
	uint64_t *h_frame, *h_pte, *h_slot, *h_unit, *h_tagblock;
	uint64_t  h_proc[PD_MAX_PROCS], h_totals;
	struct pd_change *changes;
	size_t    nchanges, changes_cap;

	/* Incremental comparison: objects visited in this compare. */
	bool      incremental;
	struct pd_visit *vis;     /* own_vis, or the pool entry's */
	struct pd_visit  own_vis;
	struct pd_pool_entry *pooled;  /* the models belong to this entry */

	/*
	 * Fast mode (pd_run_opts.fast): no change history (h_* NULL), and
	 * every object compared during the input, once each, for the end
	 * comparison.  An object is new to the input when its visit stamp is
	 * not above input_epoch, the epoch before the input's first op.
	 */
	bool      fast;
	struct pd_obj_ref *iseen;  /* its buffer outlives the run (runner_free) */
	size_t    niseen, iseen_cap;
	uint32_t  input_epoch;
	bool      itouch_all;     /* an op overflowed its touch list */

	/* What differs after the current op. */
	struct pd_diff diff[PD_MAX_DIFFS];
	unsigned  ndiff;       /* recorded */
	unsigned  ndiff_total; /* including those not recorded */
	bool      result_diff;
	const char *result_field;

	struct pd_strbuf msgs; /* becomes r->messages */
};

/* ---- state.c ---- */
void pd_state_init(struct pd_runner *rn);
void pd_state_free(struct pd_runner *rn);
/* Compare every object of both models; record changes of the primary. */
void pd_state_compare(struct pd_runner *rn);
/*
 * Compare only what either model reported touching in this op (and the
 * totals); falls back to everything if a model overflowed its touch list.
 */
void pd_state_compare_touched(struct pd_runner *rn);
/* Fast mode, end of input: every object touched during it (and totals). */
void pd_state_compare_input_touched(struct pd_runner *rn);
/* "frame 3", "pte p1 vpage 0", ... */
void pd_obj_format(const struct pd_runner *rn, unsigned obj, unsigned proc, uint32_t index,
		   struct pd_strbuf *sb);
extern const char *const pd_obj_name[PD_NR_OBJ];

/* ---- run_expect.c ---- */
/* Evaluate one expect line against both models after the current op. */
void pd_expect_eval(struct pd_runner *rn, const struct pd_expect *e, uint32_t line);

/* ---- report.c ---- */
/* Build r->report and r->signature for a divergence at the current op. */
void pd_report_divergence(struct pd_runner *rn, unsigned cls);

/* ---- run.c ---- */
struct pd_rname *pd_rname_find(struct pd_runner *rn, int letter, uint32_t name);
/* Text of op i for reports ("boot" for -1). */
void pd_op_text(const struct pd_runner *rn, int op, struct pd_strbuf *sb);

#endif
