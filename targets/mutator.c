// SPDX-License-Identifier: MIT
/*
 * mutator.c - op-aware mutation of byte-form inputs.
 *
 * A byte-level mutator flips a bit in an opcode and every op after it is
 * read from the wrong offset: the mutant is a different, mostly
 * meaningless trace.  Here the input is split at op boundaries first
 * (fuzz.h: an op's length follows from its opcode byte alone), and edits
 * work on whole ops: insert fresh ones, delete, duplicate, swap, replace,
 * splice from another input, or change one argument byte.  The rest of
 * the trace keeps its meaning, so most mutants stay close to their
 * parent: the names an op uses are indices into the live names (bytes.c),
 * which an earlier insertion or deletion shifts only a little.
 *
 * Built three ways: into the libFuzzer target with the LLVMFuzzer hooks
 * (PD_MUTATOR_LIBFUZZER), into the AFL++ custom-mutator library
 * (afl_mutator.c), and into the mutator's unit test.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_target.h"

#define MAX_SPANS (PD_FUZZ_CAP_OPS * 4)

/* Scratch for the result; inputs are at most a few KiB. */
struct mbuf {
	uint8_t *b;
	size_t   len, max;
};

static bool mb_insert(struct mbuf *m, size_t pos, const uint8_t *src, size_t n)
{
	if (m->len + n > m->max)
		return false;
	memmove(m->b + pos + n, m->b + pos, m->len - pos);
	memcpy(m->b + pos, src, n);
	m->len += n;
	return true;
}

static void mb_delete(struct mbuf *m, size_t pos, size_t n)
{
	memmove(m->b + pos, m->b + pos + n, m->len - pos - n);
	m->len -= n;
}

/* Offset of the boundary before op i (i == nops: the end). */
static size_t boundary(const struct mbuf *m, const struct pd_span *sp, size_t nops, size_t i)
{
	return i < nops ? sp[i].off : m->len;
}

/* ---- the edits; each returns false if it could not apply ---- */

static bool m_insert(struct mbuf *m, struct pd_span *sp, size_t nops, struct pd_rng *r)
{
	size_t pos = boundary(m, sp, nops, pd_rng_below(r, (uint32_t)nops + 1));
	unsigned k = 1 + pd_rng_below(r, 3);
	uint8_t op[PD_FUZZ_OP_MAX_BYTES];
	bool done = false;

	while (k--) {
		unsigned n = pd_fuzz_gen_op(r, op);

		if (!mb_insert(m, pos, op, n))
			break;
		pos += n;
		done = true;
	}
	return done;
}

static bool m_delete(struct mbuf *m, struct pd_span *sp, size_t nops, struct pd_rng *r)
{
	size_t i, k;

	if (!nops)
		return false;
	i = pd_rng_below(r, (uint32_t)nops);
	k = 1 + pd_rng_below(r, (uint32_t)(nops - i < 4 ? nops - i : 4));
	mb_delete(m, sp[i].off, boundary(m, sp, nops, i + k) - sp[i].off);
	return true;
}

static bool m_duplicate(struct mbuf *m, struct pd_span *sp, size_t nops, struct pd_rng *r)
{
	uint8_t tmp[8 * PD_FUZZ_OP_MAX_BYTES];
	size_t i, k, from, n, to;

	if (!nops)
		return false;
	i = pd_rng_below(r, (uint32_t)nops);
	k = 1 + pd_rng_below(r, (uint32_t)(nops - i < 8 ? nops - i : 8));
	from = sp[i].off;
	n = boundary(m, sp, nops, i + k) - from;
	memcpy(tmp, m->b + from, n);
	/* Right after the run (a loop body repeated) or anywhere. */
	to = pd_rng_below(r, 2) ? from + n : boundary(m, sp, nops, pd_rng_below(r, (uint32_t)nops + 1));
	return mb_insert(m, to, tmp, n);
}

