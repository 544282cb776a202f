/* trust.c - the rule of what a consumer may open; see trust.h. */
#include <string.h>

#include "protocol/trust.h"

const char *trust_refusal(const struct mesh_policy *p, const char *sender, const char *model,
			  struct strbuf *why)
{
	const char *tapp = p->target_app_name && *p->target_app_name ? p->target_app_name : NULL;
	const char *tsvc = p->target_service && *p->target_service ? p->target_service : NULL;
	const struct kvlist *sel = p->target_selector_labels && p->target_selector_labels->n
		? p->target_selector_labels : NULL;

	if (strcmp(p->target_namespace, model) != 0)
		strbuf_addf(why, "it targets namespace '%s', but a consumer may only open its own "
			    "workloads in this model ('%s')", p->target_namespace, model);
	else if (tapp && strcmp(tapp, sender) != 0)
		strbuf_addf(why, "it targets app '%s', but it was sent by '%s': a consumer may only "
			    "open itself", tapp, sender);
	else if (tsvc && !tapp)
		strbuf_addf(why, "it names target_service '%s' without target_app_name: a Service "
			    "cannot be tied to the consumer that sent it", tsvc);
	else if (tsvc && strcmp(tsvc, sender) != 0)
		strbuf_addf(why, "it targets Service '%s', but it was sent by '%s': only the Service "
			    "named after the sending app (Juju's own) can be tied to it", tsvc, sender);
	else if (sel && (sel->n != 1 || strcmp(sel->items[0].key, "app.kubernetes.io/name") ||
			 strcmp(sel->items[0].value, sender)))
		strbuf_addf(why, "its target_selector_labels are not exactly {app.kubernetes.io/name: "
			    "%s}: a consumer may only select its own pods", sender);
	return why->len ? why->buf : NULL;
}
