// SPDX-License-Identifier: MIT
/*
 * emit_c.c - `pagediff emit-c`: a diverging trace as a standalone C unit
 * test.  The test calls the models' op tables (pd_impl_ops, pd_oracle_ops)
 * op by op the way the engine does, with a small struct pd_ctx of its own,
 * and compares results and the whole observable state after every op.  It
 * needs only pagediff.h and the two model libraries: no engine, no fuzz
 * engine.  It exits 1 while the models diverge and 0 once they agree.
 *
 * The support code below is emitted verbatim; the trace becomes one block
 * of calls per op in main().
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

static const char *const support_head[] = {
	"#include <stdarg.h>",
	"#include <stdbool.h>",
	"#include <stdint.h>",
	"#include <stdio.h>",
	"#include <stdlib.h>",
	"#include <string.h>",
	"",
	"#include <pagediff/pagediff.h>",
	NULL
};

static const char *const support_body[] = {
	"#define HELPER static __attribute__((unused))",
	"",
	"/* ---- struct pd_ctx: the engine's side of the model interface, in miniature ---- */",
	"",
	"#define MAX_PLACEMENTS 1024",
	"",
	"struct pd_ctx {",
	"\tbool replay;",
	"\tbool overflow;",
	"\tunsigned nlog, pos, nviol;",
	"\tconst char *model;",
	"\tstruct pd_placement log[MAX_PLACEMENTS];",
	"};",
	"",
	"bool pd_replaying(const struct pd_ctx *ctx)",
	"{",
	"\treturn ctx->replay;",
	"}",
	"",
	"void pd_record_placement(struct pd_ctx *ctx, const struct pd_placement *p)",
	"{",
	"\tif (ctx->replay)",
	"\t\treturn;",
	"\tif (ctx->nlog == MAX_PLACEMENTS) {",
	"\t\tctx->overflow = true;",
	"\t\treturn;",
	"\t}",
	"\tctx->log[ctx->nlog++] = *p;",
	"}",
	"",
	"bool pd_peek_placement(const struct pd_ctx *ctx, struct pd_placement *out)",
	"{",
	"\tif (!ctx->replay || ctx->pos >= ctx->nlog)",
	"\t\treturn false;",
	"\t*out = ctx->log[ctx->pos];",
	"\treturn true;",
	"}",
	"",
	"bool pd_next_placement(struct pd_ctx *ctx, struct pd_placement *out)",
	"{",
	"\tif (!pd_peek_placement(ctx, out))",
	"\t\treturn false;",
	"\tctx->pos++;",
	"\treturn true;",
	"}",
	"",
	"/* The test compares the whole state after every op: touches are not needed. */",
	"void pd_touch(struct pd_ctx *ctx, unsigned obj, uint32_t id, uint32_t n)",
	"{",
	"\t(void)ctx;",
	"\t(void)obj;",
	"\t(void)id;",
	"\t(void)n;",
	"}",
	"",
	"/* The op's violations, printed if it diverges. */",
	"static char violations[4096];",
	"",
	"void pd_violation(struct pd_ctx *ctx, const char *what, const char *fmt, ...)",
	"{",
	"\tsize_t n = strlen(violations);",
	"\tva_list ap;",
	"",
	"\tctx->nviol++;",
	"\tif (n + 1 >= sizeof(violations))",
	"\t\treturn;",
	"\tn += (size_t)snprintf(violations + n, sizeof(violations) - n, \"  violation (%s): %s: \",",
	"\t\t\t      ctx->model, what);",
	"\tif (n + 1 >= sizeof(violations))",
	"\t\treturn;",
	"\tva_start(ap, fmt);",
	"\tn += (size_t)vsnprintf(violations + n, sizeof(violations) - n, fmt, ap);",
	"\tva_end(ap);",
	"\tif (n + 1 < sizeof(violations))",
	"\t\tstrcat(violations, \"\\n\");",
	"}",
	"",
	"static void ctx_record(struct pd_ctx *ctx, const char *model)",
	"{",
	"\tctx->replay = false;",
	"\tctx->overflow = false;",
	"\tctx->nlog = ctx->pos = ctx->nviol = 0;",
	"\tctx->model = model;",
	"}",
	"",
	"static void ctx_replay(struct pd_ctx *ctx, const struct pd_ctx *from)",
	"{",
	"\tctx->replay = true;",
	"\tctx->overflow = from->overflow;",
	"\tctx->nlog = from->nlog;",
	"\tctx->pos = ctx->nviol = 0;",
	"\tmemcpy(ctx->log, from->log, from->nlog * sizeof(ctx->log[0]));",
	"}",
	"",
	"/* ---- the pair, run op by op as the engine does (docs/usage.md, \"Engine duties\") ---- */",
	"",
	"static void *m[2];                      /* [0] primary (record), [1] reference (replay) */",
	"static struct pd_ctx ctx[2], uctx[2], cctx[2];",
	"static struct pd_result res[2];",
	"static struct pd_call call;",
	"static int  cur_op = -1;                /* -1: boot */",
	"static bool skip;                       /* a name the op uses is dead: nohandle */",
	"static bool ran;                        /* both models ran the op */",
	"static bool zone_locked;",
	"static bool diverged;",
	"static bool slot_used[PD_MAX_PROCS];",
	"",
	"/* A name at run time; dead if the op that created it failed. */",
	"struct name {",
	"\tbool     live, dead;",
	"\tuint8_t  slot, order, write;",
	"\tuint32_t frame;",
	"};",
	"",
	"static struct name procs[NR_P], allocs[NR_A], pins[NR_K], gets[NR_R];",
	"",
	"static pd_op_fn *member(const struct pd_model_ops *o, unsigned code)",
	"{",
	"\tswitch (code) {",
	"\tcase PD_OP_ALLOC:          return o->alloc;",
	"\tcase PD_OP_FREE:           return o->free;",
	"\tcase PD_OP_DRAIN:          return o->drain;",
	"\tcase PD_OP_ZONE_LOCK:      return o->zone_lock;",
	"\tcase PD_OP_ZONE_UNLOCK:    return o->zone_unlock;",
	"\tcase PD_OP_SPAWN:          return o->spawn;",
	"\tcase PD_OP_MMAP:           return o->mmap;",
	"\tcase PD_OP_MUNMAP:         return o->munmap;",
	"\tcase PD_OP_EXIT:           return o->exit;",
	"\tcase PD_OP_FORK:           return o->fork;",
	"\tcase PD_OP_READ:           return o->read;",
	"\tcase PD_OP_WRITE:          return o->write;",
	"\tcase PD_OP_SETTAG:         return o->settag;",
	"\tcase PD_OP_SWAPOUT:        return o->swapout;",
	"\tcase PD_OP_SWAPCACHE_DROP: return o->swapcache_drop;",
	"\tcase PD_OP_PIN:            return o->pin;",
	"\tcase PD_OP_UNPIN:          return o->unpin;",
	"\tcase PD_OP_PIN_READ:       return o->pin_read;",
	"\tcase PD_OP_PIN_WRITE:      return o->pin_write;",
	"\tcase PD_OP_GET:            return o->get;",
	"\tcase PD_OP_PUT:            return o->put;",
	"\tcase PD_OP_REF_READ:       return o->ref_read;",
	"\tcase PD_OP_TAGSTORE_PIN:   return o->tagstore_pin;",
	"\tcase PD_OP_TAGSTORE_UNPIN: return o->tagstore_unpin;",
	"\tdefault:                   return NULL;",
	"\t}",
	"}",
	"",
	"static unsigned ndiff;",
	"static bool print_diffs;",
	"",
	"static void differ(const char *obj, const char *field, uint64_t pv, uint64_t rv)",
	"{",
	"\tif (ndiff++ < 64 && print_diffs)",
	"\t\tfprintf(stderr, \"  %s: %s: %s=%llu %s=%llu\\n\", obj, field, model[0]->name,",
	"\t\t\t(unsigned long long)pv, model[1]->name, (unsigned long long)rv);",
	"}",
	"",
	"#define CMP(obj, a, b, f) do { if ((a).f != (b).f) differ(obj, #f, (a).f, (b).f); } while (0)",
	"",
	"static void cmp_tags(const char *obj, const uint8_t *a, const uint8_t *b)",
	"{",
	"\tchar field[32];",
	"",
	"\tfor (unsigned g = 0; g < cfg.granules; g++)",
	"\t\tif (pd_tag_get(a, g) != pd_tag_get(b, g)) {",
	"\t\t\tsnprintf(field, sizeof(field), \"tags[%u]\", g);",
	"\t\t\tdiffer(obj, field, pd_tag_get(a, g), pd_tag_get(b, g));",
	"\t\t}",
	"}",
	"",
	"/* The whole observable state, as the engine compares it (engine/state.c). */",
	"static void compare_state(void)",
	"{",
	"\tchar obj[64];",
	"",
	"\tfor (uint32_t f = 0; f < pd_nr_frames(&cfg); f++) {",
	"\t\tstruct pd_frame_state a, b;",
	"",
	"\t\tmemset(&a, 0, sizeof(a));",
	"\t\tmemset(&b, 0, sizeof(b));",
	"\t\tmodel[0]->frame_state(m[0], f, &a);",
	"\t\tmodel[1]->frame_state(m[1], f, &b);",
	"\t\tsnprintf(obj, sizeof(obj), \"frame %u\", f);",
	"\t\tCMP(obj, a, b, kind); CMP(obj, a, b, order); CMP(obj, a, b, accepted);",
	"\t\tCMP(obj, a, b, anon); CMP(obj, a, b, anon_exclusive); CMP(obj, a, b, mte_tagged);",
	"\t\tCMP(obj, a, b, tag_reserved); CMP(obj, a, b, in_swapcache);",
	"\t\tCMP(obj, a, b, content_defined); CMP(obj, a, b, mapcount); CMP(obj, a, b, refcount);",
	"\t\tCMP(obj, a, b, swapcache_slot);",
	"\t\tif (a.content_defined && b.content_defined)",
	"\t\t\tCMP(obj, a, b, content);",
	"\t\tif (a.mte_tagged && b.mte_tagged)",
	"\t\t\tcmp_tags(obj, a.tags, b.tags);",
	"\t}",
	"\tfor (uint8_t p = 0; p < PD_MAX_PROCS; p++) {",
	"\t\tstruct pd_proc_state a, b;",
	"",
	"\t\tmemset(&a, 0, sizeof(a));",
	"\t\tmemset(&b, 0, sizeof(b));",
	"\t\tmodel[0]->proc_state(m[0], p, &a);",
	"\t\tmodel[1]->proc_state(m[1], p, &b);",
	"\t\tsnprintf(obj, sizeof(obj), \"proc slot %u\", p);",
	"\t\tCMP(obj, a, b, alive); CMP(obj, a, b, has_pinned);",
	"\t\tfor (uint16_t v = 0; v < cfg.vpages; v++) {",
	"\t\t\tstruct pd_pte_state x, y;",
	"",
	"\t\t\tmemset(&x, 0, sizeof(x));",
	"\t\t\tmemset(&y, 0, sizeof(y));",
	"\t\t\tmodel[0]->pte_state(m[0], p, v, &x);",
	"\t\t\tmodel[1]->pte_state(m[1], p, v, &y);",
	"\t\t\tsnprintf(obj, sizeof(obj), \"pte slot %u vpage %u\", p, v);",
	"\t\t\tCMP(obj, x, y, mapped); CMP(obj, x, y, mte); CMP(obj, x, y, kind);",
	"\t\t\tCMP(obj, x, y, writable); CMP(obj, x, y, exclusive); CMP(obj, x, y, frame);",
	"\t\t\tCMP(obj, x, y, slot);",
	"\t\t}",
	"\t}",
	"\tfor (uint32_t s = 0; s < cfg.slots; s++) {",
	"\t\tstruct pd_slot_state a, b;",
	"",
	"\t\tmemset(&a, 0, sizeof(a));",
	"\t\tmemset(&b, 0, sizeof(b));",
	"\t\tmodel[0]->slot_state(m[0], s, &a);",
	"\t\tmodel[1]->slot_state(m[1], s, &b);",
	"\t\tsnprintf(obj, sizeof(obj), \"slot %u\", s);",
	"\t\tCMP(obj, a, b, in_use); CMP(obj, a, b, in_swapcache); CMP(obj, a, b, tags_saved);",
	"\t\tCMP(obj, a, b, count); CMP(obj, a, b, frame);",
	"\t\tif (a.in_use && b.in_use)",
	"\t\t\tCMP(obj, a, b, content);",
	"\t\tif (a.tags_saved && b.tags_saved)",
	"\t\t\tcmp_tags(obj, a.tags, b.tags);",
	"\t}",
	"\tfor (uint32_t u = 0; u < pd_nr_units(&cfg); u++) {",
	"\t\tstruct pd_unit_state a, b;",
	"",
	"\t\tmemset(&a, 0, sizeof(a));",
	"\t\tmemset(&b, 0, sizeof(b));",
	"\t\tmodel[0]->unit_state(m[0], u, &a);",
	"\t\tmodel[1]->unit_state(m[1], u, &b);",
	"\t\tsnprintf(obj, sizeof(obj), \"unit %u\", u);",
	"\t\tCMP(obj, a, b, accepted); CMP(obj, a, b, times_accepted);",
	"\t}",
	"\tfor (uint32_t t = 0; t < pd_nr_tag_blocks(&cfg); t++) {",
	"\t\tstruct pd_tagblock_state a, b;",
	"",
	"\t\tmemset(&a, 0, sizeof(a));",
	"\t\tmemset(&b, 0, sizeof(b));",
	"\t\tmodel[0]->tagblock_state(m[0], t, &a);",
	"\t\tmodel[1]->tagblock_state(m[1], t, &b);",
	"\t\tsnprintf(obj, sizeof(obj), \"tagblock %u\", t);",
	"\t\tCMP(obj, a, b, reservations); CMP(obj, a, b, pins);",
	"\t}",
	"\t{",
	"\t\tstruct pd_totals a, b;",
	"",
	"\t\tmemset(&a, 0, sizeof(a));",
	"\t\tmemset(&b, 0, sizeof(b));",
	"\t\tmodel[0]->totals(m[0], &a);",
	"\t\tmodel[1]->totals(m[1], &b);",
	"\t\tCMP(\"totals\", a, b, free_frames); CMP(\"totals\", a, b, deferred_frames);",
	"\t\tCMP(\"totals\", a, b, live_procs);",
	"\t}",
	"}",
	"",
	"static bool results_differ(void)",
	"{",
	"\tconst struct pd_result *a = &res[0], *b = &res[1];",
	"\tunsigned c = call.code;",
	"",
	"\tif (a->status != b->status)",
	"\t\treturn true;",
	"\tif (a->status != PD_OK)",
	"\t\treturn false;",
	"\tif ((c == PD_OP_ALLOC || c == PD_OP_PIN || c == PD_OP_GET) && a->frame != b->frame)",
	"\t\treturn true;",
	"\tif (c == PD_OP_ALLOC && a->order != b->order)",
	"\t\treturn true;",
	"\treturn (c == PD_OP_READ || c == PD_OP_PIN_READ || c == PD_OP_REF_READ) &&",
	"\t       a->value != b->value;",
	"}",
	"",
	"/* After an op (or boot): every check of engine/run.c's compare(). */",
	"static void compare(bool with_result)",
	"{",
	"\tunsigned viol = 0, chk = 0;",
	"\tbool rdiff, unused;",
	"",
	"\tfprintf(stderr, \"%s\", \"\");",
	"\tfor (int i = 0; i < 2; i++) {",
	"\t\tctx_record(&cctx[i], model[i]->name);",
	"\t\tif (model[i]->check)",
	"\t\t\tmodel[i]->check(m[i], &cctx[i]);",
	"\t\tviol += ctx[i].nviol + uctx[i].nviol + ctx[i].overflow;",
	"\t\tchk += cctx[i].nviol;",
	"\t}",
	"\trdiff = with_result && results_differ();",
	"\tunused = ctx[1].pos < ctx[1].nlog || uctx[1].pos < uctx[1].nlog;",
	"\tndiff = 0;",
	"\tprint_diffs = false;",
	"\tcompare_state();",
	"\tif (!viol && !rdiff && !unused && !ndiff && !chk) {",
	"\t\tviolations[0] = 0;",
	"\t\treturn;",
	"\t}",
	"\tdiverged = true;",
	"\tfprintf(stderr, \"DIVERGENCE at op %d (%s vs %s):%s%s%s%s%s\\n\", cur_op, model[0]->name,",
	"\t\tmodel[1]->name, viol ? \" violation\" : \"\", rdiff ? \" result\" : \"\",",
	"\t\tunused ? \" unneeded-placement\" : \"\", ndiff ? \" state\" : \"\", chk ? \" check\" : \"\");",
	"\tif (rdiff)",
	"\t\tfprintf(stderr, \"  results: %s: status %u frame %u order %u value 0x%llx; \"",
	"\t\t\t\"%s: status %u frame %u order %u value 0x%llx\\n\",",
	"\t\t\tmodel[0]->name, res[0].status, res[0].frame, res[0].order,",
	"\t\t\t(unsigned long long)res[0].value, model[1]->name, res[1].status,",
	"\t\t\tres[1].frame, res[1].order, (unsigned long long)res[1].value);",
	"\tfputs(violations, stderr);",
	"\tviolations[0] = 0;",
	"\tndiff = 0;",
	"\tprint_diffs = true;",
	"\tcompare_state();",
	"\tif (ndiff > 64)",
	"\t\tfprintf(stderr, \"  ... %u differing fields in all\\n\", ndiff);",
	"}",
	"",
	"static void boot(void)",
	"{",
	"\tchar err[256] = \"\";",
	"",
	"\tfor (int i = 0; i < 2; i++) {",
	"\t\tm[i] = model[i]->create(&cfg, err, sizeof(err));",
	"\t\tif (!m[i]) {",
	"\t\t\tfprintf(stderr, \"%s rejects the config: %s\\n\", model[i]->name, err);",
	"\t\t\texit(2);",
	"\t\t}",
	"\t\tctx_record(&ctx[i], model[i]->name);",
	"\t\tctx_record(&uctx[i], model[i]->name);",
	"\t}",
	"\tcompare(false);",
	"}",
	"",
	"static void set_nohandle(unsigned status)",
	"{",
	"\tfor (int i = 0; i < 2; i++) {",
	"\t\tmemset(&res[i], 0, sizeof(res[i]));",
	"\t\tres[i].status = (uint8_t)status;",
	"\t\tres[i].frame = PD_NO_FRAME;",
	"\t}",
	"}",
	"",
	"/* Start op i: a fresh call with the op's own arguments set by the caller. */",
	"static void begin(int i, unsigned code)",
	"{",
	"\tcur_op = i;",
	"\tskip = ran = false;",
	"\tmemset(&call, 0, sizeof(call));",
	"\tcall.code = (uint8_t)code;",
	"\tcall.frame = PD_NO_FRAME;",
	"\tfor (int k = 0; k < 2; k++) {",
	"\t\tctx_record(&ctx[k], model[k]->name);",
	"\t\tctx_record(&uctx[k], model[k]->name);",
	"\t}",
	"}",
	"",
	"HELPER void use_proc(uint32_t p)",
	"{",
	"\tif (!procs[p].live || procs[p].dead)",
	"\t\tskip = true;",
	"\telse",
	"\t\tcall.proc = procs[p].slot;",
	"}",
	"",
	"HELPER void use_alloc(uint32_t a)",
	"{",
	"\tif (!allocs[a].live || allocs[a].dead) {",
	"\t\tskip = true;",
	"\t\treturn;",
	"\t}",
	"\tcall.frame = allocs[a].frame;",
	"\tcall.order = allocs[a].order;",
	"}",
	"",
	"HELPER void use_pin(uint32_t k)",
	"{",
	"\tif (!pins[k].live || pins[k].dead) {",
	"\t\tskip = true;",
	"\t\treturn;",
	"\t}",
	"\tcall.frame = pins[k].frame;",
	"\tcall.flags |= pins[k].write ? PD_PIN_WRITE : 0;",
	"}",
	"",
	"HELPER void use_get(uint32_t r)",
	"{",
	"\tif (!gets[r].live || gets[r].dead)",
	"\t\tskip = true;",
	"\telse",
	"\t\tcall.frame = gets[r].frame;",
	"}",
	"",
	"/* spawn, fork: the lowest free process slot. */",
	"HELPER void new_slot(void)",
	"{",
	"\tint s;",
	"",
	"\tfor (s = 0; s < PD_MAX_PROCS && slot_used[s]; s++)",
	"\t\t;",
	"\tif (s == PD_MAX_PROCS) {",
	"\t\tskip = true;",
	"\t\treturn;",
	"\t}",
	"\tif (call.code == PD_OP_SPAWN)",
	"\t\tcall.proc = (uint8_t)s;",
	"\telse",
	"\t\tcall.child = (uint8_t)s;",
	"}",
	"",
	"static bool is_nolock(void)",
	"{",
	"\treturn (call.code == PD_OP_ALLOC && (call.flags & PD_ALLOC_NOLOCK)) ||",
	"\t       (call.code == PD_OP_FREE && (call.flags & PD_FREE_NOLOCK));",
	"}",
	"",
	"/* Run the call on both models and compare (engine/run.c, run_op()). */",
	"static void run(void)",
	"{",
	"\tpd_op_fn *pf = member(model[0], call.code), *rf = member(model[1], call.code);",
	"",
	"\tif (zone_locked && !is_nolock() && call.code != PD_OP_ZONE_UNLOCK) {",
	"\t\t/* L1: the interrupted context resumes and releases the zone lock. */",
	"\t\tstruct pd_call u;",
	"\t\tstruct pd_result ur;",
	"",
	"\t\tmemset(&u, 0, sizeof(u));",
	"\t\tu.code = PD_OP_ZONE_UNLOCK;",
	"\t\tu.frame = PD_NO_FRAME;",
	"\t\tctx_replay(&uctx[1], &uctx[0]);",
	"\t\tfor (int i = 0; i < 2; i++) {",
	"\t\t\tif (i == 1)",
	"\t\t\t\tctx_replay(&uctx[1], &uctx[0]);",
	"\t\t\tif (!model[i]->zone_unlock)",
	"\t\t\t\tcontinue;",
	"\t\t\tmemset(&ur, 0, sizeof(ur));",
	"\t\t\tur.frame = PD_NO_FRAME;",
	"\t\t\tmodel[i]->zone_unlock(m[i], &uctx[i], &u, &ur);",
	"\t\t}",
	"\t\tzone_locked = false;",
	"\t}",
	"\tif (skip) {",
	"\t\tset_nohandle(PD_NOHANDLE);",
	"\t\tcompare(false);",
	"\t\treturn;",
	"\t}",
	"\tif (!pf || !rf) {",
	"\t\tset_nohandle(PD_UNSUPPORTED);",
	"\t\tskip = true;",
	"\t\tcompare(false);",
	"\t\treturn;",
	"\t}",
	"\tmemset(&res[0], 0, sizeof(res[0]));",
	"\tres[0].frame = PD_NO_FRAME;",
	"\tpf(m[0], &ctx[0], &call, &res[0]);",
	"\tif (res[0].status == PD_UNSUPPORTED) {",
	"\t\tres[1] = res[0];",
	"\t\tskip = true;",
	"\t\tcompare(false);",
	"\t\treturn;",
	"\t}",
	"\tctx_replay(&ctx[1], &ctx[0]);",
	"\tmemset(&res[1], 0, sizeof(res[1]));",
	"\tres[1].frame = PD_NO_FRAME;",
	"\trf(m[1], &ctx[1], &call, &res[1]);",
	"\tif (res[1].status == PD_UNSUPPORTED) {",
	"\t\tfprintf(stderr, \"note: %s cannot comply with op %d; stopped there\\n\",",
	"\t\t\tmodel[1]->name, cur_op);",
	"\t\texit(diverged);",
	"\t}",
	"\tran = true;",
	"\tif (call.code == PD_OP_ZONE_LOCK && res[0].status == PD_OK)",
	"\t\tzone_locked = true;",
	"\tif (call.code == PD_OP_ZONE_UNLOCK)",
	"\t\tzone_locked = false;",
	"\tcompare(true);",
	"}",
	"",
	"/* After a creating op: the new name, live if the primary's op succeeded. */",
	"static struct name *def(struct name *n)",
	"{",
	"\tmemset(n, 0, sizeof(*n));",
	"\tn->live = true;",
	"\tn->dead = !ran || res[0].status != PD_OK;",
	"\tn->frame = res[0].frame;",
	"\treturn n;",
	"}",
	"",
	"HELPER void def_proc(uint32_t p)",
	"{",
	"\tstruct name *n = def(&procs[p]);",
	"",
	"\tif (n->dead)",
	"\t\treturn;",
	"\tn->slot = call.code == PD_OP_SPAWN ? call.proc : call.child;",
	"\tslot_used[n->slot] = true;",
	"}",
	"",
	"HELPER void def_alloc(uint32_t a)",
	"{",
	"\tdef(&allocs[a])->order = res[0].order;",
	"}",
	"",
	"HELPER void def_pin(uint32_t k)",
	"{",
	"\tdef(&pins[k])->write = (call.flags & PD_PIN_WRITE) != 0;",
	"}",
	"",
	"HELPER void def_get(uint32_t r)",
	"{",
	"\tdef(&gets[r]);",
	"}",
	"",
	"/* exit, free, unpin, put: the name ends (a process frees its slot if it ran). */",
	"HELPER void end(struct name *n, bool is_proc)",
	"{",
	"\tif (is_proc && !n->dead && ran)",
	"\t\tslot_used[n->slot] = false;",
	"\tn->live = false;",
	"}",
	"",
	"static int finish(void)",
	"{",
	"\tfor (int i = 0; i < 2; i++)",
	"\t\tmodel[i]->destroy(m[i]);",
	"\tif (diverged) {",
	"\t\tfprintf(stderr, \"FAIL: the models diverge (expected: %s at op %d)\\n\",",
	"\t\t\texpected_signature, expected_op);",
	"\t\treturn 1;",
	"\t}",
	"\tfprintf(stderr, \"OK: %s and %s agree on all %d ops\\n\", model[0]->name, model[1]->name,",
	"\t\texpected_op + 1);",
	"\treturn 0;",
	"}",
	NULL
};

