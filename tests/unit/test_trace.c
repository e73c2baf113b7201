// SPDX-License-Identifier: MIT
/*
 * test_trace.c - the text form: parse/print round trip over every op and
 * every expect form, canonicalization, config, name liveness, and the
 * FILE:LINE:COL error messages of malformed inputs.
 */
#include <stdlib.h>
#include <string.h>

#include <pagediff/engine.h>

#include "test.h"

/* Canonical: every op, every expect form, comments, blanks, trailing comments. */
static const char full[] =
	"# every op and every expect form\n"
	"config frames=64 max_order=3 granules=4 slots=8 swap_excl=lost accept=list tagstore=besteffort\n"
	"\n"
	"p0 = spawn\n"
	"a0 = alloc cpu=1 order=2 zero\n"
	"a1 = alloc order=0 nolock\n"
	"a2 = alloc order=1 tagged  # trailing comment\n"
	"a3 = alloc order=3 zero nolock tagged\n"
	"free a1 cpu=1 nolock\n"
	"free a3\n"
	"drain cpu=1\n"
	"drain\n"
	"zone_lock cpu=1\n"
	"zone_unlock\n"
	"  # an indented comment\n"
	"mmap p0 vpage=0 pages=4 mte\n"
	"munmap p0 vpage=3 pages=1\n"
	"write p0 vpage=0 value=0x10 granule=1 tag=3\n"
	"write p0 vpage=1 value=0x0\n"
	"settag p0 vpage=0 tag=0\n"
	"settag p0 vpage=1 granule=2 tag=5\n"
	"read p0 vpage=0\n"
	"expect result ok value=0x10 frame=3 order=0\n"
	"p1 = fork p0\n"
	"expect result enomem\n"
	"swapout p1 vpage=0 keep\n"
	"swapout p1 vpage=1\n"
	"swapcache_drop slot=7\n"
	"k0 = pin p0 vpage=0 write\n"
	"k1 = pin p1 vpage=1\n"
	"pin_read k0\n"
	"pin_write k0 value=0xffff\n"
	"unpin k1\n"
	"r0 = get p0 vpage=0\n"
	"ref_read r0\n"
	"expect page r0 rc=1\n"
	"put r0\n"
	"tagstore_pin block=7\n"
	"tagstore_unpin block=0\n"
	"exit p1\n"
	"expect result nohandle\n"
	"expect page p0 vpage=0 kind=head order=0 accepted=1 anon=1 ae=0 tagged=1 reserved=1 swapcache=0 mc=2 rc=1026 content=0x10 tags=0300 tag.1=3\n"
	"expect page a0 content=undefined\n"
	"expect page k0 kind=tail\n"
	"expect page frame=63 kind=free\n"
	"expect page a2 kind=deferred\n"
	"expect pte p0 vpage=0 kind=present mapped=1 mte=1 writable=0 excl=0 frame=4 slot=0\n"
	"expect pte p0 vpage=1 kind=none\n"
	"expect pte p0 vpage=2 kind=foa\n"
	"expect pte p0 vpage=3 kind=swap  # pte kinds\n"
	"expect slot slot=7 inuse=1 count=2 swapcache=1 tagsaved=1 content=0xffff tags=abcd tag.3=15\n"
	"expect slot p0 vpage=1 content=undefined\n"
	"expect proc p0 alive=1 pinned=1\n"
	"expect unit 15 accepted=0 times=2\n"
	"expect tagblock 7 reserved=2 pins=1\n"
	"expect totals free=60 deferred=4 procs=1\n"
	"expect result efault\n"
	"expect result tagcheck\n"
	"expect result retry\n"
	"expect result refused\n"
	"expect result einval\n"
	"# the end\n";

static bool parse_ok(const char *text, struct pd_trace *t)
{
	char err[256] = "";
	int rc = pd_trace_parse(text, strlen(text), "t.trace", t, err, sizeof(err));

	if (rc)
		fprintf(stderr, "unexpected parse error: %s\n", err);
	return rc == 0;
}

static bool test_roundtrip_full(void)
{
	struct pd_trace t;
	char *out;
	bool ok;

	ASSERT(parse_ok(full, &t));
	out = pd_trace_print(&t, 0);
	ok = strcmp(out, full) == 0;
	if (!ok)
		fprintf(stderr, "printed:\n%s", out);
	free(out);
	pd_trace_free(&t);
	ASSERT(ok);
	return true;
}

