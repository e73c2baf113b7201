/* SPDX-License-Identifier: MIT */
/*
 * pagediff.h - the contract between a model under test, the reference
 * oracle and the differential engine.
 *
 * Glossary
 *   frame    one base page of the simulated zone, numbered 0..frames-1
 *   order    a block of 2^order frames, naturally aligned
 *   pcp      per-CPU cache of low-order free pages (invisible to the engine)
 *   unit     2^accept_order frames, accepted (or not) as one
 *   granule  an MTE tag granule; a page has `granules` 4-bit tags
 *   tag block  the tag-storage block covering `tag_ratio` data frames
 *   slot     a swap slot; its count is the number of swap PTEs naming it
 *   pin      a FOLL_PIN reference: refcount += PD_PIN_BIAS
 *   ref      a FOLL_GET reference: refcount += 1
 *   proc     a process slot 0..PD_MAX_PROCS-1 (the engine maps trace
 *            pids p0, p1, ... onto slots)
 *   vpage    a virtual page of a process, 0..vpages-1
 *
 * A model is a table of functions (struct pd_model_ops).  The engine
 * decodes an operation once, resolves its handles (alloc handles, pins and
 * refs become frames; pids become proc slots) into a struct pd_call and
 * hands the same call to every model.  After each call it reads every
 * model's observable state (struct pd_frame_state and friends) and
 * compares.  The only choices left to a model are *placements*: which
 * block, which swap slot, which unaccepted block to accept.  The model
 * under test records them in the placement log; the reference replays
 * the log, checking that each choice was legal (docs/model.md).
 */
#ifndef PAGEDIFF_H
#define PAGEDIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- limits of the format (not of a particular run) ---------------- */
#define PD_MAX_CPUS        8
#define PD_MAX_PROCS       8     /* live processes at once */
#define PD_MAX_HANDLES     64    /* live handles of one kind at once */
#define PD_MAX_GRANULES    256
#define PD_MAX_VPAGES      256
#define PD_MAX_ORDER_LIMIT 10
#define PD_MAX_FRAMES_LOG2 24
#define PD_MIN_FRAMES_LOG2 3
#define PD_NOLOCK_MAX_ORDER 3   /* alloc_pages_nolock() and pcp orders */
#define PD_PCP_MAX_ORDER    3

/* GUP_PIN_COUNTING_BIAS: a FOLL_PIN adds this to the refcount. */
#define PD_PIN_BIAS 1024u

#define PD_NO_FRAME UINT32_MAX
#define PD_NO_SLOT  UINT32_MAX

/* ---- run-time configuration (spec.md §1) ---------------------------- */
enum pd_swap_excl { PD_SWAP_EXCL_LOST = 0, PD_SWAP_EXCL_KEPT = 1 };
enum pd_accept    { PD_ACCEPT_FLAG = 0, PD_ACCEPT_LIST = 1 };
enum pd_tagstore  { PD_TAGSTORE_NONE = 0, PD_TAGSTORE_STRICT = 1,
		    PD_TAGSTORE_BESTEFFORT = 2 };

struct pd_config {
	uint8_t  frames_log2;   /* frames = 1 << frames_log2 */
	uint8_t  cpus;          /* 1..PD_MAX_CPUS */
	uint8_t  max_order;     /* orders 0..max_order (inclusive), <= frames_log2 */
	uint16_t granules;      /* power of two, 1..PD_MAX_GRANULES */
	uint8_t  accept_order;  /* unit = 2^accept_order frames, <= frames_log2 */
	uint8_t  unaccepted;    /* at boot, unit u is unaccepted iff bit (u % 8) is set */
	uint8_t  tag_ratio_log2;/* data frames per tag block = 1 << tag_ratio_log2 */
	uint32_t slots;         /* swap slots, 1..65536 */
	uint16_t pcp_batch;     /* 1..64 */
	uint16_t pcp_high;      /* >= pcp_batch, <= 255+... (see engine) */
	uint16_t vpages;        /* virtual pages per process, 1..PD_MAX_VPAGES */
	uint8_t  swap_excl;     /* enum pd_swap_excl */
	uint8_t  accept;        /* enum pd_accept */
	uint8_t  tagstore;      /* enum pd_tagstore */
};

static inline uint32_t pd_nr_frames(const struct pd_config *c)
{ return 1u << c->frames_log2; }
static inline uint32_t pd_nr_units(const struct pd_config *c)
{ return 1u << (c->frames_log2 - c->accept_order); }
static inline uint32_t pd_nr_tag_blocks(const struct pd_config *c)
{ return 1u << (c->frames_log2 - c->tag_ratio_log2); }