/* A growing output string. */
struct obuf {
	char  *s;
	size_t len, cap;
};

static void ob_printf(struct obuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void ob_printf(struct obuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (b->len + (size_t)n + 1 > b->cap) {
		b->cap = (b->len + (size_t)n + 1) * 2;
		b->s = realloc(b->s, b->cap);
		if (!b->s) {
			fprintf(stderr, "pagediff: out of memory\n");
			abort();
		}
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* What each opcode does with names: letter used, letter created, whether it ends the used one. */
enum { L_NONE = -1, L_P, L_A, L_K, L_R, NR_L };

static const struct {
	const char *sym;   /* PD_OP_... */
	int8_t use, def;
	bool ends;
} opinfo[PD_NR_OPS] = {
	[PD_OP_ALLOC]          = { "PD_OP_ALLOC",          L_NONE, L_A,    false },
	[PD_OP_FREE]           = { "PD_OP_FREE",           L_A,    L_NONE, true },
	[PD_OP_DRAIN]          = { "PD_OP_DRAIN",          L_NONE, L_NONE, false },
	[PD_OP_ZONE_LOCK]      = { "PD_OP_ZONE_LOCK",      L_NONE, L_NONE, false },
	[PD_OP_ZONE_UNLOCK]    = { "PD_OP_ZONE_UNLOCK",    L_NONE, L_NONE, false },
	[PD_OP_SPAWN]          = { "PD_OP_SPAWN",          L_NONE, L_P,    false },
	[PD_OP_MMAP]           = { "PD_OP_MMAP",           L_P,    L_NONE, false },
	[PD_OP_MUNMAP]         = { "PD_OP_MUNMAP",         L_P,    L_NONE, false },
	[PD_OP_EXIT]           = { "PD_OP_EXIT",           L_P,    L_NONE, true },
	[PD_OP_FORK]           = { "PD_OP_FORK",           L_P,    L_P,    false },
	[PD_OP_READ]           = { "PD_OP_READ",           L_P,    L_NONE, false },
	[PD_OP_WRITE]          = { "PD_OP_WRITE",          L_P,    L_NONE, false },
	[PD_OP_SETTAG]         = { "PD_OP_SETTAG",         L_P,    L_NONE, false },
	[PD_OP_SWAPOUT]        = { "PD_OP_SWAPOUT",        L_P,    L_NONE, false },
	[PD_OP_SWAPCACHE_DROP] = { "PD_OP_SWAPCACHE_DROP", L_NONE, L_NONE, false },
	[PD_OP_PIN]            = { "PD_OP_PIN",            L_P,    L_K,    false },
	[PD_OP_UNPIN]          = { "PD_OP_UNPIN",          L_K,    L_NONE, true },
	[PD_OP_PIN_READ]       = { "PD_OP_PIN_READ",       L_K,    L_NONE, false },
	[PD_OP_PIN_WRITE]      = { "PD_OP_PIN_WRITE",      L_K,    L_NONE, false },
	[PD_OP_GET]            = { "PD_OP_GET",            L_P,    L_R,    false },
	[PD_OP_PUT]            = { "PD_OP_PUT",            L_R,    L_NONE, true },
	[PD_OP_REF_READ]       = { "PD_OP_REF_READ",       L_R,    L_NONE, false },
	[PD_OP_TAGSTORE_PIN]   = { "PD_OP_TAGSTORE_PIN",   L_NONE, L_NONE, false },
	[PD_OP_TAGSTORE_UNPIN] = { "PD_OP_TAGSTORE_UNPIN", L_NONE, L_NONE, false },
};

static const char *const letter_word[NR_L] = { "proc", "alloc", "pin", "get" };
static const char *const letter_array[NR_L] = { "procs", "allocs", "pins", "gets" };

static void emit_c_help(FILE *out)
{
	fprintf(out,
		"usage: pagediff emit-c IN [-o OUT.c] [--primary NAME] [--reference NAME]\n"
		"                      [--text | --bytes] [--shrink]\n"
		"\n"
		"Write a standalone C unit test of IN's divergence: it calls the models' op\n"
		"tables (pd_impl_ops, pd_oracle_ops) op by op up to the diverging op, as the\n"
		"engine does (process slots and handles resolved from the results at run\n"
		"time, the implicit zone_unlock, placements recorded and replayed), compares\n"
		"results and the whole observable state after every op, and exits 1 while\n"
		"they diverge, 0 once they agree.  It builds with plain gcc, no fuzz engine:\n"
		"\n"
		"  gcc -std=c11 -Iinclude OUT.c build/default/libpagediff_impl.a \\\n"
		"      build/default/libpagediff_oracle.a -o t && ./t\n"
		"\n"
		"  -o OUT.c           default: stdout (a file is written atomically)\n"
		"  --primary NAME     impl (default) or oracle\n"
		"  --reference NAME   oracle (default)\n"
		"  --shrink           shrink IN first (as `pagediff shrink`)\n"
		"\n"
		"Exit status: 1 IN diverges (test written), 0 IN does not diverge (nothing\n"
		"written), 2 bad input or usage.\n");
}

static const char *model_symbol(const struct pd_model_ops *m)
{
	if (m->name && !strcmp(m->name, "impl"))
		return "pd_impl_ops";
	if (m->name && !strcmp(m->name, "oracle"))
		return "pd_oracle_ops";
	return NULL;
}

static void put_lines(struct obuf *b, const char *const *lines)
{
	for (; *lines; lines++)
		ob_printf(b, "%s\n", *lines);
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* The call's own arguments (names are resolved by use_*()). */
static void emit_args(struct obuf *b, const struct pd_op *op)
{
	if (op->cpu)
		ob_printf(b, "\tcall.cpu = %u;\n", op->cpu);
	if (op->order)
		ob_printf(b, "\tcall.order = %u;\n", op->order);
	if (op->flags)
		ob_printf(b, "\tcall.flags = 0x%x;\n", op->flags);
	if (op->granule)
		ob_printf(b, "\tcall.granule = %u;\n", op->granule);
	if (op->tag)
		ob_printf(b, "\tcall.tag = %u;\n", op->tag);
	if (op->vpage)
		ob_printf(b, "\tcall.vpage = %u;\n", op->vpage);
	if (op->npages)
		ob_printf(b, "\tcall.npages = %u;\n", op->npages);
	if (op->slot)
		ob_printf(b, "\tcall.slot = %u;\n", op->slot);
	if (op->block)
		ob_printf(b, "\tcall.block = %u;\n", op->block);
	if (op->value)
		ob_printf(b, "\tcall.value = 0x%llx;\n", (unsigned long long)op->value);
}

static void emit_test(struct obuf *b, const struct pd_trace *t, int div_op,
		      const char *sig, const char *in, const char *out,
		      const struct pd_run_opts *o)
{
	const struct pd_config *c = &t->cfg;
	uint32_t nn[NR_L] = { 0 };
	size_t nops = div_op < 0 ? 0 : (size_t)div_op + 1;
	struct pd_trace shown;
	char line[256], *text, *p;

	for (size_t i = 0; i < nops; i++) {
		const struct pd_op *op = &t->ops[i];

		if (opinfo[op->code].def != L_NONE && op->name + 1 > nn[opinfo[op->code].def])
			nn[opinfo[op->code].def] = op->name + 1;
	}

	ob_printf(b,
		"/*\n"
		" * Generated by `pagediff emit-c` from %s.\n"
		" * A standalone unit test of the divergence %s (%s vs %s) at op %d.\n"
		" *\n"
		" * It calls the two models' op tables op by op as the engine does (process\n"
		" * slots and handles resolved from the results at run time, the implicit\n"
		" * zone_unlock, placements recorded by the primary and replayed by the\n"
		" * reference) and compares results, violations and the whole observable state\n"
		" * after every op.  Exit status: 1 while they diverge (the bug is present),\n"
		" * 0 once they agree on every op.  Build and run, from the repository root:\n"
		" *\n"
		" *   gcc -std=c11 -Iinclude %s build/default/libpagediff_impl.a \\\n"
		" *       build/default/libpagediff_oracle.a -o t && ./t\n"
		" *\n"
		" * The trace (up to the diverging op):\n",
		in, sig, o->primary->name, o->reference->name, div_op, out ? base_name(out) : "OUT.c");
	pd_trace_init(&shown);
	shown.cfg = t->cfg;
	for (size_t i = 0; i < nops; i++)
		pd_trace_add_op(&shown, &t->ops[i], 0);
	text = pd_trace_print(&shown, PD_PRINT_OPS_ONLY);
	pd_trace_free(&shown);
	for (p = strtok(text, "\n"); p; p = strtok(NULL, "\n"))
		ob_printf(b, " *   %s\n", p);
	free(text);
	ob_printf(b, " */\n");
	put_lines(b, support_head);
	ob_printf(b,
		"\n"
		"static const struct pd_model_ops *const model[2] = { &%s, &%s };\n"
		"static const char expected_signature[] = \"%s\";\n"
		"static const int expected_op = %d;\n"
		"static const struct pd_config cfg = {\n"
		"\t.frames_log2 = %u, .cpus = %u, .max_order = %u, .granules = %u,\n"
		"\t.accept_order = %u, .unaccepted = %u, .tag_ratio_log2 = %u, .slots = %u,\n"
		"\t.pcp_batch = %u, .pcp_high = %u, .vpages = %u, .swap_excl = %u,\n"
		"\t.accept = %u, .tagstore = %u,\n"
		"};\n"
		"\n"
		"/* Names in the trace: pN, aN, kN, rN. */\n"
		"#define NR_P %u\n#define NR_A %u\n#define NR_K %u\n#define NR_R %u\n"
		"\n",
		model_symbol(o->primary), model_symbol(o->reference), sig, div_op,
		c->frames_log2, c->cpus, c->max_order, c->granules, c->accept_order, c->unaccepted,
		c->tag_ratio_log2, c->slots, c->pcp_batch, c->pcp_high, c->vpages, c->swap_excl,
		c->accept, c->tagstore,
		nn[L_P] ? nn[L_P] : 1, nn[L_A] ? nn[L_A] : 1, nn[L_K] ? nn[L_K] : 1,
		nn[L_R] ? nn[L_R] : 1);
	put_lines(b, support_body);
	ob_printf(b, "\nint main(void)\n{\n\tboot();\n\tif (diverged)\n\t\treturn finish();\n");
	for (size_t i = 0; i < nops; i++) {
		const struct pd_op *op = &t->ops[i];
		int use = opinfo[op->code].use, def = opinfo[op->code].def;
		uint32_t used = use == L_P ? op->proc : op->handle;

		pd_op_format(op, line, sizeof(line));
		if (t->op_line && t->op_line[i])
			ob_printf(b, "\n\t/* op %zu (%s:%u): %s */\n", i, base_name(in),
					t->op_line[i], line);
		else
			ob_printf(b, "\n\t/* op %zu: %s */\n", i, line);
		ob_printf(b, "\tbegin(%zu, %s);\n", i, opinfo[op->code].sym);
		emit_args(b, op);
		if (use != L_NONE)
			ob_printf(b, "\tuse_%s(%u);\n", letter_word[use], used);
		if (def == L_P)
			ob_printf(b, "\tnew_slot();\n");
		ob_printf(b, "\trun();\n");
		if (opinfo[op->code].ends)
			ob_printf(b, "\tend(&%s[%u], %s);\n", letter_array[use], used,
					use == L_P ? "true" : "false");
		if (def != L_NONE)
			ob_printf(b, "\tdef_%s(%u);\n", letter_word[def], op->name);
		if (i + 1 < nops)
			ob_printf(b, "\tif (diverged)\n\t\treturn finish();\n");
	}
	ob_printf(b, "\treturn finish();\n}\n");
}

int cmd_emit_c(int argc, char **argv)
{
	struct pd_run_opts o;
	struct pd_run_result r;
	struct pd_trace in, shrunk, *t = &in;
	struct obuf b = { 0 };
	enum tool_form form = FORM_DETECT;
	const char *file = NULL, *outfile = NULL;
	bool shrink = false;
	char err[512], sig[128];
	int rc, div_op;

	memset(&o, 0, sizeof(o));
	o.primary = pd_model_default_primary();
	o.reference = pd_model_find("oracle");
	for (int i = 1; i < argc; i++) {
		if (tool_is_help(argv[i])) {
			emit_c_help(stdout);
			return EXIT_CLEAN;
		} else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			outfile = argv[++i];
		} else if (!strcmp(argv[i], "--primary") && i + 1 < argc) {
			if (tool_model_arg("emit-c", argv[++i], &o.primary))
				return EXIT_BADINPUT;
		} else if (!strcmp(argv[i], "--reference") && i + 1 < argc) {
			if (tool_model_arg("emit-c", argv[++i], &o.reference))
				return EXIT_BADINPUT;
		} else if (!strcmp(argv[i], "--shrink")) {
			shrink = true;
		} else if (!strcmp(argv[i], "--text")) {
			form = FORM_TEXT;
		} else if (!strcmp(argv[i], "--bytes")) {
			form = FORM_BYTES;
		} else if ((argv[i][0] == '-' && argv[i][1]) || file) {
			fprintf(stderr, "pagediff emit-c: unexpected argument '%s'\n", argv[i]);
			emit_c_help(stderr);
			return EXIT_BADINPUT;
		} else {
			file = argv[i];
		}
	}
	if (!file) {
		emit_c_help(stderr);
		return EXIT_BADINPUT;
	}
	if (!model_symbol(o.primary) || !model_symbol(o.reference)) {
		fprintf(stderr, "pagediff emit-c: only the built-in models impl and oracle\n");
		return EXIT_BADINPUT;
	}
	if (tool_load_trace(file, form, &in, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return EXIT_BADINPUT;
	}
	o.file = file;
	pd_trace_init(&shrunk);
	if (shrink) {
		struct pd_shrink_stats st;

		pd_trace_free(&shrunk);
		rc = pd_shrink(&in, &o, NULL, &shrunk, &st);
		if (rc == 1) {
			fprintf(stderr, "shrink: %u -> %u ops, %u runs, %s\n", st.ops_before,
				st.ops_after, st.runs, st.signature);
			t = &shrunk;
		}
	}
	o.expect = false;
	rc = pd_run(t, &o, &r);
	snprintf(sig, sizeof(sig), "%s", r.signature);
	div_op = r.div_op;
	if (rc == 2 && r.messages)
		fputs(r.messages, stderr);
	pd_run_result_free(&r);
	if (rc == 0) {
		fprintf(stderr, "pagediff emit-c: %s: no divergence (%s vs %s): nothing to emit\n",
			file, o.primary->name, o.reference->name);
	} else if (rc == 1) {
		emit_test(&b, t, div_op, sig, file, outfile, &o);
		if (tool_write_file(outfile, b.s, b.len, err, sizeof(err))) {
			fprintf(stderr, "pagediff emit-c: %s\n", err);
			rc = 2;
		} else if (outfile) {
			fprintf(stderr, "emit-c: %s: %s at op %d -> %s\n", file, sig, div_op, outfile);
		}
	}
	free(b.s);
	pd_trace_free(&shrunk);
	pd_trace_free(&in);
	return rc == 2 ? EXIT_BADINPUT : rc == 1 ? EXIT_DIVERGED : EXIT_CLEAN;
}
