// SPDX-License-Identifier: MIT
/*
 * replay.c - `pagediff replay`: one trace, one model pair; with --repeat N,
 * how reliably it fails (in this process, in fresh processes, and after
 * unrelated random inputs).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tool.h"

static void replay_help(FILE *out)
{
	fprintf(out,
		"usage: pagediff replay FILE [--primary NAME] [--reference NAME] [--no-expect]\n"
		"                      [--text | --bytes] [--repeat N]\n"
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
		"  --repeat N         then run FILE N more times each way and print its\n"
		"                     reliability k/N: in this process, in fresh processes\n"
		"                     (this executable re-run), and each time after a\n"
		"                     different seeded random input (state leaking between\n"
		"                     runs), and as a fuzz target runs it: fast mode on\n"
		"                     pooled models reset after a random input of the\n"
		"                     same config (state leaking through reset());\n"
		"                     exit 1 if any run failed\n"
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

/* ---- --repeat ---- */

#define REPEAT_MAX      100000
#define REPEAT_MAX_SIGS 8

/* How often each outcome was seen over all repeated runs. */
struct repeat_tally {
	unsigned n;
	char     sig[REPEAT_MAX_SIGS][128];
	unsigned count[REPEAT_MAX_SIGS];
	unsigned other;   /* outcomes past REPEAT_MAX_SIGS */
};

static void tally(struct repeat_tally *t, const char *sig)
{
	for (unsigned i = 0; i < t->n; i++)
		if (!strcmp(t->sig[i], sig)) {
			t->count[i]++;
			return;
		}
	if (t->n == REPEAT_MAX_SIGS) {
		t->other++;
		return;
	}
	snprintf(t->sig[t->n], sizeof(t->sig[0]), "%s", sig);
	t->count[t->n++] = 1;
}

/* A run's outcome: its signature, or why it failed without one. */
static const char *outcome(const struct pd_run_result *r)
{
	return r->diverged ? r->signature : "failed expectation";
}

/* splitmix64: the same sequence on every machine. */
static uint64_t sm64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/*
 * Random input number `seed` in the byte form: a small config (at most
 * 1024 frames, 16 vpages, 64 slots) and up to 256 bytes of ops.
 */
static void random_prefix(uint64_t seed, struct pd_trace *t)
{
	uint8_t buf[PD_BYTES_HEADER + 256];
	uint64_t s = seed * 0x2545f4914f6cdd1dull + 1;
	size_t len = PD_BYTES_HEADER + sm64(&s) % 257;

	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)sm64(&s);
	buf[0] = PD_BYTES_VERSION;
	buf[1] %= 8;        /* frames_log2 3..10 */
	buf[8] %= 64;       /* slots 1..64 */
	buf[9] = 0;
	buf[12] %= 16;      /* vpages 1..16 */
	pd_trace_decode(buf, len, t);
}

/*
 * Random input number `seed` with the trace's own config (its header
 * bytes), so that a pool hands the trace the same models, reset.
 */
static bool random_prefix_same_config(uint64_t seed, const struct pd_trace *t,
				      struct pd_trace *pre)
{
	uint8_t buf[PD_BYTES_HEADER + 256], *enc;
	uint64_t s = seed * 0x9e3779b97f4a7c15ull + 7;
	size_t len = PD_BYTES_HEADER + sm64(&s) % 257, elen;
	char err[128];

	if (pd_trace_encode(t, &enc, &elen, err, sizeof(err)))
		return false;
	memcpy(buf, enc, PD_BYTES_HEADER);
	free(enc);
	for (size_t i = PD_BYTES_HEADER; i < len; i++)
		buf[i] = (uint8_t)sm64(&s);
	pd_trace_decode(buf, len, pre);
	return true;
}

/*
 * As a fuzz target runs it: fast mode on pooled models, each time after
 * a random input of the same config on the same models (reset between:
 * state leaking through reset() would show here).
 */
