/* util.c - allocation, die() and small helpers; see util.h. Includes only
 * util.h: error() lives with the log queue (base/log.c). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		die("out of memory (%zu bytes)", n);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p = calloc(nmemb ? nmemb : 1, size ? size : 1);
	if (!p)
		die("out of memory");
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		die("out of memory (%zu bytes)", n);
	return q;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

void grow_array(void **p, size_t *alloc, size_t n, size_t elem)
{
	size_t want;

	if (n <= *alloc)
		return;
	want = *alloc < 8 ? 8 : *alloc * 2;
	if (want < n)
		want = n;
	if (want > (size_t)-1 / elem)
		die("array size overflow");
	*p = xrealloc(*p, want * elem);
	*alloc = want;
}

void die(const char *fmt, ...)
{
	va_list ap;

	fputs("svcmesh-hook: fatal: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_FAIL);
}

int ends_with(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);
	return ls >= lx && !memcmp(s + ls - lx, suffix, lx);
}

/* read_file() reads at least this much at a time. */
#define READ_CHUNK 8192

int read_file(const char *path, size_t max, char **buf, size_t *len)
{
	/* O_NONBLOCK: opening a FIFO with no writer must not wait */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	char *p = NULL;
	size_t n = 0, alloc = 0;
	ssize_t got = 1;
	int e;

	if (fd < 0)
		return -1;
	e = fstat(fd, &st) < 0 ? errno : !S_ISREG(st.st_mode) ? EINVAL : 0;
	while (!e && got) {
		ALLOC_GROW(p, n + READ_CHUNK + 1, alloc);
		got = read(fd, p + n, alloc - n - 1);
		if (got < 0 && errno != EINTR)
			e = errno;
		else if (got > 0 && (n += (size_t)got) > max)
			e = EFBIG;
	}
	close(fd);
	if (e) {
		free(p);
		errno = e;
		return -1;
	}
	p[n] = '\0';
	*buf = p;
	*len = n;
	return 0;
}
