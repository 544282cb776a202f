/* config.c - service-mesh.yaml into struct mesh_config; see config.h.
 *
 * Every mapping of the schema has a table of (key, handler) pairs; a key
 * without an entry is an error that lists the keys the table knows. The
 * parser does not stop at the first problem: each handler reports what is
 * wrong with its value ("FILE:LINE:COL: PATH: message") and the walk goes
 * on, so a charm author sees every mistake of the file at once.
 *
 * Choices beyond the schema in config.h:
 *  - relation endpoint names must match ^[a-z][a-z0-9]*([-_][a-z0-9]+)*$
 *    (Juju's endpoint syntax, accepting '_' as well as '-' between words);
 *  - service must be a DNS-1123 label (a Kubernetes Service name);
 *  - a section written as `consumer:` (null) is that section with every
 *    default; likewise `policies:` (null) is no policies;
 *  - null is refused where a string, boolean or mapping is expected; it
 *    means "absent" only where the Python model takes None (service,
 *    hosts/ports/methods/paths, unit ports).
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "formats/config.h"
#include "formats/meshnames.h"
#include "base/k8sname.h"
#include "formats/settings.h"
#include "base/strbuf.h"
#include "base/util.h"
#include "formats/yamltree.h"

#define MAX_PROBLEMS 100

const char *const config_http_methods[] = {
	"CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE",
};
const size_t config_http_methods_count = ARRAY_SIZE(config_http_methods);

struct ctx {
	const char *file;
	struct strbuf *err;
	int nerr;
	struct strbuf path;  /* dotted path of the value being read */
};

/* Make msg quote the value of scalar at, shortened: in place of the
 * whole value where the message quotes it, else appended to the message
 * ("expected an integer, got a string 'http'", "... (value 'x')"). */
static void quote_value(struct strbuf *msg, const struct ynode *at)
{
	struct strbuf raw = STRBUF_INIT, q = STRBUF_INIT;
	const char *kind = ynode_kind(at), *hit;

	strbuf_addf(&raw, "'%s'", at->value);
	strbuf_add_quoted(&q, at->value);
	if ((hit = strstr(msg->buf, raw.buf)) != NULL) {
		struct strbuf out = STRBUF_INIT;

		strbuf_add(&out, msg->buf, (size_t)(hit - msg->buf));
		strbuf_add(&out, q.buf, q.len);
		strbuf_addstr(&out, hit + raw.len);
		strbuf_reset(msg);
		strbuf_add(msg, out.buf, out.len);
		strbuf_release(&out);
	} else if (!strstr(msg->buf, q.buf)) {
		if (ends_with(msg->buf, kind))
			strbuf_addf(msg, " %s", q.buf);
		else
			strbuf_addf(msg, " (value %s)", q.buf);
	}
	strbuf_release(&raw);
	strbuf_release(&q);
}

static void problem(struct ctx *c, const struct ynode *at, const char *fmt, ...) PRINTF_LIKE(3, 4);
static void problem(struct ctx *c, const struct ynode *at, const char *fmt, ...)
{
	struct strbuf msg = STRBUF_INIT;
	va_list ap;

	if (c->nerr++ >= MAX_PROBLEMS) {
		if (c->nerr == MAX_PROBLEMS + 1)
			strbuf_addf(c->err, "%s: more than %d problems; stopping here\n",
				    c->file, MAX_PROBLEMS);
		return;
	}
	va_start(ap, fmt);
	strbuf_vaddf(&msg, fmt, ap);
	va_end(ap);
	if (at->type == Y_SCALAR && at->value && *at->value && !(at->plain && ynode_is_null(at)))
		quote_value(&msg, at);
	strbuf_addf(c->err, "%s:%d:%d: ", c->file, at->line, at->col);
	if (c->path.len)
		strbuf_addf(c->err, "%s: ", c->path.buf);
	strbuf_add(c->err, msg.buf, msg.len);
	strbuf_addch(c->err, '\n');
	strbuf_release(&msg);
}

/* Append to the dotted path of the value being read; returns the old
 * length, to be restored with strbuf_setlen(). */
static size_t push(struct ctx *c, const char *fmt, ...) PRINTF_LIKE(2, 3);
static size_t push(struct ctx *c, const char *fmt, ...)
{
	size_t old = c->path.len;
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&c->path, fmt, ap);
	va_end(ap);
	return old;
}

