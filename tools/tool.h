/* SPDX-License-Identifier: MIT */
/* tool.h - the pagediff command: subcommands and their shared helpers. */
#ifndef PAGEDIFF_TOOL_H
#define PAGEDIFF_TOOL_H

#include <stddef.h>
#include <stdint.h>

#include <pagediff/engine.h>

/* Exit statuses of every subcommand. */
#define EXIT_CLEAN    0   /* no divergence, every expectation held */
#define EXIT_DIVERGED 1   /* a divergence or a failed expectation */
#define EXIT_BADINPUT 2   /* bad input or usage */

/* ---- replay.c ---- */
int cmd_replay(int argc, char **argv);
/* ---- check.c ---- */
int cmd_check(int argc, char **argv);
/* ---- codec.c ---- */
int cmd_decode(int argc, char **argv);
int cmd_encode(int argc, char **argv);
int cmd_fmt(int argc, char **argv);

/* ---- shrink.c ---- */
int cmd_shrink(int argc, char **argv);
/* Monotonic seconds, for timings on stderr. */
double tool_seconds(void);
/* header + the trace's config and ops as canonical text; malloc'd. */
char *tool_shrunk_text(const struct pd_trace *t, const char *header);
/* --primary/--reference NAME; -1 (message printed) if unknown. */
int tool_model_arg(const char *cmd, const char *name, const struct pd_model_ops **m);
/* ---- triage.c ---- */
int cmd_triage(int argc, char **argv);
/* A signature as a file name: characters outside [A-Za-z0-9._-] become '_'. */
void tool_sig_filename(const char *sig, char *out, size_t len);
/* ---- emit_c.c ---- */
int cmd_emit_c(int argc, char **argv);

/* ---- random.c ---- */
int cmd_random(int argc, char **argv);
/* bench.c */
int cmd_bench(int argc, char **argv);

/* ---- io.c ---- */
/* Read a whole file ("-" = stdin); malloc'd into *buf. */
int tool_read_file(const char *path, uint8_t **buf, size_t *len, char *err, size_t errlen);
/*
 * Write a whole file atomically: a temporary file in the same directory,
 * then rename over the target.  "-" or NULL = stdout.
 */
int tool_write_file(const char *path, const void *buf, size_t len, char *err, size_t errlen);
/* How to read a trace file. */
enum tool_form { FORM_DETECT, FORM_TEXT, FORM_BYTES };
/*
 * Load a trace from a file: FORM_DETECT reads it as text if
 * pd_looks_like_text(), else as bytes.  On error err holds
 * "FILE:LINE:COL: message" (text) or "FILE: message".
 */
int tool_load_trace(const char *path, enum tool_form form, struct pd_trace *t,
		    char *err, size_t errlen);
/* Whether argv[i] is -h or --help. */
int tool_is_help(const char *arg);

#endif
