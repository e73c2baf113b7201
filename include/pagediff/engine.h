/* SPDX-License-Identifier: MIT */
/*
 * engine.h - the differential engine's public API: traces (text and
 * bytes, docs/trace-format.md), the runner that drives a primary and a
 * reference model op by op, and the model registry.
 *
 * Glossary (beyond pagediff.h)
 *   trace    a config and a list of items: ops, expect lines, comments
 *   name     what an op creates or uses: pN (process), aN (alloc handle),
 *            kN (pin), rN (ref).  Stored as the absolute number N; the
 *            letter follows from the opcode.
 *   live     statically live: created and not yet ended by exit, free,
 *            unpin or put.  At run time a live name may still be *dead*
 *            because the op that created it failed.
 *   primary  the model under test, run in record mode (it chooses)
 *   reference the model that replays and checks the primary's placements
 *
 * Every function that can fail on bad input returns 0 on success and -1
 * on failure with a message in err (which may be NULL).  Out of memory
 * aborts: pagediff is a test tool.
 */
#ifndef PAGEDIFF_ENGINE_H
#define PAGEDIFF_ENGINE_H

#include <pagediff/pagediff.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- configuration ---------------------------------------------------- */

/* The defaults of docs/model.md (1024 frames, 2 cpus, ...). */
void pd_config_default(struct pd_config *cfg);
/* Check every field against its range (docs/model.md); 0 if valid. */
int pd_config_validate(const struct pd_config *cfg, char *err, size_t errlen);
bool pd_config_equal(const struct pd_config *a, const struct pd_config *b);

/* ---- trace representation ------------------------------------------- */

/*
 * One operation with absolute names.  Which members are meaningful
 * depends on the opcode (the table in docs/trace-format.md); the others
 * are zero.
 *   proc    the pN the op works on (fork: the parent; pin/get: the owner)
 *   handle  the aN/kN/rN the op uses (free, unpin, pin_read, ...)
 *   name    the number of the name the op creates (spawn, fork, alloc,
 *           pin, get)
 */
struct pd_op {
	uint8_t    code;     /* enum pd_opcode */
	pd_flags_t flags;
	uint8_t    cpu;
	uint8_t    order;
	uint8_t    granule;
	uint8_t    tag;
	uint16_t   vpage;
	uint16_t   npages;
	uint32_t   proc;
	uint32_t   handle;
	uint32_t   name;
	uint32_t   slot;
	uint32_t   block;
	uint64_t   value;
};

/* What an `expect` line looks at. */
enum pd_expect_what {
	PD_EXPECT_RESULT, PD_EXPECT_PAGE, PD_EXPECT_PTE, PD_EXPECT_SLOT,
	PD_EXPECT_PROC, PD_EXPECT_UNIT, PD_EXPECT_TAGBLOCK, PD_EXPECT_TOTALS,
	PD_NR_EXPECT
};

/* How it names the object. */
enum pd_expect_ref {
	PD_REF_NONE,    /* result, totals */
	PD_REF_VPAGE,   /* pN vpage=V (page: the PTE's frame; slot: its slot; pte) */
	PD_REF_PROC,    /* proc pN */
	PD_REF_ALLOC,   /* page aN */
	PD_REF_PIN,     /* page kN */
	PD_REF_GET,     /* page rN */
	PD_REF_FRAME,   /* page frame=F */
	PD_REF_SLOT,    /* slot slot=S */
	PD_REF_INDEX,   /* unit U, tagblock B */
};

/* Fields of expect lines; the text names are in docs/trace-format.md. */
enum pd_expect_field_id {
	/* result */
	PD_EF_VALUE, PD_EF_FRAME, PD_EF_ORDER,
	/* page (PD_EF_ORDER too) */
	PD_EF_KIND, PD_EF_ACCEPTED, PD_EF_ANON, PD_EF_AE, PD_EF_TAGGED,
	PD_EF_RESERVED, PD_EF_SWAPCACHE, PD_EF_MC, PD_EF_RC, PD_EF_CONTENT,
	PD_EF_TAGS, PD_EF_TAG,
	/* pte (PD_EF_KIND, PD_EF_FRAME too) */
	PD_EF_MAPPED, PD_EF_MTE, PD_EF_WRITABLE, PD_EF_EXCL, PD_EF_SLOT,
	/* slot (PD_EF_SWAPCACHE, PD_EF_CONTENT, PD_EF_TAGS, PD_EF_TAG too) */
	PD_EF_INUSE, PD_EF_COUNT, PD_EF_TAGSAVED,
	/* proc */
	PD_EF_ALIVE, PD_EF_PINNED,
	/* unit */
	PD_EF_TIMES,
	/* tagblock (PD_EF_RESERVED too) */
	PD_EF_PINS,
	/* totals */
	PD_EF_FREE, PD_EF_DEFERRED, PD_EF_PROCS,
	PD_NR_EF
};

