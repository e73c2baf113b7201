// SPDX-License-Identifier: MIT
/*
 * triage.c - `pagediff triage`: a folder of crash files grouped by
 * divergence signature, one file per group shrunk and written as a
 * regression candidate <out>/<signature as a file name>.trace.
 *
 * The date in a candidate's header comes from --date, else
 * SOURCE_DATE_EPOCH, else the clock; the engine never reads a clock.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "tool.h"

static void triage_help(FILE *out)
{
	fprintf(out,
		"usage: pagediff triage DIR [--out DIR] [--date DATE] [--primary NAME]\n"
		"                      [--reference NAME] [--max-runs N] [--force]\n"
		"\n"
		"Run every file in DIR (crash files, text or bytes; names starting with '.'\n"
		"are skipped) on the model pair and group the diverging ones by signature.\n"
		"For each group, shrink its smallest file (as `pagediff shrink`) and write\n"
		"the result, with a comment header (signature, date, the file it came from,\n"
		"the group's size), atomically to <out>/<signature>.trace, the signature's\n"
		"characters outside [A-Za-z0-9._-] replaced by '_'.  An existing candidate\n"
		"is kept unless --force.  Prints one line per group: signature, files, ops\n"
		"of the file shrunk, ops after shrinking, the candidate.\n"
		"\n"
		"  --out DIR          default: corpus/regressions (created if missing)\n"
		"  --date DATE        for the header; default: SOURCE_DATE_EPOCH, else today\n"
		"                     (UTC, YYYY-MM-DD)\n"
		"  --primary NAME     default: impl if built, else oracle\n"
		"  --reference NAME   default: oracle\n"
		"  --max-runs N       per shrink (default 200000)\n"
		"  --force            overwrite existing candidates\n"
		"\n"
		"Exit status: 1 some file diverged, 0 none did, 2 a file could not be read or\n"
		"run, or bad usage (bad input outranks a divergence).\n");
}

struct crash {
	char    *name;       /* file name within DIR */
	unsigned nops;
	int      group;      /* index into groups, or -1 */
};

struct group {
	char     sig[128];
	unsigned count;
	size_t   rep;        /* the crash shrunk: fewest ops, then first by name */
	unsigned shrunk_ops;
	char    *path;       /* the candidate */
	const char *what;    /* "written", "exists", "failed" */
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_group(const void *a, const void *b)
{
	return strcmp(((const struct group *)a)->sig, ((const struct group *)b)->sig);
}

static char *path_join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = malloc(n);

