/* main.c - entry point: decide whether we were started as a hook (legacy
 * hooks/<name> symlink) or as svcmesh-hook, attach juju-log to the log,
 * run, flush the log, and write the optional statistics line. Only main()
 * and the command functions choose the exit code. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands/dispatch.h"
#include "transports/jujuc.h"
#include "base/log.h"
#include "protocol/policy.h"
#include "transports/stats.h"
#include "base/util.h"

int main(int argc, char **argv)
{
	const char *base = argc > 0 ? strrchr(argv[0], '/') : NULL;
	const char *hook = NULL;
	int rc;

	stats_start();
	juju_attach_log();
	juju_note_keys(mesh_keys);
	base = base ? base + 1 : (argc > 0 ? argv[0] : "svcmesh-hook");
	/* A child that exits early must not kill us through a broken pipe. */
	signal(SIGPIPE, SIG_IGN);
	if (strcmp(base, "svcmesh-hook") != 0 && strcmp(base, "dispatch") != 0)
		hook = base;
	/* hooks/<hook-name> is a hook; any other name is a mistake to say,
	 * not a hook to do nothing for */
	if (hook && !juju_hook_name_valid(hook)) {
		error("started as '%.64s', which is not a Juju hook name: run it as svcmesh-hook "
		      "(svcmesh-hook COMMAND, or from dispatch), or as hooks/<hook-name> "
		      "(svcmesh-hook link-hooks creates those links)", hook);
		log_flush();
		return EXIT_USAGE;
	}
	rc = dispatch_main(argc > 0 ? argc - 1 : 0, (const char **)argv + (argc > 0), hook);
	juju_remember();
	log_flush();
	stats_write(hook ? hook : (argc > 1 ? argv[1] : "dispatch"), rc);
	if (fflush(stdout) != 0 && rc == EXIT_OK)
		rc = EXIT_FAIL;
	return rc;
}
