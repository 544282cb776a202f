/* trust.c - the rule of what a consumer may open; see trust.h. */
#include <string.h>

#include "protocol/trust.h"
#include "base/k8sname.h"

static const char *service_named(const struct mesh_policy *p)
{
	return p->target_service && *p->target_service ? p->target_service : NULL;
}

/* The Service called name in items, or NULL. */
static const struct json *find_service(const struct json *items, const char *name)
{
	for (size_t i = 0; items && i < items->u.arr.n; i++) {
		const struct json *meta = json_get(items->u.arr.items[i], "metadata");
		const struct json *n = json_get(meta, "name");
		if (n && n->type == JSON_STRING && !strcmp(n->u.s, name))
			return items->u.arr.items[i];
	}
	return NULL;
}

/* Does the Service select exactly sender's pods? Else why not, in why. */
static enum trust judge_service(const char *tsvc, const char *sender, const struct service_facts *svc,
				struct strbuf *why)
{
	const struct json *s, *sel, *v;
	const char *bad;

	if (!k8s_dns_label_valid(tsvc, &bad)) {
		strbuf_addf(why, "it targets Service '%.100s', which is not a Service name (%s)", tsvc, bad);
		return TRUST_REFUSED;
	}
	if (!svc || svc->error) {
		strbuf_addf(why, "its Service '%s' cannot be read (%s): not enforced until it can be, and "
			    "what was applied for it stays", tsvc, svc ? svc->error : "the cluster was not asked");
		return TRUST_UNKNOWN;
	}
	if (!(s = find_service(svc->items, tsvc))) {
		strbuf_addf(why, "it targets Service '%s', which does not exist in this model", tsvc);
		return TRUST_REFUSED;
	}
	sel = json_get(json_get(s, "spec"), "selector");
	v = sel && sel->type == JSON_OBJECT && sel->u.obj.n == 1 ? json_get(sel, "app.kubernetes.io/name") : NULL;
	if (v && v->type == JSON_STRING && !strcmp(v->u.s, sender))
		return TRUST_OK;
	strbuf_addf(why, "it targets Service '%s', whose selector is not exactly {app.kubernetes.io/name: %s}: "
		    "a consumer may only open a Service that selects its own pods", tsvc, sender);
	return TRUST_REFUSED;
}

enum trust trust_judge(const struct mesh_policy *p, const char *sender, const char *model,
		       const struct service_facts *svc, struct strbuf *why)
{
	const char *tapp = p->target_app_name && *p->target_app_name ? p->target_app_name : NULL;
	const char *tsvc = service_named(p);
	const struct kvlist *sel = p->target_selector_labels && p->target_selector_labels->n
		? p->target_selector_labels : NULL;

	if (strcmp(p->target_namespace, model) != 0)
		strbuf_addf(why, "it targets namespace '%s', but a consumer may only open its own "
			    "workloads in this model ('%s')", p->target_namespace, model);
	else if (tapp && strcmp(tapp, sender) != 0)
		strbuf_addf(why, "it targets app '%s', but it was sent by '%s': a consumer may only "
			    "open itself", tapp, sender);
	else if (sel && (sel->n != 1 || strcmp(sel->items[0].key, "app.kubernetes.io/name") ||
			 strcmp(sel->items[0].value, sender)))
		strbuf_addf(why, "its target_selector_labels are not exactly {app.kubernetes.io/name: "
			    "%s}: a consumer may only select its own pods", sender);
	else if (tsvc && strcmp(tsvc, sender) != 0)
		return judge_service(tsvc, sender, svc, why);
	return why->len ? TRUST_REFUSED : TRUST_OK;
}

void trust_services_to_read(const struct policy_list *pl, const struct strlist *senders,
			    struct kvlist *names)
{
	for (size_t i = 0; i < pl->n; i++) {
		const char *tsvc = service_named(&pl->items[i]);
		const char *bad;

		if (tsvc && strcmp(tsvc, senders->items[i]) && k8s_dns_label_valid(tsvc, &bad) &&
		    !kvlist_get(names, tsvc))
			kvlist_append(names, tsvc, "");
	}
}
