// SPDX-License-Identifier: MIT
/* codec.c - `pagediff decode`, `encode` and `fmt`: converting between the forms. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

struct codec_args {
	const char *in, *out;
	bool ops_only;
};

/* Parse "IN [-o OUT] [--ops-only]"; returns -1 (usage), 0, or 1 (--help shown). */
static int parse_args(int argc, char **argv, struct codec_args *a, bool allow_ops_only,
		      void (*help)(FILE *))
{
	memset(a, 0, sizeof(*a));
	for (int i = 1; i < argc; i++) {
		if (tool_is_help(argv[i])) {
			help(stdout);
			return 1;
		} else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			a->out = argv[++i];
		} else if (allow_ops_only && !strcmp(argv[i], "--ops-only")) {
			a->ops_only = true;
		} else if ((argv[i][0] == '-' && argv[i][1]) || a->in) {
			fprintf(stderr, "pagediff %s: unexpected argument '%s'\n", argv[0], argv[i]);
			help(stderr);
			return -1;
		} else {
			a->in = argv[i];
		}
	}
	if (!a->in) {
		help(stderr);
		return -1;
	}
	return 0;
}

static void decode_help(FILE *out)
{
	fprintf(out, "usage: pagediff decode IN [-o OUT]\n\n"
		     "Decode IN as the byte form (any bytes decode) and print it as canonical\n"
		     "text to OUT (default stdout; written atomically).  IN may be '-'.\n"
		     "Exit status: 0 ok, 2 bad usage or I/O error.\n");
}

static void encode_help(FILE *out)
{
	fprintf(out, "usage: pagediff encode IN [-o OUT]\n\n"
		     "Parse IN as a text trace and write its byte form (version 1) to OUT\n"
		     "(default stdout; written atomically).  Comments and expect lines are not\n"
		     "part of the byte form.  IN may be '-'.\n"
		     "Exit status: 0 ok, 2 bad input (FILE:LINE:COL: message) or usage.\n");
}

static void fmt_help(FILE *out)
{
	fprintf(out, "usage: pagediff fmt IN [--ops-only] [-o OUT]\n\n"
		     "Print IN (text or bytes, detected) as canonical text.  --ops-only keeps\n"
		     "only the config line (if not all defaults) and the ops: exactly what\n"
		     "'pagediff decode' prints for the trace's byte form.\n"
		     "Exit status: 0 ok, 2 bad input or usage.\n");
}

static int write_out(const char *out, const void *buf, size_t len)
{
	char err[512];

	if (tool_write_file(out, buf, len, err, sizeof(err))) {
		fprintf(stderr, "pagediff: %s\n", err);
		return EXIT_BADINPUT;
	}
	return EXIT_CLEAN;
}

int cmd_decode(int argc, char **argv)
{
	struct codec_args a;
	struct pd_trace t;
	uint8_t *buf;
	size_t len;
	char err[512], *text;
	int rc = parse_args(argc, argv, &a, false, decode_help);

	if (rc)
		return rc > 0 ? EXIT_CLEAN : EXIT_BADINPUT;
	if (tool_read_file(a.in, &buf, &len, err, sizeof(err))) {
		fprintf(stderr, "pagediff decode: %s\n", err);
		return EXIT_BADINPUT;
	}
	pd_trace_decode(buf, len, &t);
	free(buf);
	text = pd_trace_print(&t, 0);
	rc = write_out(a.out, text, strlen(text));
	free(text);
	pd_trace_free(&t);
	return rc;
}

int cmd_encode(int argc, char **argv)
{
	struct codec_args a;
	struct pd_trace t;
	uint8_t *buf, *bytes;
	size_t len, nbytes;
	char err[512];
	int rc = parse_args(argc, argv, &a, false, encode_help);

	if (rc)
		return rc > 0 ? EXIT_CLEAN : EXIT_BADINPUT;
	if (tool_read_file(a.in, &buf, &len, err, sizeof(err))) {
		fprintf(stderr, "pagediff encode: %s\n", err);
		return EXIT_BADINPUT;
	}
	rc = pd_trace_parse((const char *)buf, len, a.in, &t, err, sizeof(err));
	free(buf);
	if (rc) {
		fprintf(stderr, "%s\n", err);
		return EXIT_BADINPUT;
	}
	if (pd_trace_encode(&t, &bytes, &nbytes, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", a.in, err);
		pd_trace_free(&t);
		return EXIT_BADINPUT;
	}
	rc = write_out(a.out, bytes, nbytes);
	free(bytes);
	pd_trace_free(&t);
	return rc;
}

int cmd_fmt(int argc, char **argv)
{
	struct codec_args a;
	struct pd_trace t;
	char err[512], *text;
	int rc = parse_args(argc, argv, &a, true, fmt_help);

	if (rc)
		return rc > 0 ? EXIT_CLEAN : EXIT_BADINPUT;
	if (tool_load_trace(a.in, FORM_DETECT, &t, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return EXIT_BADINPUT;
	}
	text = pd_trace_print(&t, a.ops_only ? PD_PRINT_OPS_ONLY : 0);
	rc = write_out(a.out, text, strlen(text));
	free(text);
	pd_trace_free(&t);
	return rc;
}
