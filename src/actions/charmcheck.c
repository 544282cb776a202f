/* charmcheck.c - check-config: service-mesh.yaml against the charm's
 * metadata and hooks; see charmcheck.h.
 *
 * The metadata file is read through yamltree.h (libyaml stays there).
 * service-mesh.yaml is loaded twice: once by config_load() for its
 * meaning, once as a bare tree so that a finding can point at the exact
 * node that names an endpoint.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "actions/charmcheck.h"
#include "protocol/hooks.h"
#include "transports/charmstate.h"
#include "formats/config.h"
#include "base/kvlist.h"
#include "base/strbuf.h"
#include "base/util.h"
#include "formats/yamltree.h"

/* The three sections of charm metadata that declare endpoints. */
static const char *const sections[] = { "requires", "provides", "peers" };

struct endpoint {
	const char *name;
	const char *section;
	const struct ynode *key;     /* the endpoint's key in the metadata */
	const struct ynode *iface;   /* its interface scalar, NULL if none */
};

struct checker {
	struct charm_check *res;
	const char *smfile;          /* service-mesh.yaml path, as in messages */
	const char *metafile;
	const struct ynode *smroot;  /* tree of service-mesh.yaml (may be NULL) */
	struct endpoint *eps;
	size_t neps, alloc;
	int meta_ok;                 /* the metadata was read: eps is the whole list */
	const struct ynode *parts;   /* charmcraft.yaml's parts: (may be NULL) */
};

/* One line of the report: "FILE[:LINE:COL]: [warning: ]message". */
static void note(struct checker *ck, int warning, const char *file, const struct ynode *at, const char *fmt, ...)
	PRINTF_LIKE(5, 6);
static void note(struct checker *ck, int warning, const char *file, const struct ynode *at, const char *fmt, ...)
{
	va_list ap;

	if (at)
		strbuf_addf(&ck->res->out, "%s:%d:%d: ", file, at->line, at->col);
	else
		strbuf_addf(&ck->res->out, "%s: ", file);
	if (warning)
		strbuf_addstr(&ck->res->out, "warning: ");
	va_start(ap, fmt);
	strbuf_vaddf(&ck->res->out, fmt, ap);
	va_end(ap);
	strbuf_addch(&ck->res->out, '\n');
	if (warning)
		ck->res->warnings++;
	else
		ck->res->errors++;
}
#define finding(ck, ...) note((ck), 0, __VA_ARGS__)
#define warn_at(ck, ...) note((ck), 1, __VA_ARGS__)

/* Append config_load()/yaml_load_file() lines: each one is an error. */
static void add_lines(struct charm_check *res, const struct strbuf *lines)
{
	strbuf_add(&res->out, lines->buf, lines->len);
	for (size_t i = 0; i < lines->len; i++)
		if (lines->buf[i] == '\n')
			res->errors++;
}

static const struct ypair *ymap_find(const struct ynode *map, const char *key)
{
	for (size_t i = 0; map && map->type == Y_MAP && i < map->n; i++)
		if (!strcmp(map->pairs[i].key->value, key))
			return &map->pairs[i];
	return NULL;
}

static const struct endpoint *find_endpoint(const struct checker *ck, const char *name)
{
	for (size_t i = 0; i < ck->neps; i++)
		if (!strcmp(ck->eps[i].name, name))
			return &ck->eps[i];
	return NULL;
}

/* Collect the endpoints of one section, reporting badly shaped entries. */
static void read_section(struct checker *ck, const char *section, const struct ypair *sp)
{
	const struct ynode *v = sp->value;

	if (ynode_is_null(v))
		return;
	if (v->type != Y_MAP) {
		finding(ck, ck->metafile, v, "%s: expected a mapping of endpoints, got %s", section,
			ynode_kind(v));
		return;
	}
	for (size_t i = 0; i < v->n; i++) {
		const struct ynode *key = v->pairs[i].key, *ev = v->pairs[i].value;
		const struct endpoint *dup = find_endpoint(ck, key->value);
		const struct ypair *ip;
		struct endpoint *e;

		if (dup) {
			finding(ck, ck->metafile, key, "%s.%s: endpoint '%s' is also declared under %s (%d:%d)",
				section, key->value, key->value, dup->section, dup->key->line, dup->key->col);
			continue;
		}
		ALLOC_GROW(ck->eps, ck->neps + 1, ck->alloc);
		e = &ck->eps[ck->neps++];
		e->name = key->value;
		e->section = section;
		e->key = key;
		e->iface = NULL;
		if (ev->type == Y_SCALAR && !ynode_is_nonstring(ev)) {
			e->iface = ev;  /* "name: interface" shorthand */
		} else if (ev->type != Y_MAP) {
			finding(ck, ck->metafile, ev, "%s.%s: expected a mapping, got %s", section,
				key->value, ynode_kind(ev));
		} else if ((ip = ymap_find(ev, "interface")) != NULL) {
			if (ip->value->type == Y_SCALAR && !ynode_is_nonstring(ip->value))
				e->iface = ip->value;
			else
				finding(ck, ck->metafile, ip->value, "%s.%s.interface: expected a string, got %s",
					section, key->value, ynode_kind(ip->value));
		}
	}
}

