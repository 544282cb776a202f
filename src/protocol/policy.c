/* policy.c - build, write and read MeshPolicy lists; see policy.h. */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/policy.h"
#include "base/util.h"

const char *const mesh_keys[] = { "policies", "labels", "mesh_type", "cmr_data", NULL };

/* Copies into zeroed lists. */
static void copy_strlist(struct opt_strlist *dst, const struct opt_strlist *src)
{
	dst->present = src->present;
	for (size_t i = 0; i < src->l.n; i++)
		strlist_add(&dst->l, src->l.items[i]);
}

static void copy_intlist(struct opt_intlist *dst, const struct opt_intlist *src)
{
	dst->present = src->present;
	for (size_t i = 0; i < src->n; i++)
		opt_intlist_add(dst, src->items[i]);
}

static void copy_endpoint(struct mesh_endpoint *dst, const struct mesh_endpoint *src)
{
	copy_strlist(&dst->hosts, &src->hosts);
	copy_intlist(&dst->ports, &src->ports);
	copy_strlist(&dst->methods, &src->methods);
	copy_strlist(&dst->paths, &src->paths);
}

static const struct endpoint_apps *find_endpoint(const struct endpoint_apps *rel, size_t nrel,
						 const char *endpoint)
{
	for (size_t i = 0; i < nrel; i++)
		if (!strcmp(rel[i].endpoint, endpoint))
			return &rel[i];
	return NULL;
}

static const struct cmr_entry *find_cmr(const struct cmr_entry *cmr, size_t ncmr, const char *alias)
{
	for (size_t i = 0; i < ncmr; i++)
		if (!strcmp(cmr[i].alias, alias))
			return &cmr[i];
	return NULL;
}

void policy_build(const struct cfg_consumer *c, const char *own_app, const char *model,
		  const struct endpoint_apps *rel, size_t nrel,
		  const struct cmr_entry *cmr, size_t ncmr, struct policy_list *out)
{
	for (size_t i = 0; i < c->npolicies; i++) {
		const struct cfg_policy *cp = &c->policies[i];
		const struct endpoint_apps *ea = find_endpoint(rel, nrel, cp->relation);

		for (size_t r = 0; ea && r < ea->n; r++) {
			const struct cmr_entry *x = find_cmr(cmr, ncmr, ea->apps[r]);
			struct mesh_policy *p;

			ALLOC_GROW(out->items, out->n + 1, out->alloc);
			p = &out->items[out->n++];
			memset(p, 0, sizeof(*p));
			p->source_namespace = xstrdup(x ? x->model : model);
			p->source_app_name = xstrdup(x ? x->app_name : ea->apps[r]);
			p->target_namespace = xstrdup(model);
			p->target_app_name = xstrdup(own_app);
			if (cp->kind == POLICY_UNIT) {
				p->target_type = TARGET_UNIT;
				/* Python: [Endpoint(ports=ports)] if ports else [] */
				if (cp->ports.present && cp->ports.n) {
					p->endpoints = xcalloc(1, sizeof(*p->endpoints));
					p->nendpoints = 1;
					copy_intlist(&p->endpoints[0].ports, &cp->ports);
				}
			} else {
				p->target_type = TARGET_APP;
				p->target_service = cp->service ? xstrdup(cp->service) : NULL;
				p->endpoints = cp->nendpoints ? xcalloc(cp->nendpoints, sizeof(*p->endpoints)) : NULL;
				p->nendpoints = cp->nendpoints;
				for (size_t e = 0; e < cp->nendpoints; e++)
					copy_endpoint(&p->endpoints[e], &cp->endpoints[e]);
			}
		}
	}
}

/* The text is written straight from the structs (no JSON tree in between):
 * the same bytes json_emit() would give, at a fraction of the cost. */

static void field(struct strbuf *out, const struct policy_syntax *syn, const char *sep, const char *key)
{
	strbuf_addstr(out, sep);
	strbuf_addstr(out, syn->key_open);
	strbuf_addstr(out, key);
	strbuf_addstr(out, syn->key_close);
}

