/* dispatch.h - the dispatcher: svcmesh-hook's command line. It reads the
 * list of subcommand rows (dispatch.c; each row is a struct cmd_entry,
 * command.h, defined next to its command in cmd-<name>.c) and, for a
 * hook, the actions protocol/hooks.h gives it, so --help, help and what
 * runs cannot drift apart.
 */
#ifndef SVCMESH_DISPATCH_H
#define SVCMESH_DISPATCH_H

/* Run the command line (argv[0] already removed); returns the exit code. */
int dispatch_main(int argc, const char **argv, const char *hook_from_argv0);

#endif
