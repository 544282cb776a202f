/* util.h - memory helpers and error reporting shared by every module.
 *
 * Conventions (see README "Code layout"):
 *  - Modules return 0 on success and -1 on failure; error() prints the
 *    reason and returns -1 so that `return error("...")` reads naturally.
 *  - Only main() and the command functions decide the exit code.
 *  - x*alloc() never return NULL: out of memory ends the process with
 *    EXIT_FAILURE (1), which Juju treats as a failed hook to retry.
 */
#ifndef SVCMESH_UTIL_H
#define SVCMESH_UTIL_H

#include <stddef.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#define NORETURN __attribute__((noreturn))
#else
#define PRINTF_LIKE(f, a)
#define NORETURN
#endif

/* Exit codes of svcmesh-hook, shared by every command. */
enum exit_code {
	EXIT_OK = 0,      /* done (also: a hook with nothing to do) */
	EXIT_FAIL = 1,    /* a hook tool, kubectl or the system failed: retry */
	EXIT_USAGE = 2,   /* bad command line or bad service-mesh.yaml */
};

/* Allocate or die; the result is owned by the caller (free()). */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Grow *p (an array of *alloc elements of size elem) to hold at least n. */
void grow_array(void **p, size_t *alloc, size_t n, size_t elem);
#define ALLOC_GROW(p, n, alloc) grow_array((void **)&(p), &(alloc), (n), sizeof(*(p)))

/* Log MSG as an ERROR record (on stderr "svcmesh-hook: error: MSG", by
 * the rules of base/log.h) and return -1. Defined in base/log.c. */
int error(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* Print "svcmesh-hook: fatal: MSG" and exit(EXIT_FAIL). Only for
 * impossible situations (out of memory, broken invariants). */
NORETURN void die(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* 1 if s ends with suffix. */
int ends_with(const char *s, const char *suffix);

/* Read a whole file into a NUL-terminated buffer (owned by the caller).
 * Files larger than max bytes are refused. Returns -1 with errno set
 * (EFBIG for too large, EINVAL for a path that is not a regular file: a
 * named pipe, device or directory is refused at once, never waited on). */
int read_file(const char *path, size_t max, char **buf, size_t *len);

#endif