static void str_field(struct strbuf *out, const struct policy_syntax *syn, const char *sep,
		      const char *key, const char *s)
{
	field(out, syn, sep, key);
	if (s)
		syn->str(out, s);
	else
		strbuf_addstr(out, syn->null);
}

/* An endpoint's list of strings, each written by str. */
static void strlist_field(struct strbuf *out, const struct policy_syntax *syn, const char *sep,
			  const char *key, const struct opt_strlist *l, void (*str)(struct strbuf *, const char *))
{
	field(out, syn, sep, key);
	if (!l->present) {
		strbuf_addstr(out, syn->null);
		return;
	}
	strbuf_addch(out, '[');
	for (size_t i = 0; i < l->l.n; i++) {
		strbuf_addstr(out, i ? ", " : "");
		str(out, l->l.items[i]);
	}
	strbuf_addch(out, ']');
}

static void write_endpoint(struct strbuf *out, const struct policy_syntax *syn, const struct mesh_endpoint *e)
{
	strbuf_addstr(out, syn->ep_open);
	strlist_field(out, syn, "", "hosts", &e->hosts, syn->str);
	field(out, syn, ", ", "ports");
	if (e->ports.present) {
		strbuf_addch(out, '[');
		for (size_t i = 0; i < e->ports.n; i++)
			strbuf_addf(out, i ? ", %d" : "%d", e->ports.items[i]);
		strbuf_addch(out, ']');
	} else {
		strbuf_addstr(out, syn->null);
	}
	strlist_field(out, syn, ", ", "methods", &e->methods, syn->method);
	strlist_field(out, syn, ", ", "paths", &e->paths, syn->str);
	strbuf_addstr(out, syn->ep_close);
}

void mesh_policy_write(struct strbuf *out, const struct mesh_policy *p, const struct policy_syntax *syn)
{
	const struct kvlist *sel = p->target_selector_labels;

	strbuf_addstr(out, syn->open);
	str_field(out, syn, "", "source_namespace", p->source_namespace);
	str_field(out, syn, syn->sep, "source_app_name", p->source_app_name);
	str_field(out, syn, syn->sep, "target_namespace", p->target_namespace);
	str_field(out, syn, syn->sep, "target_app_name", p->target_app_name);
	field(out, syn, syn->sep, "target_selector_labels");
	if (sel) {
		strbuf_addch(out, '{');
		for (size_t i = 0; i < sel->n; i++) {
			strbuf_addstr(out, i ? ", " : "");
			syn->str(out, sel->items[i].key);
			strbuf_addstr(out, ": ");
			syn->str(out, sel->items[i].value);
		}
		strbuf_addch(out, '}');
	} else {
		strbuf_addstr(out, syn->null);
	}
	str_field(out, syn, syn->sep, "target_service", p->target_service);
	field(out, syn, syn->sep, "target_type");
	strbuf_addstr(out, p->target_type == TARGET_UNIT ? syn->unit : syn->app);
	field(out, syn, syn->sep, "endpoints");
	strbuf_addch(out, '[');
	for (size_t i = 0; i < p->nendpoints; i++) {
		strbuf_addstr(out, i ? ", " : "");
		write_endpoint(out, syn, &p->endpoints[i]);
	}
	strbuf_addch(out, ']');
	strbuf_addstr(out, syn->close);
}

static void json_str(struct strbuf *out, const char *s)
{
	json_emit_string(out, s, strlen(s));
}

static const struct policy_syntax json_syntax = {
	.open = "{", .sep = ", ", .close = "}", .key_open = "\"", .key_close = "\": ",
	.ep_open = "{", .ep_close = "}", .null = "null", .app = "\"app\"", .unit = "\"unit\"",
	.str = json_str, .method = json_str,
};

void mesh_policy_emit(struct strbuf *out, const struct mesh_policy *p)
{
	mesh_policy_write(out, p, &json_syntax);
}

void policy_list_emit(struct strbuf *out, const struct policy_list *l)
{
	strbuf_addch(out, '[');
	for (size_t i = 0; i < l->n; i++) {
		strbuf_addstr(out, i ? ", " : "");
		mesh_policy_emit(out, &l->items[i]);
	}
	strbuf_addch(out, ']');
}

/* ---- reading untrusted policies ---- */