static void repeat_pooled(const struct pd_trace *t, const struct pd_run_opts *o, unsigned n,
			  unsigned *hits, unsigned *ran, struct repeat_tally *tl)
{
	struct pd_run_opts fo = *o, po;
	struct pd_pool *pool = pd_pool_new();
	struct pd_run_result r;

	fo.fast = true;
	fo.pool = pool;
	fo.expect = false;
	po = fo;
	po.file = "<random prefix>";
	for (unsigned i = 0; i < n; i++) {
		struct pd_trace pre;

		if (!random_prefix_same_config(i, t, &pre))
			break;
		pd_run(&pre, &po, &r);
		pd_run_result_free(&r);
		pd_trace_free(&pre);
		(*ran)++;
		if (pd_run(t, &fo, &r) == 1 && r.diverged) {
			(*hits)++;
			tally(tl, outcome(&r));
		}
		pd_run_result_free(&r);
	}
	pd_pool_free(pool);
}

/* In this process: the trace n times, then n times each after a random input. */
static void repeat_in_process(const struct pd_trace *t, const struct pd_run_opts *o,
			      unsigned n, unsigned *hits, unsigned *hits_prefix,
			      struct repeat_tally *tl)
{
	struct pd_run_opts po = *o;
	struct pd_run_result r;

	po.file = "<random prefix>";
	po.expect = false;
	for (unsigned i = 0; i < n; i++) {
		if (pd_run(t, o, &r) == 1) {
			(*hits)++;
			tally(tl, outcome(&r));
		}
		pd_run_result_free(&r);
	}
	for (unsigned i = 0; i < n; i++) {
		struct pd_trace pre;

		random_prefix(i, &pre);
		pd_run(&pre, &po, &r);
		pd_run_result_free(&r);
		pd_trace_free(&pre);
		if (pd_run(t, o, &r) == 1) {
			(*hits_prefix)++;
			tally(tl, outcome(&r));
		}
		pd_run_result_free(&r);
	}
}

/*
 * One fresh process: this executable, `replay FILE` with the same models
 * and options, stdout discarded, stderr read for its "FAIL FILE: SIG"
 * line.  Returns its exit status, or -1 if it could not run.
 */
