/* kube.c - the kubectl client; see kube.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "kube.h"
#include "run.h"
#include "stats.h"
#include "strbuf.h"
#include "util.h"

#define KUBE_MAX_ARGS 32

static int kube_timeout_ms(void)
{
	const char *v = getenv("SVCMESH_KUBECTL_TIMEOUT");
	char *end;
	double s;

	if (v && *v) {
		s = strtod(v, &end);
		if (!*end && s > 0 && s <= 86400)
			return (int)(s * 1000);
	}
	return run_default_timeout_ms();
}

static const char *kubectl_path(void)
{
	const char *k = getenv("SVCMESH_KUBECTL");
	return k && *k ? k : "kubectl";
}

/* Run kubectl [--namespace NS] --request-timeout=T ARGS...; stdout in out. */
static int kubectl(const char *ns, const char *const *args, const char *in, size_t in_len,
		   unsigned writes, struct strbuf *out)
{
	const char *argv[KUBE_MAX_ARGS + 6];
	char nsopt[300], timeout[64];
	struct child c = CHILD_INIT;
	size_t n = 0;
	int ms = kube_timeout_ms();

	argv[n++] = kubectl_path();
	if (ns) {
		if (snprintf(nsopt, sizeof(nsopt), "--namespace=%s", ns) >= (int)sizeof(nsopt))
			return error("namespace name too long: %.64s...", ns);
		argv[n++] = nsopt;
	}
	/* the API request gives up a little before we kill the process, so the
	 * message is kubectl's own timeout when the server is slow */
	snprintf(timeout, sizeof(timeout), "--request-timeout=%dms", ms - (ms / 4 < 1000 ? ms / 4 : 1000));
	argv[n++] = timeout;
	for (size_t i = 0; args[i]; i++) {
		if (n >= ARRAY_SIZE(argv) - 1)
			return error("too many kubectl arguments");
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	c.argv = argv;
	c.in = in;
	c.in_len = in_len;
	c.timeout_ms = ms;
	stats.kubectl_calls++;
	stats.kube_writes += writes;
	if (run_child(&c) < 0) {
		child_release(&c);
		return -1;
	}
	if (out)
		strbuf_add(out, c.out.buf, c.out.len);
	child_release(&c);
	return 0;
}

/* kubectl -o json prints an object, a List, or nothing at all. */
static int items_of(const char *what, struct strbuf *out, struct json **items)
{
	struct strbuf why = STRBUF_INIT;
	struct json *v, *arr;
	const struct json *list;

	*items = json_array();
	if (!out->len)
		return 0;
	v = json_parse_strbuf(out, &why);
	if (!v) {
		int r = error("kubectl %s printed something that is not JSON: %s", what, why.buf);
		strbuf_release(&why);
		return r;
	}
	strbuf_release(&why);
	list = json_get(v, "items");
	if (list && list->type == JSON_ARRAY) {
		arr = *items;
		for (size_t i = 0; i < list->u.arr.n; i++)
			json_append(arr, json_copy(list->u.arr.items[i]));
		json_free(v);
	} else if (v->type == JSON_OBJECT) {
		json_append(*items, v);
	} else {
		json_free(v);
		return error("kubectl %s printed JSON that is not an object", what);
	}
	return 0;
}

int kube_get(const char *ns, const char *const *names, size_t n, struct json **items)
{
	const char *args[KUBE_MAX_ARGS];
	struct strbuf out = STRBUF_INIT;
	size_t k = 0;
	int ret;

	*items = NULL;
	if (n > KUBE_MAX_ARGS - 6)
		return error("too many objects for one kubectl get");
	args[k++] = "get";
	for (size_t i = 0; i < n; i++)
		args[k++] = names[i];
	args[k++] = "--output=json";
	args[k++] = "--ignore-not-found";
	args[k] = NULL;
	ret = kubectl(ns, args, NULL, 0, 0, &out);
	if (ret == 0)
		ret = items_of("get", &out, items);
	strbuf_release(&out);
	return ret;
}

int kube_patch_merge(const char *ns, const char *name, const struct json *patch)
{
	struct strbuf p = STRBUF_INIT;
	/* on stdin, never as one argument: a patch may be far larger than
	 * the kernel's limit on one (128 KiB); every kubectl since 1.20 has
	 * --patch-file */
	const char *args[] = { "patch", name, "--type=merge", "--patch-file=/dev/stdin", NULL };
	int ret;

	json_emit(&p, patch);
	ret = kubectl(ns, args, p.buf, p.len, 1, NULL);
	strbuf_release(&p);
	return ret;
}

int kube_create(const char *ns, const struct json *obj)
{
	struct strbuf in = STRBUF_INIT;
	const char *args[] = { "create", "--filename=-", NULL };
	int ret;

	json_emit(&in, obj);
	ret = kubectl(ns, args, in.buf, in.len, 1, NULL);
	strbuf_release(&in);
	return ret;
}

int kube_delete(const char *ns, const char *name)
{
	const char *args[] = { "delete", name, "--ignore-not-found", "--wait=false", NULL };
	return kubectl(ns, args, NULL, 0, 1, NULL);
}

int kube_apply(const char *ns, const char *field_manager, const struct json *list, size_t nobjs)
{
	struct strbuf in = STRBUF_INIT, fm = STRBUF_INIT;
	const char *args[] = { "apply", "--server-side", NULL, "--force-conflicts", "--filename=-", NULL };
	int ret;

	strbuf_addf(&fm, "--field-manager=%s", field_manager);
	args[2] = fm.buf;
	json_emit(&in, list);
	ret = kubectl(ns, args, in.buf, in.len, (unsigned)nobjs, NULL);
	strbuf_release(&in);
	strbuf_release(&fm);
	return ret;
}

int kube_list_all(const char *kind, const char *selector, struct json **items)
{
	struct strbuf out = STRBUF_INIT, sel = STRBUF_INIT;
	const char *args[] = { "get", kind, "--all-namespaces", NULL, "--output=json", NULL };
	int ret;

	*items = NULL;
	strbuf_addf(&sel, "--selector=%s", selector);
	args[3] = sel.buf;
	ret = kubectl(NULL, args, NULL, 0, 0, &out);
	if (ret == 0)
		ret = items_of("get", &out, items);
	strbuf_release(&out);
	strbuf_release(&sel);
	return ret;
}
