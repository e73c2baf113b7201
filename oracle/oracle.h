/* SPDX-License-Identifier: MIT */
/*
 * oracle.h - private header of the reference model ("oracle").
 *
 * The oracle is the slow, obviously correct reading of docs/model.md:
 * plain arrays with one struct per frame, PTE, slot, unit, tag block and
 * process, linear scans, no free lists.  Free memory is just the set of
 * FREE frames (B3); "is there a legal block of order k" is a scan over the
 * naturally aligned candidates.  Each rule is implemented under a comment
 * naming its id.
 *
 * Glossary (see also include/pagediff/pagediff.h)
 *   head       the first frame of an allocated or deferred block; all of
 *              the block's page state (rc, mc, flags, content, tags) lives
 *              on the head, tail frames carry only their kind
 *   list block accept=list: a MAX_ORDER block (2^max_order frames) on the
 *              unaccepted list (A4)
 *   capable    a page that can hold MTE tags: tagstore none, or its tag
 *              storage is reserved (R4)
 *
 * Invariants (checked by oracle_check, ops.c):
 *   unit.times_accepted <= 1                                        (A1)
 *   HEAD/TAIL frame => its unit is accepted                          (A2)
 *   tagblock.reservations == #reserved heads whose block covers it  (R2, R3)
 *   page.mapcount == #PRESENT/FOA PTEs naming it                    (V9)
 *   page.refcount >= page.mapcount + page.in_swapcache
 *   page.refcount >= PD_PIN_BIAS => page.anon_exclusive             (G4)
 *   slot.count == #SWAP PTEs naming it                              (S2)
 *   slot.in_swapcache <=> frames[slot.frame].sc_slot == slot        (S4)
 *   deferred_frames == sum of 2^order over DEFERRED heads           (L5)
 *   deferred[0 .. nr_deferred) == the DEFERRED heads                (L5)
 *   free_frames == #FREE frames                                      (B3)
 *   a vpage outside a mapping, or of a process not alive, is as at
 *   boot (o_vpage_init): exit and fork walk only the mapped span  (V1, V9)
 *
 * What an op changed (PD_CAP_TOUCH): every op runs with o->ctx set to
 * its call's ctx, and the state is written only through the accessors at
 * the end of this header (o_frame, o_block, o_vpage, o_vpages, o_proc,
 * o_slot, o_unit, o_tagblock and the tag accessors), each of which reports
 * what it hands out with pd_touch().  Reads go to the arrays directly.
 * So the rules below never mention touching, and a change cannot be
 * missed (tests/unit/test_incremental.c checks it); a read through an
 * accessor costs only one more object compared.
 *
 * Reset (pd_model_ops.reset, ops.c): o_touch() also notes what it hands
 * out in the dirty log (struct oracle.dirty), whether or not a call is in
 * progress, and so does o_list_block() for the unaccepted list, which is
 * not observable.  oracle_reset() puts each logged object back to its
 * boot value with the same function create() uses (the *_boot/_init
 * functions next to the rules: o_frames_boot, o_unit_boot,
 * o_list_block_boot, o_slot_init, o_vpages_init, o_proc_init) and the
 * scalars with o_zone_boot_counters(), so a reset costs what the inputs
 * since wrote, not the size of the zone.  A log that would outgrow
 * O_DIRTY_MAX ranges overflows, and the reset re-creates every array as
 * create() does.  Nothing else is state: `scratch` is oracle_check's.
 */
#ifndef PAGEDIFF_ORACLE_H
#define PAGEDIFF_ORACLE_H

#include <stdbool.h>
#include <stdint.h>

#include <pagediff/pagediff.h>

/*
 * One frame.  Kept small (24 bytes) because zones go up to 2^24 frames;
 * the array is calloc'ed and the all-zero frame is a FREE frame, so
 * untouched parts of a large zone cost no resident memory.
 */