/* --- typed scalars --- */

static int is_null(const struct ynode *n)
{
	return !n || ynode_is_null(n);
}

static int is_string(const struct ynode *n)
{
	return n && n->type == Y_SCALAR && !ynode_is_nonstring(n);
}

/* The string value of n, or NULL after reporting what n is instead. */
static const char *want_string(struct ctx *c, const struct ynode *n)
{
	if (is_string(n))
		return n->value;
	problem(c, n, "expected a string, got %s", ynode_kind(n));
	return NULL;
}

/* A list of at most max items, or -1 after reporting what n is instead. */
static int want_list(struct ctx *c, const struct ynode *n, size_t max)
{
	if (n->type != Y_SEQ) {
		problem(c, n, "expected a list, got %s", ynode_kind(n));
		return -1;
	}
	if (n->n <= max)
		return 0;
	problem(c, n, "more than %zu entries (a mesh provider refuses the policy)", max);
	return -1;
}

static int endpoint_name_ok(const char *s)
{
	if (!(*s >= 'a' && *s <= 'z'))
		return 0;
	for (s++; *s; s++)
		if (!k8s_is_lower_alnum(*s) && !((*s == '-' || *s == '_') && k8s_is_lower_alnum(s[1])))
			return 0;
	return 1;
}

/* --- mapping walker --- */

/* A field's reader: value is where the key's value is in the YAML, dst
 * where it goes (the object, plus the field's offset). */
typedef void (*field_fn)(struct ctx *c, const struct ynode *value, void *dst);

struct field {
	const char *key;
	field_fn fn;
	int required;
	size_t offset;
};

/* A relation endpoint name into a char * (still NULL). */
static void read_endpoint_name(struct ctx *c, const struct ynode *n, void *dst)
{
	const char *s = want_string(c, n);

	if (!s)
		return;
	if (!endpoint_name_ok(s)) {
		problem(c, n, "'%s' is not a valid relation endpoint name "
			"(lower case letters and digits, words joined by '-' or '_', starting with a letter)", s);
		return;
	}
	*(char **)dst = xstrdup(s);
}

static void read_bool(struct ctx *c, const struct ynode *n, void *dst)
{
	if (ynode_bool(n, dst) < 0)
		problem(c, n, "expected a boolean (true or false), got %s", ynode_kind(n));
}

/* Optional reporter for keys not in the table: returns 1 if it said
 * something more useful than "unknown key". */
typedef int (*unknown_fn)(struct ctx *c, const struct ynode *key);

/* Walk mapping n (a null node counts as an empty mapping) with the table. */
static void walk_fields(struct ctx *c, const struct ynode *n, const struct field *fields,
			size_t nfields, void *obj, const char *where, unknown_fn unknown)
{
	int seen[8] = { 0 };

	if (nfields > ARRAY_SIZE(seen))
		die("walk_fields: table too large");
	if (!is_null(n) && n->type != Y_MAP) {
		problem(c, n, "expected a mapping, got %s", ynode_kind(n));
		return;
	}
	for (size_t i = 0; n && n->type == Y_MAP && i < n->n; i++) {
		const struct ynode *key = n->pairs[i].key;
		size_t f, old;

		for (f = 0; f < nfields; f++)
			if (!strcmp(key->value, fields[f].key))
				break;
		if (f == nfields) {
			struct strbuf known = STRBUF_INIT;

			if (unknown && unknown(c, key))
				continue;
			for (size_t k = 0; k < nfields; k++)
				strbuf_addf(&known, "%s%s", k ? ", " : "", fields[k].key);
			problem(c, key, "unknown key '%s' %s (expected %s)", key->value, where,
				known.buf);
			strbuf_release(&known);
			continue;
		}
		seen[f] = 1;
		old = push(c, "%s%s", c->path.len ? "." : "", key->value);
		fields[f].fn(c, n->pairs[i].value, (char *)obj + fields[f].offset);
		strbuf_setlen(&c->path, old);
	}
	for (size_t f = 0; f < nfields; f++)
		if (fields[f].required && !seen[f] && n)
			problem(c, n, "missing required key '%s'", fields[f].key);
}