static bool test_every_op_and_expect_form(void)
{
	struct pd_trace t;
	bool seen_op[PD_NR_OPS] = { 0 }, seen_what[PD_NR_EXPECT] = { 0 };
	bool seen_status[PD_UNSUPPORTED] = { 0 };

	ASSERT(parse_ok(full, &t));
	for (size_t i = 0; i < t.nops; i++)
		seen_op[t.ops[i].code] = true;
	for (size_t i = 0; i < t.nexpects; i++) {
		seen_what[t.expects[i].what] = true;
		if (t.expects[i].what == PD_EXPECT_RESULT)
			seen_status[t.expects[i].status] = true;
	}
	pd_trace_free(&t);
	for (int i = 0; i < PD_NR_OPS; i++)
		ASSERTF(seen_op[i], "op %s missing from the full trace", pd_opcode_name((unsigned)i));
	for (int i = 0; i < PD_NR_EXPECT; i++)
		ASSERTF(seen_what[i], "expect kind %d missing", i);
	for (int i = 0; i < PD_UNSUPPORTED; i++)
		ASSERTF(seen_status[i], "status %s missing", pd_status_name((unsigned)i));
	return true;
}

static bool test_parsed_values(void)
{
	struct pd_trace t;
	const struct pd_op *op;

	ASSERT(parse_ok(full, &t));
	ASSERT(t.cfg.frames_log2 == 6 && t.cfg.max_order == 3 && t.cfg.granules == 4);
	ASSERT(t.cfg.slots == 8 && t.cfg.swap_excl == PD_SWAP_EXCL_LOST);
	ASSERT(t.cfg.accept == PD_ACCEPT_LIST && t.cfg.tagstore == PD_TAGSTORE_BESTEFFORT);
	ASSERT(t.cfg.cpus == 2 && t.cfg.vpages == 16);   /* defaults */
	op = &t.ops[1];   /* a0 = alloc cpu=1 order=2 zero */
	ASSERT(op->code == PD_OP_ALLOC && op->name == 0 && op->cpu == 1 && op->order == 2);
	ASSERT(op->flags == PD_ALLOC_ZERO);
	op = &t.ops[5];   /* free a1 cpu=1 nolock */
	ASSERT(op->code == PD_OP_FREE && op->handle == 1 && op->cpu == 1 && op->flags == PD_FREE_NOLOCK);
	ASSERT(t.op_line[0] == 4);
	pd_trace_free(&t);
	return true;
}

static bool test_canonicalization(void)
{
	static const char in[] =
		"config max_order=3 frames=0x40 tagstore=none\n"
		"a0 = alloc tagged order=0x2 cpu=0 # c\n"
		"p0 = spawn\n"
		"write p0 value=16 vpage=1 tag=0 granule=0\n"
		"\texpect page a0 content=16 kind=head\n";
	static const char want[] =
		"config frames=64 max_order=3\n"
		"a0 = alloc order=2 tagged # c\n"
		"p0 = spawn\n"
		"write p0 vpage=1 value=0x10\n"
		"expect page a0 content=0x10 kind=head\n";
	static const char want_ops[] =
		"config frames=64 max_order=3\n"
		"a0 = alloc order=2 tagged\n"
		"p0 = spawn\n"
		"write p0 vpage=1 value=0x10\n";
	struct pd_trace t;
	char *out, *ops;

	ASSERT(parse_ok(in, &t));
	out = pd_trace_print(&t, 0);
	ops = pd_trace_print(&t, PD_PRINT_OPS_ONLY);
	pd_trace_free(&t);
	ASSERT_STREQ(out, want);
	ASSERT_STREQ(ops, want_ops);
	free(out);
	free(ops);
	return true;
}

