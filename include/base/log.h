/* log.h - the unit's log: records for juju-log, and what a person at a shell sees.
 *
 * Records: every line of a logged message is one record (one fact per
 * record), handed by log_flush() to the sink in the order logged, one call
 * each. log_flush() is called once when the command ends, whatever the
 * exit code. The sink is juju-log in a Juju context, attached by main
 * (transports/jujuc.h); with none, records reach only stderr.
 *
 * Levels: an ERROR line stays ERROR only when the command fails (the exit
 * status is non-zero: log_set_outcome(), else "an ERROR was logged");
 * when it succeeds, the ERROR lines are sent (and printed) as WARNING.
 *
 * stderr, as "svcmesh-hook: LEVEL: message" with LEVEL one of debug, info,
 * warning, error (error only when the command fails):
 *  - interactive commands (the default; also a hook whose sink is not
 *    active: no Juju context): WARNING lines at once, ERROR lines at log_flush();
 *  - hooks (log_set_hook(1)) with an active sink: the juju-log records are
 *    what the operator reads; ERROR lines are printed on stderr too when
 *    the hook fails (Juju shows the hook's stderr in debug-log as well);
 *  - --verbose (log_set_verbose(1)): every line, at once (ERROR at flush).
 */
#ifndef SVCMESH_LOG_H
#define SVCMESH_LOG_H

#include "base/util.h"

struct strbuf;

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERROR };

void log_set_verbose(int verbose);
/* 1: a hook is running (Juju reads juju-log); 0: a person ran a command. */
void log_set_hook(int is_hook);
/* Say how the command ends (failed: exit status non-zero), before log_flush(). */
void log_set_outcome(int failed);
/* Queue one message (no trailing newline needed; each line is a record). */
void log_msg(enum log_level level, const char *fmt, ...) PRINTF_LIKE(2, 3);
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
/* While sb is set (not NULL), ERROR lines are appended to sb ("; "
 * between them) instead of being printed on stderr; they still go to
 * juju-log. For commands that show an error in its place (status).
 * sb is borrowed; pass NULL to stop. */
void log_capture_errors(struct strbuf *sb);
/* Print the ERROR lines, send every queued record to the sink (within
 * the budget: at most 100 below ERROR) and free them; the outcome is
 * forgotten. */
void log_flush(void);
/* Name of a level as juju-log wants it ("DEBUG", ...). */
const char *log_level_name(enum log_level level);

/* The sink: send() takes one record (text borrowed; hook: log_set_hook()'s
 * flag; best effort) while active() says 1, which also keeps a hook's
 * WARNING and survived ERROR lines off stderr. None at the start. */
typedef void log_send_fn(enum log_level level, const char *text, int hook);
void log_set_sink(log_send_fn *send, int (*active)(void));

#endif