struct o_frame {
	uint64_t content;        /* meaningful while content_defined */
	uint32_t refcount;
	uint32_t mapcount;
	uint32_t sc_slot;        /* the swap-cache slot; meaningful while in_swapcache */
	uint8_t  kind;           /* enum pd_frame_kind */
	uint8_t  order;          /* HEAD, DEFERRED */
	bool     anon : 1;
	bool     anon_exclusive : 1;
	bool     mte_tagged : 1;
	bool     tag_reserved : 1;
	bool     in_swapcache : 1;
	bool     content_defined : 1;
};

/*
 * An acceptance unit (A1).  It is accepted iff it was at boot (its bit of
 * cfg.unaccepted is clear) or has been accepted since: o_unit_is_accepted().
 * All zero is a unit as at boot.
 */
struct o_unit {
	uint32_t times_accepted;
};

/* A tag-storage block (R1). */
struct o_tagblock {
	uint32_t reservations;
	uint32_t pins;
};

/* A swap slot (S1..S8).  In use while count > 0 or in_swapcache; all zero is free. */
struct o_slot {
	uint32_t count;          /* swap PTEs naming the slot */
	bool     in_swapcache;
	uint32_t frame;          /* the swap-cache page while in_swapcache, else 0 */
	bool     tags_saved;
	uint64_t content;        /* saved content while in use */
	/* saved tags: oracle.slot_tags + slot * tag_bytes */
};

/* One virtual page of a process: the VMA bits and the PTE. */
struct o_vpage {
	bool     mapped;         /* inside an mmap'ed range */
	bool     mte;            /* that range is PROT_MTE */
	uint8_t  kind;           /* enum pd_pte_kind; NONE if !mapped */
	bool     writable;       /* PRESENT, FOA */
	bool     exclusive;      /* SWAP: the swap PTE's exclusive bit */
	uint32_t frame;          /* PRESENT, FOA */
	uint32_t slot;           /* SWAP */
};

struct o_proc {
	bool alive;
	bool has_pinned;         /* MMF_HAS_PINNED */
	struct o_vpage vp[PD_MAX_VPAGES];
};

/*
 * Objects written since create() or the last reset: kind (enum
 * pd_obj_kind, or O_DIRTY_LIST_BLOCK), ids first .. first+n-1.
 */
#define O_DIRTY_LIST_BLOCK PD_NR_OBJ  /* on_list[]: not observable, never touched */
#define O_DIRTY_KINDS (O_DIRTY_LIST_BLOCK + 1)
#define O_DIRTY_MAX 4096              /* ranges; more: reset re-creates everything */

struct o_dirty {
	uint8_t  kind;
	uint32_t first, n;
};

struct oracle {
	struct pd_config cfg;
	uint32_t nr_frames;
	uint32_t nr_units;
	uint32_t nr_tagblocks;
	uint32_t nr_list_blocks;     /* MAX_ORDER blocks: nr_frames >> max_order */
	uint32_t tag_bytes;          /* bytes of packed tags per page: (granules + 1) / 2 */

	struct o_frame *frames;
	uint8_t *frame_tags;         /* nr_frames * tag_bytes */
	struct o_unit *units;
	struct o_tagblock *tagblocks;
	bool *on_list;               /* accept=list: MAX_ORDER block is on the unaccepted list */
	struct o_slot *slots;
	uint8_t *slot_tags;          /* slots * tag_bytes */
	struct o_proc procs[PD_MAX_PROCS];

	bool zone_locked;            /* L1: an interrupted context holds the zone lock */
	uint8_t zone_lock_cpu;
	uint32_t deferred_frames;    /* L5: frames in DEFERRED blocks */
	uint32_t free_frames;        /* B3: FREE frames (totals without a scan) */
	uint32_t *deferred;          /* L5: the deferred list, heads in the order deferred */
	uint32_t nr_deferred;

	struct pd_ctx *ctx;          /* the call in progress, NULL between calls: o_touch() */

