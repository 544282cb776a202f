/* log.h - the unit's log: lines for juju-log, optionally mirrored to stderr.
 *
 * Lines are buffered and sent by log_flush() (called once when the
 * command ends, whatever the exit code) as one juju-log call per level
 * that has lines (DEBUG, then INFO, WARNING, ERROR), so a hook pays for one
 * or two hook-tool calls for its logging instead of one per line.
 * Outside a Juju context (no JUJU_CONTEXT_ID) nothing is sent to juju-log.
 * With --verbose (log_set_verbose(1)) every line is also printed on stderr
 * as "svcmesh-hook: LEVEL: message" the moment it is logged.
 * ERROR and CRITICAL lines always go to stderr too.
 */
#ifndef SVCMESH_LOG_H
#define SVCMESH_LOG_H

#include "util.h"

struct strbuf;

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERROR };

void log_set_verbose(int verbose);
/* Queue one line (no trailing newline needed). */
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
/* Send queued lines to juju-log (best effort: a failing juju-log is
 * reported on stderr, never fails the hook) and free them. */
void log_flush(void);
/* Name of a level as juju-log wants it ("DEBUG", ...). */
const char *log_level_name(enum log_level level);

#endif
