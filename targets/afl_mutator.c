// SPDX-License-Identifier: MIT
/*
 * afl_mutator.c - the op-aware mutator (mutator.c) as an AFL++ custom
 * mutator library:
 *
 *   AFL_CUSTOM_MUTATOR_LIBRARY=build/afl/targets/libpagediff_afl_mutator.so afl-fuzz ...
 *
 * afl-fuzz calls afl_custom_fuzz() once per mutant in its custom stage,
 * with the current test case and, as add_buf, another queue entry to
 * splice from.  Everything else (havoc, splicing, trimming) stays AFL++'s
 * own unless AFL_CUSTOM_MUTATOR_ONLY=1.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_target.h"

struct pd_afl {
	struct pd_rng      rng;
	struct pd_fuzz_cap cap;
	uint8_t           *buf;
	size_t             cap_bytes;
};

void *afl_custom_init(void *afl, unsigned int seed);
size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size, uint8_t **out_buf,
		       uint8_t *add_buf, size_t add_buf_size, size_t max_size);
void afl_custom_deinit(void *data);

void *afl_custom_init(void *afl, unsigned int seed)
{
	struct pd_afl *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->rng.s = seed;
	pd_fuzz_cap_init(&m->cap);
	return m;
}

size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size, uint8_t **out_buf,
		       uint8_t *add_buf, size_t add_buf_size, size_t max_size)
{
	struct pd_afl *m = data;
	/* Room for the input plus a few inserted ops, within max_size. */
	size_t want = buf_size + 64 * PD_FUZZ_OP_MAX_BYTES;

	if (want < PD_BYTES_HEADER + 64)
		want = PD_BYTES_HEADER + 64;
	if (want > max_size)
		want = max_size;
	if (want > m->cap_bytes) {
		uint8_t *nb = realloc(m->buf, want);

		if (!nb) {
			*out_buf = buf;
			return buf_size;
		}
		m->buf = nb;
		m->cap_bytes = want;
	}
	if (buf_size > want)
		buf_size = want;
	memcpy(m->buf, buf, buf_size);
	*out_buf = m->buf;
	return pd_mutate(m->buf, buf_size, want, &m->rng, &m->cap, add_buf, add_buf_size, NULL);
}

void afl_custom_deinit(void *data)
{
	struct pd_afl *m = data;

	free(m->buf);
	free(m);
}