/* Names are Kubernetes names; values and lists are limited as config.h's. */
#define POLICY_MAX_NAME 253

static int PRINTF_LIKE(2, 3) why_add(struct strbuf *why, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(why, fmt, ap);
	va_end(ap);
	return -1;
}

/* "KEY is KIND 'VALUE', not WHAT": "ports[0] is a string 'x', not an
 * integer" (the value shortened; a null is just "null"). */
static int wrong_type(struct strbuf *why, const char *key, const struct json *v, const char *what)
{
	struct strbuf text = STRBUF_INIT;

	strbuf_addf(why, "%s is %s", key, json_type_name(v->type));
	if (v->type != JSON_NULL) {
		if (v->type == JSON_STRING)
			strbuf_addstr(&text, v->u.s);
		else
			json_emit(&text, v);
		strbuf_addch(why, ' ');
		strbuf_add_quoted(why, text.buf);
	}
	strbuf_addf(why, ", not %s", what);
	strbuf_release(&text);
	return -1;
}

/* -1 with why (after the prefix what) when json_first_bad() finds
 * something in v. */
static int first_bad(const struct json *v, const char *what, struct strbuf *why)
{
	struct strbuf where = STRBUF_INIT;
	const char *bad = json_first_bad(v, &where);

	if (bad)
		why_add(why, "%s%s %s", what, where.buf, bad);
	strbuf_release(&where);
	return bad ? -1 : 0;
}

/* A required (nullable = 0) or optional (nullable = 1) string field. */
static int get_str(const struct json *o, const char *key, int nullable, char **out, struct strbuf *why)
{
	const struct json *v = json_get(o, key);

	*out = NULL;
	if (!v || v->type == JSON_NULL) {
		if (nullable)
			return 0;
		return why_add(why, "%s is missing", key);
	}
	if (v->type != JSON_STRING)
		return wrong_type(why, key, v, "a string");
	if (strlen(v->u.s) > POLICY_MAX_NAME) {
		strbuf_addf(why, "%s is longer than %d characters: ", key, POLICY_MAX_NAME);
		strbuf_add_quoted(why, v->u.s);
		return -1;
	}
	*out = xstrdup(v->u.s);
	return 0;
}

static int get_strlist(const struct json *o, const char *key, struct opt_strlist *out,
		       struct strbuf *why)
{
	const struct json *v = json_get(o, key);

	memset(out, 0, sizeof(*out));
	if (!v || v->type == JSON_NULL)
		return 0;
	if (v->type != JSON_ARRAY) {
		strbuf_addf(why, "endpoint %s", key);
		return wrong_type(why, "", v, "a list");
	}
	out->present = 1;
	if (v->u.arr.n > MESH_MAX_ITEMS)
		return why_add(why, "endpoint %s has more than %d entries", key, MESH_MAX_ITEMS);
	for (size_t i = 0; i < v->u.arr.n; i++) {
		const struct json *s = v->u.arr.items[i];
		if (s->type != JSON_STRING) {
			strbuf_addf(why, "endpoint %s[%zu]", key, i);
			return wrong_type(why, "", s, "a string");
		}
		if (strlen(s->u.s) > MESH_MAX_VALUE) {
			strbuf_addf(why, "endpoint %s[%zu] is longer than %d characters: ", key, i, MESH_MAX_VALUE);
			strbuf_add_quoted(why, s->u.s);
			return -1;
		}
		if (!strcmp(key, "methods")) {
			size_t m;
			for (m = 0; m < config_http_methods_count; m++)
				if (!strcmp(config_http_methods[m], s->u.s))
					break;
			if (m == config_http_methods_count) {
				strbuf_add_quoted(why, s->u.s);
				return why_add(why, " is not an HTTP method");
			}
		}
		strlist_add(&out->l, s->u.s);
	}
	return 0;
}

/* Unicode White_Space outside ASCII, in UTF-8: pydantic reads a string as
 * an integer after Rust's str::trim(), which strips these too. */
