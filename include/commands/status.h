/* status.h - status: one screen (or one JSON object) of what svcmesh-hook
 * sees for this unit, for operators (run it with juju exec).
 *
 * Facts: unit, model, config file, roles, leadership; for the consumer
 * the mesh relations, the relations its policies consider (with the
 * cross-model mapping from provide-cmr-mesh cmr_data), the computed
 * policies against the published ones (leader only: a non-leader cannot
 * read its own application databag), what the provider sent (labels,
 * mesh type) and, with auto-join, the labels wanted against those on the
 * StatefulSet pod template and the Service (one kubectl get; a kubectl
 * failure is shown in that section, not fatal); for the provider its
 * mesh relations and the policies each one sent.
 *
 * Hook tools go through jujuc.h, whose cache makes repeated questions
 * free. Nothing is written, anywhere.
 */
#ifndef SVCMESH_STATUS_H
#define SVCMESH_STATUS_H

#include "commands/commands.h"
#include "formats/json.h"
#include "base/strbuf.h"

/* Gather the facts for cfg: *facts gets a new JSON object (caller frees
 * with json_free()), text the same facts for people. Returns 0, or -1
 * after error() when a hook tool failed. */
int status_collect(const struct mesh_config *cfg, struct json **facts, struct strbuf *text);

/* status [--output text|json]: exit 0, 1 when a hook tool failed, 2 on
 * usage or config errors (also outside a Juju context). */
int status_cmd(struct cmd_ctx *ctx, int argc, const char **argv);

#endif