	if (!p) {
		fprintf(stderr, "pagediff: out of memory\n");
		abort();
	}
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

/* Regular files of dir, sorted by name; -1 on error (message printed). */
static int list_dir(const char *dir, char ***names, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t cap = 0;

	*names = NULL;
	*n = 0;
	if (!d) {
		fprintf(stderr, "pagediff triage: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		struct stat sb;
		char *p;

		if (e->d_name[0] == '.')
			continue;
		p = path_join(dir, e->d_name);
		if (stat(p, &sb) || !S_ISREG(sb.st_mode)) {
			free(p);
			continue;
		}
		free(p);
		if (*n == cap) {
			cap = cap ? 2 * cap : 64;
			*names = realloc(*names, cap * sizeof(**names));
			if (!*names) {
				fprintf(stderr, "pagediff: out of memory\n");
				abort();
			}
		}
		(*names)[(*n)++] = strdup(e->d_name);
	}
	closedir(d);
	if (*n)
		qsort(*names, *n, sizeof(**names), cmp_str);
	return 0;
}

void tool_sig_filename(const char *sig, char *out, size_t len)
{
	size_t i;

	for (i = 0; sig[i] && i + 1 < len; i++) {
		char c = sig[i];
		bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';

		out[i] = ok ? c : '_';
	}
	if (len)
		out[i] = 0;
}

/* YYYY-MM-DD from SOURCE_DATE_EPOCH or the clock (UTC). */
static void default_date(char *buf, size_t len)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	time_t t = time(NULL);
	struct tm tm;

	if (sde && *sde) {
		char *end;
		long long v = strtoll(sde, &end, 10);

		if (!*end && v >= 0)
			t = (time_t)v;
	}
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d", &tm);
}

static bool file_exists(const char *p)
{
	struct stat sb;

	return stat(p, &sb) == 0;
}

static int shrink_group(struct group *g, const struct crash *c, const char *dir,
			const char *outdir, const char *date, const struct pd_run_opts *o,
			const struct pd_shrink_opts *so, bool force)
{
	struct pd_shrink_stats st;
	struct pd_trace in, out;
	char err[512], fname[160], header[1024], *path, *text;
	double t0;
	int rc;

	path = path_join(dir, c->name);
	if (tool_load_trace(path, FORM_DETECT, &in, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		free(path);
		g->what = "failed";
		return -1;
	}
	free(path);
	t0 = tool_seconds();
	rc = pd_shrink(&in, o, so, &out, &st);
	pd_trace_free(&in);
	if (rc != 1 || strcmp(st.signature, g->sig)) {
		fprintf(stderr, "pagediff triage: %s: did not diverge again with %s\n", c->name,
			g->sig);
		pd_trace_free(&out);
		g->what = "failed";
		return -1;
	}
	fprintf(stderr, "triage: %s: %s: %u -> %u ops, %u runs, %.2f s\n", g->sig, c->name,
		st.ops_before, st.ops_after, st.runs, tool_seconds() - t0);
	g->shrunk_ops = st.ops_after;
	tool_sig_filename(g->sig, fname, sizeof(fname) - 6);
	strcat(fname, ".trace");
	g->path = path_join(outdir, fname);
	if (file_exists(g->path) && !force) {
		pd_trace_free(&out);
		g->what = "exists";
		return 0;
	}
	snprintf(header, sizeof(header),
		 "# regression candidate from pagediff triage\n"
		 "# signature: %s (%s vs %s)\n"
		 "# date: %s\n"
		 "# found: %s (%u ops), the smallest of %u crash file%s with this signature\n"
		 "# shrunk: %u -> %u ops%s\n",
		 g->sig, o->primary->name, o->reference->name, date, c->name, c->nops, g->count,
		 g->count == 1 ? "" : "s", st.ops_before, st.ops_after,
		 st.limited ? " (stopped at --max-runs)" : "");
	text = tool_shrunk_text(&out, header);
	pd_trace_free(&out);
	if (tool_write_file(g->path, text, strlen(text), err, sizeof(err))) {
		fprintf(stderr, "pagediff triage: %s\n", err);
		free(text);
		g->what = "failed";
		return -1;
	}
	free(text);
	g->what = "written";
	return 0;
}

int cmd_triage(int argc, char **argv)
{
	struct pd_shrink_opts so = { 0 };
	struct pd_run_opts o;
	const char *dir = NULL, *outdir = "corpus/regressions", *date = NULL;
	struct crash *crashes = NULL;
	struct group *groups = NULL;
	size_t ncrash = 0, ngroups = 0;
	unsigned clean = 0, errors = 0, diverged = 0;
	bool force = false;
	char datebuf[64], **names = NULL;
	int status;

	memset(&o, 0, sizeof(o));
	o.primary = pd_model_default_primary();
	o.reference = pd_model_find("oracle");
	for (int i = 1; i < argc; i++) {
		if (tool_is_help(argv[i])) {
			triage_help(stdout);
			return EXIT_CLEAN;
		} else if (!strcmp(argv[i], "--out") && i + 1 < argc) {
			outdir = argv[++i];
		} else if (!strcmp(argv[i], "--date") && i + 1 < argc) {
			date = argv[++i];
			if (!*date || strpbrk(date, "\n\r")) {
				fprintf(stderr, "pagediff triage: bad --date\n");
				return EXIT_BADINPUT;
			}
		} else if (!strcmp(argv[i], "--primary") && i + 1 < argc) {
			if (tool_model_arg("triage", argv[++i], &o.primary))
				return EXIT_BADINPUT;
		} else if (!strcmp(argv[i], "--reference") && i + 1 < argc) {
			if (tool_model_arg("triage", argv[++i], &o.reference))
				return EXIT_BADINPUT;
		} else if (!strcmp(argv[i], "--max-runs") && i + 1 < argc) {
			char *end;
			unsigned long v = strtoul(argv[++i], &end, 10);

			if (*end || !v || v > 100000000ul) {
				fprintf(stderr, "pagediff triage: bad --max-runs '%s'\n", argv[i]);
				return EXIT_BADINPUT;
			}
			so.max_runs = (unsigned)v;
		} else if (!strcmp(argv[i], "--force")) {
			force = true;
		} else if ((argv[i][0] == '-' && argv[i][1]) || dir) {
			fprintf(stderr, "pagediff triage: unexpected argument '%s'\n", argv[i]);
			triage_help(stderr);
			return EXIT_BADINPUT;
		} else {
			dir = argv[i];
		}
	}
	if (!dir) {
		triage_help(stderr);
		return EXIT_BADINPUT;
	}
	if (!date) {
		default_date(datebuf, sizeof(datebuf));
		date = datebuf;
	}
	if (list_dir(dir, &names, &ncrash))
		return EXIT_BADINPUT;

	/* Run every file once: its signature decides its group. */
	crashes = calloc(ncrash ? ncrash : 1, sizeof(*crashes));
	groups = calloc(ncrash ? ncrash : 1, sizeof(*groups));
	if (!crashes || !groups) {
		fprintf(stderr, "pagediff: out of memory\n");
		abort();
	}
	for (size_t i = 0; i < ncrash; i++) {
		struct crash *c = &crashes[i];
		struct pd_run_result r;
		struct pd_trace t;
		char err[512], *path = path_join(dir, names[i]);
		int rc;

		c->name = names[i];
		c->group = -1;
		if (tool_load_trace(path, FORM_DETECT, &t, err, sizeof(err))) {
			fprintf(stderr, "%s\nERROR %s: bad input\n", err, path);
			errors++;
			free(path);
			continue;
		}
		c->nops = (unsigned)t.nops;
		o.file = path;
		rc = pd_run(&t, &o, &r);
		if (rc == 2) {
			fprintf(stderr, "%sERROR %s: cannot run\n", r.messages ? r.messages : "", path);
			errors++;
		} else if (!r.diverged) {
			clean++;
		} else {
			size_t g;

			diverged++;
			for (g = 0; g < ngroups; g++)
				if (!strcmp(groups[g].sig, r.signature))
					break;
			if (g == ngroups) {
				snprintf(groups[g].sig, sizeof(groups[g].sig), "%s", r.signature);
				groups[g].rep = i;
				ngroups++;
			}
			groups[g].count++;
			if (c->nops < crashes[groups[g].rep].nops)
				groups[g].rep = i;
			c->group = (int)g;
		}
		pd_run_result_free(&r);
		pd_trace_free(&t);
		free(path);
	}
	o.file = NULL;
	if (ngroups)
		qsort(groups, ngroups, sizeof(*groups), cmp_group);

	if (ngroups && mkdir(outdir, 0777) && errno != EEXIST) {
		fprintf(stderr, "pagediff triage: %s: %s\n", outdir, strerror(errno));
		errors++;
	} else {
		for (size_t g = 0; g < ngroups; g++)
			if (shrink_group(&groups[g], &crashes[groups[g].rep], dir, outdir, date, &o, &so,
					 force))
				errors++;
	}

	printf("%-44s %5s %6s %6s  %s\n", "signature", "files", "ops", "shrunk", "candidate");
	for (size_t g = 0; g < ngroups; g++) {
		const struct group *gr = &groups[g];

		printf("%-44s %5u %6u %6u  %s (%s)\n", gr->sig, gr->count, crashes[gr->rep].nops,
		       gr->shrunk_ops, gr->path ? gr->path : "-", gr->what ? gr->what : "failed");
	}
	printf("%zu files: %u diverged (%zu signature%s), %u clean, %u errors\n", ncrash, diverged,
	       ngroups, ngroups == 1 ? "" : "s", clean, errors);

	status = errors ? EXIT_BADINPUT : diverged ? EXIT_DIVERGED : EXIT_CLEAN;
	for (size_t g = 0; g < ngroups; g++)
		free(groups[g].path);
	for (size_t i = 0; i < ncrash; i++)
		free(names[i]);
	free(names);
	free(crashes);
	free(groups);
	return status;
}