static const char *const wide_spaces[] = {
	"\xc2\x85", "\xc2\xa0", "\xe1\x9a\x80", "\xe2\x80\x80", "\xe2\x80\x81", "\xe2\x80\x82",
	"\xe2\x80\x83", "\xe2\x80\x84", "\xe2\x80\x85", "\xe2\x80\x86", "\xe2\x80\x87",
	"\xe2\x80\x88", "\xe2\x80\x89", "\xe2\x80\x8a", "\xe2\x80\xa8", "\xe2\x80\xa9",
	"\xe2\x80\xaf", "\xe2\x81\x9f", "\xe3\x80\x80",
};

/* Length of the white space that s[0..len) starts with (at_end: ends
 * with), or 0. */
static size_t space_len(const char *s, size_t len, int at_end)
{
	char c = len ? (at_end ? s[len - 1] : s[0]) : '\0';

	if (c && strchr(" \t\n\v\f\r", c))
		return 1;
	for (size_t i = 0; i < ARRAY_SIZE(wide_spaces); i++) {
		size_t n = strlen(wide_spaces[i]);
		if (n <= len && !memcmp(at_end ? s + len - n : s, wide_spaces[i], n))
			return n;
	}
	return 0;
}

/* A port written as a string, read the way pydantic's lax mode reads an
 * int field from one: white space around it, an optional sign, digits
 * with single underscores between them, and an optional fraction of
 * zeros ("+8_080.00"). Returns 0 with *out (saturated beyond 10^7), or -1. */
static int lax_port(const char *s, long long *out)
{
	size_t len = strlen(s), n, i = 0;
	long long v = 0;
	int neg = 0, digits = 0;

	while ((n = space_len(s, len, 0)) != 0) {
		s += n;
		len -= n;
	}
	while ((n = space_len(s, len, 1)) != 0)
		len -= n;
	if (i < len && (s[i] == '+' || s[i] == '-'))
		neg = s[i++] == '-';
	for (; i < len; i++) {
		if (s[i] == '_' && digits && i + 1 < len && isdigit((unsigned char)s[i + 1]))
			continue;
		if (!isdigit((unsigned char)s[i]))
			break;
		v = v > 10000000 ? v : v * 10 + (s[i] - '0');
		digits++;
	}
	if (i < len && s[i] == '.' && i + 1 < len)
		while (++i < len && s[i] == '0')
			;
	if (!digits || i != len)
		return -1;
	*out = neg ? -v : v;
	return 0;
}

static int get_ports(const struct json *o, struct opt_intlist *out, struct strbuf *why)
{
	const struct json *v = json_get(o, "ports");

	memset(out, 0, sizeof(*out));
	if (!v || v->type == JSON_NULL)
		return 0;
	if (v->type != JSON_ARRAY)
		return wrong_type(why, "endpoint ports", v, "a list");
	out->present = 1;
	if (v->u.arr.n > MESH_MAX_ITEMS)
		return why_add(why, "endpoint ports has more than %d entries", MESH_MAX_ITEMS);
	for (size_t i = 0; i < v->u.arr.n; i++) {
		const struct json *n = v->u.arr.items[i];
		long long port;

		/* pydantic's lax int: an integral float, a bool, a numeric string */
		if (n->type == JSON_INT)
			port = n->u.i;
		else if (n->type == JSON_REAL && n->u.d == floor(n->u.d) && fabs(n->u.d) < 1e9)
			port = (long long)n->u.d;
		else if (n->type == JSON_TRUE || n->type == JSON_FALSE)
			port = n->type == JSON_TRUE;
		else if (n->type != JSON_STRING || lax_port(n->u.s, &port) < 0) {
			strbuf_addf(why, "endpoint ports[%zu]", i);
			return wrong_type(why, "", n, n->type == JSON_REAL ? "an integer (a fractional or huge number)" : "an integer");
		}
		if (port < 1 || port > 65535) {
			if (n->type == JSON_STRING)  /* its value may be saturated */
				strbuf_addf(why, "port '%s' is out of range 1..65535", n->u.s);
			else
				strbuf_addf(why, "port '%lld' is out of range 1..65535", port);
			return -1;
		}
		opt_intlist_add(out, (int)port);
	}
	return 0;
}

