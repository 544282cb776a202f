/* jujucache.c - the per-hook cache of hook-tool answers and the memo of
 * remote applications; see jujucache.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "transports/jujucache.h"
#include "transports/jujuenv.h"
#include "formats/settings.h"
#include "base/strbuf.h"
#include "base/util.h"

struct ids_cache {
	char *endpoint;
	struct strlist ids;
};

struct bag_cache {
	char *relid;
	char *app;
	struct kvlist data;
};

static struct ids_cache *ids_c;
static size_t ids_n, ids_alloc;
static struct kvlist apps;     /* relation id -> remote application */
static size_t from_memo;       /* apps' first entries, read from the memo file */
static struct bag_cache *bags_c;
static size_t bags_n, bags_alloc;
static int memo_loaded, memo_dirty;

static void bag_free(struct bag_cache *b)
{
	free(b->relid);
	free(b->app);
	kvlist_release(&b->data);
}

void juju_cache_reset(void)
{
	for (size_t i = 0; i < ids_n; i++) {
		free(ids_c[i].endpoint);
		strlist_release(&ids_c[i].ids);
	}
	free(ids_c);
	ids_c = NULL;
	ids_n = ids_alloc = 0;
	kvlist_release(&apps);
	from_memo = 0;
	while (bags_n)
		bag_free(&bags_c[--bags_n]);
	free(bags_c);
	bags_c = NULL;
	bags_alloc = 0;
	memo_loaded = memo_dirty = 0;
}

const struct strlist *juju_cache_ids(const char *endpoint, struct strlist *ids)
{
	struct ids_cache *e;

	for (size_t i = 0; !ids && i < ids_n; i++)
		if (!strcmp(ids_c[i].endpoint, endpoint))
			return &ids_c[i].ids;
	if (!ids)
		return NULL;
	ALLOC_GROW(ids_c, ids_n + 1, ids_alloc);
	e = &ids_c[ids_n++];
	e->endpoint = xstrdup(endpoint);
	e->ids = *ids;
	memset(ids, 0, sizeof(*ids));
	return &e->ids;
}
/* ---- remote applications remembered across hooks ----
 *
 * A relation's remote application never changes while the relation
 * exists, and Juju never gives a model's relation id to another relation,
 * so the answers of relation-list --app are kept in MEMO_FILE in the charm
 * directory (beside the ops framework's .unit-state.db) and later hooks
 * ask only about relations they have not met. The file is a cache: when
 * it is missing, unreadable or written for another unit or model it is
 * ignored, and settings.remember-apps: false (SVCMESH_REMEMBER=0) turns
 * it off.
 */
#define MEMO_FILE ".svcmesh-hook-apps"
#define MEMO_MAX_BYTES (4u * 1024 * 1024)

static char *memo_path(void)
{
	const struct juju_env *e = juju_env();
	struct strbuf sb = STRBUF_INIT;

	if (!settings_remember_apps() || !e->charm_dir || !e->unit || !juju_in_context())
		return NULL;
	strbuf_addf(&sb, "%s/%s", e->charm_dir, MEMO_FILE);
	return strbuf_detach(&sb, NULL);
}

static void memo_header(struct strbuf *sb)
{
	const char *uuid = getenv("JUJU_MODEL_UUID");

	strbuf_addf(sb, "svcmesh-hook remote apps 1 %s %s\n", juju_env()->unit,
		    uuid && *uuid ? uuid : "-");
}

/* An application or endpoint name as the memo file may hold it (s need
 * not end at len: strspn() stops at the text's NUL at the latest). */
static int memo_name(const char *s, size_t len)
{
	return len && len <= 256 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") >= len;
}

/* A relation id, "endpoint:N". */
static int memo_relid(const char *s, size_t len)
{
	const char *colon = memchr(s, ':', len);
	size_t n = colon ? len - (size_t)(colon - s) - 1 : 0;

	return colon && memo_name(s, (size_t)(colon - s)) && n && n <= 20 &&
	       strspn(colon + 1, "0123456789") >= n;
}