	/* Reset: what was written since create() or the last reset. */
	uint32_t ndirty;
	bool dirty_overflow;         /* more than O_DIRTY_MAX ranges: reset re-creates all */
	uint32_t dirty_last[O_DIRTY_KINDS];  /* per kind: its latest range, none if >= ndirty */
	struct o_dirty dirty[O_DIRTY_MAX];

	uint32_t *scratch;           /* oracle_check: one counter per frame/slot/tag block */
};

/*
 * What an allocation is for.  Who asks is carried into violation messages
 * only, formatted by req_what() when one is reported: "alloc[ nolock]
 * order=K", "<what> proc P vpage V" (fault, COW copy, ...) or, with a
 * slot, "swap-in proc P vpage V slot S".
 */
struct o_alloc_req {
	uint8_t order;
	bool tagged;                 /* R2: a tagged allocation */
	bool nolock;                 /* L2, L3, A5 */
	const char *what;            /* "alloc", "fault", "COW copy", "swap-in", ... */
	bool of_vpage;               /* for proc/vpage (else: "alloc" with its order) */
	bool has_slot;               /* swap-in: of slot */
	uint8_t proc;
	uint16_t vpage;
	uint32_t slot;
};

/* ---- state accessors: for writing, each reports what it hands out ---- */

/* Objects id .. id+n-1 of kind obj (enum pd_obj_kind) change in this call. */
void o_touch(struct oracle *o, unsigned obj, uint32_t id, uint32_t n);
/* ... and note them in the dirty log for reset (o_touch does both). */
void o_dirty(struct oracle *o, unsigned kind, uint32_t id, uint32_t n);

/* Frame f. */
static inline struct o_frame *o_frame(struct oracle *o, uint32_t f)
{
	o_touch(o, PD_OBJ_FRAME, f, 1);
	return &o->frames[f];
}

/* The 2^order frames of the block at head, at once; [0] is the head. */
static inline struct o_frame *o_block(struct oracle *o, uint32_t head, uint8_t order)
{
	o_touch(o, PD_OBJ_FRAME, head, 1u << order);
	return &o->frames[head];
}

/* The packed tags of frame f (part of its state). */
static inline uint8_t *o_frame_tags(struct oracle *o, uint32_t f)
{
	o_touch(o, PD_OBJ_FRAME, f, 1);
	return &o->frame_tags[(size_t)f * o->tag_bytes];
}

static inline struct o_slot *o_slot(struct oracle *o, uint32_t s)
{
	o_touch(o, PD_OBJ_SLOT, s, 1);
	return &o->slots[s];
}

/* The saved tags of slot s (part of its state). */
static inline uint8_t *o_slot_tags(struct oracle *o, uint32_t s)
{
	o_touch(o, PD_OBJ_SLOT, s, 1);
	return &o->slot_tags[(size_t)s * o->tag_bytes];
}

static inline struct o_vpage *o_vpage(struct oracle *o, uint8_t proc, uint16_t vpage)
{
	o_touch(o, PD_OBJ_PTE, PD_PTE_ID(proc, vpage), 1);
	return &o->procs[proc].vp[vpage];
}

/* vpages first .. first+n-1 of a process, at once; [0] is vpage first. */
static inline struct o_vpage *o_vpages(struct oracle *o, uint8_t proc, uint16_t first,
				       uint32_t n)
{
	o_touch(o, PD_OBJ_PTE, PD_PTE_ID(proc, first), n);
	return &o->procs[proc].vp[first];
}

/* A process's flags (alive, has_pinned); its PTEs are o_vpage's. */
static inline struct o_proc *o_proc(struct oracle *o, uint8_t proc)
{
	o_touch(o, PD_OBJ_PROC, proc, 1);
	return &o->procs[proc];
}

/*
 * Unit u.  Its frames report its `accepted` too (A2): a caller that
 * changes it touches them as well (zone.c, accept_range()).
 */
static inline struct o_unit *o_unit(struct oracle *o, uint32_t u)
{
	o_touch(o, PD_OBJ_UNIT, u, 1);
	return &o->units[u];
}

