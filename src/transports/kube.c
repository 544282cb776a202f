/* kube.c - the kubectl client; see kube.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "formats/json.h"
#include "transports/jujuenv.h"
#include "transports/kube.h"
#include "base/log.h"
#include "formats/settings.h"
#include "transports/run.h"
#include "transports/stats.h"
#include "base/strbuf.h"
#include "base/util.h"

#define KUBE_MAX_ARGS 32

static int is_executable_file(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && access(path, X_OK) == 0;
}

/* Which kubectl to run (in kube.h's order), into *prog; -1 after error()
 * when there is none. A few stat() calls: cheaper than a cache that could
 * go stale. */
static int kubectl_path(struct strbuf *prog)
{
	const char *from, *set = settings_kubectl(&from), *path, *p;
	const char *charm = juju_env()->charm_dir;
	struct strbuf why = STRBUF_INIT;

	if (set) {
		/* a bare name is looked up on PATH by posix_spawnp() */
		if (strchr(set, '/') && !is_executable_file(set))
			return error("kubectl not found: %s is '%s', which is not an executable file "
				     "(fix it, or unset it to use the charm's %s or PATH)", from, set,
				     KUBE_SHIPPED);
		strbuf_addstr(prog, set);
		return 0;
	}
	if (charm) {
		strbuf_addf(prog, "%s/%s", charm, KUBE_SHIPPED);
		if (is_executable_file(prog->buf))
			return 0;
		strbuf_addstr(&why, prog->buf);
	} else {
		strbuf_addf(&why, "$JUJU_CHARM_DIR/%s (JUJU_CHARM_DIR is not set)", KUBE_SHIPPED);
	}
	path = getenv("PATH");
	for (p = path && *path ? path : NULL; p;) {
		const char *colon = strchr(p, ':');
		size_t len = colon ? (size_t)(colon - p) : strlen(p);

		strbuf_reset(prog);
		strbuf_addf(prog, "%.*s/kubectl", (int)len, len ? p : ".");
		if (is_executable_file(prog->buf)) {
			strbuf_release(&why);
			return 0;
		}
		p = colon ? colon + 1 : NULL;
	}
	strbuf_reset(prog);
	error("kubectl not found: looked at settings.kubectl in the config (not set), %s and "
	      "PATH (%.200s); ship kubectl in the charm at %s as charm-skeleton/charmcraft.yaml "
	      "does, or set settings.kubectl, or turn off what needs Kubernetes "
	      "(consumer: auto-join: false; provider: manage-policies: false)",
	      why.buf, path && *path ? path : "not set", KUBE_SHIPPED);
	strbuf_release(&why);
	return -1;
}

/* kubectl would use the pod's service account (in-cluster config): the
 * KUBERNETES_SERVICE_* variables are set and no KUBECONFIG says otherwise.
 * Any client-config flag (--request-timeout among them) then makes kubectl
 * ignore the in-cluster config and talk to http://localhost:8080
 * (kubernetes/kubernetes#93474, open since 2017), so in a pod only the
 * process deadline bounds a call. */
static int in_cluster(void)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST"), *port = getenv("KUBERNETES_SERVICE_PORT");
	const char *kc = getenv("KUBECONFIG");

	return host && *host && port && *port && !(kc && *kc);
}

/* The --cache-dir of kube.h (kubectl's discovery and HTTP caches), under
 * $TMPDIR or /tmp and kept between hooks (it is only a cache); NULL when
 * KUBECACHEDIR or HOME is set: kubectl's own choice is fine. */