/* target_selector_labels: null, or an object of strings. */
static int get_selector(const struct json *v, struct mesh_policy *p, struct strbuf *why)
{
	const struct json *sel = json_get(v, "target_selector_labels");

	if (!sel || sel->type == JSON_NULL)
		return 0;
	if (sel->type != JSON_OBJECT)
		return why_add(why, "target_selector_labels is %s, not an object", json_type_name(sel->type));
	p->target_selector_labels = xcalloc(1, sizeof(*p->target_selector_labels));
	for (size_t i = 0; i < sel->u.obj.n; i++) {
		const char *key = sel->u.obj.m[i].key;
		const struct json *value = sel->u.obj.m[i].value;

		if (value->type != JSON_STRING)
			return why_add(why, "target_selector_labels['%.64s'] is not a string", key);
		kvlist_set(p->target_selector_labels, key, value->u.s);
	}
	return 0;
}

static int get_target_type(const struct json *v, enum target_type *out, struct strbuf *why)
{
	const struct json *t = json_get(v, "target_type");
	const char *s = !t || t->type == JSON_NULL ? "app" : t->type == JSON_STRING ? t->u.s : "";

	*out = strcmp(s, "unit") ? TARGET_APP : TARGET_UNIT;
	if (strcmp(s, "app") && strcmp(s, "unit"))
		return why_add(why, "target_type must be \"app\" or \"unit\"");
	return 0;
}

static int get_endpoints(const struct json *v, struct mesh_policy *p, struct strbuf *why)
{
	const struct json *eps = json_get(v, "endpoints");

	if (!eps || eps->type == JSON_NULL)
		return 0;
	if (eps->type != JSON_ARRAY)
		return why_add(why, "endpoints is %s, not a list", json_type_name(eps->type));
	if (eps->u.arr.n > MESH_MAX_ITEMS)
		return why_add(why, "endpoints has more than %d entries", MESH_MAX_ITEMS);
	p->endpoints = xcalloc(eps->u.arr.n ? eps->u.arr.n : 1, sizeof(*p->endpoints));
	for (size_t i = 0; i < eps->u.arr.n; i++) {
		const struct json *e = eps->u.arr.items[i];
		struct mesh_endpoint *me = &p->endpoints[i];

		p->nendpoints = i + 1;
		if (e->type != JSON_OBJECT)
			return why_add(why, "an endpoint is %s, not an object", json_type_name(e->type));
		if (get_strlist(e, "hosts", &me->hosts, why) < 0 || get_ports(e, &me->ports, why) < 0 ||
		    get_strlist(e, "methods", &me->methods, why) < 0 || get_strlist(e, "paths", &me->paths, why) < 0)
			return -1;
	}
	return 0;
}

/* MeshPolicy's validators on the targets and sources. */
static int check_policy(const struct mesh_policy *p, struct strbuf *why)
{
	int app = p->target_app_name && *p->target_app_name;
	int service = p->target_service && *p->target_service;
	int labels = p->target_selector_labels && p->target_selector_labels->n;

	if (p->target_type == TARGET_APP && !app && !service)
		return why_add(why, "an app policy needs target_app_name or target_service");
	if (p->target_type == TARGET_APP && labels)
		return why_add(why, "an app policy cannot have target_selector_labels");
	if (p->target_type == TARGET_UNIT && app && labels)
		return why_add(why, "a unit policy cannot have both target_app_name and target_selector_labels");
	if (p->target_type == TARGET_UNIT && service)
		return why_add(why, "a unit policy cannot have target_service");
	if (!*p->source_namespace || !*p->source_app_name)
		return why_add(why, "source_namespace and source_app_name must not be empty");
	/* they become the principal cluster.local/ns/NS/sa/APP, where Istio
	 * reads '*' as a wildcard and '/' as a separator */
	if (strpbrk(p->source_namespace, "*/") || strpbrk(p->source_app_name, "*/")) {
		why_add(why, "source_namespace and source_app_name must not contain '*' or '/': ");
		strbuf_add_quoted(why, p->source_namespace);
		strbuf_addstr(why, ", ");
		strbuf_add_quoted(why, p->source_app_name);
		return -1;
	}
	return 0;
}