static bool m_swap(struct mbuf *m, struct pd_span *sp, size_t nops, struct pd_rng *r)
{
	uint8_t a[PD_FUZZ_OP_MAX_BYTES], b[PD_FUZZ_OP_MAX_BYTES];
	size_t i, j, la, lb;

	if (nops < 2)
		return false;
	i = pd_rng_below(r, (uint32_t)nops - 1);
	/* Mostly neighbours: reordering two adjacent ops is the common bug. */
	j = pd_rng_below(r, 2) ? i + 1 : i + 1 + pd_rng_below(r, (uint32_t)(nops - i - 1));
	la = sp[i].len;
	lb = sp[j].len;
	if (m->len - lb + la > m->max)
		return false;
	memcpy(a, m->b + sp[i].off, la);
	memcpy(b, m->b + sp[j].off, lb);
	/* Remove j first so i's offset stays valid; then put each in the other's place. */
	mb_delete(m, sp[j].off, lb);
	mb_insert(m, sp[j].off, a, la);
	mb_delete(m, sp[i].off, la);
	mb_insert(m, sp[i].off, b, lb);
	return true;
}

static bool m_replace(struct mbuf *m, struct pd_span *sp, size_t nops, struct pd_rng *r)
{
	uint8_t op[PD_FUZZ_OP_MAX_BYTES];
	size_t i;
	unsigned n;

	if (!nops)
		return false;
	i = pd_rng_below(r, (uint32_t)nops);
	n = pd_fuzz_gen_op(r, op);
	if (m->len - sp[i].len + n > m->max)
		return false;
	mb_delete(m, sp[i].off, sp[i].len);
	return mb_insert(m, sp[i].off, op, n);
}

/* One argument byte (never the opcode: that would shift every later op). */
static bool m_arg(struct mbuf *m, struct pd_span *sp, size_t nops, struct pd_rng *r)
{
	size_t i, at;
	uint8_t *p;

	for (unsigned tries = 0; tries < 4 && nops; tries++) {
		i = pd_rng_below(r, (uint32_t)nops);
		if (sp[i].len < 2)
			continue;
		at = sp[i].off + 1 + pd_rng_below(r, sp[i].len - 1);
		p = &m->b[at];
		switch (pd_rng_below(r, 6)) {
		case 0:  *p = (uint8_t)(*p + 1); break;
		case 1:  *p = (uint8_t)(*p - 1); break;
		case 2:  *p = (uint8_t)pd_rng_below(r, 4); break;
		case 3:  *p ^= (uint8_t)(1u << pd_rng_below(r, 8)); break;
		default: *p = (uint8_t)pd_rng_next(r); break;
		}
		return true;
	}
	return false;
}

/* A config field; the clamp afterwards keeps it within the cap. */
static bool m_header(struct mbuf *m, struct pd_rng *r)
{
	unsigned f = PD_HDR_FRAMES + pd_rng_below(r, PD_HDR_OPTS - PD_HDR_FRAMES + 1);

	m->b[f] = pd_rng_below(r, 2) ? (uint8_t)pd_rng_next(r) : (uint8_t)(m->b[f] + 1);
	return true;
}

/* A run of the other input's ops, inserted at a boundary. */
static bool m_splice(struct mbuf *m, struct pd_span *sp, size_t nops, struct pd_rng *r,
		     const uint8_t *other, size_t other_size)
{
	static struct pd_span osp[MAX_SPANS];
	size_t on, i, k, from, n;

	if (!other || other_size <= PD_BYTES_HEADER)
		return false;
	on = pd_fuzz_split(other, other_size, osp, MAX_SPANS);
	if (on > MAX_SPANS)
		on = MAX_SPANS;
	if (!on)
		return false;
	i = pd_rng_below(r, (uint32_t)on);
	k = 1 + pd_rng_below(r, (uint32_t)(on - i < 16 ? on - i : 16));
	from = osp[i].off;
	n = (i + k < on ? osp[i + k].off : other_size) - from;
	if (m->len + n > m->max)
		n = m->max - m->len;
	return n && mb_insert(m, boundary(m, sp, nops, pd_rng_below(r, (uint32_t)nops + 1)),
			      other + from, n);
}

