/* commands.h - the dispatcher: svcmesh-hook's command line. It reads the
 * list of subcommand rows (commands.c; each row is a struct cmd_entry,
 * command.h) and, for a hook, the actions protocol/hooks.h gives it, so
 * --help, help and what runs cannot drift apart.
 */
#ifndef SVCMESH_COMMANDS_H
#define SVCMESH_COMMANDS_H

/* Run the command line (argv[0] already removed); returns the exit code. */
int commands_main(int argc, const char **argv, const char *hook_from_argv0);

#endif