static int read_metadata(struct checker *ck, struct ynode **root)
{
	struct strbuf err = STRBUF_INIT;

	if (yaml_load_file(ck->metafile, root, &err) < 0) {
		add_lines(ck->res, &err);
		strbuf_release(&err);
		return -1;
	}
	strbuf_release(&err);
	if (!*root || ynode_is_null(*root)) {
		finding(ck, ck->metafile, NULL, "empty file: no endpoints declared");
		return -1;
	}
	if ((*root)->type != Y_MAP) {
		finding(ck, ck->metafile, *root, "expected a mapping at the top level, got %s",
			ynode_kind(*root));
		return -1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(sections); i++) {
		const struct ypair *sp = ymap_find(*root, sections[i]);
		if (sp)
			read_section(ck, sections[i], sp);
	}
	return 0;
}

/* The service-mesh.yaml node behind a consumer/provider key: the value
 * when the key is written, else the section's key (the default applies). */
static const struct ynode *sm_node(const struct checker *ck, const char *section, const char *key,
				   int *is_default)
{
	const struct ypair *sp = ymap_find(ck->smroot, section), *kp;
	static const struct ynode nowhere = { .type = Y_SCALAR, .line = 1, .col = 1 };

	*is_default = 0;
	if (sp && (kp = ymap_find(sp->value, key)) != NULL)
		return kp->value;
	*is_default = 1;
	return sp ? sp->key : &nowhere;
}

/* One endpoint to which service-mesh.yaml gives a role. */
static void check_role(struct checker *ck, const char *section, const char *key, const char *name,
		       const char *want_section, const char *want_iface, const char *what)
{
	const struct endpoint *e = find_endpoint(ck, name);
	int is_default;
	const struct ynode *at = sm_node(ck, section, key, &is_default);

	if (!e) {
		finding(ck, ck->smfile, at, "%s.%s%s: no endpoint '%s' in %s: declare it under %s with interface %s",
			section, key, is_default ? " (default)" : "", name, ck->metafile, want_section, want_iface);
		return;
	}
	if (strcmp(e->section, want_section))
		finding(ck, ck->metafile, e->key, "%s.%s: %s must be under %s, not %s", e->section, name, what,
			want_section, e->section);
	if (!e->iface)
		finding(ck, ck->metafile, e->key, "%s.%s: no interface; %s needs interface %s", e->section,
			name, what, want_iface);
	else if (strcmp(e->iface->value, want_iface))
		finding(ck, ck->metafile, e->iface, "%s.%s.interface: '%s' is not %s (%s)", e->section, name,
			e->iface->value, want_iface, what);
}

/* Edit distance (insertions, deletions, substitutions and swaps of two
 * neighbours, each 1) between a and b, or more than max (then max + 1). */
static size_t edit_distance(const char *a, const char *b, size_t max)
{
	size_t la = strlen(a), lb = strlen(b), *d, best;

	if ((la > lb ? la - lb : lb - la) > max)
		return max + 1;
	d = xcalloc((la + 1) * (lb + 1), sizeof(*d));
#define D(i, j) d[(i) * (lb + 1) + (j)]
	for (size_t i = 0; i <= la; i++)
		D(i, 0) = i;
	for (size_t j = 0; j <= lb; j++)
		D(0, j) = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t v = D(i - 1, j - 1) + (a[i - 1] != b[j - 1]);
			if (D(i - 1, j) + 1 < v)
				v = D(i - 1, j) + 1;
			if (D(i, j - 1) + 1 < v)
				v = D(i, j - 1) + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && D(i - 2, j - 2) + 1 < v)
				v = D(i - 2, j - 2) + 1;
			D(i, j) = v;
		}
	best = D(la, lb);