static int run_fresh(char *const *args, const char *file, char *sig, size_t siglen)
{
	char buf[4096], *text = NULL, *line;
	size_t len = 0;
	int fd[2], st;
	pid_t pid;

	sig[0] = 0;
	if (pipe(fd))
		return -1;
	pid = fork();
	if (pid < 0) {
		close(fd[0]);
		close(fd[1]);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		dup2(fd[1], STDERR_FILENO);
		close(fd[0]);
		close(fd[1]);
		execv("/proc/self/exe", args);
		_exit(127);
	}
	close(fd[1]);
	for (;;) {
		ssize_t got = read(fd[0], buf, sizeof(buf));

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		text = realloc(text, len + (size_t)got + 1);
		if (!text) {
			fprintf(stderr, "pagediff: out of memory\n");
			abort();
		}
		memcpy(text + len, buf, (size_t)got);
		len += (size_t)got;
		text[len] = 0;
	}
	close(fd[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	/* The last "FAIL FILE: SIG" line names the signature. */
	for (line = text; line && *line; ) {
		char *nl = strchr(line, '\n');
		size_t fl = strlen(file);

		if (nl)
			*nl = 0;
		if (!strncmp(line, "FAIL ", 5) && !strncmp(line + 5, file, fl) &&
		    !strncmp(line + 5 + fl, ": ", 2))
			snprintf(sig, siglen, "%s", line + 7 + fl);
		line = nl ? nl + 1 : NULL;
	}
	free(text);
	if (!WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st) == 127 ? -1 : WEXITSTATUS(st);
}

static int repeat(const char *file, const struct pd_trace *t, const struct pd_run_opts *o,
		  enum tool_form form, unsigned n, bool first_failed)
{
	struct repeat_tally tl = { 0 };
	unsigned hits = 0, hits_prefix = 0, hits_fresh = 0, fresh_errors = 0;
	unsigned hits_pooled = 0, ran_pooled = 0;
	char *args[12], sig[128];
	int na = 0;

	repeat_in_process(t, o, n, &hits, &hits_prefix, &tl);
	repeat_pooled(t, o, n, &hits_pooled, &ran_pooled, &tl);

	args[na++] = (char *)"pagediff";
	args[na++] = (char *)"replay";
	args[na++] = (char *)file;
	args[na++] = (char *)"--primary";
	args[na++] = (char *)o->primary->name;
	args[na++] = (char *)"--reference";
	args[na++] = (char *)o->reference->name;
	if (!o->expect)
		args[na++] = (char *)"--no-expect";
	if (form != FORM_DETECT)
		args[na++] = (char *)(form == FORM_TEXT ? "--text" : "--bytes");
	args[na] = NULL;
	fflush(stdout);
	fflush(stderr);
	for (unsigned i = 0; i < n; i++) {
		int rc = run_fresh(args, file, sig, sizeof(sig));

		if (rc == 1) {
			hits_fresh++;
			tally(&tl, sig[0] ? sig : "failed expectation");
		} else if (rc != 0) {
			fresh_errors++;
		}
	}

	printf("reliability: in-process %u/%u, fresh-process %u/%u", hits, n, hits_fresh, n);
	if (fresh_errors)
		printf(" (%u could not run)", fresh_errors);
	printf(", after-random-prefix %u/%u", hits_prefix, n);
	printf(", fuzzer-pooled %u/%u", hits_pooled, ran_pooled);
	if (tl.n == 0) {
		printf(" (no divergence)\n");
	} else if (tl.n == 1 && !tl.other) {
		printf(" (signature %s)\n", tl.sig[0]);
	} else {
		printf(" (signatures:");
		for (unsigned i = 0; i < tl.n; i++)
			printf("%s %s x%u", i ? "," : "", tl.sig[i], tl.count[i]);
		if (tl.other)
			printf(", others x%u", tl.other);
		printf(")\n");
	}
	return first_failed || hits || hits_fresh || hits_prefix || hits_pooled ? EXIT_DIVERGED
									      : EXIT_CLEAN;
}

int cmd_replay(int argc, char **argv)
{
	struct pd_run_opts o;
	struct pd_run_result r;
	struct pd_trace t;
	enum tool_form form = FORM_DETECT;
	const char *file = NULL, *tmpfile = NULL;
	char err[512], tmpl[] = "/tmp/pagediff-repeat-XXXXXX";
	unsigned nrepeat = 0;
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
		} else if (!strcmp(argv[i], "--repeat") && i + 1 < argc) {
			char *end;
			unsigned long v = strtoul(argv[++i], &end, 10);

			if (*end || !v || v > REPEAT_MAX) {
				fprintf(stderr, "pagediff replay: --repeat needs 1..%d\n", REPEAT_MAX);
				return EXIT_BADINPUT;
			}
			nrepeat = (unsigned)v;
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
	if (nrepeat && !strcmp(file, "-")) {
		/* Fresh processes need a file to read: stdin goes to a temporary one. */
		uint8_t *buf;
		size_t len;
		int fd;

		if (tool_read_file("-", &buf, &len, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			return EXIT_BADINPUT;
		}
		fd = mkstemp(tmpl);
		if (fd < 0 || write(fd, buf, len) != (ssize_t)len || close(fd)) {
			fprintf(stderr, "pagediff replay: %s: %s\n", tmpl, strerror(errno));
			free(buf);
			return EXIT_BADINPUT;
		}
		free(buf);
		file = tmpfile = tmpl;
	}
	if (tool_load_trace(file, form, &t, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		if (tmpfile)
			unlink(tmpfile);
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
	if (nrepeat && rc != 2)
		rc = repeat(file, &t, &o, form, nrepeat, rc == 1);
	pd_trace_free(&t);
	if (tmpfile)
		unlink(tmpfile);
	return rc == 0 ? EXIT_CLEAN : rc == 1 ? EXIT_DIVERGED : EXIT_BADINPUT;
}