static inline struct o_tagblock *o_tagblock(struct oracle *o, uint32_t b)
{
	o_touch(o, PD_OBJ_TAGBLOCK, b, 1);
	return &o->tagblocks[b];
}

/* Whether list block b is on the unaccepted list (A4): not observable, only logged. */
static inline bool *o_list_block(struct oracle *o, uint32_t b)
{
	o_dirty(o, O_DIRTY_LIST_BLOCK, b, 1);
	return &o->on_list[b];
}

/* A1: at boot unit u is unaccepted iff bit (u mod 8) of `unaccepted`. */
static inline bool o_unit_boot_accepted(const struct oracle *o, uint32_t u)
{
	return !((o->cfg.unaccepted >> (u % 8)) & 1);
}

/* A1: a unit is accepted iff it was at boot or has been accepted since. */
static inline bool o_unit_is_accepted(const struct oracle *o, uint32_t u)
{
	return o_unit_boot_accepted(o, u) || o->units[u].times_accepted > 0;
}

/* A2: a frame's `accepted` is its unit's. */
static inline bool o_unit_accepted(const struct oracle *o, uint32_t frame)
{
	return o_unit_is_accepted(o, frame >> o->cfg.accept_order);
}

/* Reading tags, no touch. */
static inline const uint8_t *o_frame_tags_rd(const struct oracle *o, uint32_t f)
{ return &o->frame_tags[(size_t)f * o->tag_bytes]; }

static inline const uint8_t *o_slot_tags_rd(const struct oracle *o, uint32_t s)
{ return &o->slot_tags[(size_t)s * o->tag_bytes]; }

static inline void o_res_init(struct pd_result *res)
{
	res->status = PD_OK;
	res->order = 0;
	res->frame = PD_NO_FRAME;
	res->value = 0;
}

/* ---- zone.c ---------------------------------------------------------- */
void o_frames_boot(struct oracle *o, uint32_t first, uint32_t n);
void o_unit_boot(struct oracle *o, uint32_t u);
bool o_list_block_boot(const struct oracle *o, uint32_t b);
void o_zone_boot_counters(struct oracle *o);
bool o_tags_capable(const struct oracle *o, uint32_t head);
bool o_try_reserve(struct oracle *o, uint32_t head);
bool o_alloc_block(struct oracle *o, struct pd_ctx *ctx,
		   const struct o_alloc_req *rq, uint32_t *out);
void o_free_block_locked(struct oracle *o, uint32_t head);
void o_put_page(struct oracle *o, uint32_t head, uint32_t refs);
void o_zone_init(struct oracle *o);
pd_op_fn o_op_alloc, o_op_free, o_op_drain, o_op_zone_lock, o_op_zone_unlock;
pd_op_fn o_op_tagstore_pin, o_op_tagstore_unpin;

/* ---- mm.c ------------------------------------------------------------ */
void o_vpages_init(struct o_vpage *vp, uint32_t n);
void o_proc_init(struct o_proc *p);
void o_zap_pte(struct oracle *o, struct o_vpage *vp);
pd_op_fn o_op_spawn, o_op_mmap, o_op_munmap, o_op_exit, o_op_fork;
pd_op_fn o_op_read, o_op_write, o_op_settag;
pd_op_fn o_op_pin, o_op_unpin, o_op_pin_read, o_op_pin_write;
pd_op_fn o_op_get, o_op_put, o_op_ref_read;

/* ---- swap.c ---------------------------------------------------------- */
void o_slot_init(struct o_slot *sl, uint8_t *tags, uint32_t tag_bytes);
bool o_slot_in_use(const struct oracle *o, uint32_t s);
void o_slot_put(struct oracle *o, uint32_t s);
void o_swapcache_remove(struct oracle *o, uint32_t head);
uint8_t o_swapin(struct oracle *o, struct pd_ctx *ctx, uint8_t proc,
		 uint16_t vpage, bool write);
pd_op_fn o_op_swapout, o_op_swapcache_drop;

#endif
