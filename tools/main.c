// SPDX-License-Identifier: MIT
/*
 * main.c - the pagediff command: a table of subcommands.
 *
 * Every subcommand takes --help and exits 0 (clean), 1 (divergence or a
 * failed expectation) or 2 (bad input or usage).
 */
#include <stdio.h>
#include <string.h>

#include "tool.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "replay", cmd_replay, "run one trace (text or bytes) on a primary and a reference model" },
	{ "check",  cmd_check,  "run spec traces: expectations and every model pair" },
	{ "decode", cmd_decode, "bytes -> canonical text" },
	{ "encode", cmd_encode, "text -> bytes" },
	{ "fmt",    cmd_fmt,    "print a trace (either form) as canonical text" },
	{ "shrink", cmd_shrink, "make a diverging trace small, keeping its signature" },
	{ "triage", cmd_triage, "group crash files by signature, shrink one per group" },
	{ "emit-c", cmd_emit_c, "a diverging trace as a standalone C unit test" },
	{ "random", cmd_random, "run seeded random inputs through the fuzz target's entry" },
	{ "bench",  cmd_bench,  "allocator benchmarks: impl vs oracle, pcp pair, scaling" },
};

#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
	fprintf(out, "usage: pagediff COMMAND [ARGS...]\n\ncommands:\n");
	for (size_t i = 0; i < NR_COMMANDS; i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'pagediff COMMAND --help' describes one command.\n"
		     "Exit status: 0 clean, 1 divergence or failed expectation, 2 bad input or usage.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_BADINPUT;
	}
	if (tool_is_help(argv[1]) || !strcmp(argv[1], "help")) {
		if (argc > 2 && strcmp(argv[1], "help") == 0) {
			for (size_t i = 0; i < NR_COMMANDS; i++)
				if (!strcmp(commands[i].name, argv[2])) {
					static char help[] = "--help";
					char *hargv[] = { argv[2], help, NULL };

					return commands[i].fn(2, hargv);
				}
		}
		usage(stdout);
		return EXIT_CLEAN;
	}
	for (size_t i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(commands[i].name, argv[1]))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "pagediff: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return EXIT_BADINPUT;
}