struct pd_expect_field {
	uint8_t  id;        /* enum pd_expect_field_id */
	uint8_t  undef;     /* content=undefined */
	uint16_t granule;   /* tag.G */
	uint64_t value;     /* kinds are enum values; tags= uses pd_expect.tags */
};

struct pd_expect {
	uint8_t  what;      /* enum pd_expect_what */
	uint8_t  ref;       /* enum pd_expect_ref */
	uint8_t  status;    /* result: enum pd_status */
	uint16_t vpage;     /* PD_REF_VPAGE */
	uint32_t name;      /* PD_REF_VPAGE, PROC: pN; ALLOC/PIN/GET: the handle */
	uint32_t index;     /* FRAME, SLOT, INDEX */
	uint32_t nfields;
	struct pd_expect_field *fields;
	uint8_t  tags[PD_MAX_GRANULES / 2];  /* the tags= field, packed */
};

enum pd_item_kind { PD_ITEM_COMMENT, PD_ITEM_CONFIG, PD_ITEM_OP, PD_ITEM_EXPECT };

/*
 * One line of a text trace, in file order.  A comment keeps its raw text
 * (blank lines are comments with empty text).  Config, op and expect items
 * keep a trailing comment, with the blanks before it, in `text` (or NULL).
 */
struct pd_item {
	uint8_t  kind;      /* enum pd_item_kind */
	uint32_t line;      /* 1-based source line; 0 if not from text */
	uint32_t index;     /* OP: into ops[]; EXPECT: into expects[] */
	char    *text;
};

struct pd_trace {
	struct pd_config  cfg;
	struct pd_op     *ops;
	size_t            nops, ops_cap;
	struct pd_expect *expects;
	size_t            nexpects, expects_cap;
	struct pd_item   *items;
	size_t            nitems, items_cap;
	uint32_t         *op_line;  /* per op: its source line, or 0 */
};

/* An empty trace with the default config. */
void pd_trace_init(struct pd_trace *t);
void pd_trace_free(struct pd_trace *t);
/* Empty again (default config), keeping the arrays' memory for reuse. */
void pd_trace_clear(struct pd_trace *t);
/* Append; the trace takes a copy (expect: takes ownership of fields). */
void pd_trace_add_op(struct pd_trace *t, const struct pd_op *op, uint32_t line);
void pd_trace_add_expect(struct pd_trace *t, struct pd_expect *e, uint32_t line);
void pd_trace_add_comment(struct pd_trace *t, const char *text, uint32_t line);
/*
 * Check that every name is live or the next number (as the parser does),
 * the liveness limits, and every value's range.  Traces built by hand
 * should pass this before being encoded or run.
 */
int pd_trace_validate(const struct pd_trace *t, char *err, size_t errlen);
/* Same ops and config (comments and expectations ignored). */
bool pd_trace_ops_equal(const struct pd_trace *a, const struct pd_trace *b);

/* ---- text form --------------------------------------------------------- */

/*
 * Parse text.  On error returns -1 with "FILE:LINE:COL: message" in err
 * (COL is the 1-based column of the offending token) and leaves *t empty.
 * `file` is used only in messages.
 */
int pd_trace_parse(const char *text, size_t len, const char *file,
		   struct pd_trace *t, char *err, size_t errlen);

