/* check_kube.c - unit tests for the kubectl client (kube.c), run in-process
 * with the real kubectl against the kubesim API server (tests/kubesim,
 * found through $SRCDIR). The suite starts one server in a temp dir (an
 * unchecked fixture, in the parent of the forked tests); each test resets it
 * (objects, requests and faults cleared) and seeds what Juju creates for the
 * charm "myapp" in model "mymodel", in one kubesimctl call.
 * The whole suite is skipped when kubectl is not on PATH.
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "formats/json.h"
#include "transports/kube.h"
#include "base/log.h"
#include "formats/settings.h"
#include "transports/stats.h"
#include "base/strbuf.h"
#include "testenv.h"
#include "base/util.h"

#define NS "mymodel"

static struct strbuf ctl = STRBUF_INIT, kdir = STRBUF_INIT;
static int started;

/* What kubesim_seed_charm (tests/kubesim/kubesim.bash) seeds, for myapp in mymodel. */
static const char seed_charm[] =
	"{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": ["
	"{\"apiVersion\": \"v1\", \"kind\": \"Namespace\", \"metadata\": {\"name\": \"" NS "\", "
	"\"labels\": {\"app.kubernetes.io/managed-by\": \"juju\", \"model.juju.is/name\": \"" NS "\"}}},"
	"{\"apiVersion\": \"v1\", \"kind\": \"ServiceAccount\", \"metadata\": {\"name\": \"myapp\", "
	"\"namespace\": \"" NS "\", \"labels\": {\"app.kubernetes.io/managed-by\": \"juju\", "
	"\"app.kubernetes.io/name\": \"myapp\"}}},"
	"{\"apiVersion\": \"apps/v1\", \"kind\": \"StatefulSet\", \"metadata\": {\"name\": \"myapp\", "
	"\"namespace\": \"" NS "\", \"labels\": {\"app.kubernetes.io/managed-by\": \"juju\", "
	"\"app.kubernetes.io/name\": \"myapp\"}}, \"spec\": {\"replicas\": 1, \"serviceName\": "
	"\"myapp-endpoints\", \"selector\": {\"matchLabels\": {\"app.kubernetes.io/name\": \"myapp\"}}, "
	"\"template\": {\"metadata\": {\"labels\": {\"app.kubernetes.io/name\": \"myapp\"}}, "
	"\"spec\": {\"serviceAccountName\": \"myapp\", \"containers\": [{\"name\": \"charm\", "
	"\"image\": \"jujusolutions/charm-base:ubuntu-22.04\"}]}}}},"
	"{\"apiVersion\": \"v1\", \"kind\": \"Service\", \"metadata\": {\"name\": \"myapp\", "
	"\"namespace\": \"" NS "\", \"labels\": {\"app.kubernetes.io/managed-by\": \"juju\", "
	"\"app.kubernetes.io/name\": \"myapp\"}}, \"spec\": {\"selector\": {\"app.kubernetes.io/name\": "
	"\"myapp\"}, \"type\": \"ClusterIP\", \"ports\": [{\"name\": \"placeholder\", \"port\": 65535, "
	"\"protocol\": \"TCP\", \"targetPort\": 65535}]}}]}";

/* Run `kubesimctl ARGS... NULL` with in on stdin (may be NULL); stdout in
 * out (may be NULL); returns the exit status. */
static int ksim(const char *in, struct strbuf *out, const char *a1, ...)
{
	const char *argv[20];
	size_t n = 0;
	va_list ap;

	argv[n++] = ctl.buf;
	if (strcmp(a1, "start") && strcmp(a1, "stop")) {
		argv[n++] = "--state-dir";
		argv[n++] = kdir.buf;
	}
	argv[n++] = a1;
	va_start(ap, a1);
	add_args(argv, &n, ARRAY_SIZE(argv), ap);
	va_end(ap);
	return run_status(argv, in, out);
}

#define KSIM(...) ck_assert_int_eq(ksim(NULL, NULL, __VA_ARGS__, (const char *)NULL), 0)

static void seed(const char *json)
{
	ck_assert_int_eq(ksim(json, NULL, "seed", "-", (const char *)NULL), 0);
}

/* The stored object, or NULL when kubesim does not have it (caller frees). */
static struct json *stored(const char *kind, const char *ns, const char *name)
{
	struct strbuf out = STRBUF_INIT;
	struct json *v = NULL;

	if (ksim(NULL, &out, "get", kind, ns, name, (const char *)NULL) == 0) {
		v = json_parse(out.buf, out.len, NULL);
		ck_assert_ptr_nonnull(v);
	}
	strbuf_release(&out);
	return v;
}

static int writes(void)
{
	struct strbuf out = STRBUF_INIT;
	int n;

	ck_assert_int_eq(ksim(NULL, &out, "requests", "--writes", "--count", (const char *)NULL), 0);
	n = atoi(out.buf);
	strbuf_release(&out);
	return n;
}

static const char *str_at(const struct json *v, const char *k1, const char *k2, const char *k3)
{
	const struct json *x = json_get(json_get(v, k1), k2);

	if (k3)
		x = json_get(x, k3);
	return x && x->type == JSON_STRING ? x->u.s : NULL;
}

static struct json *parse(const char *text)
{
	struct json *v = json_parse(text, strlen(text), NULL);
	ck_assert_ptr_nonnull(v);
	return v;
}

static void suite_setup(void)
{
	const char *srcdir = getenv("SRCDIR");
	struct strbuf url = STRBUF_INIT, s = STRBUF_INIT;

	make_tmpdir("kube");
	strbuf_addf(&ctl, "%s/tests/kubesim/kubesimctl", srcdir ? srcdir : ".");
	strbuf_addf(&kdir, "%s/kubesim", tmpdir);
	ck_assert_int_eq(ksim(NULL, &url, "start", "--state-dir", kdir.buf, (const char *)NULL), 0);
	started = 1;
	ck_assert_ptr_nonnull(strstr(url.buf, "http://127.0.0.1:"));
	strbuf_addf(&s, "%s/kubeconfig", kdir.buf);
	setenv("KUBECONFIG", s.buf, 1);
	strbuf_reset(&s);
	strbuf_addf(&s, "%s/kube-cache", kdir.buf);
	setenv("KUBECACHEDIR", s.buf, 1);
	strbuf_release(&url);
	strbuf_release(&s);
}

static void suite_teardown(void)
{
	if (started)
		ksim(NULL, NULL, "stop", "--state-dir", kdir.buf, (const char *)NULL);
	started = 0;
	remove_tmpdir();
	strbuf_release(&ctl);
	strbuf_release(&kdir);
}

static void setup(void)
{
	drain_log();
	unsetenv("SVCMESH_KUBECTL");
	unsetenv("SVCMESH_KUBECTL_TIMEOUT");
	settings_reset();
	/* reset (no objects, requests or faults), then the charm's objects */
	ck_assert_int_eq(ksim(seed_charm, NULL, "seed", "--reset", "-", (const char *)NULL), 0);
	memset(&stats, 0, sizeof(stats));
}

static void teardown(void)
{
	unsetenv("SVCMESH_KUBECTL");
	unsetenv("SVCMESH_KUBECTL_TIMEOUT");
	drain_log();
}

START_TEST(get_skips_missing_objects)
{
	const char *names[] = { "statefulset/myapp", "configmap/nope", "service/myapp" };
	struct json *items = NULL;

	ck_assert_int_eq(kube_get(NS, names, 3, &items), 0);
	ck_assert_ptr_nonnull(items);
	ck_assert_int_eq(items->type, JSON_ARRAY);
	ck_assert_uint_eq(items->u.arr.n, 2);
	ck_assert_str_eq(json_get(items->u.arr.items[0], "kind")->u.s, "StatefulSet");
	ck_assert_str_eq(json_get(items->u.arr.items[1], "kind")->u.s, "Service");
	ck_assert_pstr_eq(str_at(items->u.arr.items[1], "metadata", "name", NULL), "myapp");
	ck_assert_uint_eq(stats.kubectl_calls, 1);
	ck_assert_uint_eq(stats.kube_writes, 0);
	json_free(items);
}
END_TEST

START_TEST(get_one_object)
{
	const char *names[] = { "serviceaccount/myapp" };
	struct json *items = NULL;

	ck_assert_int_eq(kube_get(NS, names, 1, &items), 0);
	ck_assert_uint_eq(items->u.arr.n, 1);
	ck_assert_str_eq(json_get(items->u.arr.items[0], "kind")->u.s, "ServiceAccount");
	json_free(items);
}
END_TEST

START_TEST(get_nothing_existing_is_empty)
{
	const char *names[] = { "configmap/nope", "service/nope-either" };
	struct json *items = NULL;

	ck_assert_int_eq(kube_get(NS, names, 2, &items), 0);
	ck_assert_ptr_nonnull(items);
	ck_assert_int_eq(items->type, JSON_ARRAY);
	ck_assert_uint_eq(items->u.arr.n, 0);
	json_free(items);
	/* a namespace that does not exist: nothing either */
	ck_assert_int_eq(kube_get("no-such-ns", names, 1, &items), 0);
	ck_assert_uint_eq(items->u.arr.n, 0);
	json_free(items);
}
END_TEST

START_TEST(patch_merge_sets_and_removes_labels)
{
	struct json *patch = parse("{\"metadata\": {\"labels\": {\"istio.io/dataplane-mode\": \"ambient\", "
				   "\"app.kubernetes.io/managed-by\": null}}}");
	struct json *svc;

	ck_assert_int_eq(kube_patch_merge(NS, "service/myapp", patch), 0);
	ck_assert_int_eq(writes(), 1);
	ck_assert_uint_eq(stats.kube_writes, 1);
	svc = stored("service", NS, "myapp");
	ck_assert_ptr_nonnull(svc);
	ck_assert_pstr_eq(str_at(svc, "metadata", "labels", "istio.io/dataplane-mode"), "ambient");
	ck_assert_pstr_eq(str_at(svc, "metadata", "labels", "app.kubernetes.io/name"), "myapp");
	ck_assert_ptr_null(str_at(svc, "metadata", "labels", "app.kubernetes.io/managed-by"));
	json_free(svc);
	json_free(patch);
}
END_TEST

START_TEST(patch_missing_object_fails)
{
	struct json *patch = parse("{\"metadata\": {\"labels\": {\"a\": \"b\"}}}");
	struct strbuf err = STRBUF_INIT;

	log_capture_errors(&err);
	ck_assert_int_eq(kube_patch_merge(NS, "service/nope", patch), -1);
	log_capture_errors(NULL);
	ck_assert_msg(strstr(err.buf, "kubectl") && strstr(err.buf, "NotFound"), "%s", err.buf);
	strbuf_release(&err);
	json_free(patch);
}
END_TEST

START_TEST(create_then_create_again_fails)
{
	struct json *cm = parse("{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": "
				"{\"name\": \"juju-service-mesh-myapp-labels\"}, \"data\": {\"labels\": \"{}\"}}");
	struct strbuf err = STRBUF_INIT;
	struct json *got;

	ck_assert_int_eq(kube_create(NS, cm), 0);
	got = stored("configmap", NS, "juju-service-mesh-myapp-labels");
	ck_assert_ptr_nonnull(got);
	ck_assert_pstr_eq(str_at(got, "data", "labels", NULL), "{}");
	json_free(got);
	log_capture_errors(&err);
	ck_assert_int_eq(kube_create(NS, cm), -1);
	log_capture_errors(NULL);
	ck_assert_msg(strstr(err.buf, "AlreadyExists") != NULL, "%s", err.buf);
	ck_assert_uint_eq(stats.kube_writes, 2);
	strbuf_release(&err);
	json_free(cm);
}
END_TEST

START_TEST(delete_missing_is_fine_existing_is_gone)
{
	struct json *got;

	ck_assert_int_eq(kube_delete(NS, "configmap/nope"), 0);
	got = stored("serviceaccount", NS, "myapp");
	ck_assert_ptr_nonnull(got);
	json_free(got);
	ck_assert_int_eq(kube_delete(NS, "serviceaccount/myapp"), 0);
	ck_assert_ptr_null(stored("serviceaccount", NS, "myapp"));
}
END_TEST

START_TEST(apply_list_creates_and_updates)
{
	const char *list1 =
		"{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": ["
		"{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"one\"}, \"data\": {\"k\": \"1\"}},"
		"{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"two\"}, \"data\": {\"k\": \"2\"}}]}";
	const char *list2 =
		"{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": ["
		"{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"one\"}, \"data\": {\"k\": \"1\"}},"
		"{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"two\"}, \"data\": {\"k\": \"22\"}}]}";
	struct json *l = parse(list1), *a, *b;

	ck_assert_int_eq(kube_apply(NS, "svcmesh-hook", l, 2), 0);
	json_free(l);
	ck_assert_uint_eq(stats.kube_writes, 2);
	a = stored("configmap", NS, "one");
	b = stored("configmap", NS, "two");
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_pstr_eq(str_at(a, "data", "k", NULL), "1");
	ck_assert_pstr_eq(str_at(b, "data", "k", NULL), "2");
	json_free(a);
	json_free(b);

	l = parse(list2);
	ck_assert_int_eq(kube_apply(NS, "svcmesh-hook", l, 2), 0);
	json_free(l);
	b = stored("configmap", NS, "two");
	ck_assert_pstr_eq(str_at(b, "data", "k", NULL), "22");
	json_free(b);
}
END_TEST

START_TEST(list_all_by_selector_across_namespaces)
{
	struct json *items = NULL;
	const struct json *md;

	seed("{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": ["
	     "{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"x\", \"namespace\": \"ns-b\", "
	     "\"labels\": {\"svcmesh-test\": \"yes\"}}},"
	     "{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"y\", \"namespace\": \"ns-a\", "
	     "\"labels\": {\"svcmesh-test\": \"yes\"}}},"
	     "{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"z\", \"namespace\": \"ns-a\", "
	     "\"labels\": {\"svcmesh-test\": \"no\"}}},"
	     "{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"w\", \"namespace\": \"ns-c\"}}]}");
	ck_assert_int_eq(kube_list_all("configmaps", "svcmesh-test=yes", &items), 0);
	ck_assert_uint_eq(items->u.arr.n, 2);
	md = json_get(items->u.arr.items[0], "metadata");
	ck_assert_str_eq(json_get(md, "namespace")->u.s, "ns-a");
	ck_assert_str_eq(json_get(md, "name")->u.s, "y");
	md = json_get(items->u.arr.items[1], "metadata");
	ck_assert_str_eq(json_get(md, "namespace")->u.s, "ns-b");
	ck_assert_str_eq(json_get(md, "name")->u.s, "x");
	json_free(items);

	ck_assert_int_eq(kube_list_all("configmaps", "svcmesh-test=maybe", &items), 0);
	ck_assert_ptr_nonnull(items);
	ck_assert_uint_eq(items->u.arr.n, 0);
	json_free(items);
}
END_TEST

START_TEST(missing_kubectl_fails_cleanly)
{
	const char *names[] = { "service/myapp" };
	struct json *items = (struct json *)&items;
	struct strbuf err = STRBUF_INIT;

	setenv("SVCMESH_KUBECTL", "/nonexistent/kubectl", 1);
	settings_reset();
	log_capture_errors(&err);
	ck_assert_int_eq(kube_get(NS, names, 1, &items), -1);
	log_capture_errors(NULL);
	ck_assert_ptr_null(items);
	ck_assert_str_eq(err.buf, "kubectl not found: SVCMESH_KUBECTL is '/nonexistent/kubectl', "
			 "which is not an executable file (fix it, or unset it to use the charm's "
			 "bin/kubectl or PATH)");
	strbuf_release(&err);
}
END_TEST

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(slow_server_times_out)
{
	const char *names[] = { "configmap/slow" };
	struct json *items = NULL;
	struct strbuf err = STRBUF_INIT;
	double t0, took;

	seed("{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"slow\", \"namespace\": \"" NS "\"}}");
	/* first call without the fault: kubectl's discovery cache gets filled */
	ck_assert_int_eq(kube_get(NS, names, 1, &items), 0);
	ck_assert_uint_eq(items->u.arr.n, 1);
	json_free(items);
	KSIM("fault", "--method", "GET", "--path", "configmaps/slow", "--delay", "10", "--times", "-1");
	setenv("SVCMESH_KUBECTL_TIMEOUT", "1", 1);
	settings_reset();
	log_capture_errors(&err);
	t0 = now_s();
	ck_assert_int_eq(kube_get(NS, names, 1, &items), -1);
	took = now_s() - t0;
	log_capture_errors(NULL);
	ck_assert_msg(took < 4.0, "took %.1f s", took);
	/* kubectl's own request timeout fires first; our deadline is the backstop */
	ck_assert_msg(strstr(err.buf, "Timeout exceeded") != NULL || strstr(err.buf, "deadline exceeded") != NULL ||
		      strstr(err.buf, "timed out") != NULL, "%s", err.buf);
	strbuf_release(&err);
}
END_TEST

/* 1 when name is an executable file in a directory of $PATH. */
static int on_path(const char *name)
{
	const char *p = getenv("PATH");
	struct strbuf f = STRBUF_INIT;
	int found = 0;

	while (p && *p && !found) {
		const char *colon = strchr(p, ':');
		size_t len = colon ? (size_t)(colon - p) : strlen(p);

		strbuf_reset(&f);
		strbuf_add(&f, p, len);
		strbuf_addf(&f, "/%s", name);
		found = len && access(f.buf, X_OK) == 0;
		p = colon ? colon + 1 : NULL;
	}
	strbuf_release(&f);
	return found;
}

int main(void)
{
	Suite *s = suite_create("kube");
	TCase *tc = tcase_create("kubectl");

	if (!on_path("kubectl")) {
		printf("check_kube: kubectl is not on PATH; skipping the kube suite\n");
		return EXIT_SUCCESS;
	}
	tcase_add_unchecked_fixture(tc, suite_setup, suite_teardown);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, get_skips_missing_objects);
	tcase_add_test(tc, get_one_object);
	tcase_add_test(tc, get_nothing_existing_is_empty);
	tcase_add_test(tc, patch_merge_sets_and_removes_labels);
	tcase_add_test(tc, patch_missing_object_fails);
	tcase_add_test(tc, create_then_create_again_fails);
	tcase_add_test(tc, delete_missing_is_fine_existing_is_gone);
	tcase_add_test(tc, apply_list_creates_and_updates);
	tcase_add_test(tc, list_all_by_selector_across_namespaces);
	tcase_add_test(tc, missing_kubectl_fails_cleanly);
	tcase_add_test(tc, slow_server_times_out);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