static bool test_defaults_and_no_config(void)
{
	struct pd_trace t;
	struct pd_config d;
	char *out;

	pd_config_default(&d);
	ASSERT(d.frames_log2 == 10 && d.cpus == 2 && d.max_order == 6 && d.granules == 16);
	ASSERT(d.accept_order == 2 && d.unaccepted == 0 && d.tag_ratio_log2 == 3);
	ASSERT(d.slots == 64 && d.pcp_batch == 4 && d.pcp_high == 12 && d.vpages == 16);
	ASSERT(d.swap_excl == PD_SWAP_EXCL_KEPT && d.accept == PD_ACCEPT_FLAG);
	ASSERT(d.tagstore == PD_TAGSTORE_NONE);
	ASSERT(pd_config_validate(&d, NULL, 0) == 0);

	ASSERT(parse_ok("p0 = spawn\n", &t));
	ASSERT(pd_config_equal(&t.cfg, &d));
	out = pd_trace_print(&t, 0);
	ASSERT_STREQ(out, "p0 = spawn\n");
	free(out);
	pd_trace_free(&t);

	/* An explicit all-default config line stays a (bare) config line. */
	ASSERT(parse_ok("config frames=1024\np0 = spawn\n", &t));
	out = pd_trace_print(&t, 0);
	ASSERT_STREQ(out, "config\np0 = spawn\n");
	free(out);
	out = pd_trace_print(&t, PD_PRINT_OPS_ONLY);
	ASSERT_STREQ(out, "p0 = spawn\n");
	free(out);
	pd_trace_free(&t);

	/* No final newline, CRLF line ends. */
	ASSERT(parse_ok("p0 = spawn\r\n# c\r\nexit p0", &t));
	ASSERT(t.nops == 2);
	out = pd_trace_print(&t, 0);
	ASSERT_STREQ(out, "p0 = spawn\n# c\nexit p0\n");
	free(out);
	pd_trace_free(&t);
	return true;
}

static bool test_names(void)
{
	struct pd_trace t;

	/* Numbers are never reused; exit ends a process. */
	ASSERT(parse_ok("p0 = spawn\nexit p0\np1 = spawn\np2 = fork p1\nexit p1\nread p2 vpage=0\n", &t));
	ASSERT(t.ops[3].proc == 1 && t.ops[3].name == 2);
	pd_trace_free(&t);
	/* Eight live processes are fine. */
	ASSERT(parse_ok("p0 = spawn\np1 = spawn\np2 = spawn\np3 = spawn\n"
			"p4 = spawn\np5 = spawn\np6 = spawn\np7 = spawn\nexit p3\np8 = spawn\n", &t));
	pd_trace_free(&t);
	/* Handles of different letters count separately. */
	ASSERT(parse_ok("p0 = spawn\na0 = alloc order=0\nk0 = pin p0 vpage=0\nr0 = get p0 vpage=0\n"
			"free a0\nunpin k0\nput r0\na1 = alloc order=0\n", &t));
	pd_trace_free(&t);
	return true;
}

struct bad {
	const char *text;
	const char *err;
};