/* --- endpoints --- */

/* s if it is an HTTP method, else NULL after saying why. */
static const char *http_method(struct ctx *c, const struct ynode *item, const char *s)
{
	size_t m = 0;

	while (m < config_http_methods_count && strcasecmp(s, config_http_methods[m]))
		m++;
	if (m == config_http_methods_count)
		problem(c, item, "'%s' is not an HTTP method (CONNECT, DELETE, GET, "
			"HEAD, OPTIONS, PATCH, POST, PUT, TRACE)", s);
	else if (strcmp(s, config_http_methods[m]))
		problem(c, item, "'%s' is not an HTTP method (write it in upper case: '%s')",
			s, config_http_methods[m]);
	else
		return s;
	return NULL;
}

/* field: Istio's name of the list ("Hosts", "Methods", "Paths"), whose
 * rules (meshnames.h istio_check_values()) each value must pass. */
static void read_strlist(struct ctx *c, const struct ynode *n, struct opt_strlist *dst,
			 const char *field)
{
	if (is_null(n) || want_list(c, n, MESH_MAX_ITEMS) < 0)
		return;  /* null: absent, as JSON null */
	dst->present = 1;
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *item = n->items[i];
		size_t old = push(c, "[%zu]", i);
		const char *s = want_string(c, item);
		struct strbuf why = STRBUF_INIT;

		if (s && strlen(s) > MESH_MAX_VALUE) {
			problem(c, item, "longer than %d bytes (a mesh provider refuses the policy)",
				MESH_MAX_VALUE);
			s = NULL;
		}
		if (s && !strcmp(field, "Methods"))
			s = http_method(c, item, s);
		if (s && istio_check_values(field, &s, 1, &why) < 0)
			problem(c, item, "'%s': Istio refuses it: %s", s, why.buf);
		else if (s)
			strlist_add(&dst->l, s);
		strbuf_release(&why);
		strbuf_setlen(&c->path, old);
	}
}

static void read_ports(struct ctx *c, const struct ynode *n, void *dst)
{
	if (is_null(n) || want_list(c, n, MESH_MAX_ITEMS) < 0)
		return;
	((struct opt_intlist *)dst)->present = 1;
	for (size_t i = 0; i < n->n; i++) {
		const struct ynode *item = n->items[i];
		size_t old = push(c, "[%zu]", i);
		long v;

		if (item->type != Y_SCALAR || strcmp(ynode_kind(item), "an integer"))
			problem(c, item, "expected an integer, got %s", ynode_kind(item));
		else if (ynode_int(item, &v) < 0 || v < 1 || v > 65535)
			problem(c, item, "'%s' is not a port (1..65535)", item->value);
		else
			opt_intlist_add(dst, (int)v);
		strbuf_setlen(&c->path, old);
	}
}

static void ep_hosts(struct ctx *c, const struct ynode *v, void *dst)
{
	read_strlist(c, v, dst, "Hosts");
}

static void ep_methods(struct ctx *c, const struct ynode *v, void *dst)
{
	read_strlist(c, v, dst, "Methods");
}

static void ep_paths(struct ctx *c, const struct ynode *v, void *dst)
{
	read_strlist(c, v, dst, "Paths");
}

#define EP(key, fn, member) { key, fn, 0, offsetof(struct mesh_endpoint, member) }
static const struct field endpoint_fields[] = {
	EP("hosts", ep_hosts, hosts),
	EP("ports", read_ports, ports),
	EP("methods", ep_methods, methods),
	EP("paths", ep_paths, paths),
};

/* --- policies --- */

static const struct {
	const char *name;
	enum policy_kind kind;
} policy_types[] = {
	{ "app", POLICY_APP },
	{ "unit", POLICY_UNIT },
	{ "policy", POLICY_DEPRECATED },
};

/* Kind named by a type value, or -1. */
static int policy_kind_of(const struct ynode *v)
{
	if (!is_string(v))
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(policy_types); i++)
		if (!strcmp(v->value, policy_types[i].name))
			return (int)policy_types[i].kind;
	return -1;
}