#undef D
	free(d);
	return best > max ? max + 1 : best;
}

/* The declared endpoint closest to name (NULL when none is close: at
 * most 2 edits, and fewer than half of name's letters). */
static const char *closest_endpoint(const struct checker *ck, const char *name)
{
	size_t max = strlen(name) / 2, best = (size_t)-1;
	const char *hit = NULL;

	if (max > 2)
		max = 2;
	for (size_t i = 0; i < ck->neps; i++) {
		size_t dist = edit_distance(name, ck->eps[i].name, max);
		if (dist <= max && dist < best) {
			best = dist;
			hit = ck->eps[i].name;
		}
	}
	return hit;
}

/* What a policy's relation must not be: the endpoints of the mesh
 * protocol itself (NULL when it is none of them). */
static const char *protocol_role(const struct mesh_config *cfg, const char *relation)
{
	const struct cfg_consumer *c = cfg->consumer;

	if (c && !strcmp(relation, c->mesh_relation))
		return "the mesh relation (consumer.mesh-relation)";
	if (c && !strcmp(relation, c->cmr_requires))
		return "the cross-model mesh endpoint (consumer.cross-model-mesh-requires)";
	if (c && !strcmp(relation, c->cmr_provides))
		return "the cross-model mesh endpoint (consumer.cross-model-mesh-provides)";
	if (cfg->provider && !strcmp(relation, cfg->provider->mesh_relation))
		return "the provider's mesh relation (provider.mesh-relation)";
	return NULL;
}

/* An endpoint through which istio-ingress-k8s may route outside traffic
 * to this charm: the interfaces it provides. */
static int is_ingress(const struct endpoint *e)
{
	static const char *const ifaces[] = { "ingress", "istio_ingress_route" };

	for (size_t i = 0; e->iface && i < ARRAY_SIZE(ifaces); i++)
		if (!strcmp(e->iface->value, ifaces[i]))
			return 1;
	return 0;
}

static void check_policies(struct checker *ck, const struct mesh_config *cfg)
{
	const struct cfg_consumer *c = cfg->consumer;
	const struct ypair *cp = ymap_find(ck->smroot, "consumer");
	const struct ypair *pp = cp ? ymap_find(cp->value, "policies") : NULL;

	for (size_t i = 0; i < c->npolicies; i++) {
		const struct cfg_policy *p = &c->policies[i];
		const struct endpoint *e = find_endpoint(ck, p->relation);
		const char *role = protocol_role(cfg, p->relation), *near;
		struct ynode fallback = { .line = p->line, .col = p->col };
		const struct ynode *at = &fallback;

		if (pp && pp->value->type == Y_SEQ && i < pp->value->n) {
			const struct ypair *rp = ymap_find(pp->value->items[i], "relation");
			if (rp)
				at = rp->value;
		}
		if (role) {
			finding(ck, ck->smfile, at,
				"consumer.policies[%zu].relation: '%s' is %s: a policy names a relation whose "
				"applications call this charm, not an endpoint of the mesh protocol", i, p->relation, role);
		} else if (!e) {
			near = closest_endpoint(ck, p->relation);
			if (near)
				finding(ck, ck->smfile, at,
					"consumer.policies[%zu].relation: no endpoint '%s' in %s: did you mean '%s'?", i,
					p->relation, ck->metafile, near);
			else
				finding(ck, ck->smfile, at,
					"consumer.policies[%zu].relation: no endpoint '%s' in %s (requires, provides or peers)",
					i, p->relation, ck->metafile);
		} else if (is_ingress(e)) {
			warn_at(ck, ck->smfile, at,
				"consumer.policies[%zu].relation: '%s' is an ingress relation (interface '%s'): behind "
				"istio-ingress-k8s no policy is needed (it opens the routes it serves to its gateway "
				"itself) and this one opens this charm to the ingress charm's own pods, not to its "
				"gateway; README \"Behind an ingress\" says what other gateways need",
				i, p->relation, e->iface->value);
		} else if (!strcmp(e->section, "requires")) {
			warn_at(ck, ck->smfile, at,
				"consumer.policies[%zu].relation: '%s' is under requires: this charm is the client "
				"there and calls the related application, which needs no policy to answer; keep it "
				"only if that application also opens connections to this charm", i, p->relation);
		}
	}
}

/* The endpoint of a relation hook name ("data-relation-created" ->
 * "data"), or NULL for other hooks (caller frees). */
