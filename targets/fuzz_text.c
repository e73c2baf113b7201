// SPDX-License-Identifier: MIT
/*
 * fuzz_text.c - fuzz the text-trace parser alone (no model runs).
 *
 * Any input must either be rejected with a well-formed message
 * ("FILE:LINE:COL: message") or parse; a parsed trace must print to a
 * canonical text that parses back to the same ops and prints identically,
 * and (ops only) must survive encode -> decode unchanged
 * (docs/trace-format.md, round trips).  A broken property aborts through
 * its own function, like the differential target.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pagediff/engine.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

__attribute__((noinline, noreturn)) void pd_crash_text_error_format(const char *msg);
__attribute__((noinline, noreturn)) void pd_crash_text_reparse(const char *msg);
__attribute__((noinline, noreturn)) void pd_crash_text_print(const char *msg);
__attribute__((noinline, noreturn)) void pd_crash_text_bytes(const char *msg);

void pd_crash_text_error_format(const char *msg)
{
	fprintf(stderr, "TEXT: error message not FILE:LINE:COL: message: %s\n", msg);
	abort();
}

void pd_crash_text_reparse(const char *msg)
{
	fprintf(stderr, "TEXT: canonical print does not parse back: %s\n", msg);
	abort();
}

void pd_crash_text_print(const char *msg)
{
	fprintf(stderr, "TEXT: canonical print is not a fixed point: %s\n", msg);
	abort();
}

void pd_crash_text_bytes(const char *msg)
{
	fprintf(stderr, "TEXT: encode -> decode changed the ops: %s\n", msg);
	abort();
}

/* "in:LINE:COL: " with LINE, COL >= 1 */
static bool well_formed(const char *err)
{
	const char *p = err;
	unsigned long line, col;
	char *end;

	if (strncmp(p, "in:", 3))
		return false;
	line = strtoul(p + 3, &end, 10);
	if (end == p + 3 || *end != ':' || !line)
		return false;
	p = end + 1;
	col = strtoul(p, &end, 10);
	return end != p && *end == ':' && end[1] == ' ' && end[2] && col;
}

static void check_bytes(const struct pd_trace *t)
{
	struct pd_trace back;
	uint8_t *b;
	size_t n;
	char err[256];

	if (pd_trace_encode(t, &b, &n, err, sizeof(err)))
		pd_crash_text_bytes(err);
	pd_trace_decode(b, n, &back);
	if (!pd_trace_ops_equal(t, &back))
		pd_crash_text_bytes("ops differ");
	pd_trace_free(&back);
	free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pd_trace t, t2;
	char err[512];
	char *p1, *p2;

	if (pd_trace_parse((const char *)data, size, "in", &t, err, sizeof(err))) {
		if (!well_formed(err))
			pd_crash_text_error_format(err);
		return 0;
	}
	p1 = pd_trace_print(&t, 0);
	if (pd_trace_parse(p1, strlen(p1), "in", &t2, err, sizeof(err)))
		pd_crash_text_reparse(err);
	p2 = pd_trace_print(&t2, 0);
	if (strcmp(p1, p2))
		pd_crash_text_print("print(parse(print(T))) != print(T)");
	if (!pd_trace_ops_equal(&t, &t2))
		pd_crash_text_reparse("ops differ");
	check_bytes(&t);
	free(p1);
	free(p2);
	pd_trace_free(&t);
	pd_trace_free(&t2);
	return 0;
}