static void memo_load(void)
{
	struct strbuf head = STRBUF_INIT;
	char *path, *text = NULL, *p, *end;
	size_t len = 0;

	memo_loaded = 1;
	path = memo_path();
	if (!path)
		return;
	if (read_file(path, MEMO_MAX_BYTES, &text, &len) < 0) {
		memo_dirty = errno != ENOENT;
		free(path);
		return;
	}
	free(path);
	memo_header(&head);
	if (len < head.len || memcmp(text, head.buf, head.len)) {
		memo_dirty = 1;    /* another unit's or model's: replace it */
		goto out;
	}
	for (p = text + head.len, end = text + len; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p)), *sp;
		if (!nl || !(sp = memchr(p, ' ', (size_t)(nl - p))) ||
		    !memo_relid(p, (size_t)(sp - p)) || !memo_name(sp + 1, (size_t)(nl - sp - 1))) {
			/* damaged: forget all of it (nothing else is cached yet) */
			kvlist_release(&apps);
			memo_dirty = 1;
			break;
		}
		*sp = *nl = '\0';
		kvlist_set(&apps, p, sp + 1);
		p = nl + 1;
	}
	from_memo = apps.n;
out:
	free(text);
	strbuf_release(&head);
}

/* 1 if the relation of apps' entry i is worth remembering: listed by a
 * relation-ids of this run, or remembered and of an endpoint this run did
 * not list. */
static int memo_keep(size_t i)
{
	const char *relid = apps.items[i].key;
	size_t elen = strcspn(relid, ":");

	for (size_t k = 0; k < ids_n; k++) {
		if (strlen(ids_c[k].endpoint) != elen || strncmp(ids_c[k].endpoint, relid, elen))
			continue;
		return strlist_has(&ids_c[k].ids, relid);
	}
	return i < from_memo;
}

void juju_app_sources(size_t *remembered, size_t *learnt, char **memo)
{
	*remembered = from_memo;
	*learnt = apps.n - from_memo;
	*memo = memo_path();
}

void juju_remember(void)
{
	struct strbuf sb = STRBUF_INIT, tmp = STRBUF_INIT;
	char *path;
	FILE *f;

	if (!memo_loaded)
		return;
	/* written when it gains or loses a relation */
	for (size_t i = 0; i < apps.n; i++)
		if (memo_keep(i) != (i < from_memo))
			memo_dirty = 1;
	if (!memo_dirty || !(path = memo_path()))
		return;
	memo_header(&sb);
	for (size_t i = 0; i < apps.n; i++) {
		const struct kv *a = &apps.items[i];
		if (memo_keep(i) && memo_name(a->value, strlen(a->value)) && memo_relid(a->key, strlen(a->key)))
			strbuf_addf(&sb, "%s %s\n", a->key, a->value);
	}
	/* written whole under another name, then renamed over: a reader
	 * sees the old file or the new one */
	strbuf_addf(&tmp, "%s.%ld", path, (long)getpid());
	f = fopen(tmp.buf, "w");
	/* no log line: it would cost a juju-log call of its own */
	if (f && fwrite(sb.buf, 1, sb.len, f) == sb.len && fclose(f) == 0) {
		f = NULL;
		if (rename(tmp.buf, path) < 0)
			unlink(tmp.buf);
	} else {
		if (f)
			fclose(f);
		unlink(tmp.buf);
	}
	memo_dirty = 0;
	free(path);
	strbuf_release(&tmp);
	strbuf_release(&sb);
}

const char *juju_cache_app(const char *relid, const char *app)
{
	const struct juju_env *e = juju_env();
	const char *known;

	if (!memo_loaded)
		memo_load();
	if (!app && (known = kvlist_get(&apps, relid)) != NULL)
		return known;
	if (!app && e->relation_id && e->remote_app && !strcmp(e->relation_id, relid))
		app = e->remote_app;
	if (!app)
		return NULL;
	kvlist_set(&apps, relid, app);
	return kvlist_get(&apps, relid);
}

static struct bag_cache *find_bag(const char *relid, const char *app)
{
	for (size_t i = 0; i < bags_n; i++)
		if (!strcmp(bags_c[i].relid, relid) && !strcmp(bags_c[i].app, app))
			return &bags_c[i];
	return NULL;
}

struct kvlist *juju_cache_bag(const char *relid, const char *app, struct kvlist *kv)
{
	struct bag_cache *b;

	if (!kv) {
		b = find_bag(relid, app);
		return b ? &b->data : NULL;
	}
	ALLOC_GROW(bags_c, bags_n + 1, bags_alloc);
	b = &bags_c[bags_n++];
	b->relid = xstrdup(relid);
	b->app = xstrdup(app);
	b->data = *kv;
	memset(kv, 0, sizeof(*kv));
	return &b->data;
}

void juju_forget_bag(const char *relid, const char *app)
{
	struct bag_cache *b = find_bag(relid, app);

	if (b) {
		bag_free(b);
		*b = bags_c[--bags_n];
	}
}
