// SPDX-License-Identifier: MIT
/*
 * shrink.c - `pagediff shrink`: a diverging trace made small (pd_shrink()),
 * printed as canonical text with a comment header.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tool.h"

static void shrink_help(FILE *out)
{
	fprintf(out,
		"usage: pagediff shrink IN [-o OUT] [--primary NAME] [--reference NAME]\n"
		"                      [--text | --bytes] [--max-runs N] [--keep-config] [-q]\n"
		"\n"
		"Shrink IN (a trace, text or bytes, that diverges) while it keeps diverging with\n"
		"the same signature: drop chunks of ops and single ops (ops that use a name\n"
		"whose creating op went are dropped with it), fewer processes, lower arguments\n"
		"(orders, cpus, values, pages, ...), then a smaller config (frames, cpus, slots,\n"
		"vpages, granules; other keys back to their defaults).  Expectations are\n"
		"ignored.  The result is canonical text with a comment header (sizes and\n"
		"signature), printed to stdout and, with -o, written atomically to OUT.\n"
		"Statistics go to stderr.\n"
		"\n"
		"  --primary NAME     default: impl if built, else oracle\n"
		"  --reference NAME   default: oracle\n"
		"  --max-runs N       stop after N runs of the pair (default 200000)\n"
		"  --keep-config      do not reduce the config\n"
		"  -q                 do not print the trace to stdout\n"
		"\n"
		"Exit status: 1 IN diverges (shrunk and written), 0 IN does not diverge\n"
		"(nothing written), 2 bad input or usage.\n");
}

double tool_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

char *tool_shrunk_text(const struct pd_trace *t, const char *header)
{
	char *body = pd_trace_print(t, PD_PRINT_OPS_ONLY);
	size_t hl = strlen(header), bl = strlen(body);
	char *s = malloc(hl + bl + 1);

	if (!s) {
		fprintf(stderr, "pagediff: out of memory\n");
		abort();
	}
	memcpy(s, header, hl);
	memcpy(s + hl, body, bl + 1);
	free(body);
	return s;
}

int tool_model_arg(const char *cmd, const char *name, const struct pd_model_ops **m)
{
	*m = pd_model_find(name);
	if (!*m) {
		fprintf(stderr, "pagediff %s: unknown model '%s'\n", cmd, name);
		return -1;
	}
	return 0;
}

int cmd_shrink(int argc, char **argv)
{
	struct pd_shrink_opts so = { 0 };
	struct pd_shrink_stats st;
	struct pd_run_opts o;
	struct pd_trace in, out;
	enum tool_form form = FORM_DETECT;
	const char *file = NULL, *outfile = NULL;
	bool quiet = false;
	char err[512], header[1024], *text;
	double t0;
	int rc;

	memset(&o, 0, sizeof(o));
	o.primary = pd_model_default_primary();
	o.reference = pd_model_find("oracle");
	for (int i = 1; i < argc; i++) {
		if (tool_is_help(argv[i])) {
			shrink_help(stdout);
			return EXIT_CLEAN;
		} else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			outfile = argv[++i];
		} else if (!strcmp(argv[i], "--primary") && i + 1 < argc) {
			if (tool_model_arg("shrink", argv[++i], &o.primary))
				return EXIT_BADINPUT;
		} else if (!strcmp(argv[i], "--reference") && i + 1 < argc) {
			if (tool_model_arg("shrink", argv[++i], &o.reference))
				return EXIT_BADINPUT;
		} else if (!strcmp(argv[i], "--max-runs") && i + 1 < argc) {
			char *end;
			unsigned long v = strtoul(argv[++i], &end, 10);

			if (*end || !v || v > 100000000ul) {
				fprintf(stderr, "pagediff shrink: bad --max-runs '%s'\n", argv[i]);
				return EXIT_BADINPUT;
			}
			so.max_runs = (unsigned)v;
		} else if (!strcmp(argv[i], "--keep-config")) {
			so.keep_config = true;
		} else if (!strcmp(argv[i], "-q")) {
			quiet = true;
		} else if (!strcmp(argv[i], "--text")) {
			form = FORM_TEXT;
		} else if (!strcmp(argv[i], "--bytes")) {
			form = FORM_BYTES;
		} else if ((argv[i][0] == '-' && argv[i][1]) || file) {
			fprintf(stderr, "pagediff shrink: unexpected argument '%s'\n", argv[i]);
			shrink_help(stderr);
			return EXIT_BADINPUT;
		} else {
			file = argv[i];
		}
	}
	if (!file) {
		shrink_help(stderr);
		return EXIT_BADINPUT;
	}
	if (tool_load_trace(file, form, &in, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return EXIT_BADINPUT;
	}
	o.file = file;
	t0 = tool_seconds();
	rc = pd_shrink(&in, &o, &so, &out, &st);
	if (rc == 2) {
		fprintf(stderr, "%s", st.message);
		fprintf(stderr, "pagediff shrink: %s: cannot run\n", file);
	} else if (rc == 0) {
		fprintf(stderr, "pagediff shrink: %s: no divergence (%s vs %s, %u ops): nothing to shrink\n",
			file, o.primary->name, o.reference->name, st.ops_before);
	} else {
		snprintf(header, sizeof(header),
			 "# shrunk by pagediff shrink from %s: %u ops -> %u ops\n"
			 "# signature: %s (%s vs %s), at the last op\n",
			 file, st.ops_before, st.ops_after, st.signature, o.primary->name,
			 o.reference->name);
		text = tool_shrunk_text(&out, header);
		fprintf(stderr, "shrink: %u -> %u ops, %u runs, %.2f s%s, %s\n", st.ops_before,
			st.ops_after, st.runs, tool_seconds() - t0,
			st.limited ? " (stopped at --max-runs)" : "", st.signature);
		if (!quiet)
			fputs(text, stdout);
		if (outfile && tool_write_file(outfile, text, strlen(text), err, sizeof(err))) {
			fprintf(stderr, "pagediff shrink: %s\n", err);
			rc = 2;
		}
		free(text);
	}
	pd_trace_free(&out);
	pd_trace_free(&in);
	return rc == 2 ? EXIT_BADINPUT : rc == 1 ? EXIT_DIVERGED : EXIT_CLEAN;
}
