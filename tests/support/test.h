/* SPDX-License-Identifier: MIT */
/*
 * test.h - a tiny test harness in the style of the kernel's userspace
 * test harnesses: `static bool test_x(void)` functions, registered in a
 * table with TEST(), asserts that print file:line:function and the
 * failing expression, and a runner that ends with "N run, P passed, F failed".
 */
#ifndef PAGEDIFF_TEST_H
#define PAGEDIFF_TEST_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define ASSERT(cond) do {                                                        \
		if (!(cond)) {                                                   \
			fprintf(stderr, "%s:%d: %s: assertion failed: %s\n",     \
				__FILE__, __LINE__, __func__, #cond);             \
			return false;                                            \
		}                                                                \
	} while (0)

/* ASSERT with a printf-style explanation. */
#define ASSERTF(cond, ...) do {                                                  \
		if (!(cond)) {                                                   \
			fprintf(stderr, "%s:%d: %s: assertion failed: %s: ",     \
				__FILE__, __LINE__, __func__, #cond);             \
			fprintf(stderr, __VA_ARGS__);                            \
			fputc('\n', stderr);                                     \
			return false;                                            \
		}                                                                \
	} while (0)

#define ASSERT_STREQ(a, b) ASSERTF(strcmp((a), (b)) == 0, "\n  got:      \"%s\"\n  expected: \"%s\"", (a), (b))

struct test {
	const char *name;
	bool (*fn)(void);
};

#define TEST(f) { #f, f }

static inline int run_tests(const struct test *tests, size_t n)
{
	unsigned passed = 0;

	for (size_t i = 0; i < n; i++) {
		bool ok = tests[i].fn();

		printf("%s %s\n", ok ? "PASS" : "FAIL", tests[i].name);
		passed += ok;
	}
	printf("%zu run, %u passed, %zu failed\n", n, passed, n - passed);
	return passed == n ? 0 : 1;
}

#define RUN_TESTS(arr) run_tests(arr, sizeof(arr) / sizeof((arr)[0]))

#endif
