/* log.c - the unit's log: the record queue, what a person reads on stderr,
 * the per-run budget, and error(); records leave through the sink main
 * attaches (juju-log). Uses only base. See log.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/strbuf.h"

struct log_line {
	enum log_level level;
	char *text;
	int shown;   /* already on stderr (or captured): not printed again */
};

static struct log_line *lines;
static size_t nlines, alloc_lines;
static int verbose;
static int hook_mode;
static int outcome = -1;   /* -1: not said; 0: success; 1: failure */
static int nerrors;        /* ERROR lines since the last flush */
static struct strbuf *captured;
static log_send_fn *sink_send;
static int (*sink_active)(void);

static const char *const level_names[] = { "DEBUG", "INFO", "WARNING", "ERROR" };
static const char *const stderr_names[] = { "debug", "info", "warning", "error" };

const char *log_level_name(enum log_level level)
{
	return level_names[level];
}

void log_set_verbose(int v)
{
	verbose = v;
}

void log_set_hook(int is_hook)
{
	hook_mode = is_hook;
}

void log_set_outcome(int failed)
{
	outcome = failed ? 1 : 0;
}

void log_capture_errors(struct strbuf *sb)
{
	captured = sb;
}

void log_set_sink(log_send_fn *send, int (*active)(void))
{
	sink_send = send;
	sink_active = active;
}

/* Does the sink take records now? */
static int sink_on(void)
{
	return sink_send && sink_active();
}

/* Does the command fail? As said by log_set_outcome(), else: it logged an ERROR. */
static int failing(void)
{
	return outcome >= 0 ? outcome : nerrors > 0;
}

/* Do WARNING (and, at flush, ERROR) lines reach stderr? Interactively
 * always; in a hook only when the sink (juju-log) cannot take them. */
static int person_reads_stderr(void)
{
	return !hook_mode || !sink_on();
}

static void print_line(enum log_level level, const char *text)
{
	fprintf(stderr, "svcmesh-hook: %s: %s\n", stderr_names[level], text);
}

static void queue(enum log_level level, const char *text, size_t len)
{
	struct log_line *l;

	ALLOC_GROW(lines, nlines + 1, alloc_lines);
	l = &lines[nlines++];
	l->level = level;
	l->text = xstrndup(text, len);
	l->shown = 0;
	if (level >= LOG_ERROR) {
		nerrors++;
		if (captured) {
			if (captured->len)
				strbuf_addstr(captured, "; ");
			strbuf_addstr(captured, l->text);
			l->shown = 1;
		}
		/* the prefix (error: or warning:) waits for the outcome: log_flush() */
	} else if (verbose || (level == LOG_WARNING && person_reads_stderr())) {
		print_line(level, l->text);
		l->shown = 1;
	}
}

/* Queue the message fmt, ap: one record per line. */
static void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	struct strbuf sb = STRBUF_INIT;
	size_t len;

	strbuf_vaddf(&sb, fmt, ap);
	/* one fact per record: each line of a message is a record of its own */
	for (const char *p = sb.buf; *p; p += len + (p[len] == '\n')) {
		len = strcspn(p, "\n");
		if (len)
			queue(level, p, len);
	}
	strbuf_release(&sb);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

int error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_ERROR, fmt, ap);
	va_end(ap);
	return -1;
}

/* juju-log records of levels below ERROR per flush: each record is one
 * juju-log process, and a hostile peer's 10^5 bad entries must not cost
 * 10^5 of them (nor flood debug-log). ERROR records are always sent; the
 * budget goes to WARNING first, then INFO, then DEBUG, each in order. */
#define LOG_MAX_RECORDS 100

/* How many records of each level below ERROR the budget lets through. */
static void log_allowance(const struct log_line *q, size_t n, size_t allow[LOG_ERROR])
{
	size_t count[LOG_ERROR] = { 0 }, left = LOG_MAX_RECORDS;

	for (size_t i = 0; i < n; i++)
		if (q[i].level < LOG_ERROR)
			count[q[i].level]++;
	for (int level = LOG_WARNING; level >= LOG_DEBUG; level--) {
		allow[level] = count[level] < left ? count[level] : left;
		left -= allow[level];
	}
}

void log_flush(void)
{
	/* Take the queue first: a failing sink may log again. */
	struct log_line *q = lines;
	size_t n = nlines, i, allow[LOG_ERROR], left_out = 0;
	int failed = failing(), to_sink = sink_on();

	log_allowance(q, n, allow);
	lines = NULL;
	nlines = alloc_lines = 0;
	nerrors = 0;
	outcome = -1;
	for (i = 0; i < n; i++) {
		/* ERROR only when the command fails; otherwise what went wrong was
		 * survived, and that is a WARNING */
		enum log_level level = q[i].level == LOG_ERROR && !failed ? LOG_WARNING : q[i].level;

		if (!q[i].shown && q[i].level == LOG_ERROR && (verbose || person_reads_stderr() || failed))
			print_line(level, q[i].text);
		if (q[i].level < LOG_ERROR) {
			if (!allow[q[i].level]) {   /* over the budget */
				left_out++;
				free(q[i].text);
				continue;
			}
			allow[q[i].level]--;
		}
		if (to_sink)
			sink_send(level, q[i].text, hook_mode);
		free(q[i].text);
	}
	free(q);
	if (left_out && to_sink) {
		char text[200];

		snprintf(text, sizeof(text), "%zu more log records left out (at most %d per run, warnings "
			 "first); run the command by hand with --verbose to see them all", left_out, LOG_MAX_RECORDS);
		sink_send(LOG_WARNING, text, hook_mode);
	}
}