/* ---- operations (spec.md §1) ---------------------------------------- */
enum pd_opcode {
	PD_OP_ALLOC, PD_OP_FREE, PD_OP_DRAIN, PD_OP_ZONE_LOCK, PD_OP_ZONE_UNLOCK,
	PD_OP_SPAWN, PD_OP_MMAP, PD_OP_MUNMAP, PD_OP_EXIT, PD_OP_FORK,
	PD_OP_READ, PD_OP_WRITE, PD_OP_SETTAG, PD_OP_SWAPOUT, PD_OP_SWAPCACHE_DROP,
	PD_OP_PIN, PD_OP_UNPIN, PD_OP_PIN_READ, PD_OP_PIN_WRITE,
	PD_OP_GET, PD_OP_PUT, PD_OP_REF_READ,
	PD_OP_TAGSTORE_PIN, PD_OP_TAGSTORE_UNPIN,
	PD_NR_OPS
};

/* Flags of a call; which ones apply depends on the opcode. */
typedef uint8_t pd_flags_t;
#define PD_ALLOC_ZERO    ((pd_flags_t)0x01)  /* alloc */
#define PD_ALLOC_NOLOCK  ((pd_flags_t)0x02)  /* alloc */
#define PD_ALLOC_TAGGED  ((pd_flags_t)0x04)  /* alloc */
#define PD_FREE_NOLOCK   ((pd_flags_t)0x01)  /* free */
#define PD_MMAP_MTE      ((pd_flags_t)0x01)  /* mmap: PROT_MTE */
#define PD_PIN_WRITE     ((pd_flags_t)0x01)  /* pin, unpin, pin_read, pin_write */
#define PD_SWAPOUT_KEEP  ((pd_flags_t)0x01)  /* swapout: stay in swap cache */

/*
 * One resolved call.  Handles are already resolved by the engine:
 *   free:                 frame + order of the block alloc returned
 *   unpin/pin_read/pin_write: frame the pin returned, flags & PD_PIN_WRITE
 *   put/ref_read:         frame the get returned
 * Fields an opcode does not use are zero.
 */
struct pd_call {
	uint8_t    code;     /* enum pd_opcode */
	pd_flags_t flags;
	uint8_t    cpu;
	uint8_t    order;
	uint8_t    proc;     /* process slot */
	uint8_t    child;    /* fork: the child's process slot */
	uint8_t    granule;  /* write, settag: 0..granules-1 */
	uint8_t    tag;      /* write: pointer tag; settag: memory tag; 0..15 */
	uint16_t   vpage;
	uint16_t   npages;   /* mmap, munmap */
	uint32_t   frame;
	uint32_t   slot;     /* swapcache_drop */
	uint32_t   block;    /* tagstore_pin/unpin: tag block */
	uint64_t   value;    /* write, pin_write */
};

/* What an operation returned (spec.md §2 item 1). */
enum pd_status {
	PD_OK = 0,
	PD_ENOMEM,    /* allocation failed (legally, or the reference says not) */
	PD_EFAULT,    /* no mapping, a get of a none PTE, pin_write through a read pin */
	PD_TAGCHECK,  /* MTE pointer tag != memory tag: store suppressed */
	PD_RETRY,     /* besteffort tag storage: reservation failed, nothing changed */
	PD_REFUSED,   /* swapout of a maybe-pinned / non-present page, swapcache_drop refused */
	PD_EINVAL,    /* illegal request (e.g. NOLOCK with TAGGED, order > 3) */
	PD_NOHANDLE,  /* engine: the handle/process named does not exist at run time */
	PD_UNSUPPORTED, /* the model cannot comply with this op (not a divergence) */
	PD_NR_STATUS
};

struct pd_result {
	uint8_t  status;   /* enum pd_status */
	uint8_t  order;    /* alloc: order of the block */
	uint32_t frame;    /* alloc, pin, get: the frame; else PD_NO_FRAME */
	uint64_t value;    /* read, pin_read, ref_read: the value read */
};

/* ---- observable state (spec.md §2) ---------------------------------- */
enum pd_frame_kind {
	PD_FRAME_FREE = 0,   /* buddy, pcp or (accept=list) unaccepted list */
	PD_FRAME_HEAD,       /* head of an allocated block of order `order` */
	PD_FRAME_TAIL,       /* any other frame of an allocated or deferred block */
	PD_FRAME_DEFERRED,   /* head of a block freed with nolock, on the deferred list */
};

/*
 * Per frame.  For FREE and TAIL frames everything but `accepted` is zero.
 * `content` is compared only when content_defined; `tags` only when
 * mte_tagged.  Tags are packed two per byte, granule 2i in the low nibble.
 */
