// SPDX-License-Identifier: MIT
/*
 * test_trace_fuzz.c - the text parser on 5,000 mutated traces from a
 * fixed-seed PRNG: it never crashes (ASan on); a rejected input gets one
 * "t.trace:LINE:COL: message" with LINE and COL inside the input; an
 * accepted one prints canonically, and the canonical text parses back to
 * the same trace and prints identically.
 */
#include <stdlib.h>
#include <string.h>

#include <pagediff/engine.h>

#include "test.h"

#define ITERATIONS 5000

static const char seed_text[] =
	"# seed\n"
	"config frames=64 max_order=3 granules=4 slots=8 tagstore=strict\n"
	"p0 = spawn\n"
	"a0 = alloc cpu=1 order=2 zero\n"
	"mmap p0 vpage=0 pages=4 mte\n"
	"write p0 vpage=0 value=0x10 granule=1 tag=3\n"
	"expect result ok\n"
	"settag p0 vpage=1 granule=2 tag=5\n"
	"p1 = fork p0\n"
	"k0 = pin p1 vpage=0 write\n"
	"r0 = get p0 vpage=1\n"
	"swapout p0 vpage=2 keep  # c\n"
	"expect page p0 vpage=0 kind=head ae=0 mc=2 rc=2 content=0x10 tags=0300 tag.1=3\n"
	"expect slot p0 vpage=2 inuse=1 count=1 content=undefined\n"
	"expect pte p1 vpage=0 kind=present writable=1 frame=4\n"
	"pin_write k0 value=0xffff\n"
	"unpin k0\n"
	"ref_read r0\n"
	"put r0\n"
	"free a0 nolock\n"
	"zone_lock cpu=1\n"
	"tagstore_pin block=7\n"
	"expect tagblock 7 pins=1\n"
	"expect unit 3 accepted=1 times=1\n"
	"expect totals free=50 procs=2\n"
	"exit p1\n";

/* splitmix64 */
static uint64_t next_rand(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static const char alphabet[] = "0123456789xabfpkr=. #\n\t\r\x01\xff-_";

/* A few random edits: replace, insert, delete, truncate, duplicate a line. */
static size_t mutate(char *buf, size_t n, size_t cap, uint64_t *s)
{
	unsigned edits = 1 + (unsigned)(next_rand(s) % 4);

	for (unsigned e = 0; e < edits && n; e++) {
		size_t at = (size_t)(next_rand(s) % n);

		switch (next_rand(s) % 5) {
		case 0:
			buf[at] = alphabet[next_rand(s) % (sizeof(alphabet) - 1)];
			break;
		case 1:
			if (n < cap) {
				memmove(buf + at + 1, buf + at, n - at);
				buf[at] = alphabet[next_rand(s) % (sizeof(alphabet) - 1)];
				n++;
			}
			break;
		case 2:
			memmove(buf + at, buf + at + 1, n - at - 1);
			n--;
			break;
		case 3:
			n = at;
			break;
		default: {
			/* Copy the line at `at` to the end (names repeat, configs duplicate). */
			size_t b = at, l;

			while (b && buf[b - 1] != '\n')
				b--;
			for (l = 0; b + l < n && buf[b + l] != '\n'; l++)
				;
			if (n + l + 1 <= cap) {
				memcpy(buf + n, buf + b, l);
				buf[n + l] = '\n';
				n += l + 1;
			}
			break;
		}
		}
	}
	return n;
}

static bool check_error(const char *err, const char *buf, size_t n, size_t it)
{
	unsigned line, col, lines = 1, maxcol = 0, cur = 0;
	int used = 0;

	for (size_t i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			lines++;
			cur = 0;
		} else if (++cur > maxcol) {
			maxcol = cur;
		}
	}
	ASSERTF(sscanf(err, "t.trace:%u:%u: %n", &line, &col, &used) == 2 && used > 0,
		"iter %zu: malformed error '%s'", it, err);
	ASSERTF(line >= 1 && line <= lines && col >= 1 && col <= maxcol + 1,
		"iter %zu: position out of the input: '%s'", it, err);
	ASSERTF(err[used] != 0, "iter %zu: empty message", it);
	return true;
}

static bool test_mutated_text(void)
{
	uint64_t seed = 7;
	size_t cap = sizeof(seed_text) * 2, accepted = 0, rejected = 0;
	char *buf = malloc(cap);

	for (size_t it = 0; it < ITERATIONS; it++) {
		size_t n = sizeof(seed_text) - 1;
		struct pd_trace t, t2;
		char err[256] = "";
		char *p1, *p2;

		memcpy(buf, seed_text, n);
		n = mutate(buf, n, cap, &seed);
		if (pd_trace_parse(buf, n, "t.trace", &t, err, sizeof(err))) {
			rejected++;
			if (!check_error(err, buf, n, it))
				goto fail;
			continue;
		}
		accepted++;
		p1 = pd_trace_print(&t, 0);
		if (pd_trace_parse(p1, strlen(p1), "t.trace", &t2, err, sizeof(err))) {
			fprintf(stderr, "iter %zu: canonical text rejected: %s\n%s", it, err, p1);
			free(p1);
			pd_trace_free(&t);
			goto fail;
		}
		p2 = pd_trace_print(&t2, 0);
		if (strcmp(p1, p2) || !pd_trace_ops_equal(&t, &t2) || t.nexpects != t2.nexpects) {
			fprintf(stderr, "iter %zu: print(parse(print(T))) != print(T)\n%s---\n%s", it, p1,
				p2);
			free(p1);
			free(p2);
			pd_trace_free(&t);
			pd_trace_free(&t2);
			goto fail;
		}
		free(p1);
		free(p2);
		pd_trace_free(&t);
		pd_trace_free(&t2);
	}
	free(buf);
	printf("%zu accepted, %zu rejected\n", accepted, rejected);
	/* The mutator must produce both kinds, or the test checks little. */
	ASSERTF(accepted > ITERATIONS / 20 && rejected > ITERATIONS / 4,
		"accepted %zu rejected %zu", accepted, rejected);
	return true;
fail:
	free(buf);
	return false;
}

int main(void)
{
	static const struct test tests[] = {
		TEST(test_mutated_text),
	};

	return RUN_TESTS(tests);
}