#define PD_PRINT_OPS_ONLY 0x1  /* config (if not default) and ops only */
/* Canonical text; malloc'd, NUL-terminated. */
char *pd_trace_print(const struct pd_trace *t, unsigned flags);
/* The canonical line of one op (no newline) into buf; returns buf. */
char *pd_op_format(const struct pd_op *op, char *buf, size_t len);
/* The canonical line of one expect item (no newline); returns buf. */
char *pd_expect_format(const struct pd_config *cfg, const struct pd_expect *e,
		       char *buf, size_t len);

const char *pd_opcode_name(unsigned code);
const char *pd_status_name(unsigned status);

/* ---- byte form (version 1) --------------------------------------------- */

#define PD_BYTES_VERSION   1
#define PD_BYTES_HEADER    16   /* version + 15 config bytes */

/*
 * Every byte string decodes; *t gets the config and ops (no expectations)
 * and passes pd_trace_validate() (tests/unit/test_decode_fuzz.c).
 */
void pd_trace_decode(const uint8_t *buf, size_t len, struct pd_trace *t);
/* The same into an initialized trace, reusing its memory (pd_trace_clear). */
void pd_trace_decode_into(const uint8_t *buf, size_t len, struct pd_trace *t);
/* Canonical bytes of a valid trace; *out is malloc'd. */
int pd_trace_encode(const struct pd_trace *t, uint8_t **out, size_t *len,
		    char *err, size_t errlen);

/*
 * Guess the form of a file: text if it is UTF-8 text whose first
 * non-blank line is a comment, config, expect or op line.
 */
bool pd_looks_like_text(const uint8_t *buf, size_t len);

/* ---- models ---------------------------------------------------------- */

/* "oracle", and "impl" when built with it; NULL if unknown. */
const struct pd_model_ops *pd_model_find(const char *name);
/* NULL-terminated list of the built-in models. */
const struct pd_model_ops *const *pd_model_list(void);
/* The default primary: impl if built, else oracle. */
const struct pd_model_ops *pd_model_default_primary(void);

/* ---- the runner -------------------------------------------------------- */

struct pd_pool;

struct pd_run_opts {
	const struct pd_model_ops *primary;    /* record mode */
	const struct pd_model_ops *reference;  /* replay mode, PD_CAP_REPLAY */
	const char *file;        /* for messages ("<trace>" if NULL) */
	bool        expect;      /* evaluate expect lines */
	unsigned    history;     /* earlier ops listed per object (0: 4) */
	/*
	 * Compare the whole state after every op even when both models
	 * report what they touch (PD_CAP_TOUCH).  Off: only touched objects
	 * after each op, everything at the end of the input.
	 */
	bool        full_compare;
	/*
	 * Run the models' check() (O(frames) each) after every Nth op only,
	 * and always at boot, after the last op and at a divergence.  0 or
	 * 1: after every op.  A broken invariant is then reported at the
	 * next op that checks, not at the op that broke it.
	 */
	unsigned    check_every;
	/*
	 * Fuzzing mode (docs/fuzzing.md: what a fuzz execution compares).
	 * Per op only what either model touched (as above); no comparison
	 * at boot; at the end, every object touched during the input again
	 * (not the whole state); no per-object change history; check()
	 * every check_every-th op, never if 0.  Cost follows the ops, not
	 * the memory size.  A divergence is re-run in the default mode,
	 * whose report and signature are returned: the same as `pagediff
	 * replay` of the input prints.  Needs PD_CAP_TOUCH on both models
	 * (otherwise the default mode runs).
	 */
	bool        fast;
	/* With fast: end with the whole-state comparison and check() anyway. */
	bool        fast_full_end;
	/*
	 * Reuse models across runs: a model with reset() of the same config
	 * is reset instead of destroyed and created.  NULL: no reuse.
	 */
	struct pd_pool *pool;
	/*
	 * The caller vouches that the trace passes pd_trace_validate(), as
	 * pd_trace_decode() output does: the run does not check it again.
	 */
	bool        valid;
};

/*
 * Divergence classes.  When one op shows several, the first in this order
 * names it (and its signature).  check() comes last: it may be compiled
 * out (PAGEDIFF_IMPL_CHECK=OFF), and the same bug must get the same
 * signature in every build.
 */
enum pd_div_class {
	PD_DIV_NONE = 0,
	PD_DIV_VIOLATION,   /* a model reported pd_violation() during the op */
	PD_DIV_RESULT,      /* the op's results differ */
	PD_DIV_PLACEMENT,   /* the reference left placements unconsumed */
	PD_DIV_STATE,       /* observable state differs */
	PD_DIV_CHECK,       /* a model's check() reported a broken invariant */
};