static void pol_type(struct ctx *c, const struct ynode *v, void *dst)
{
	int kind = policy_kind_of(v);

	if (kind >= 0)
		*(enum policy_kind *)dst = (enum policy_kind)kind;
	else if (want_string(c, v))
		problem(c, v, "'%s' is not a policy type (app, unit, or the deprecated policy)",
			v->value);
}

static void pol_service(struct ctx *c, const struct ynode *v, void *dst)
{
	const char *s, *why;

	if (is_null(v))
		return;
	s = want_string(c, v);
	if (!s)
		return;
	if (!k8s_dns_label_valid(s, &why)) {
		problem(c, v, "'%s' is not a valid Kubernetes service name: %s", s, why);
		return;
	}
	*(char **)dst = xstrdup(s);
}

static void pol_endpoints(struct ctx *c, const struct ynode *v, void *obj)
{
	struct cfg_policy *p = obj;

	if (want_list(c, v, MESH_MAX_ITEMS) < 0)
		return;
	if (v->n)
		p->endpoints = xcalloc(v->n, sizeof(*p->endpoints));
	p->nendpoints = v->n;
	for (size_t i = 0; i < v->n; i++) {
		size_t old = push(c, "[%zu]", i);

		if (is_null(v->items[i])) {
			problem(c, v->items[i], "expected a mapping, got null");
		} else {
			const struct mesh_endpoint *e = &p->endpoints[i];
			int before = c->nerr;

			walk_fields(c, v->items[i], endpoint_fields, ARRAY_SIZE(endpoint_fields),
				    &p->endpoints[i], "in endpoint", NULL);
			/* Istio refuses an operation with nothing in it */
			if (c->nerr == before && !e->ports.n && !e->hosts.l.n && !e->methods.l.n &&
			    !e->paths.l.n)
				problem(c, v->items[i], "an endpoint needs at least one port, host, method "
					"or path: Istio refuses an empty operation (`to.operation` must not "
					"be empty)");
		}
		strbuf_setlen(&c->path, old);
	}
}

/* pol_endpoints() fills endpoints and nendpoints: it gets the policy. */
#define POL(key, fn, required, member) { key, fn, required, offsetof(struct cfg_policy, member) }
#define POL_ENDPOINTS(required) { "endpoints", pol_endpoints, required, 0 }
static const struct field app_policy_fields[] = {
	POL("relation", read_endpoint_name, 1, relation),
	POL("type", pol_type, 0, kind),
	POL("service", pol_service, 0, service),
	POL_ENDPOINTS(1),
};

static const struct field unit_policy_fields[] = {
	POL("relation", read_endpoint_name, 1, relation),
	POL("type", pol_type, 0, kind),
	POL("ports", read_ports, 0, ports),
};

/* For a policy whose type is wrong: read what can be read, require only
 * the relation. */
static const struct field any_policy_fields[] = {
	POL("relation", read_endpoint_name, 1, relation),
	POL("type", pol_type, 0, kind),
	POL("service", pol_service, 0, service),
	POL_ENDPOINTS(0),
	POL("ports", read_ports, 0, ports),
};

static int is_l7_field(const char *key)
{
	return !strcmp(key, "hosts") || !strcmp(key, "methods") || !strcmp(key, "paths");
}

static int unknown_in_app_policy(struct ctx *c, const struct ynode *key)
{
	if (!strcmp(key->value, "ports")) {
		problem(c, key, "'ports' is not a key of app policies: put ports in endpoints "
			"(or use type: unit)");
		return 1;
	}
	if (is_l7_field(key->value)) {
		problem(c, key, "'%s' is not a key of app policies: put it in endpoints",
			key->value);
		return 1;
	}
	return 0;
}

static int unknown_in_unit_policy(struct ctx *c, const struct ynode *key)
{
	if (is_l7_field(key->value)) {
		problem(c, key, "unit policies take only relation, type and ports: "
			"'%s' is an L7 field", key->value);
		return 1;
	}
	if (!strcmp(key->value, "service") || !strcmp(key->value, "endpoints")) {
		problem(c, key, "unit policies take only relation, type and ports: "
			"'%s' is only for app policies", key->value);
		return 1;
	}
	return 0;
}

