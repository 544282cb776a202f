/* istio.c - MeshPolicy to Istio AuthorizationPolicy, as the beacon does
 * it, checked as Istio checks it; see istio.h. */
#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/istio.h"
#include "base/k8sname.h"
#include "base/hash.h"
#include "base/util.h"

/* ---- ownership ---- */

int istio_label_value(struct strbuf *out, const char *s, struct strbuf *why)
{
	struct strbuf v = STRBUF_INIT;
	const char *bad = NULL;
	size_t start = 0, end;

	for (const char *p = s; *p && v.len < 63; p++) {
		char c = *p;
		if (k8s_is_alnum(c) || c == '-' || c == '_' || c == '.')
			strbuf_addch(&v, c);
		else if (meshnames_char_start(c))
			strbuf_addch(&v, '-');
	}
	end = v.len;
	while (start < end && !k8s_is_alnum(v.buf[start]))
		start++;
	while (end > start && !k8s_is_alnum(v.buf[end - 1]))
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

/* The instance label value, checked as a label value. */
static int instance_label(struct strbuf *out, const char *app, const char *model, struct strbuf *why)
{
	const char *bad = NULL;
	size_t old = out->len;

	if (istio_charm_label(out, model, app, "", "", 63, "-", why) < 0)
		return -1;
	if (!k8s_label_value_valid(out->buf + old, &bad)) {
		strbuf_addf(why, "the instance label '%s' of app '%.64s' in model '%.64s' is not a valid "
			    "label value: %s", out->buf + old, app, model, bad);
		strbuf_setlen(out, old);
		return -1;
	}
	return 0;
}

int istio_owner_labels(const char *app, const char *model, struct json **labels, struct strbuf *why)
{
	struct strbuf inst = STRBUF_INIT;

	*labels = NULL;
	if (instance_label(&inst, app, model, why) < 0) {
		strbuf_release(&inst);
		return -1;
	}
	*labels = json_object();
	json_set(*labels, ISTIO_INSTANCE_LABEL, json_string(inst.buf));
	json_set(*labels, ISTIO_SCOPE_LABEL, json_string(ISTIO_SCOPE_VALUE));
	strbuf_release(&inst);
	return 0;
}

void istio_owner_selector(struct strbuf *out)
{
	strbuf_addstr(out, ISTIO_SCOPE_LABEL "=" ISTIO_SCOPE_VALUE);
}

static const char *label_of(const struct json *obj, const char *key)
{
	const struct json *v = json_get(json_get(json_get(obj, "metadata"), "labels"), key);
	return v && v->type == JSON_STRING ? v->u.s : NULL;
}

int istio_is_owned(const struct json *obj, const char *app, const char *model)
{
	struct strbuf want = STRBUF_INIT, why = STRBUF_INIT, a = STRBUF_INIT, m = STRBUF_INIT;
	const char *scope = label_of(obj, ISTIO_SCOPE_LABEL), *inst = label_of(obj, ISTIO_INSTANCE_LABEL);
	const char *lp = label_of(obj, ISTIO_LEGACY_PROVIDER_LABEL), *lm = label_of(obj, ISTIO_LEGACY_MODEL_LABEL);
	int owned = 0;

	if (scope && !strcmp(scope, ISTIO_SCOPE_VALUE)) {
		if (inst && instance_label(&want, app, model, &why) == 0 && !strcmp(inst, want.buf))
			owned = 1;
		else if (lp && lm && istio_label_value(&a, app, &why) == 0 &&
			 istio_label_value(&m, model, &why) == 0 && !strcmp(lp, a.buf) && !strcmp(lm, m.buf))
			owned = 1;
	}
	strbuf_release(&want);
	strbuf_release(&why);
	strbuf_release(&a);
	strbuf_release(&m);
	return owned;
}

/* ---- str(MeshPolicy), as pydantic prints it ---- */

/* Decode one UTF-8 sequence at s (valid UTF-8: the JSON parser checked). */
static uint32_t utf8_next(const char **s)
{
	const unsigned char *p = (const unsigned char *)*s;
	int n = *p >= 0xF0 ? 3 : *p >= 0xE0 ? 2 : *p >= 0xC0 ? 1 : 0;
	/* the lead byte's bits after its 0 bit (the mask may take that 0) */
	uint32_t c = *p++ & (0x7Fu >> n);

	while (n-- > 0 && (*p & 0xC0) == 0x80)
		c = c << 6 | (*p++ & 0x3F);
	*s = (const char *)p;
	return c;
}

/* Python's str.isprintable() for the code points where it is commonly
 * false beyond ASCII: C1 controls, NBSP, soft hyphen, the separators and
 * format characters of General Punctuation, BOM, specials, private use. */
static int py_printable(uint32_t c)
{
	if (c < 0x20 || c == 0x7F || (c >= 0x80 && c <= 0xA0) || c == 0xAD)
		return 0;
	if (c == 0x1680 || (c >= 0x2000 && c <= 0x200F) || (c >= 0x2028 && c <= 0x202F) ||
	    (c >= 0x205F && c <= 0x206F) || c == 0x3000 || c == 0xFEFF || (c >= 0xFFF0 && c <= 0xFFFB) ||
	    (c >= 0xE000 && c <= 0xF8FF) || (c >= 0xD800 && c <= 0xDFFF) || c >= 0xF0000 ||
	    c == 0x061C || c == 0x180E || (c >= 0x0600 && c <= 0x0605) || c == 0x06DD || c == 0x070F)
		return 0;
	return 1;
}

/* repr(s) of a Python str. */
static void py_repr_str(struct strbuf *out, const char *s)
{
	char q = strchr(s, '\'') && !strchr(s, '"') ? '"' : '\'';

	strbuf_addch(out, q);
	while (*s) {
		const char *start = s;
		uint32_t c = utf8_next(&s);

		if (c == (uint32_t)q || c == '\\' || c == '\t' || c == '\n' || c == '\r') {
			strbuf_addch(out, '\\');
			strbuf_addch(out, c == '\t' ? 't' : c == '\n' ? 'n' : c == '\r' ? 'r' : (char)c);
		} else if (py_printable(c)) {
			strbuf_add(out, start, (size_t)(s - start));
		} else if (c <= 0xFF) {
			strbuf_addf(out, "\\x%02x", (unsigned)c);
		} else if (c <= 0xFFFF) {
			strbuf_addf(out, "\\u%04x", (unsigned)c);
		} else {
			strbuf_addf(out, "\\U%08x", (unsigned)c);
		}
	}
	strbuf_addch(out, q);
}

/* A Method member, <Method.get: 'GET'>: its name is the lower-case value. */
static void py_repr_method(struct strbuf *out, const char *s)
{
	strbuf_addstr(out, "<Method.");
	for (const char *p = s; *p; p++)
		strbuf_addch(out, (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p));
	strbuf_addstr(out, ": ");
	py_repr_str(out, s);
	strbuf_addch(out, '>');
}

static const struct policy_syntax py_syntax = {
	.open = "", .sep = " ", .close = "", .key_open = "", .key_close = "=",
	.ep_open = "Endpoint(", .ep_close = ")", .null = "None",
	.app = "<PolicyTargetType.app: 'app'>", .unit = "<PolicyTargetType.unit: 'unit'>",
	.str = py_repr_str, .method = py_repr_method,
};

void istio_policy_pyrepr(struct strbuf *out, const struct mesh_policy *p)
{
	mesh_policy_write(out, p, &py_syntax);
}

/* ---- names ---- */

/* Append s as a name part: lower case, [a-z0-9.-] kept, every other
 * character one '-'; at most max code points (0: no limit). */
static void name_part(struct strbuf *out, const char *s, size_t max)
{
	size_t n = 0;

	for (; *s && (!max || n < max || !meshnames_char_start(*s)); s++) {
		char c = *s;
		if (!meshnames_char_start(c))
			continue;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		strbuf_addch(out, k8s_is_lower_alnum(c) || c == '-' || c == '.' ? c : '-');
		n++;
	}
}

static const char *nonempty(const char *s)
{
	return s && *s ? s : NULL;
}

/* cut: 0 none, 1 the beacon's (source and target parts), 2 every part */
static void build_name(struct strbuf *out, const char *const parts[5], const char *hash8, int cut)
{
	for (int i = 0; i < 5; i++) {
		name_part(out, parts[i], cut == 2 || (cut == 1 && i >= 2) ? ISTIO_NAME_PART_MAX : 0);
		strbuf_addstr(out, i == 1 ? "-policy-" : "-");
	}
	strbuf_addstr(out, hash8);
}

int istio_policy_name(struct strbuf *out, const char *app, const char *model,
		      const struct mesh_policy *p, struct strbuf *why)
{
	struct strbuf repr = STRBUF_INIT, hash = STRBUF_INIT, name = STRBUF_INIT;
	const char *target = nonempty(p->target_app_name) ? p->target_app_name
		: nonempty(p->target_service) ? p->target_service : "custom-selector";
	const char *parts[5] = { app, model, p->source_app_name, p->source_namespace, target };
	const char *bad = NULL;
	int ret = 0;

	istio_policy_pyrepr(&repr, p);
	sha256_hex(&hash, repr.buf, repr.len);
	strbuf_setlen(&hash, 8);
	for (int cut = 0; cut <= 2; cut++) {
		strbuf_reset(&name);
		build_name(&name, parts, hash.buf, cut);
		if (name.len <= ISTIO_NAME_MAX)
			break;
	}
	/* dots must sit between alphanumerics in a DNS-1123 subdomain */
	for (size_t i = 0; i < name.len; i++)
		if (name.buf[i] == '.' &&
		    (i == 0 || !k8s_is_lower_alnum(name.buf[i - 1]) || i + 1 == name.len ||
		     !k8s_is_lower_alnum(name.buf[i + 1])))
			name.buf[i] = '-';
	if (!k8s_dns_subdomain_valid(name.buf, &bad)) {
		strbuf_addf(why, "cannot make a valid object name from provider '%.64s' in model '%.64s': %s",
			    app, model, bad);
		ret = -1;
	} else {
		strbuf_add(out, name.buf, name.len);
	}
	strbuf_release(&repr);
	strbuf_release(&hash);
	strbuf_release(&name);
	return ret;
}

/* ---- Istio's validation (pkg/config/validation) ---- */

/* The strings of JSON array a (non-strings left out: the API server's
 * schema refuses them first); an absent or empty list gives n = 0. */
static const char **strings_of(const struct json *a, size_t *n)
{
	const char **v;

	*n = 0;
	if (!a || a->type != JSON_ARRAY || !a->u.arr.n)
		return NULL;
	v = xcalloc(a->u.arr.n, sizeof(*v));
	for (size_t i = 0; i < a->u.arr.n; i++)
		if (a->u.arr.items[i]->type == JSON_STRING)
			v[(*n)++] = a->u.arr.items[i]->u.s;
	return v;
}

static size_t list_len(const struct json *a)
{
	return a && a->type == JSON_ARRAY ? a->u.arr.n : 0;
}

/* Istio's empty-value checks on list key of o, under its Go field name
 * (key with a capital: "notHosts" is NotHosts). */
static size_t check_list(const struct json *o, const char *key, struct strbuf *why)
{
	char field[32];
	size_t n;
	const char **v = strings_of(json_get(o, key), &n);
	int r;

	snprintf(field, sizeof(field), "%c%s", toupper((unsigned char)key[0]), key + 1);
	r = istio_check_values(field, v, n, why);
	free(v);
	return r < 0;
}

static size_t PRINTF_LIKE(2, 3) err(struct strbuf *why, const char *fmt, ...)
{
	va_list ap;

	if (why->len)
		strbuf_addstr(why, "; ");
	va_start(ap, fmt);
	strbuf_vaddf(why, fmt, ap);
	va_end(ap);
	return 1;
}

static size_t check_ports(const struct json *a, struct strbuf *why)
{
	size_t n, bad = 0;
	const char **v = strings_of(a, &n);

	for (size_t i = 0; i < n; i++) {
		const char *s = v[i];
		unsigned long long p = 0;
		size_t k = 0;

		for (; s[k] >= '0' && s[k] <= '9' && p <= 0xFFFFFFFFull; k++)
			p = p * 10 + (unsigned)(s[k] - '0');
		if (!k || s[k] || p > 65535)
			bad += err(why, "bad port (%s): %s", s, !k || s[k] || p > 0xFFFFFFFFull
				   ? "invalid syntax" : "<nil>");
	}
	free(v);
	return bad;
}

static const char *const src_lists[] = {
	"principals", "requestPrincipals", "namespaces", "ipBlocks", "remoteIpBlocks",
	"notPrincipals", "notRequestPrincipals", "notNamespaces", "notIpBlocks",
	"notRemoteIpBlocks", "serviceAccounts", "notServiceAccounts", "trustDomains",
	"notTrustDomains", NULL,
};
static const char *const src_checked[] = { "principals", "namespaces", "notPrincipals", "notNamespaces", NULL };
static const char *const op_lists[] = {
	"ports", "methods", "paths", "hosts", "notPorts", "notMethods", "notPaths", "notHosts", NULL,
};

/* A from.source or to.operation o of rule r must be an object holding
 * one of lists. (When it is not an object, json_get() finds nothing in
 * it: the later checks on it pass.) */
static size_t check_entry(const struct json *o, const char *what, const char *const *lists, size_t r,
			  struct strbuf *why)
{
	size_t any = 0;

	if (!o || o->type != JSON_OBJECT)
		return err(why, "`%s` must not be nil, found at rule %zu", what, r);
	for (const char *const *k = lists; *k; k++)
		any += list_len(json_get(o, *k));
	return any ? 0 : err(why, "`%s` must not be empty, found at rule %zu", what, r);
}

size_t istio_validate_spec(const struct json *spec, struct strbuf *why)
{
	const struct json *sel = json_get(spec, "selector"), *refs = json_get(spec, "targetRefs");
	const struct json *rules = json_get(spec, "rules");
	size_t bad = 0;

	if (sel && sel->type == JSON_OBJECT && list_len(refs))
		bad += err(why, "only one of targetRefs or workloadSelector can be set");
	if (sel && sel->type == JSON_OBJECT) {
		const struct json *ml = json_get(sel, "matchLabels");
		for (size_t i = 0; ml && ml->type == JSON_OBJECT && i < ml->u.obj.n; i++) {
			const char *k = ml->u.obj.m[i].key;
			const struct json *v = ml->u.obj.m[i].value;
			const char *vs = v->type == JSON_STRING ? v->u.s : "";
			if (!*k)
				bad += err(why, "empty key is not supported in selector: \"%s=%s\"", k, vs);
			if (strchr(k, '*') || strchr(vs, '*'))
				bad += err(why, "wildcard is not supported in selector: \"%s=%s\"", k, vs);
		}
	}
	for (size_t i = 0; i < list_len(refs); i++) {
		const struct json *r = refs->u.arr.items[i];
		const struct json *name = json_get(r, "name"), *ns = json_get(r, "namespace");
		const struct json *kind = json_get(r, "kind"), *group = json_get(r, "group");
		const char *k = kind && kind->type == JSON_STRING ? kind->u.s : "";
		const char *g = group && group->type == JSON_STRING ? group->u.s : "";

		if (!name || name->type != JSON_STRING || !*name->u.s)
			bad += err(why, "targetRef name must be set");
		if (ns && ns->type == JSON_STRING && *ns->u.s)
			bad += err(why, "targetRef namespace must not be set; cross namespace referencing is not supported");
		if (!((!strcmp(k, "Service") && !*g) || (!strcmp(k, "ServiceEntry") && !strcmp(g, "networking.istio.io")) ||
		      ((!strcmp(k, "Gateway") || !strcmp(k, "GatewayClass")) && !strcmp(g, "gateway.networking.k8s.io"))))
			bad += err(why, "targetRef must be to one of [core/v1/Service networking.istio.io/v1/ServiceEntry "
				   "gateway.networking.k8s.io/v1/Gateway gateway.networking.k8s.io/v1/GatewayClass] but was %s/%s",
				   g, k);
	}
	for (size_t r = 0; r < list_len(rules); r++) {
		const struct json *rule = rules->u.arr.items[r];
		const struct json *from = json_get(rule, "from"), *to = json_get(rule, "to");

		if (rule->type != JSON_OBJECT)
			bad += err(why, "`rule` must not be nil, found at rule %zu", r);
		for (size_t f = 0; f < list_len(from); f++) {
			const struct json *src = json_get(from->u.arr.items[f], "source");

			bad += check_entry(src, "from.source", src_lists, r, why);
			for (const char *const *k = src_checked; *k; k++)
				bad += check_list(src, *k, why);
		}
		for (size_t t = 0; t < list_len(to); t++) {
			const struct json *op = json_get(to->u.arr.items[t], "operation");

			bad += check_entry(op, "to.operation", op_lists, r, why);
			bad += check_ports(json_get(op, "ports"), why);
			bad += check_ports(json_get(op, "notPorts"), why);
			for (const char *const *k = op_lists; *k; k++)
				bad += check_list(op, *k, why);
		}
	}
	return bad;
}

/* ---- rendering ---- */

/* {key: v} and [v]; both take v. */
static struct json *obj1(const char *key, struct json *v)
{
	struct json *o = json_object();

	json_set(o, key, v);
	return o;
}

static struct json *arr1(struct json *v)
{
	struct json *a = json_array();

	json_append(a, v);
	return a;
}

static struct json *strlist_json(const struct opt_strlist *l)
{
	struct json *a = json_array();

	for (size_t i = 0; i < l->l.n; i++)
		json_append(a, json_string(l->l.items[i]));
	return a;
}

/* {"operation": {hosts, ports, methods, paths}} in the beacon's shape:
 * ports always ([] when none), the others when not null; l4: ports only. */
static struct json *endpoint_to(const struct mesh_endpoint *e, int l4)
{
	struct json *op = json_object(), *ports = json_array();

	if (!l4 && e->hosts.present)
		json_set(op, "hosts", strlist_json(&e->hosts));
	for (size_t i = 0; i < e->ports.n; i++) {
		char num[16];
		snprintf(num, sizeof(num), "%d", e->ports.items[i]);
		json_append(ports, json_string(num));
	}
	json_set(op, "ports", ports);
	if (!l4 && e->methods.present)
		json_set(op, "methods", strlist_json(&e->methods));
	if (!l4 && e->paths.present)
		json_set(op, "paths", strlist_json(&e->paths));
	return obj1("operation", op);
}

/* Why p cannot be rendered (istio_render_policy() says), or NULL. */
static const char *target_problem(const struct mesh_policy *p)
{
	if (p->target_type == TARGET_APP)
		return nonempty(p->target_service) || nonempty(p->target_app_name) ? NULL
			: "an app policy needs target_app_name or target_service";
	for (size_t i = 0; i < p->nendpoints; i++) {
		const struct mesh_endpoint *e = &p->endpoints[i];
		if (e->hosts.l.n || e->methods.l.n || e->paths.l.n)
			return "a unit policy cannot carry hosts, methods or paths: "
			       "ztunnel enforces unit policies at L4 (ports only); use an app policy";
	}
	if (!nonempty(p->target_app_name) && !(p->target_selector_labels && p->target_selector_labels->n))
		return "a unit policy needs target_app_name or target_selector_labels "
		       "(an empty selector would match every workload in the namespace)";
	return NULL;
}

int istio_render_policy(const char *app, const char *model, const struct mesh_policy *p,
			struct json **obj, struct strbuf *why)
{
	struct strbuf name = STRBUF_INIT, principal = STRBUF_INIT, bad = STRBUF_INIT;
	struct json *labels, *o, *md, *spec, *rule, *to;
	const char *problem = target_problem(p);
	int l4 = p->target_type == TARGET_UNIT;

	*obj = NULL;
	if (problem) {
		strbuf_addstr(why, problem);
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
		struct json *ml = p->target_selector_labels && p->target_selector_labels->n
			? json_object_from_kvlist(p->target_selector_labels)
			: obj1("app.kubernetes.io/name", json_string(p->target_app_name));
		json_set(spec, "selector", obj1("matchLabels", ml));
	} else {
		struct json *ref = json_object();
		json_set(ref, "group", json_string(""));
		json_set(ref, "kind", json_string("Service"));
		json_set(ref, "name", json_string(nonempty(p->target_service) ? p->target_service
						  : p->target_app_name));
		json_set(spec, "targetRefs", arr1(ref));
	}
	strbuf_addf(&principal, "cluster.local/ns/%s/sa/%s", p->source_namespace, p->source_app_name);
	rule = obj1("from", arr1(obj1("source", obj1("principals", arr1(json_string(principal.buf))))));
	to = json_array();
	for (size_t i = 0; i < p->nendpoints; i++)
		json_append(to, endpoint_to(&p->endpoints[i], l4));
	json_set(rule, "to", to);
	json_set(spec, "rules", arr1(rule));
	json_set(o, "spec", spec);

	strbuf_release(&name);
	strbuf_release(&principal);
	if (istio_validate_spec(spec, &bad)) {
		strbuf_addf(why, "Istio would refuse it: %s", bad.buf);
		strbuf_release(&bad);
		json_free(o);
		return -1;
	}
	strbuf_release(&bad);
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
