// SPDX-License-Identifier: MIT
/* io.c - reading inputs and writing outputs atomically. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tool.h"

int tool_is_help(const char *arg)
{
	return !strcmp(arg, "-h") || !strcmp(arg, "--help");
}

int tool_read_file(const char *path, uint8_t **buf, size_t *len, char *err, size_t errlen)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	uint8_t *b = NULL;
	size_t n = 0, cap = 0;

	*buf = NULL;
	*len = 0;
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		size_t got;

		if (n == cap) {
			uint8_t *nb;

			cap = cap ? cap * 2 : 4096;
			nb = realloc(b, cap);
			if (!nb) {
				snprintf(err, errlen, "%s: out of memory", path);
				goto fail;
			}
			b = nb;
		}
		got = fread(b + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		goto fail;
	}
	if (f != stdin)
		fclose(f);
	*buf = b;
	*len = n;
	return 0;
fail:
	free(b);
	if (f != stdin)
		fclose(f);
	return -1;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int tool_write_file(const char *path, const void *buf, size_t len, char *err, size_t errlen)
{
	char *tmp;
	int fd;

	if (!path || !strcmp(path, "-")) {
		if (fwrite(buf, 1, len, stdout) != len || fflush(stdout)) {
			snprintf(err, errlen, "stdout: write error");
			return -1;
		}
		return 0;
	}
	tmp = malloc(strlen(path) + 16);
	if (!tmp) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	sprintf(tmp, "%s.tmp.XXXXXX", path);
	fd = mkstemp(tmp);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	/* mkstemp() makes the file 0600; an output is an ordinary file. */
	if (fchmod(fd, 0644) || write_all(fd, buf, len) || fsync(fd) || close(fd)) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	if (rename(tmp, path)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	return 0;
}

int tool_load_trace(const char *path, enum tool_form form, struct pd_trace *t,
		    char *err, size_t errlen)
{
	uint8_t *buf;
	size_t len;
	int rc = 0;

	pd_trace_init(t);
	if (tool_read_file(path, &buf, &len, err, errlen))
		return -1;
	if (form == FORM_DETECT)
		form = pd_looks_like_text(buf, len) ? FORM_TEXT : FORM_BYTES;
	if (form == FORM_TEXT)
		rc = pd_trace_parse((const char *)buf, len, path, t, err, errlen);
	else
		pd_trace_decode(buf, len, t);
	free(buf);
	return rc;
}