int policy_from_json(const struct json *v, struct mesh_policy *p, struct strbuf *why)
{
	memset(p, 0, sizeof(*p));
	if (v->type != JSON_OBJECT)
		return wrong_type(why, "policy", v, "an object");
	if (first_bad(v, "", why) < 0)
		return -1;
	if (get_str(v, "source_namespace", 0, &p->source_namespace, why) < 0 ||
	    get_str(v, "source_app_name", 0, &p->source_app_name, why) < 0 ||
	    get_str(v, "target_namespace", 0, &p->target_namespace, why) < 0 ||
	    get_str(v, "target_app_name", 1, &p->target_app_name, why) < 0 ||
	    get_str(v, "target_service", 1, &p->target_service, why) < 0 ||
	    get_selector(v, p, why) < 0 || get_target_type(v, &p->target_type, why) < 0 ||
	    get_endpoints(v, p, why) < 0 || check_policy(p, why) < 0) {
		mesh_policy_release(p);
		return -1;
	}
	return 0;
}

void cmr_data_emit(struct strbuf *out, const char *app, const char *model)
{
	struct json *o = json_object();

	json_set(o, "app_name", json_string(app));
	json_set(o, "juju_model_name", json_string(model));
	json_emit(out, o);
	json_free(o);
}

/* Juju's own name rules (juju/names): an application name is
 * [a-z][a-z0-9]*(-[a-z0-9]*[a-z][a-z0-9]*)* (words joined by '-', each
 * after the first holding a letter); a model name is [a-z0-9]+[a-z0-9-]*.
 * So never '.', '..', '/', '*' or upper case. At most 253 characters. */
static int juju_app_name_ok(const char *s)
{
	size_t n = strlen(s);
	int letter = 0;

	if (!n || n > 253 || s[0] < 'a' || s[0] > 'z')
		return 0;
	for (size_t i = 0; i <= n; i++) {
		if (s[i] == '-' || !s[i]) {
			if (!letter)
				return 0;   /* an empty word, or one of digits only */
			letter = 0;
		} else if (s[i] >= 'a' && s[i] <= 'z') {
			letter = 1;
		} else if (s[i] < '0' || s[i] > '9') {
			return 0;
		}
	}
	return 1;
}

static int juju_model_name_ok(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-");
	return n && n <= 253 && !s[n] && s[0] != '-';
}

static int read_cmr_data(const struct json *v, char **app, char **model, struct strbuf *why)
{
	if (first_bad(v, "cmr_data ", why) < 0)
		return -1;
	if (v->type != JSON_OBJECT)
		return wrong_type(why, "cmr_data", v, "an object");
	if (get_str(v, "app_name", 0, app, why) < 0 || get_str(v, "juju_model_name", 0, model, why) < 0)
		return -1;
	if (!**app || !**model)
		return why_add(why, "cmr_data has an empty app_name or juju_model_name");
	if (!juju_app_name_ok(*app))
		return why_add(why, "cmr_data app_name '%.64s' is not a Juju application name "
			       "([a-z][a-z0-9]* words joined by '-')", *app);
	if (!juju_model_name_ok(*model))
		return why_add(why, "cmr_data juju_model_name '%.64s' is not a Juju model name "
			       "([a-z0-9] then [a-z0-9-])", *model);
	return 0;
}

int cmr_data_parse(const char *text, char **app, char **model, struct strbuf *why)
{
	struct json *v = json_parse_str_keep(text, why);
	int ret;

	*app = *model = NULL;
	if (!v)
		return -1;
	ret = read_cmr_data(v, app, model, why);
	if (ret < 0) {
		free(*app);
		free(*model);
		*app = *model = NULL;
	}
	json_free(v);
	return ret;
}

void mesh_policy_release(struct mesh_policy *p)
{
	free(p->source_namespace);
	free(p->source_app_name);
	free(p->target_namespace);
	free(p->target_app_name);
	free(p->target_service);
	if (p->target_selector_labels) {
		kvlist_release(p->target_selector_labels);
		free(p->target_selector_labels);
	}
	for (size_t i = 0; i < p->nendpoints; i++)
		mesh_endpoint_release(&p->endpoints[i]);
	free(p->endpoints);
	memset(p, 0, sizeof(*p));
}

void policy_list_release(struct policy_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		mesh_policy_release(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}