static void read_policy(struct ctx *c, const struct ynode *n, struct cfg_policy *p)
{
	const struct ynode *type = NULL;
	int kind = POLICY_APP;

	p->line = n->line;
	p->col = n->col;
	if (n->type != Y_MAP) {
		problem(c, n, "expected a mapping, got %s", ynode_kind(n));
		return;
	}
	for (size_t i = 0; i < n->n; i++)
		if (!strcmp(n->pairs[i].key->value, "type"))
			type = n->pairs[i].value;
	if (type)
		kind = policy_kind_of(type);
	if (kind < 0)
		walk_fields(c, n, any_policy_fields, ARRAY_SIZE(any_policy_fields), p,
			    "in policy", NULL);
	else if (kind == POLICY_UNIT)
		walk_fields(c, n, unit_policy_fields, ARRAY_SIZE(unit_policy_fields), p,
			    "in unit policy", unknown_in_unit_policy);
	else
		walk_fields(c, n, app_policy_fields, ARRAY_SIZE(app_policy_fields), p,
			    "in app policy", unknown_in_app_policy);
}

/* --- consumer --- */

static void con_policies(struct ctx *c, const struct ynode *v, void *obj)
{
	struct cfg_consumer *con = obj;

	if (is_null(v) || want_list(c, v, SIZE_MAX) < 0)
		return;
	if (v->n)
		con->policies = xcalloc(v->n, sizeof(*con->policies));
	con->npolicies = v->n;
	for (size_t i = 0; i < v->n; i++) {
		size_t old = push(c, "[%zu]", i);
		read_policy(c, v->items[i], &con->policies[i]);
		strbuf_setlen(&c->path, old);
	}
}

/* con_policies() fills policies and npolicies: it gets the consumer. */
#define CON(key, fn, member) { key, fn, 0, offsetof(struct cfg_consumer, member) }
static const struct field consumer_fields[] = {
	CON("mesh-relation", read_endpoint_name, mesh_relation),
	CON("cross-model-mesh-requires", read_endpoint_name, cmr_requires),
	CON("cross-model-mesh-provides", read_endpoint_name, cmr_provides),
	CON("auto-join", read_bool, auto_join),
	{ "policies", con_policies, 0, 0 },
};

/* --- provider --- */

static void prov_mesh_type(struct ctx *c, const struct ynode *v, void *dst)
{
	const char *s = want_string(c, v);

	if (!s)
		return;
	if (strcmp(s, "istio")) {
		problem(c, v, "'%s' is not a supported mesh type (istio)", s);
		return;
	}
	*(char **)dst = xstrdup(s);
}

/* A provider label key or value: valid as it is, or, with placeholders
 * ({model}, {app}, {unit}, {waypoint}; meshnames.h), known placeholders only
 * and valid once expanded for a sample deployment (the real expansion is
 * checked again at hook time). */
static int label_template_ok(struct ctx *c, const struct ynode *at, const char *s,
			     int (*valid)(const char *, const char **), const char *what)
{
	struct strbuf out = STRBUF_INIT, why = STRBUF_INIT;
	const char *bad = NULL;
	int ok = 1;

	if (!istio_label_has_placeholder(s)) {
		if (!valid(s, &bad)) {
			problem(c, at, "'%s' is not a valid label %s: %s", s, what, bad);
			ok = 0;
		}
	} else if (istio_expand_label(&out, s, "model", "app", "app/0", &why) < 0) {
		problem(c, at, "'%s': %s", s, why.buf);
		ok = 0;
	} else if (!valid(out.buf, &bad)) {
		problem(c, at, "'%s' is not a valid label %s once expanded (e.g. '%s'): %s", s, what,
			out.buf, bad);
		ok = 0;
	}
	strbuf_release(&out);
	strbuf_release(&why);
	return ok;
}

static void prov_labels(struct ctx *c, const struct ynode *v, void *labels)
{
	if (v->type != Y_MAP) {
		problem(c, v, "expected a mapping, got %s", ynode_kind(v));
		return;
	}
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *key = v->pairs[i].key, *val = v->pairs[i].value;
		size_t old;
		int ok = 1;

		if (ynode_is_nonstring(key)) {
			problem(c, key, "label keys must be strings; quote it: got %s",
				ynode_kind(key));
			continue;
		}
		if (!label_template_ok(c, key, key->value, k8s_label_key_valid, "key"))
			ok = 0;
		old = push(c, "['%s']", key->value);
		if (val->type != Y_SCALAR) {
			problem(c, val, "expected a string, got %s", ynode_kind(val));
			ok = 0;
		} else if (ynode_is_nonstring(val)) {
			problem(c, val, "label values must be strings; quote it: got %s",
				ynode_kind(val));
			ok = 0;
		} else if (!label_template_ok(c, val, val->value, k8s_label_value_valid, "value")) {
			ok = 0;
		}
		if (ok)
			kvlist_set(labels, key->value, val->value);
		strbuf_setlen(&c->path, old);
	}
}