static const struct bad bad_inputs[] = {
	{ "p0 = spawn\nfrob p0\n", "t.trace:2:1: unknown op 'frob'" },
	{ "p0 = spawn\nmmap p0 vpage=0 pages=x\n", "t.trace:2:23: bad number 'x'" },
	{ "p0 = spawn\nmmap p0 vpage=0 pages=0x\n", "t.trace:2:23: bad number '0x'" },
	{ "p0 = spawn\nwrite p0 vpage=0 value=99999999999999999999999\n",
	  "t.trace:2:24: bad number '99999999999999999999999'" },
	{ "p0 = spawn\nwrite p0 vpage=0 value=-1\n", "t.trace:2:24: bad number '-1'" },
	{ "p0 = spawn\nmmap p0 vpage=0\n", "t.trace:2:16: truncated line: missing pages=" },
	{ "p0 = spawn\nmmap p0\n", "t.trace:2:8: truncated line: missing vpage=" },
	{ "p0 = spawn\nmmap\n", "t.trace:2:5: truncated line: missing pN" },
	{ "p0 =\n", "t.trace:1:5: truncated line: missing op after '='" },
	{ "p0 = spawn\nexpect\n", "t.trace:2:7: truncated line: missing what to expect" },
	{ "a0 = alloc order=0\nexpect result\n", "t.trace:2:14: truncated line: missing status" },
	{ "p0 = spawn\nexpect pte p0\n", "t.trace:2:14: truncated line: missing vpage=" },
	{ "p0 = spawn\nmmap p0 vpage=0 pages=1 bogus=1\n",
	  "t.trace:2:25: unknown key 'bogus' for mmap" },
	{ "p0 = spawn\nmmap p0 vpage=0 pages=1 keep\n", "t.trace:2:25: unknown key 'keep' for mmap" },
	{ "p0 = spawn\nmmap p0 vpage=0 vpage=1 pages=1\n", "t.trace:2:17: repeated key 'vpage'" },
	{ "a0 = alloc order=0 zero zero\n", "t.trace:1:25: repeated key 'zero'" },
	{ "a0 = alloc order=1 zero=1\n", "t.trace:1:20: 'zero' takes no value" },
	{ "a0 = alloc order\n", "t.trace:1:12: 'order' needs a value: order=N" },
	{ "p0 = spawn\nmmap p0 vpage=16 pages=1\n", "t.trace:2:15: vpage=16 out of range 0..15" },
	{ "p0 = spawn\nmmap p0 vpage=0 pages=0\n", "t.trace:2:23: pages=0 out of range 1..16" },
	{ "a0 = alloc order=7\n", "t.trace:1:18: order=7 out of range 0..6" },
	{ "a0 = alloc cpu=2 order=0\n", "t.trace:1:16: cpu=2 out of range 0..1" },
	{ "p0 = spawn\nwrite p0 vpage=0 value=0x10000\n",
	  "t.trace:2:24: value=0x10000 out of range 0..65535" },
	{ "p0 = spawn\nsettag p0 vpage=0 tag=16\n", "t.trace:2:23: tag=16 out of range 0..15" },
	{ "p0 = spawn\nsettag p0 vpage=0 granule=16 tag=1\n",
	  "t.trace:2:27: granule=16 out of range 0..15" },
	{ "swapcache_drop slot=64\n", "t.trace:1:21: slot=64 out of range 0..63" },
	{ "tagstore_pin block=128\n", "t.trace:1:20: block=128 out of range 0..127" },
	{ "p0 = spawn\nread p1 vpage=0\n", "t.trace:2:6: p1 is not live" },
	{ "p0 = spawn\nexit p0\nread p0 vpage=0\n", "t.trace:3:6: p0 is not live" },
	{ "free a0\n", "t.trace:1:6: a0 is not live" },
	{ "p0 = spawn\nunpin p0\n", "t.trace:2:7: expected a k name, got 'p0'" },
	{ "p1 = spawn\n", "t.trace:1:1: p1 is not the next name (expected p0)" },
	{ "p0 = spawn\nexit p0\np0 = spawn\n", "t.trace:3:1: p0 is not the next name (expected p1)" },
	{ "a0 = spawn\n", "t.trace:1:1: spawn creates a p name, not 'a0'" },
	{ "spawn\n", "t.trace:1:1: spawn creates a name: write 'pN = spawn ...'" },
	{ "p0 = spawn\np1 = exit p0\n", "t.trace:2:1: exit does not create a name" },
	{ "p0 = spawn\np1 = spawn\np2 = spawn\np3 = spawn\n"
	  "p4 = spawn\np5 = spawn\np6 = spawn\np7 = spawn\np8 = spawn\n",
	  "t.trace:9:1: too many live p names (at most 8)" },
	{ "config cpus=2\nconfig cpus=2\n", "t.trace:2:1: duplicate config line" },
	{ "p0 = spawn\nconfig cpus=2\n", "t.trace:2:1: config line after the first op" },
	{ "config frobs=1\n", "t.trace:1:8: unknown config key 'frobs'" },
	{ "config cpus=1 cpus=2\n", "t.trace:1:15: repeated key 'cpus'" },
	{ "config cpus=9\n", "t.trace:1:13: cpus=9 out of range (1..8)" },
	{ "config frames=100\n", "t.trace:1:15: frames=100 out of range (a power of two 8..16777216)" },
	{ "config swap_excl=maybe\n", "t.trace:1:18: bad value 'maybe' for swap_excl" },
	{ "config cpus\n", "t.trace:1:8: expected key=value, got 'cpus'" },
	{ "config frames=8\n", "t.trace:1:8: max_order=6 out of range for frames=8" },
	{ "config pcp_batch=16\n", "t.trace:1:8: pcp_high=12 is below pcp_batch=16" },
	{ "expect result ok\n", "t.trace:1:8: expect result before any op" },
	{ "p0 = spawn\nexpect bogus\n", "t.trace:2:8: unknown expect kind 'bogus'" },
	{ "a0 = alloc order=0\nexpect result fine\n", "t.trace:2:15: unknown status 'fine'" },
	{ "a0 = alloc order=0\nexpect result unsupported\n",
	  "t.trace:2:15: unknown status 'unsupported'" },
	{ "p0 = spawn\nexpect pte p0 vpage=0 kind=weird\n", "t.trace:2:28: bad kind 'weird'" },
	{ "p0 = spawn\nexpect pte p0 vpage=0 mc=1\n", "t.trace:2:23: unknown field 'mc' for expect pte" },
	{ "p0 = spawn\nexpect pte p0 vpage=0 kind=none kind=none\n",
	  "t.trace:2:33: repeated key 'kind'" },
	{ "p0 = spawn\nexpect page p0 vpage=0 tags=12\n",
	  "t.trace:2:29: tags=12: need 16 hex digits (one per granule)" },
	{ "p0 = spawn\nexpect page p0 vpage=0 tags=000000000000000g\n",
	  "t.trace:2:44: bad hex digit in tags" },
	{ "p0 = spawn\nexpect page p0 vpage=0 tag.16=1\n", "t.trace:2:28: granule 16 out of range 0..15" },
	{ "p0 = spawn\nexpect page p0 vpage=0 tag.1=1 tag.1=2\n", "t.trace:2:32: repeated key 'tag.1'" },
	{ "p0 = spawn\nexpect page p0 vpage=0 ae=2\n", "t.trace:2:27: ae=2 out of range 0..1" },
	{ "p0 = spawn\nexpect page frame=1024 kind=free\n", "t.trace:2:19: frame=1024 out of range 0..1023" },
	{ "p0 = spawn\nexpect page a0 kind=free\n", "t.trace:2:13: a0 is not live" },
	{ "p0 = spawn\nexpect page x kind=free\n",
	  "t.trace:2:13: expected pN vpage=V, aN, kN, rN or frame=F, got 'x'" },
	{ "p0 = spawn\nexpect unit 256 accepted=1\n", "t.trace:2:13: unit 256 out of range 0..255" },
	{ "p0 = spawn\nexpect tagblock x\n", "t.trace:2:17: bad number 'x'" },
	{ "p0 = spawn\nexpect totals free\n", "t.trace:2:15: expected field=value, got 'free'" },
	{ "p0 = spawn\nread\tp0\tvpage=99\n", "t.trace:2:15: vpage=99 out of range 0..15" },
	{ "p0 = spawn\nre\x01" "d p0\n", "t.trace:2:3: control character 0x01 not allowed" },
	{ "# a\r\r\np0 = spawn\n", "t.trace:1:4: control character 0x0d not allowed" },
};