/* Drop ops past the cap's op count, so the input is not rejected. */
static void trim_ops(struct mbuf *m, const struct pd_fuzz_cap *cap, struct pd_span *sp)
{
	size_t nops = pd_fuzz_split(m->b, m->len, sp, MAX_SPANS);

	if (nops > cap->ops && cap->ops < MAX_SPANS)
		m->len = sp[cap->ops].off;
}

/* A fresh header (and a first op) for an input too short to have one. */
static void fresh(struct mbuf *m, struct pd_rng *r, const struct pd_fuzz_cap *cap)
{
	uint8_t hdr[PD_BYTES_HEADER];

	pd_fuzz_gen_header(r, cap, 0, hdr);
	m->len = 0;
	mb_insert(m, 0, hdr, sizeof(hdr));
}

size_t pd_mutate(uint8_t *data, size_t size, size_t max_size, struct pd_rng *r,
		 const struct pd_fuzz_cap *cap, const uint8_t *other, size_t other_size,
		 pd_byte_mutator *bytes)
{
	static struct pd_span sp[MAX_SPANS];
	struct mbuf m = { data, size < max_size ? size : max_size, max_size };
	unsigned rounds = 1 + (pd_rng_below(r, 4) ? 0 : pd_rng_below(r, 4));
	size_t nops;

	if (max_size < PD_BYTES_HEADER)
		return bytes ? bytes(data, size, max_size) : m.len;
	if (m.len < PD_BYTES_HEADER) {
		fresh(&m, r, cap);
		m_insert(&m, sp, 0, r);
	}
	for (unsigned k = 0; k < rounds; k++) {
		bool ok = false;

		nops = pd_fuzz_split(m.b, m.len, sp, MAX_SPANS);
		if (nops > MAX_SPANS)
			nops = MAX_SPANS;
		while (!ok) {
			unsigned x = pd_rng_below(r, 100);

			if (x < 22)
				ok = m_insert(&m, sp, nops, r);
			else if (x < 37)
				ok = m_delete(&m, sp, nops, r);
			else if (x < 45)
				ok = m_duplicate(&m, sp, nops, r);
			else if (x < 53)
				ok = m_swap(&m, sp, nops, r);
			else if (x < 61)
				ok = m_replace(&m, sp, nops, r);
			else if (x < 86)
				ok = m_arg(&m, sp, nops, r);
			else if (x < 90)
				ok = m_header(&m, r);
			else if (x < 96)
				ok = m_splice(&m, sp, nops, r, other, other_size);
			else if (bytes && m.len > PD_BYTES_HEADER)
				/* Byte-level now and then: it applies the dictionary. */
				ok = (m.len = PD_BYTES_HEADER +
					      bytes(m.b + PD_BYTES_HEADER, m.len - PD_BYTES_HEADER,
						    m.max - PD_BYTES_HEADER)) >= PD_BYTES_HEADER;
			else
				ok = m_insert(&m, sp, nops, r);
		}
	}
	pd_fuzz_clamp_header(m.b, cap);
	trim_ops(&m, cap, sp);
	return m.len;
}