struct pd_run_result {
	int      status;        /* 0 clean, 1 divergence or failed expectation, 2 setup error */
	unsigned ops_total;     /* ops in the trace */
	unsigned ops_run;       /* ops both models ran */
	unsigned ops_skipped;   /* unsupported by a model (not compared) */
	unsigned ops_nohandle;  /* named a dead name: no model called */
	unsigned expects_checked;   /* (expect line, model) pairs evaluated */
	unsigned expects_failed;
	bool     incomplete;    /* stopped early: the reference could not comply */
	bool     diverged;
	int      div_op;        /* index of the first diverging op; -1 = boot */
	uint32_t div_line;      /* its source line, or 0 */
	uint8_t  div_class;     /* enum pd_div_class */
	char     signature[128];/* e.g. "state.frame.anon_exclusive@fork" */
	char    *report;        /* divergence report for a person, or NULL */
	char    *messages;      /* failed expectations, setup errors, notes, or NULL */
	bool     incremental;   /* the per-op comparison visited only touched objects */
	bool     rerun_full;    /* the end-of-input comparison found a difference no op
				   touched; the input was re-run comparing everything */
};

/*
 * Run the trace on both models.  Stops at the first divergence.  Returns
 * r->status.  Always free r with pd_run_result_free().
 */
int pd_run(const struct pd_trace *t, const struct pd_run_opts *o,
	   struct pd_run_result *r);
void pd_run_result_free(struct pd_run_result *r);

/*
 * A pool of models kept between runs (pd_run_opts.pool), for fuzz drivers
 * that run millions of inputs: up to 256 configs' model pairs, of at most
 * max_frames frames together (pd_pool_new: 2^20); the least recently used
 * of those never reused is evicted first.  A model is only ever handed
 * out again after its reset() succeeded, so no state of one input
 * reaches the next (tests/unit/test_reset.c).  Not thread-safe: one pool
 * per thread.
 */
struct pd_pool *pd_pool_new(void);
struct pd_pool *pd_pool_new_sized(size_t max_frames);
void pd_pool_free(struct pd_pool *pool);
/* How often a run got reset models (hits) or created them (misses). */
void pd_pool_stats(const struct pd_pool *pool, unsigned long long *hits,
		   unsigned long long *misses);

/* ---- shrinking (engine/shrink.c) --------------------------------------- */

struct pd_shrink_opts {
	unsigned max_runs;     /* stop after this many runs of the pair (0: 200000) */
	bool     keep_config;  /* leave the config as it is */
};

struct pd_shrink_stats {
	bool     diverged;        /* the input diverges (else nothing was shrunk) */
	bool     limited;         /* stopped at max_runs: smaller may exist */
	unsigned ops_before;      /* ops in the input */
	unsigned ops_after;       /* ops in the result */
	unsigned runs;            /* pd_run() calls, the input's included */
	unsigned kept;            /* candidate edits that kept the signature */
	char     signature[128];  /* the input's divergence signature */
	char     message[512];    /* why the input cannot run (status 2) */
};

/*
 * Shrink a diverging trace: delta-debugging over its ops (chunks, then one
 * by one; an op that uses a name whose creator went is dropped with it),
 * fewer processes, lower arguments, a smaller config, keeping the same
 * signature at every step (docs/findings.md).  Expectations are ignored.
 * `so` may be NULL (defaults).  *out gets a config and ops only, names
 * renumbered from 0, diverging at its last op.
 *
 * Returns 1 if `in` diverges (*out: the shrunk trace), 0 if it does not
 * (*out: a copy of its config and ops), 2 if it cannot run (an invalid
 * trace, a model that rejects the config; st->message says why).
 * Deterministic.  Always pd_trace_free(out).
 */
int pd_shrink(const struct pd_trace *in, const struct pd_run_opts *o,
	      const struct pd_shrink_opts *so, struct pd_trace *out,
	      struct pd_shrink_stats *st);

#ifdef __cplusplus
}
#endif
#endif /* PAGEDIFF_ENGINE_H */