struct pd_frame_state {
	uint8_t  kind;            /* enum pd_frame_kind */
	uint8_t  order;           /* HEAD, DEFERRED */
	uint8_t  accepted;        /* the frame's unit is accepted */
	uint8_t  anon;
	uint8_t  anon_exclusive;  /* PG_anon_exclusive */
	uint8_t  mte_tagged;      /* PG_mte_tagged */
	uint8_t  tag_reserved;    /* tag storage reserved for this block */
	uint8_t  in_swapcache;
	uint8_t  content_defined;
	uint32_t mapcount;
	uint32_t refcount;
	uint32_t swapcache_slot;  /* PD_NO_SLOT unless in_swapcache */
	uint64_t content;
	uint8_t  tags[PD_MAX_GRANULES / 2];
};

enum pd_pte_kind { PD_PTE_NONE = 0, PD_PTE_PRESENT, PD_PTE_SWAP, PD_PTE_FOA };

/* Per process and vpage.  `mapped`/`mte` describe the VMA covering it. */
struct pd_pte_state {
	uint8_t  mapped;     /* inside an mmap'ed range */
	uint8_t  mte;        /* that range is PROT_MTE */
	uint8_t  kind;       /* enum pd_pte_kind; NONE if !mapped */
	uint8_t  writable;   /* PRESENT, FOA */
	uint8_t  exclusive;  /* SWAP: the swap PTE's exclusive bit (swap_excl=kept) */
	uint32_t frame;      /* PRESENT, FOA; else PD_NO_FRAME */
	uint32_t slot;       /* SWAP; else PD_NO_SLOT */
};

struct pd_proc_state {
	uint8_t alive;
	uint8_t has_pinned;  /* MMF_HAS_PINNED: set on first pin, never cleared */
};

/* Per swap slot.  A slot is in use while count > 0 or it is in the swap cache. */
struct pd_slot_state {
	uint8_t  in_use;
	uint8_t  in_swapcache;
	uint8_t  tags_saved;
	uint32_t count;      /* swap PTEs naming the slot */
	uint32_t frame;      /* the swap-cache page, or PD_NO_FRAME */
	uint64_t content;    /* saved content (in_use only) */
	uint8_t  tags[PD_MAX_GRANULES / 2];  /* saved tags (tags_saved only) */
};

struct pd_unit_state {
	uint8_t  accepted;
	uint32_t times_accepted;  /* must never exceed 1 */
};

struct pd_tagblock_state {
	uint32_t reservations;  /* allocated blocks holding a reservation on it */
	uint32_t pins;          /* short pins (tagstore_pin) */
};

struct pd_totals {
	uint32_t free_frames;      /* buddy + pcp + unaccepted list */
	uint32_t deferred_frames;  /* freed with nolock, waiting for a locked free */
	uint32_t live_procs;
};

/* ---- placements (spec.md §2, §6) ------------------------------------ */
enum pd_place_kind {
	PD_PLACE_BLOCK = 0,  /* a block handed out: frame + order */
	PD_PLACE_SLOT,       /* a swap slot chosen at swap-out: slot */
	PD_PLACE_ACCEPT,     /* accept=list: the MAX_ORDER block taken off the list: frame */
};

struct pd_placement {
	uint8_t  kind;   /* enum pd_place_kind */
	uint8_t  order;  /* BLOCK */
	uint32_t where;  /* frame (BLOCK, ACCEPT) or slot (SLOT) */
};

/*
 * The engine's per-call context.  A model that chooses placements itself
 * (every model under test) calls pd_record_placement() for each choice.  A
 * reference model asks pd_replaying(); if true it must take each choice
 * with pd_next_placement() and check it, reporting an illegal choice, an
 * illegal failure, or a broken invariant with pd_violation().
 */
struct pd_ctx;

bool pd_replaying(const struct pd_ctx *ctx);
void pd_record_placement(struct pd_ctx *ctx, const struct pd_placement *p);
/* Next logged placement, if any is left; does not check its kind. */
bool pd_next_placement(struct pd_ctx *ctx, struct pd_placement *out);
/* Peek without consuming. */
bool pd_peek_placement(const struct pd_ctx *ctx, struct pd_placement *out);
/*
 * Report a broken rule.  `what` is a short stable class used in the
 * divergence signature ("illegal-placement", "illegal-failure", "deadlock",
 * "check"); the message says which rule and which object, for a person.
 */
