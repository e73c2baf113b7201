// SPDX-License-Identifier: MIT
/* replay.c - `pagediff replay`: one trace, one model pair. */
#include <stdio.h>
#include <string.h>

#include "tool.h"

static void replay_help(FILE *out)
{
	fprintf(out,
		"usage: pagediff replay FILE [--primary NAME] [--reference NAME] [--no-expect]\n"
		"                      [--text | --bytes]\n"
		"\n"
		"Run FILE on the primary model (record mode: it chooses placements) and the\n"
		"reference (replay mode: it checks them), comparing results and the whole\n"
		"observable state after every op.  expect lines of a text trace are checked\n"
		"against both models unless --no-expect.  FILE is read as text if it is UTF-8\n"
		"text whose first line is a comment, config, expect or op line, else as bytes;\n"
		"--text or --bytes force a form.  FILE may be '-' (stdin).\n"
		"\n"
		"  --primary NAME     default: impl if built, else oracle\n"
		"  --reference NAME   default: oracle (must be able to replay)\n"
		"  models:");
	for (const struct pd_model_ops *const *m = pd_model_list(); *m; m++)
		fprintf(out, " %s", (*m)->name);
	fprintf(out, "\n\nExit status: 0 no divergence, 1 divergence or failed expectation (report\n"
		     "on stderr), 2 bad input or usage.\n");
}

static const struct pd_model_ops *model_arg(const char *name)
{
	const struct pd_model_ops *m = pd_model_find(name);

	if (!m)
		fprintf(stderr, "pagediff replay: unknown model '%s'\n", name);
	return m;
}

int cmd_replay(int argc, char **argv)
{
	struct pd_run_opts o;
	struct pd_run_result r;
	struct pd_trace t;
	enum tool_form form = FORM_DETECT;
	const char *file = NULL;
	char err[512];
	int rc;

	memset(&o, 0, sizeof(o));
	o.primary = pd_model_default_primary();
	o.reference = pd_model_find("oracle");
	o.expect = true;
	for (int i = 1; i < argc; i++) {
		if (tool_is_help(argv[i])) {
			replay_help(stdout);
			return EXIT_CLEAN;
		} else if (!strcmp(argv[i], "--primary") && i + 1 < argc) {
			if (!(o.primary = model_arg(argv[++i])))
				return EXIT_BADINPUT;
		} else if (!strcmp(argv[i], "--reference") && i + 1 < argc) {
			if (!(o.reference = model_arg(argv[++i])))
				return EXIT_BADINPUT;
		} else if (!strcmp(argv[i], "--no-expect")) {
			o.expect = false;
		} else if (!strcmp(argv[i], "--text")) {
			form = FORM_TEXT;
		} else if (!strcmp(argv[i], "--bytes")) {
			form = FORM_BYTES;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "pagediff replay: unknown option '%s'\n", argv[i]);
			replay_help(stderr);
			return EXIT_BADINPUT;
		} else if (!file) {
			file = argv[i];
		} else {
			fprintf(stderr, "pagediff replay: one FILE only\n");
			return EXIT_BADINPUT;
		}
	}
	if (!file) {
		replay_help(stderr);
		return EXIT_BADINPUT;
	}
	if (tool_load_trace(file, form, &t, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return EXIT_BADINPUT;
	}
	o.file = file;
	rc = pd_run(&t, &o, &r);
	if (r.messages)
		fputs(r.messages, stderr);
	if (r.report)
		fputs(r.report, stderr);
	if (rc == 0)
		printf("OK %s (%u ops: %u run, %u nohandle, %u skipped; %s vs %s)\n", file,
		       r.ops_total, r.ops_run, r.ops_nohandle, r.ops_skipped, o.primary->name,
		       o.reference->name);
	else if (rc == 1)
		fprintf(stderr, "FAIL %s%s%s\n", file, r.diverged ? ": " : "",
			r.diverged ? r.signature : "");
	pd_run_result_free(&r);
	pd_trace_free(&t);
	return rc == 0 ? EXIT_CLEAN : rc == 1 ? EXIT_DIVERGED : EXIT_BADINPUT;
}