static char *hook_endpoint(const char *hook)
{
	const char *r = strstr(hook, "-relation-");

	return r ? xstrndup(hook, (size_t)(r - hook)) : NULL;
}

/* Does a charmcraft part put path (relative to the charm root) into the
 * charm? Then a link to it may dangle in the source tree. */
static int part_primes(const struct checker *ck, const char *path)
{
	for (size_t i = 0; ck->parts && ck->parts->type == Y_MAP && i < ck->parts->n; i++) {
		const struct ypair *pr = ymap_find(ck->parts->pairs[i].value, "prime");

		for (size_t k = 0; pr && pr->value->type == Y_SEQ && k < pr->value->n; k++) {
			const struct ynode *it = pr->value->items[k];
			if (it->type == Y_SCALAR && !strcmp(it->value, path))
				return 1;
		}
	}
	return 0;
}

/* A hook (or dispatch) that is a symlink to nothing that the charm will
 * have: its target (caller frees), else NULL. rel_dir: the link's
 * directory in the charm ("hooks"), NULL for the charm root. */
static char *dangling_target(const struct checker *ck, const char *path, const char *rel_dir)
{
	struct strbuf in_charm = STRBUF_INIT;
	struct stat st;
	char buf[4096];
	ssize_t n;
	int primed;

	if (lstat(path, &st) < 0 || !S_ISLNK(st.st_mode) || stat(path, &st) == 0 ||
	    (n = readlink(path, buf, sizeof(buf) - 1)) < 0)
		return NULL;
	buf[n] = '\0';
	/* the target as a path in the charm: hooks/../x is x */
	if (buf[0] != '/') {
		if (rel_dir && !strncmp(buf, "../", 3))
			strbuf_addstr(&in_charm, buf + 3);
		else if (rel_dir)
			strbuf_addf(&in_charm, "%s/%s", rel_dir, buf);
		else
			strbuf_addstr(&in_charm, buf);
	}
	primed = in_charm.len && part_primes(ck, in_charm.buf);
	strbuf_release(&in_charm);
	return primed ? NULL : xstrdup(buf);
}

/* One finding per missing target, however many hooks point at it. */
static void report_dangling(struct checker *ck, const struct strlist *paths, const struct strlist *targets)
{
	for (size_t i = 0; i < targets->n; i++) {
		size_t others = 0, k;

		for (k = 0; k < i && strcmp(targets->items[k], targets->items[i]); k++)
			;
		if (k < i)
			continue;   /* reported with the first link to it */
		for (k = i + 1; k < targets->n; k++)
			others += !strcmp(targets->items[k], targets->items[i]);
		if (others)
			finding(ck, paths->items[i], NULL,
				"a symlink to '%s' (as are %zu more hooks), which does not exist: Juju cannot "
				"run them (put the svcmesh-hook binary there, or build it there in a charmcraft part)",
				targets->items[i], others);
		else
			finding(ck, paths->items[i], NULL,
				"a symlink to '%s', which does not exist: Juju cannot run it (put the svcmesh-hook "
				"binary there, or build it there in a charmcraft part)", targets->items[i]);
	}
}

/* Hooks the config needs that Juju could not run (no dispatch, no file,
 * or a link to a binary that is not there). Hooks of an endpoint that the
 * metadata does not declare are left out: that mistake is reported once,
 * where the config names it, and Juju would never run those hooks. */
static void check_hooks(struct checker *ck, const char *dir, const struct mesh_config *cfg)
{
	struct strlist all = STRLIST_INIT, names = STRLIST_INIT, paths = STRLIST_INIT, targets = STRLIST_INIT;
	char *dispatch = charm_path(dir, "dispatch"), *hooks = charm_path(dir, "hooks"), *t;
	struct stat st;

	hook_names(cfg, &all);
	for (size_t i = 0; i < all.n; i++) {
		char *ep = hook_endpoint(all.items[i]);
		if (!ep || !ck->meta_ok || find_endpoint(ck, ep))
			strlist_add(&names, all.items[i]);
		free(ep);
	}
	if (!names.n) {
		/* nothing needed */
	} else if (lstat(dispatch, &st) == 0) {
		/* Juju runs dispatch for every event */
		if ((t = dangling_target(ck, dispatch, NULL)) != NULL) {
			strlist_add(&paths, dispatch);
			strlist_add_take(&targets, t);
		}
	} else if (stat(hooks, &st) < 0 || !S_ISDIR(st.st_mode)) {
		warn_at(ck, hooks, NULL,
			"no hooks directory and no dispatch file: Juju will never run svcmesh-hook (svcmesh-hook link-hooks creates the %zu hook%s)",
			names.n, names.n == 1 ? "" : "s");
	} else {
		for (size_t i = 0; i < names.n; i++) {
			char *path = charm_path(hooks, names.items[i]);

			if (lstat(path, &st) < 0) {
				warn_at(ck, path, NULL,
					"missing (and no dispatch file): Juju will not run svcmesh-hook for this event (svcmesh-hook link-hooks creates it)");
			} else if ((t = dangling_target(ck, path, "hooks")) != NULL) {
				strlist_add(&paths, path);
				strlist_add_take(&targets, t);
			}
			free(path);
		}
	}
	report_dangling(ck, &paths, &targets);
	free(dispatch);
	free(hooks);
	strlist_release(&all);
	strlist_release(&names);
	strlist_release(&paths);
	strlist_release(&targets);
}

