/* strbuf.h - growable, always NUL-terminated byte buffer (after git's strbuf).
 *
 * Ownership: a strbuf owns buf. strbuf_release() frees it and leaves an
 * empty, reusable buffer; strbuf_detach() hands buf to the caller (who
 * must free() it) and resets the strbuf. STRBUF_INIT needs no release
 * while nothing was added.
 */
#ifndef SVCMESH_STRBUF_H
#define SVCMESH_STRBUF_H

#include <stdarg.h>
#include <stddef.h>
#include "base/util.h"

struct strbuf {
	size_t alloc;
	size_t len;
	char *buf;  /* never NULL: points at a static "" until something is added */
};

extern char strbuf_slopbuf[];
#define STRBUF_INIT { 0, 0, strbuf_slopbuf }

/* Make room for at least extra more bytes. */
void strbuf_grow(struct strbuf *sb, size_t extra);
/* Append len bytes of data. */
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
/* Append a NUL-terminated string. */
void strbuf_addstr(struct strbuf *sb, const char *s);
/* Append one byte. */
void strbuf_addch(struct strbuf *sb, int c);
/* Append printf-formatted text (never truncated). */
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) PRINTF_LIKE(2, 3);
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap) PRINTF_LIKE(2, 0);
/* How many bytes of a value an error message quotes. */
#define QUOTE_MAX 60
/* Append s for a message: at most max bytes of it (cut at a UTF-8
 * character boundary, "..." added when cut), control characters, quotes
 * and backslashes written as \n, \t, \', \\ or \xNN, so one line stays one line. */
void strbuf_add_shortened(struct strbuf *sb, const char *s, size_t max);
/* Append 'S', shortened to QUOTE_MAX: how errors quote a value. */
void strbuf_add_quoted(struct strbuf *sb, const char *s);
/* Shorten to len bytes (len <= sb->len). */
void strbuf_setlen(struct strbuf *sb, size_t len);
#define strbuf_reset(sb) strbuf_setlen((sb), 0)
/* Drop trailing whitespace. */
void strbuf_rtrim(struct strbuf *sb);
/* Free the buffer; sb is empty and reusable afterwards. */
void strbuf_release(struct strbuf *sb);
/* Hand the buffer to the caller (free() it); sb is reset. *len may be NULL. */
char *strbuf_detach(struct strbuf *sb, size_t *len);

#endif
