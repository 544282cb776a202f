/* log.c - buffered unit log sent to juju-log; see log.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "jujuc.h"
#include "log.h"
#include "strbuf.h"

struct log_line {
	enum log_level level;
	char *text;
};

static struct log_line *lines;
static size_t nlines, alloc_lines;
static int verbose;
static struct strbuf *captured;

static const char *const level_names[] = { "DEBUG", "INFO", "WARNING", "ERROR" };

const char *log_level_name(enum log_level level)
{
	return level_names[level];
}

void log_set_verbose(int v)
{
	verbose = v;
}

void log_capture_errors(struct strbuf *sb)
{
	captured = sb;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&sb, fmt, ap);
	va_end(ap);
	if (captured && level >= LOG_ERROR) {
		if (captured->len)
			strbuf_addstr(captured, "; ");
		strbuf_addstr(captured, sb.buf);
	} else if (verbose || level >= LOG_ERROR)
		fprintf(stderr, "svcmesh-hook: %s: %s\n",
			level >= LOG_ERROR ? "error" : level_names[level], sb.buf);
	ALLOC_GROW(lines, nlines + 1, alloc_lines);
	lines[nlines].level = level;
	lines[nlines].text = strbuf_detach(&sb, NULL);
	nlines++;
}

/* One juju-log argument must stay below the kernel's per-argument limit. */
#define LOG_MAX_MESSAGE (100 * 1024)

void log_flush(void)
{
	/* Take the queue first: a failing juju-log may log again. */
	struct log_line *q = lines;
	size_t n = nlines, i;

	lines = NULL;
	nlines = alloc_lines = 0;
	/* one juju-log call per level that has lines, in the order of the
	 * levels; lines keep their order within a level */
	for (int level = LOG_DEBUG; level <= LOG_ERROR; level++) {
		struct strbuf msg = STRBUF_INIT;

		for (i = 0; i < n; i++) {
			if (q[i].level != (enum log_level)level)
				continue;
			if (msg.len)
				strbuf_addch(&msg, '\n');
			strbuf_addstr(&msg, q[i].text);
		}
		if (msg.len > LOG_MAX_MESSAGE) {
			strbuf_setlen(&msg, LOG_MAX_MESSAGE);
			strbuf_addstr(&msg, " ... (truncated)");
		}
		if (msg.len)
			juju_log(level_names[level], msg.buf);
		strbuf_release(&msg);
	}
	for (i = 0; i < n; i++)
		free(q[i].text);
	free(q);
}