static char *find_metafile(const char *dir)
{
	static const char *const names[] = { "metadata.yaml", "charmcraft.yaml" };
	struct stat st;

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		char *p = charm_path(dir, names[i]);
		if (stat(p, &st) == 0)
			return p;
		free(p);
	}
	return NULL;
}

int charm_check(const char *charm_dir, const char *config_path, struct charm_check *res)
{
	struct checker ck;
	struct mesh_config cfg;
	struct strbuf err = STRBUF_INIT;
	struct ynode *meta = NULL, *smroot = NULL, *crafted = NULL;
	char *craft;

	memset(&ck, 0, sizeof(ck));
	ck.res = res;
	ck.smfile = config_path;
	if (config_load(config_path, &cfg, &err) < 0) {
		add_lines(res, &err);
		strbuf_release(&err);
		config_release(&cfg);
		return res->errors;
	}
	strbuf_reset(&err);
	/* config_load() read it fine, so this cannot fail in earnest (a
	 * failure leaves smroot NULL) */
	yaml_load_file(config_path, &smroot, &err);
	strbuf_release(&err);
	ck.smroot = smroot;
	if (!cfg.consumer && !cfg.provider)
		finding(&ck, config_path, smroot && !ynode_is_null(smroot) ? smroot : NULL,
			"no consumer or provider section: svcmesh-hook would do nothing for this charm "
			"(see README.md, \"Config reference\")");

	res->metafile = find_metafile(charm_dir);
	if (!res->metafile) {
		char *p = charm_path(charm_dir, "metadata.yaml");
		finding(&ck, p, NULL, "cannot read: %s (nor charmcraft.yaml)", strerror(ENOENT));
		free(p);
	} else {
		ck.metafile = res->metafile;
		if (read_metadata(&ck, &meta) == 0) {
			const struct cfg_consumer *c = cfg.consumer;
			const struct cfg_provider *p = cfg.provider;

			ck.meta_ok = 1;
			if (c) {
				check_policies(&ck, &cfg);
				check_role(&ck, "consumer", "mesh-relation", c->mesh_relation, "requires",
					   "service_mesh", "the consumer's mesh endpoint");
				check_role(&ck, "consumer", "cross-model-mesh-requires", c->cmr_requires,
					   "requires", "cross_model_mesh",
					   "the consumer's cross-model-mesh-requires endpoint");
				check_role(&ck, "consumer", "cross-model-mesh-provides", c->cmr_provides,
					   "provides", "cross_model_mesh",
					   "the consumer's cross-model-mesh-provides endpoint");
			}
			if (p)
				check_role(&ck, "provider", "mesh-relation", p->mesh_relation, "provides",
					   "service_mesh", "the provider's mesh endpoint");
		}
	}
	/* charmcraft parts may build what hooks/ points at */
	craft = charm_path(charm_dir, "charmcraft.yaml");
	strbuf_reset(&err);
	if (yaml_load_file(craft, &crafted, &err) == 0 && crafted) {
		const struct ypair *pp = ymap_find(crafted, "parts");
		ck.parts = pp ? pp->value : NULL;
	}
	strbuf_release(&err);
	free(craft);
	check_hooks(&ck, charm_dir, &cfg);
	free(ck.eps);
	ynode_free(crafted);
	ynode_free(meta);
	ynode_free(smroot);
	config_release(&cfg);
	return res->errors;
}

void charm_check_release(struct charm_check *res)
{
	strbuf_release(&res->out);
	free(res->metafile);
	res->metafile = NULL;
	res->errors = res->warnings = 0;
}
