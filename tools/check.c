// SPDX-License-Identifier: MIT
/*
 * check.c - `pagediff check`: spec traces.  Each file runs with its
 * expectations on every model pair available: oracle (record) vs oracle
 * (replay), and impl vs oracle when the impl is built.
 */
#include <stdio.h>
#include <string.h>

#include "tool.h"

static void check_help(FILE *out)
{
	fprintf(out,
		"usage: pagediff check [-q] FILE...\n"
		"\n"
		"For each FILE (a spec trace: always read as text) run the pairs oracle vs oracle%s,\n"
		"checking every expect line on both models of each pair and comparing the\n"
		"models after every op.  Prints one line per file:\n"
		"  PASS FILE (N ops, M model pairs)\n"
		"  FAIL FILE (...)     details on stderr\n"
		"  ERROR FILE: ...     the file could not be read or parsed\n"
		"  -q  print nothing for passing files\n"
		"\n"
		"Exit status: 0 all pass, 1 a divergence or failed expectation, 2 bad input.\n",
#ifdef PAGEDIFF_HAVE_IMPL
		" and impl vs oracle"
#else
		" (and impl vs oracle once impl/ is built)"
#endif
		);
}

/* Run one pair; returns the run status (0, 1, 2). */
static int run_pair(const struct pd_trace *t, const char *file,
		    const struct pd_model_ops *primary, const struct pd_model_ops *reference)
{
	struct pd_run_opts o;
	struct pd_run_result r;
	int rc;

	memset(&o, 0, sizeof(o));
	o.primary = primary;
	o.reference = reference;
	o.file = file;
	o.expect = true;
	rc = pd_run(t, &o, &r);
	if (rc) {
		fflush(stdout);
		fprintf(stderr, "--- %s: %s vs %s\n", file, primary->name, reference->name);
		if (r.messages)
			fputs(r.messages, stderr);
		if (r.report)
			fputs(r.report, stderr);
	}
	pd_run_result_free(&r);
	return rc;
}

static int check_file(const char *file, bool quiet)
{
	const struct pd_model_ops *oracle = pd_model_find("oracle");
	const struct pd_model_ops *pairs[2][2] = { { oracle, oracle }, { NULL, oracle } };
	unsigned npairs = 1, failed = 0;
	struct pd_trace t;
	char err[512];
	int worst = 0;

#ifdef PAGEDIFF_HAVE_IMPL
	pairs[1][0] = pd_model_find("impl");
	npairs = 2;
#endif
	if (tool_load_trace(file, FORM_TEXT, &t, err, sizeof(err))) {
		fflush(stdout);
		fprintf(stderr, "%s\n", err);
		printf("ERROR %s: bad input\n", file);
		return EXIT_BADINPUT;
	}
	for (unsigned i = 0; i < npairs; i++) {
		int rc = run_pair(&t, file, pairs[i][0], pairs[i][1]);

		if (rc)
			failed++;
		if (rc > worst)
			worst = rc;
	}
	fflush(stderr);
	if (worst == 2)
		printf("ERROR %s: could not run (see stderr)\n", file);
	else if (worst)
		printf("FAIL %s (%zu ops, %u of %u model pairs failed)\n", file, t.nops, failed,
		       npairs);
	else if (!quiet)
		printf("PASS %s (%zu ops, %u model pair%s)\n", file, t.nops, npairs,
		       npairs == 1 ? "" : "s");
	pd_trace_free(&t);
	return worst;
}

int cmd_check(int argc, char **argv)
{
	bool quiet = false;
	int worst = 0, nfiles = 0;

	for (int i = 1; i < argc; i++) {
		if (tool_is_help(argv[i])) {
			check_help(stdout);
			return EXIT_CLEAN;
		}
		if (!strcmp(argv[i], "-q")) {
			quiet = true;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "pagediff check: unknown option '%s'\n", argv[i]);
			check_help(stderr);
			return EXIT_BADINPUT;
		}
	}
	for (int i = 1; i < argc; i++) {
		int rc;

		if (!strcmp(argv[i], "-q"))
			continue;
		nfiles++;
		rc = check_file(argv[i], quiet);
		/* Bad input (2) outranks a failure (1). */
		if (rc > worst)
			worst = rc;
	}
	if (!nfiles) {
		check_help(stderr);
		return EXIT_BADINPUT;
	}
	return worst;
}