#define PROV(key, fn, required, member) { key, fn, required, offsetof(struct cfg_provider, member) }
static const struct field provider_fields[] = {
	PROV("mesh-relation", read_endpoint_name, 0, mesh_relation),
	PROV("mesh-type", prov_mesh_type, 1, mesh_type),
	PROV("labels", prov_labels, 1, labels),
	PROV("manage-policies", read_bool, 0, manage_policies),
};

/* --- settings --- */

/* One reader per kind of setting. */
static void set_seconds(struct ctx *c, const struct ynode *v, void *dst)
{
	const char *kind = ynode_kind(v);

	if (strcmp(kind, "an integer") && strcmp(kind, "a number"))
		problem(c, v, "expected a number of seconds, got %s", kind);
	else if (settings_parse_seconds(v->value, dst) < 0)
		problem(c, v, "'%s' is not a number of seconds (0 < seconds <= 86400, "
			"digits with an optional fraction)", v->value);
}

static void set_jobs(struct ctx *c, const struct ynode *v, void *dst)
{
	if (strcmp(ynode_kind(v), "an integer"))
		problem(c, v, "expected an integer, got %s", ynode_kind(v));
	else if (settings_parse_jobs(v->value, dst) < 0)
		problem(c, v, "%s is not a number of parallel jobs (1..%d)", v->value, SETTINGS_MAX_JOBS);
}

static void set_path(struct ctx *c, const struct ynode *v, void *dst)
{
	const char *s = want_string(c, v);

	if (!s)
		return;
	if (!*s || strlen(s) > 4096)
		problem(c, v, "expected the path of a kubectl binary, got '%.40s'", s);
	else
		*(char **)dst = xstrdup(s);
}

/* The keys of settings: are the rows of settings.h's table. */
static void top_settings(struct ctx *c, const struct ynode *v, void *dst)
{
	static const field_fn by_kind[] = {
		[SETTING_SECONDS] = set_seconds, [SETTING_JOBS] = set_jobs,
		[SETTING_PATH] = set_path, [SETTING_BOOL] = read_bool,
	};
	const struct setting *row = settings_table;
	struct field fields[8];

	if (settings_count > ARRAY_SIZE(fields))
		die("top_settings: settings table too large");
	for (size_t i = 0; i < settings_count; i++)
		fields[i] = (struct field){ row[i].key, by_kind[row[i].kind], 0, row[i].offset };
	walk_fields(c, v, fields, settings_count, dst, "in settings", NULL);
}

/* A relative kubectl path with a '/' is relative to the config's directory. */
static void resolve_kubectl(struct mesh_config *cfg, const char *name)
{
	char *k = cfg->settings.kubectl;
	const char *slash = strrchr(name, '/');
	struct strbuf sb = STRBUF_INIT;

	if (!k || *k == '/' || !strchr(k, '/') || !slash)
		return;
	strbuf_addf(&sb, "%.*s/%s", (int)(slash - name), name, k);
	free(k);
	cfg->settings.kubectl = strbuf_detach(&sb, NULL);
}

/* --- top level --- */

static void set_default(char **s, const char *def)
{
	if (!*s)
		*s = xstrdup(def);
}

static void top_consumer(struct ctx *c, const struct ynode *v, void *dst)
{
	struct cfg_consumer *con = xcalloc(1, sizeof(*con));

	*(struct cfg_consumer **)dst = con;
	con->auto_join = 1;
	walk_fields(c, v, consumer_fields, ARRAY_SIZE(consumer_fields), con, "in consumer", NULL);
	set_default(&con->mesh_relation, "service-mesh");
	set_default(&con->cmr_requires, "require-cmr-mesh");
	set_default(&con->cmr_provides, "provide-cmr-mesh");
}