/* A NUL inside a comment would end the printed comment: rejected (fuzz_text). */
static bool test_nul_rejected(void)
{
	static const char text[] = "p0 = spawn\n# a\0b\n";
	struct pd_trace t;
	char err[256] = "";

	ASSERT(pd_trace_parse(text, sizeof(text) - 1, "t.trace", &t, err, sizeof(err)) != 0);
	ASSERT(!strcmp(err, "t.trace:2:4: control character 0x00 not allowed"));
	return true;
}

static bool test_errors(void)
{
	bool ok = true;

	for (size_t i = 0; i < sizeof(bad_inputs) / sizeof(bad_inputs[0]); i++) {
		struct pd_trace t;
		char err[256] = "";
		int rc = pd_trace_parse(bad_inputs[i].text, strlen(bad_inputs[i].text), "t.trace",
					&t, err, sizeof(err));

		if (rc == 0) {
			fprintf(stderr, "case %zu: parsed, expected \"%s\"\n", i, bad_inputs[i].err);
			pd_trace_free(&t);
			ok = false;
		} else if (strcmp(err, bad_inputs[i].err)) {
			fprintf(stderr, "case %zu:\n  got:      \"%s\"\n  expected: \"%s\"\n", i, err,
				bad_inputs[i].err);
			ok = false;
		}
	}
	ASSERT(ok);
	return true;
}

