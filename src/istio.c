/* istio.c - MeshPolicy to Istio AuthorizationPolicy; see istio.h. */
#include <string.h>

#include "istio.h"
#include "k8sname.h"
#include "sha256.h"
#include "util.h"

static int is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int is_alnum(char c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

/* One UTF-8 character of s starts here (not a continuation byte). */
static int char_start(char c)
{
	return ((unsigned char)c & 0xC0) != 0x80;
}

int istio_label_value(struct strbuf *out, const char *s, struct strbuf *why)
{
	struct strbuf v = STRBUF_INIT;
	const char *bad = NULL;
	size_t start = 0, end;

	for (const char *p = s; *p && v.len < 63; p++) {
		char c = *p;
		if (is_alnum(c) || c == '-' || c == '_' || c == '.')
			strbuf_addch(&v, c);
		else if (char_start(c))
			strbuf_addch(&v, '-');
	}
	end = v.len;
	while (start < end && !is_alnum(v.buf[start]))
		start++;
	while (end > start && !is_alnum(v.buf[end - 1]))
		end--;
	strbuf_setlen(&v, end);
	if (start == end || !k8s_label_value_valid(v.buf + start, &bad)) {
		strbuf_addf(why, "cannot make a label value from '%.64s'%s%s", s, bad ? ": " : "",
			    bad ? bad : "");
		strbuf_release(&v);
		return -1;
	}
	strbuf_addstr(out, v.buf + start);
	strbuf_release(&v);
	return 0;
}

int istio_owner_labels(const char *app, const char *model, struct json **labels, struct strbuf *why)
{
	struct strbuf inst = STRBUF_INIT, a = STRBUF_INIT, m = STRBUF_INIT, raw = STRBUF_INIT;
	int ret = -1;

	*labels = NULL;
	strbuf_addf(&raw, "%s-%s", model, app);
	if (istio_label_value(&inst, raw.buf, why) == 0 && istio_label_value(&a, app, why) == 0 &&
	    istio_label_value(&m, model, why) == 0) {
		*labels = json_object();
		json_set(*labels, "app.kubernetes.io/instance", json_string(inst.buf));
		json_set(*labels, "kubernetes-resource-handler-scope", json_string("istio-authorization-policy"));
		json_set(*labels, "svcmesh-hook/provider", json_string(a.buf));
		json_set(*labels, "svcmesh-hook/model", json_string(m.buf));
		ret = 0;
	}
	strbuf_release(&inst);
	strbuf_release(&a);
	strbuf_release(&m);
	strbuf_release(&raw);
	return ret;
}

int istio_owner_selector(struct strbuf *out, const char *app, const char *model, struct strbuf *why)
{
	struct strbuf a = STRBUF_INIT, m = STRBUF_INIT;
	int ret = -1;

	if (istio_label_value(&a, app, why) == 0 && istio_label_value(&m, model, why) == 0) {
		strbuf_addf(out, "svcmesh-hook/provider=%s,svcmesh-hook/model=%s", a.buf, m.buf);
		ret = 0;
	}
	strbuf_release(&a);
	strbuf_release(&m);
	return ret;
}

void istio_policy_canonical(struct strbuf *out, const struct mesh_policy *p)
{
	mesh_policy_emit(out, p);
}

/* Append s as a name part: lower case, [a-z0-9.-] kept, every other
 * character one '-'; at most max characters (0: no limit). */
static void name_part(struct strbuf *out, const char *s, size_t max)
{
	size_t n = 0;

	for (; *s && (!max || n < max); s++) {
		char c = *s;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (is_lower_alnum(c) || c == '-' || c == '.') {
			strbuf_addch(out, c);
			n++;
		} else if (char_start(c)) {
			strbuf_addch(out, '-');
			n++;
		}
	}
}

static const char *nonempty(const char *s)
{
	return s && *s ? s : NULL;
}

static void build_name(struct strbuf *out, const char *const parts[5], const char *hash8, size_t max)
{
	for (int i = 0; i < 5; i++) {
		name_part(out, parts[i], max);
		strbuf_addstr(out, i == 1 ? "-policy-" : "-");
	}
	strbuf_addstr(out, hash8);
}

int istio_policy_name(struct strbuf *out, const char *app, const char *model,
		      const struct mesh_policy *p, struct strbuf *why)
{
	struct strbuf canon = STRBUF_INIT, hash = STRBUF_INIT, name = STRBUF_INIT;
	const char *target = nonempty(p->target_app_name) ? p->target_app_name
		: nonempty(p->target_service) ? p->target_service : "custom-selector";
	const char *parts[5] = { app, model, p->source_app_name, p->source_namespace, target };
	const char *bad = NULL;
	int ret = 0;

	istio_policy_canonical(&canon, p);
	sha256_hex(&hash, canon.buf, canon.len);
	strbuf_setlen(&hash, 8);
	build_name(&name, parts, hash.buf, 0);
	if (name.len > ISTIO_NAME_MAX) {
		strbuf_reset(&name);
		build_name(&name, parts, hash.buf, ISTIO_NAME_PART_MAX);
	}
	/* dots must sit between alphanumerics in a DNS-1123 subdomain */
	for (size_t i = 0; i < name.len; i++)
		if (name.buf[i] == '.' &&
		    (i == 0 || !is_lower_alnum(name.buf[i - 1]) || i + 1 == name.len ||
		     !is_lower_alnum(name.buf[i + 1])))
			name.buf[i] = '-';
	if (!k8s_dns_subdomain_valid(name.buf, &bad)) {
		strbuf_addf(why, "cannot make a valid object name from provider '%.64s' in model '%.64s': %s",
			    app, model, bad);
		ret = -1;
	} else {
		strbuf_add(out, name.buf, name.len);
	}
	strbuf_release(&canon);
	strbuf_release(&hash);
	strbuf_release(&name);
	return ret;
}

static int has_items(const struct opt_strlist *l)
{
	return l->present && l->l.n > 0;
}

static struct json *strlist_json(const struct opt_strlist *l)
{
	struct json *a = json_array();

	for (size_t i = 0; i < l->l.n; i++)
		json_append(a, json_string(l->l.items[i]));
	return a;
}

/* {"operation": {ports, hosts, methods, paths}}, null fields left out;
 * l4: ports only. */
static struct json *endpoint_to(const struct mesh_endpoint *e, int l4)
{
	struct json *to = json_object(), *op = json_object();

	if (e->ports.present) {
		struct json *ports = json_array();
		for (size_t i = 0; i < e->ports.n; i++) {
			struct strbuf sb = STRBUF_INIT;
			strbuf_addf(&sb, "%d", e->ports.items[i]);
			json_append(ports, json_string(sb.buf));
			strbuf_release(&sb);
		}
		json_set(op, "ports", ports);
	}
	if (!l4) {
		if (e->hosts.present)
			json_set(op, "hosts", strlist_json(&e->hosts));
		if (e->methods.present)
			json_set(op, "methods", strlist_json(&e->methods));
		if (e->paths.present)
			json_set(op, "paths", strlist_json(&e->paths));
	}
	json_set(to, "operation", op);
	return to;
}

static int check_unit(const struct mesh_policy *p, struct strbuf *why)
{
	for (size_t i = 0; i < p->nendpoints; i++) {
		const struct mesh_endpoint *e = &p->endpoints[i];
		if (has_items(&e->hosts) || has_items(&e->methods) || has_items(&e->paths)) {
			strbuf_addstr(why, "a unit policy cannot carry hosts, methods or paths: "
				      "ztunnel enforces unit policies at L4 (ports only); use an app policy");
			return -1;
		}
	}
	if (!nonempty(p->target_app_name) &&
	    !(p->target_selector_labels && p->target_selector_labels->n)) {
		strbuf_addstr(why, "a unit policy needs target_app_name or target_selector_labels "
			      "(an empty selector would match every workload in the namespace)");
		return -1;
	}
	return 0;
}

int istio_render_policy(const char *app, const char *model, const struct mesh_policy *p,
			struct json **obj, struct strbuf *why)
{
	struct strbuf name = STRBUF_INIT, principal = STRBUF_INIT;
	struct json *labels, *o, *md, *spec, *rules, *rule, *froms, *from, *src, *principals;
	int l4 = p->target_type == TARGET_UNIT;

	*obj = NULL;
	if (l4 && check_unit(p, why) < 0)
		return -1;
	if (!l4 && !nonempty(p->target_service) && !nonempty(p->target_app_name)) {
		strbuf_addstr(why, "an app policy needs target_app_name or target_service");
		return -1;
	}
	if (istio_policy_name(&name, app, model, p, why) < 0)
		return -1;
	if (istio_owner_labels(app, model, &labels, why) < 0) {
		strbuf_release(&name);
		return -1;
	}
	o = json_object();
	json_set(o, "apiVersion", json_string(ISTIO_AP_API_VERSION));
	json_set(o, "kind", json_string(ISTIO_AP_KIND));
	md = json_object();
	json_set(md, "name", json_string(name.buf));
	json_set(md, "namespace", json_string(p->target_namespace));
	json_set(md, "labels", labels);
	json_set(o, "metadata", md);

	spec = json_object();
	if (l4) {
		struct json *sel = json_object(), *ml = json_object();
		if (p->target_selector_labels && p->target_selector_labels->n) {
			for (size_t i = 0; i < p->target_selector_labels->n; i++)
				json_set(ml, p->target_selector_labels->items[i].key,
					 json_string(p->target_selector_labels->items[i].value));
		} else {
			json_set(ml, "app.kubernetes.io/name", json_string(p->target_app_name));
		}
		json_set(sel, "matchLabels", ml);
		json_set(spec, "selector", sel);
	} else {
		struct json *refs = json_array(), *ref = json_object();
		json_set(ref, "kind", json_string("Service"));
		json_set(ref, "group", json_string(""));
		json_set(ref, "name", json_string(nonempty(p->target_service) ? p->target_service
						  : p->target_app_name));
		json_append(refs, ref);
		json_set(spec, "targetRefs", refs);
	}
	strbuf_addf(&principal, "cluster.local/ns/%s/sa/%s", p->source_namespace, p->source_app_name);
	principals = json_array();
	json_append(principals, json_string(principal.buf));
	src = json_object();
	json_set(src, "principals", principals);
	from = json_object();
	json_set(from, "source", src);
	froms = json_array();
	json_append(froms, from);
	rule = json_object();
	json_set(rule, "from", froms);
	if (p->nendpoints) {
		struct json *to = json_array();
		for (size_t i = 0; i < p->nendpoints; i++)
			json_append(to, endpoint_to(&p->endpoints[i], l4));
		json_set(rule, "to", to);
	}
	rules = json_array();
	json_append(rules, rule);
	json_set(spec, "rules", rules);
	json_set(o, "spec", spec);

	strbuf_release(&name);
	strbuf_release(&principal);
	*obj = o;
	return 0;
}

struct json *istio_list(struct json *items)
{
	struct json *l = json_object();

	json_set(l, "apiVersion", json_string("v1"));
	json_set(l, "kind", json_string("List"));
	json_set(l, "items", items);
	return l;
}