static void top_provider(struct ctx *c, const struct ynode *v, void *dst)
{
	struct cfg_provider *prov = xcalloc(1, sizeof(*prov));

	*(struct cfg_provider **)dst = prov;
	walk_fields(c, v, provider_fields, ARRAY_SIZE(provider_fields), prov, "in provider", NULL);
	set_default(&prov->mesh_relation, "service-mesh");
}

#define TOP(key, fn, member) { key, fn, 0, offsetof(struct mesh_config, member) }
static const struct field top_fields[] = {
	TOP("consumer", top_consumer, consumer),
	TOP("provider", top_provider, provider),
	TOP("settings", top_settings, settings),
};

static int config_from_tree(const char *name, const struct ynode *root,
			    struct mesh_config *cfg, struct strbuf *err)
{
	struct ctx c = { name, err, 0, STRBUF_INIT };

	if (root && !ynode_is_null(root)) {
		if (root->type != Y_MAP)
			problem(&c, root, "expected a mapping at the top level, got %s",
				ynode_kind(root));
		else
			walk_fields(&c, root, top_fields, ARRAY_SIZE(top_fields), cfg,
				    "at the top level", NULL);
	}
	strbuf_release(&c.path);
	return c.nerr ? -1 : 0;
}

/* An empty config: every setting unset (see struct cfg_settings). */
static void config_clear(struct mesh_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->settings.verbose = -1;
	cfg->settings.remember_apps = -1;
}

/* The config from the tree that yaml_load_*() returned (loaded). */
static int finish(const char *name, struct ynode *root, int loaded,
		  struct mesh_config *cfg, struct strbuf *err)
{
	int r;

	config_clear(cfg);
	r = loaded < 0 ? -1 : config_from_tree(name, root, cfg, err);
	ynode_free(root);
	if (r < 0) {
		config_release(cfg);
		return -1;
	}
	cfg->path = xstrdup(name);
	resolve_kubectl(cfg, name);
	return 0;
}

int config_load(const char *path, struct mesh_config *cfg, struct strbuf *err)
{
	struct ynode *root = NULL;
	int r = yaml_load_file(path, &root, err);

	return finish(path, root, r, cfg, err);
}

int config_parse(const char *name, const char *buf, size_t len,
		 struct mesh_config *cfg, struct strbuf *err)
{
	struct ynode *root = NULL;
	int r = yaml_load_buffer(name, buf, len, &root, err);

	return finish(name, root, r, cfg, err);
}

/* --- release and helpers --- */

void opt_intlist_add(struct opt_intlist *l, int v)
{
	ALLOC_GROW(l->items, l->n + 1, l->alloc);
	l->items[l->n++] = v;
	l->present = 1;
}

void opt_intlist_release(struct opt_intlist *l)
{
	free(l->items);
	memset(l, 0, sizeof(*l));
}

void opt_strlist_release(struct opt_strlist *l)
{
	strlist_release(&l->l);
	l->present = 0;
}

void mesh_endpoint_release(struct mesh_endpoint *e)
{
	opt_strlist_release(&e->hosts);
	opt_intlist_release(&e->ports);
	opt_strlist_release(&e->methods);
	opt_strlist_release(&e->paths);
}

static void policy_release(struct cfg_policy *p)
{
	free(p->relation);
	free(p->service);
	for (size_t i = 0; i < p->nendpoints; i++)
		mesh_endpoint_release(&p->endpoints[i]);
	free(p->endpoints);
	opt_intlist_release(&p->ports);
	memset(p, 0, sizeof(*p));
}

void config_release(struct mesh_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->path);
	if (cfg->consumer) {
		struct cfg_consumer *con = cfg->consumer;

		free(con->mesh_relation);
		free(con->cmr_requires);
		free(con->cmr_provides);
		for (size_t i = 0; i < con->npolicies; i++)
			policy_release(&con->policies[i]);
		free(con->policies);
		free(con);
	}
	if (cfg->provider) {
		struct cfg_provider *prov = cfg->provider;

		free(prov->mesh_relation);
		free(prov->mesh_type);
		kvlist_release(&prov->labels);
		free(prov);
	}
	free(cfg->settings.kubectl);
	config_clear(cfg);
}