static bool test_encode_decode_full(void)
{
	struct pd_trace t, d;
	uint8_t *b, *b2;
	size_t n, n2;
	char err[256];
	char *ops, *dec;

	ASSERT(parse_ok(full, &t));
	ASSERT(pd_trace_encode(&t, &b, &n, err, sizeof(err)) == 0);
	ASSERT(n > PD_BYTES_HEADER && b[0] == PD_BYTES_VERSION);
	pd_trace_decode(b, n, &d);
	ASSERT(pd_trace_ops_equal(&t, &d));
	ASSERT(d.nexpects == 0);
	ops = pd_trace_print(&t, PD_PRINT_OPS_ONLY);
	dec = pd_trace_print(&d, 0);
	ASSERT_STREQ(dec, ops);
	ASSERT(pd_trace_encode(&d, &b2, &n2, err, sizeof(err)) == 0);
	ASSERT(n2 == n && !memcmp(b, b2, n));
	free(ops);
	free(dec);
	free(b);
	free(b2);
	pd_trace_free(&t);
	pd_trace_free(&d);
	return true;
}

static bool test_validate_hand_built(void)
{
	struct pd_trace t;
	struct pd_op op;
	char err[256];
	uint8_t *b;
	size_t n;

	pd_trace_init(&t);
	memset(&op, 0, sizeof(op));
	op.code = PD_OP_SPAWN;
	pd_trace_add_op(&t, &op, 0);
	ASSERT(pd_trace_validate(&t, err, sizeof(err)) == 0);
	op.code = PD_OP_READ;
	op.proc = 3;   /* not live */
	pd_trace_add_op(&t, &op, 0);
	ASSERT(pd_trace_validate(&t, err, sizeof(err)) == -1);
	ASSERT(strstr(err, "p3 is not live"));
	ASSERT(pd_trace_encode(&t, &b, &n, err, sizeof(err)) == -1);
	t.ops[1].proc = 0;
	t.ops[1].vpage = 16;   /* out of range */
	ASSERT(pd_trace_validate(&t, err, sizeof(err)) == -1);
	ASSERT(strstr(err, "vpage=16 out of range"));
	t.ops[1].vpage = 15;
	ASSERT(pd_trace_validate(&t, err, sizeof(err)) == 0);
	t.cfg.cpus = 9;
	ASSERT(pd_trace_validate(&t, err, sizeof(err)) == -1);
	pd_trace_free(&t);
	return true;
}

static bool test_looks_like_text(void)
{
	static const uint8_t bin[] = { 1, 7, 3, 1, 4, 2, 0, 3, 63, 0, 3, 12, 15, 0, 0, 0, 5 };

	ASSERT(pd_looks_like_text((const uint8_t *)"# c\n", 4));
	ASSERT(pd_looks_like_text((const uint8_t *)"config frames=64\n", 17));
	ASSERT(pd_looks_like_text((const uint8_t *)"p0 = spawn\n", 11));
	ASSERT(pd_looks_like_text((const uint8_t *)"\n\n  drain\n", 10));
	ASSERT(pd_looks_like_text((const uint8_t *)"", 0));
	ASSERT(!pd_looks_like_text(bin, sizeof(bin)));
	ASSERT(!pd_looks_like_text((const uint8_t *)"hello world\n", 12));
	ASSERT(!pd_looks_like_text((const uint8_t *)"# \xff\n", 4));
	return true;
}

static bool test_op_format(void)
{
	struct pd_op op;
	char buf[128];

	memset(&op, 0, sizeof(op));
	op.code = PD_OP_SETTAG;
	op.proc = 2;
	op.vpage = 3;
	ASSERT_STREQ(pd_op_format(&op, buf, sizeof(buf)), "settag p2 vpage=3 tag=0");
	op.code = PD_OP_PIN;
	op.name = 5;
	op.flags = PD_PIN_WRITE;
	ASSERT_STREQ(pd_op_format(&op, buf, sizeof(buf)), "k5 = pin p2 vpage=3 write");
	/* A short buffer truncates, never overflows. */
	ASSERT_STREQ(pd_op_format(&op, buf, 6), "k5 = ");
	return true;
}

int main(void)
{
	static const struct test tests[] = {
		TEST(test_roundtrip_full),
		TEST(test_every_op_and_expect_form),
		TEST(test_parsed_values),
		TEST(test_canonicalization),
		TEST(test_defaults_and_no_config),
		TEST(test_names),
		TEST(test_errors),
		TEST(test_nul_rejected),
		TEST(test_encode_decode_full),
		TEST(test_validate_hand_built),
		TEST(test_looks_like_text),
		TEST(test_op_format),
	};

	return RUN_TESTS(tests);
}