void pd_violation(struct pd_ctx *ctx, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- what an operation changed (incremental comparison) -------------- */
/*
 * A model with PD_CAP_TOUCH reports every object an op changes with
 * pd_touch(); the engine then compares only the objects either model
 * touched (plus the totals) after each op, and everything at the end of
 * the input.  A touch too many is harmless; a touch missed in both models
 * is caught only by that final full comparison (which then re-runs the
 * input comparing everything after every op, to name the first op).
 */
enum pd_obj_kind {
	PD_OBJ_FRAME, PD_OBJ_PTE, PD_OBJ_PROC, PD_OBJ_SLOT, PD_OBJ_UNIT,
	PD_OBJ_TAGBLOCK, PD_OBJ_TOTALS, PD_NR_OBJ
};
/* The id of a PTE object: its process slot and vpage. */
#define PD_PTE_ID(proc, vpage) (((uint32_t)(proc) << 16) | (uint32_t)(vpage))

/* Objects id .. id+n-1 of kind `obj` changed (PTE ids: same process). */
void pd_touch(struct pd_ctx *ctx, unsigned obj, uint32_t id, uint32_t n);

/* ---- the model interface --------------------------------------------- */
typedef void pd_op_fn(void *model, struct pd_ctx *ctx,
		      const struct pd_call *call, struct pd_result *res);

#define PD_CAP_REPLAY 0x1  /* can replay and check another model's placements */
#define PD_CAP_TOUCH  0x2  /* reports every object it changes with pd_touch() */

/*
 * An allocator implementation.  Every op member may be NULL: the engine
 * then treats the op as PD_UNSUPPORTED for this model ("cannot comply").
 *
 * The engine performs the implicit zone_unlock of spec.md §6 itself: it
 * calls zone_unlock before any call other than alloc NOLOCK / free nolock
 * while a zone_lock is outstanding.
 */
struct pd_model_ops {
	const char *name;
	unsigned    caps;

	/* Returns NULL and fills err if the configuration is not supported. */
	void *(*create)(const struct pd_config *cfg, char *err, size_t errlen);
	void  (*destroy)(void *model);

	pd_op_fn *alloc, *free, *drain, *zone_lock, *zone_unlock;
	pd_op_fn *spawn, *mmap, *munmap, *exit, *fork;
	pd_op_fn *read, *write, *settag, *swapout, *swapcache_drop;
	pd_op_fn *pin, *unpin, *pin_read, *pin_write;
	pd_op_fn *get, *put, *ref_read;
	pd_op_fn *tagstore_pin, *tagstore_unpin;

	/* Observable state.  All must be filled in. */
	void (*frame_state)(void *model, uint32_t frame, struct pd_frame_state *out);
	void (*pte_state)(void *model, uint8_t proc, uint16_t vpage, struct pd_pte_state *out);
	void (*proc_state)(void *model, uint8_t proc, struct pd_proc_state *out);
	void (*slot_state)(void *model, uint32_t slot, struct pd_slot_state *out);
	void (*unit_state)(void *model, uint32_t unit, struct pd_unit_state *out);
	void (*tagblock_state)(void *model, uint32_t block, struct pd_tagblock_state *out);
	void (*totals)(void *model, struct pd_totals *out);

	/*
	 * Optional internal consistency check (DEBUG_VM style).  Reports each
	 * broken invariant with pd_violation(ctx, "check", ...).
	 */
	void (*check)(void *model, struct pd_ctx *ctx);

	/*
	 * Optional: put the model back into the state create() left it in
	 * (same config), so that a fuzzer can run the next input on it
	 * instead of paying destroy + create (O(frames)) per input.  A reset
	 * model must be indistinguishable from a new one: no state of the
	 * inputs run since may survive (tests/unit/test_reset.c checks it
	 * against a fresh model).  Its cost should follow what changed since
	 * create() or the last reset, not the size of memory.  Returns false
	 * if it could not; the engine then destroys the model and creates a
	 * new one.
	 */
	bool (*reset)(void *model);

	/*
	 * Optional, for speed: frames [first, first + n) into out[0..n), each
	 * as frame_state() would report it.  The engine zeroes every out[i]
	 * up to `tags` first, and reads tags only where mte_tagged, so the
	 * model writes what is not zero and the tags of tagged frames.  An op
	 * that changes a block changes a run of frames; one call for the run
	 * lets a model find each block once instead of once per frame.
	 * Without it the engine calls frame_state() for every frame.
	 */
	void (*frame_state_range)(void *model, uint32_t first, uint32_t n,
				  struct pd_frame_state *out);
};

/* The two models this project ships. */
extern const struct pd_model_ops pd_oracle_ops;
extern const struct pd_model_ops pd_impl_ops;

/* Tag helpers on the packed layout used by pd_frame_state / pd_slot_state. */
static inline uint8_t pd_tag_get(const uint8_t *tags, unsigned g)
{ return (uint8_t)((tags[g >> 1] >> ((g & 1) * 4)) & 0xf); }
static inline void pd_tag_set(uint8_t *tags, unsigned g, uint8_t t)
{
	unsigned sh = (g & 1) * 4;
	tags[g >> 1] = (uint8_t)((tags[g >> 1] & ~(0xf << sh)) | ((t & 0xf) << sh));
}

#ifdef __cplusplus
}
#endif
#endif /* PAGEDIFF_H */
