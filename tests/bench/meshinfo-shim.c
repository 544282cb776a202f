/* meshinfo-shim.c - `svcmesh-hook mesh-info` for the benchmark while the
 * subcommand is not in the dispatch table yet: the same code path
 * (provider_cmd_mesh_info()), the same statistics line, linked with
 * build/libsvcmesh.a by tests/bench/run-bench. Once `svcmesh-hook help
 * mesh-info` answers, run-bench uses the real binary and this is unused.
 *
 *   meshinfo-shim [mesh-info] [--strict]
 *
 * The config is $JUJU_CHARM_DIR/service-mesh.yaml (or $SVCMESH_CONFIG).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "jujuc.h"
#include "log.h"
#include "provider.h"
#include "stats.h"
#include "strbuf.h"
#include "util.h"

int main(int argc, char **argv)
{
	struct cmd_ctx ctx;
	struct strbuf path = STRBUF_INIT;
	const char *cfg = getenv("SVCMESH_CONFIG"), *dir = getenv("JUJU_CHARM_DIR");
	int skip = 1, rc;

	stats_start();
	signal(SIGPIPE, SIG_IGN);
	memset(&ctx, 0, sizeof(ctx));
	if (cfg && *cfg) {
		strbuf_addstr(&path, cfg);
	} else {
		strbuf_addf(&path, "%s/service-mesh.yaml", dir && *dir ? dir : ".");
	}
	ctx.config_path = path.buf;
	if (argc > 1 && !strcmp(argv[1], "mesh-info"))
		skip = 2;
	rc = provider_cmd_mesh_info(&ctx, argc - skip, (const char **)argv + skip);
	if (ctx.cfg_loaded)
		config_release(&ctx.cfg);
	log_flush();
	stats_write("mesh-info", rc);
	if (fflush(stdout) != 0 && rc == EXIT_OK)
		rc = EXIT_FAIL;
	strbuf_release(&path);
	return rc;
}