static const char *kube_cache_dir(void)
{
	static char *dir;
	static int decided;
	const char *home = getenv("HOME"), *kcd = getenv("KUBECACHEDIR");
	const char *tmp = getenv("TMPDIR");
	struct strbuf sb = STRBUF_INIT;
	struct stat st;

	if (decided)
		return dir;
	decided = 1;
	if ((kcd && *kcd) || (home && *home == '/'))
		return NULL;
	if (!tmp || *tmp != '/')
		tmp = "/tmp";
	strbuf_addf(&sb, "%s/svcmesh-hook-kube-cache.%lu", tmp, (unsigned long)geteuid());
	(void)mkdir(sb.buf, 0700);
	if (lstat(sb.buf, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
	    !(st.st_mode & 022))
		return dir = strbuf_detach(&sb, NULL);
	strbuf_reset(&sb);
	strbuf_addf(&sb, "%s/svcmesh-hook-kube-cache.XXXXXX", tmp);
	if (mkdtemp(sb.buf))
		return dir = strbuf_detach(&sb, NULL);
	strbuf_release(&sb);
	log_warning("cannot make a kubectl cache directory in %s; kubectl may write .kube/cache "
		    "in the working directory", tmp);
	return NULL;
}

/* kubectl get -o json prints an object, a List, or nothing at all: *items
 * gets the objects as an array. */
static int items_of(const struct strbuf *out, struct json **items)
{
	struct strbuf why = STRBUF_INIT;
	struct json *v = out->len ? json_parse_strbuf(out, &why) : NULL;
	const struct json *list = json_get(v, "items");
	int ret = 0;

	*items = json_array();
	if (out->len && !v)
		ret = error("kubectl get printed something that is not JSON: %s", why.buf);
	else if (list && list->type == JSON_ARRAY)
		for (size_t i = 0; i < list->u.arr.n; i++)
			json_append(*items, json_copy(list->u.arr.items[i]));
	else if (v && v->type == JSON_OBJECT) {
		json_append(*items, v);
		v = NULL;
	} else if (v)
		ret = error("kubectl get printed JSON that is not an object");
	json_free(v);
	strbuf_release(&why);
	return ret;
}

/* Run kubectl [--cache-dir=D] [--namespace=NS] [--request-timeout=T] ARGS...
 * with in (if not NULL) on stdin, counting writes API writes; with items,
 * its output goes through items_of(). */
static int kubectl(const char *ns, const char *const *args, const struct json *in, unsigned writes,
		   struct json **items)
{
	const char *argv[KUBE_MAX_ARGS + 7];
	char nsopt[300], timeout[64];
	struct child c = CHILD_INIT;
	struct strbuf cache = STRBUF_INIT, prog = STRBUF_INIT, input = STRBUF_INIT;
	size_t n = 0;
	int ms = settings_kubectl_timeout_ms(), ret = -1;
	const char *cdir = kube_cache_dir();

	if (kubectl_path(&prog) < 0)
		goto out;
	argv[n++] = prog.buf;
	if (cdir) {
		strbuf_addf(&cache, "--cache-dir=%s", cdir);
		argv[n++] = cache.buf;
	}
	if (ns && snprintf(nsopt, sizeof(nsopt), "--namespace=%s", ns) >= (int)sizeof(nsopt)) {
		error("namespace name too long: %.64s...", ns);
		goto out;
	}
	if (ns)
		argv[n++] = nsopt;
	/* the API request gives up a little before we kill the process, so the
	 * message is kubectl's own timeout when the server is slow; not in a
	 * pod, where any client flag makes kubectl drop its in-cluster config */
	if (!in_cluster()) {
		snprintf(timeout, sizeof(timeout), "--request-timeout=%dms",
			 ms - (ms / 4 < 1000 ? ms / 4 : 1000));
		argv[n++] = timeout;
	}
	for (size_t i = 0; args[i]; i++) {
		if (n >= ARRAY_SIZE(argv) - 1) {
			error("too many kubectl arguments");
			goto out;
		}
		argv[n++] = args[i];
	}
	argv[n] = NULL;
	if (in) {
		json_emit(&input, in);
		c.in = input.buf;
		c.in_len = input.len;
	}
	c.argv = argv;
	c.timeout_ms = ms;
	stats.kubectl_calls++;
	stats.kube_writes += writes;
	ret = run_child(&c);
	if (ret == 0 && items)
		ret = items_of(&c.out, items);
	child_release(&c);
out:
	strbuf_release(&input);
	strbuf_release(&cache);
	strbuf_release(&prog);
	return ret;
}

int kube_get(const char *ns, const char *const *names, size_t n, struct json **items)
{
	const char *args[KUBE_MAX_ARGS];
	size_t k = 0;

	*items = NULL;
	if (n > KUBE_MAX_ARGS - 6)
		return error("too many objects for one kubectl get");
	args[k++] = "get";
	for (size_t i = 0; i < n; i++)
		args[k++] = names[i];
	args[k++] = "--output=json";
	args[k++] = "--ignore-not-found";
	args[k] = NULL;
	return kubectl(ns, args, NULL, 0, items);
}

int kube_patch_merge(const char *ns, const char *name, const struct json *patch)
{
	/* on stdin, never as one argument: a patch may be far larger than
	 * the kernel's limit on one (128 KiB); every kubectl since 1.20 has
	 * --patch-file */
	const char *args[] = { "patch", name, "--type=merge", "--patch-file=/dev/stdin", NULL };

	return kubectl(ns, args, patch, 1, NULL);
}

int kube_create(const char *ns, const struct json *obj)
{
	const char *args[] = { "create", "--filename=-", NULL };

	return kubectl(ns, args, obj, 1, NULL);
}

int kube_delete(const char *ns, const char *name)
{
	const char *args[] = { "delete", name, "--ignore-not-found", "--wait=false", NULL };

	return kubectl(ns, args, NULL, 1, NULL);
}

int kube_apply(const char *ns, const char *field_manager, const struct json *list, size_t nobjs)
{
	struct strbuf fm = STRBUF_INIT;
	const char *args[] = { "apply", "--server-side", NULL, "--force-conflicts", "--filename=-", NULL };
	int ret;

	strbuf_addf(&fm, "--field-manager=%s", field_manager);
	args[2] = fm.buf;
	ret = kubectl(ns, args, list, (unsigned)nobjs, NULL);
	strbuf_release(&fm);
	return ret;
}

int kube_list_all(const char *kind, const char *selector, struct json **items)
{
	struct strbuf sel = STRBUF_INIT;
	const char *args[] = { "get", kind, "--all-namespaces", NULL, "--output=json", NULL };
	int ret;

	*items = NULL;
	strbuf_addf(&sel, "--selector=%s", selector);
	args[3] = sel.buf;
	ret = kubectl(NULL, args, NULL, 0, items);
	strbuf_release(&sel);
	return ret;
}