size_t pd_crossover(const uint8_t *a, size_t na, const uint8_t *b, size_t nb,
		    uint8_t *out, size_t max_out, struct pd_rng *r,
		    const struct pd_fuzz_cap *cap)
{
	static struct pd_span sa[MAX_SPANS], sb[MAX_SPANS];
	size_t ca, cb, i, j, n = 0, take;

	if (na < PD_BYTES_HEADER || nb < PD_BYTES_HEADER || max_out < PD_BYTES_HEADER) {
		n = na < max_out ? na : max_out;
		memcpy(out, a, n);
		return n;
	}
	ca = pd_fuzz_split(a, na, sa, MAX_SPANS);
	cb = pd_fuzz_split(b, nb, sb, MAX_SPANS);
	ca = ca < MAX_SPANS ? ca : MAX_SPANS;
	cb = cb < MAX_SPANS ? cb : MAX_SPANS;
	/*
	 * a's config mostly: the ops were found under it, and a new config
	 * costs the pool two new models (at 65,536 frames, the time of tens
	 * of executions).  Config edits are m_header()'s.
	 */
	memcpy(out, pd_rng_below(r, 32) ? a : b, PD_BYTES_HEADER);
	n = PD_BYTES_HEADER;
	i = pd_rng_below(r, (uint32_t)ca + 1);
	j = pd_rng_below(r, (uint32_t)cb + 1);
	/* a's head ... */
	take = (i < ca ? sa[i].off : na) - PD_BYTES_HEADER;
	take = take < max_out - n ? take : max_out - n;
	memcpy(out + n, a + PD_BYTES_HEADER, take);
	n += take;
	/* ... then b's tail from op j ... */
	take = j < cb ? nb - sb[j].off : 0;
	take = take < max_out - n ? take : max_out - n;
	if (take)
		memcpy(out + n, b + sb[j].off, take);
	n += take;
	/* ... and, half the time, a's tail after that (an insertion). */
	if (pd_rng_below(r, 2) && i < ca) {
		take = na - sa[i].off;
		take = take < max_out - n ? take : max_out - n;
		memcpy(out + n, a + sa[i].off, take);
		n += take;
	}
	{
		struct mbuf m = { out, n, max_out };

		pd_fuzz_clamp_header(out, cap);
		trim_ops(&m, cap, sa);
		n = m.len;
	}
	return n;
}

#ifdef PD_MUTATOR_LIBFUZZER
/* ---- libFuzzer hooks ---- */

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);
size_t LLVMFuzzerCustomCrossOver(const uint8_t *d1, size_t s1, const uint8_t *d2, size_t s2,
				 uint8_t *out, size_t max_out, unsigned int seed);

static struct pd_fuzz_cap mut_cap;
static int mut_mode = -1;  /* 1 op-aware (default), 0 libFuzzer's own only */

static void mut_init(void)
{
	const char *e = getenv("PAGEDIFF_FUZZ_MUTATOR");

	pd_fuzz_cap_init(&mut_cap);
	mut_mode = !(e && !strcmp(e, "0"));
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	struct pd_rng r = { seed };

	if (mut_mode < 0)
		mut_init();
	if (!mut_mode) {
		/* libFuzzer's own mutations only (PAGEDIFF_FUZZ_MUTATOR=0). */
		return LLVMFuzzerMutate(data, size, max_size);
	}
	if (seed % 16 == 0 && size > PD_BYTES_HEADER && max_size > PD_BYTES_HEADER) {
		/*
		 * libFuzzer's own mutations (and dictionary) on the ops; the
		 * config is left to m_header(), so that a byte flip does not
		 * make a new config (two new models) by accident.
		 */
		return PD_BYTES_HEADER + LLVMFuzzerMutate(data + PD_BYTES_HEADER, size - PD_BYTES_HEADER,
							  max_size - PD_BYTES_HEADER);
	}
	return pd_mutate(data, size, max_size, &r, &mut_cap, NULL, 0, LLVMFuzzerMutate);
}

size_t LLVMFuzzerCustomCrossOver(const uint8_t *d1, size_t s1, const uint8_t *d2, size_t s2,
				 uint8_t *out, size_t max_out, unsigned int seed)
{
	struct pd_rng r = { seed };

	if (mut_mode < 0)
		mut_init();
	return pd_crossover(d1, s1, d2, s2, out, max_out, &r, &mut_cap);
}
#endif
