/* check_jujuc.c - unit tests for the Juju hook-tool client (jujuc.c), run
 * in-process against the hook-tool simulator (tests/jujusim, found through
 * $SRCDIR). Each test gets a fresh simulator state in its own temp dir.
 *
 * The binary doubles as a tiny "hook" for `jujusim exec` (argv[1] ==
 * HELPER_SET): that is how a test sees its relation-set committed to the
 * state, since the simulator commits buffered writes only when a hook or
 * command it ran exits 0.
 */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/config.h"
#include "transports/jujuc.h"
#include "formats/settings.h"
#include "base/kvlist.h"
#include "base/log.h"
#include "base/strbuf.h"
#include "testenv.h"

#define HELPER_SET "--jujuc-set-app-helper"

static char self_exe[PATH_MAX];

static void setup(void)
{
	sim_setup("jujuc", "consumer/0", "test-model");
}

/* init with the given extra flags (charm dir = tmpdir, for exec). */
static void init(const char *flag1, const char *flag2)
{
	SIM("init", "--app", "consumer", "--model", "test-model", "--charm-dir", tmpdir,
	    flag1 ? flag1 : "--leader", flag2);
}

START_TEST(is_leader_true_and_cached)
{
	int leader = -1;

	init("--leader", NULL);
	ck_assert_int_eq(juju_is_leader(&leader), 0);
	ck_assert_int_eq(leader, 1);
	ck_assert_int_eq(calls("is-leader"), 1);
	/* leadership changes in the state, but the answer is the hook's */
	SIM("set-leader", "false");
	leader = -1;
	ck_assert_int_eq(juju_is_leader(&leader), 0);
	ck_assert_int_eq(leader, 1);
	ck_assert_int_eq(calls(NULL), 1);
	/* after a reset it is asked again */
	juju_reset();
	ck_assert_int_eq(juju_is_leader(&leader), 0);
	ck_assert_int_eq(leader, 0);
	ck_assert_int_eq(calls("is-leader"), 2);
}
END_TEST

START_TEST(is_leader_false)
{
	int leader = -1;

	init("--no-leader", NULL);
	ck_assert_int_eq(juju_is_leader(&leader), 0);
	ck_assert_int_eq(leader, 0);
	ck_assert_int_eq(juju_is_leader(&leader), 0);
	ck_assert_int_eq(leader, 0);
	ck_assert_int_eq(calls(NULL), 1);
}
END_TEST

START_TEST(relation_ids_in_tool_order_and_cached)
{
	const struct strlist *ids = NULL, *again = NULL;

	init(NULL, NULL);
	SIM("add-relation", "x", "alpha", "--id", "2");
	SIM("add-relation", "x", "beta", "--id", "10");
	SIM("add-relation", "other", "gamma", "--id", "3");
	ck_assert_int_eq(juju_relation_ids("x", &ids), 0);
	ck_assert_uint_eq(ids->n, 2);
	/* the tool sorts as strings: "x:10" before "x:2" */
	ck_assert_str_eq(ids->items[0], "x:10");
	ck_assert_str_eq(ids->items[1], "x:2");
	ck_assert_int_eq(calls("relation-ids"), 1);
	ck_assert_int_eq(juju_relation_ids("x", &again), 0);
	ck_assert_ptr_eq(again, ids);
	ck_assert_int_eq(calls(NULL), 1);
}
END_TEST

START_TEST(relation_ids_unknown_endpoint_is_empty)
{
	const struct strlist *ids = NULL;

	init(NULL, NULL);
	SIM("add-relation", "x", "alpha", NULL);
	ck_assert_int_eq(juju_relation_ids("nothing-here", &ids), 0);
	ck_assert_ptr_nonnull(ids);
	ck_assert_uint_eq(ids->n, 0);
	ck_assert_int_eq(juju_relation_ids("nothing-here", &ids), 0);
	ck_assert_uint_eq(ids->n, 0);
	ck_assert_int_eq(calls("relation-ids"), 1);
}
END_TEST

START_TEST(relation_ids_leaves_out_broken_relation)
{
	const struct strlist *ids = NULL;

	/* Juju 3.1: relation-ids still lists the relation being broken */
	init("--leader", "--juju-version=3.1");
	SIM("add-relation", "x", "alpha", "--id", "1");
	SIM("add-relation", "x", "beta", "--id", "2");
	SIM("break-relation", "x:1");
	setenv("JUJU_RELATION", "x", 1);
	setenv("JUJU_RELATION_ID", "x:1", 1);
	setenv("JUJU_REMOTE_APP", "alpha", 1);

	/* control: in another hook the simulator does list it */
	setenv("JUJU_HOOK_NAME", "x-relation-changed", 1);
	juju_reset();
	ck_assert_int_eq(juju_relation_ids("x", &ids), 0);
	ck_assert_uint_eq(ids->n, 2);
	ck_assert_str_eq(ids->items[0], "x:1");

	setenv("JUJU_HOOK_NAME", "x-relation-broken", 1);
	juju_reset();
	ck_assert_int_eq(juju_relation_ids("x", &ids), 0);
	ck_assert_uint_eq(ids->n, 1);
	ck_assert_str_eq(ids->items[0], "x:2");

	/* the hook name may also come from JUJU_DISPATCH_PATH */
	unsetenv("JUJU_HOOK_NAME");
	setenv("JUJU_DISPATCH_PATH", "hooks/x-relation-broken", 1);
	juju_reset();
	ck_assert_int_eq(juju_relation_ids("x", &ids), 0);
	ck_assert_uint_eq(ids->n, 1);
	ck_assert_str_eq(ids->items[0], "x:2");
	ck_assert_int_eq(calls("relation-ids"), 3);
}
END_TEST

START_TEST(hook_names_juju_knows)
{
	static const char *const good[] = {
		"install", "leader-elected", "update-status", "secret-rotate", "leader-settings-changed",
		"db-relation-joined", "service-mesh-relation-broken", "my_db-relation-created",
		"web-pebble-ready", "web-pebble-check-recovered", "data-storage-attached",
	};
	static const char *const bad[] = {
		"svcmesh-hook.real", "svcmesh-hook-v2", "not-a-hook", "-relation-changed",
		"Db-relation-joined", "a.b-relation-joined", "relation-changed", "policies", "",
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(juju_hook_name_valid(good[i]), "%s refused", good[i]);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!juju_hook_name_valid(bad[i]), "%s accepted", bad[i]);
}
END_TEST

START_TEST(hook_relation_must_be_of_its_endpoint)
{
	struct strbuf err = STRBUF_INIT;

	setenv("JUJU_RELATION", "require-cmr-mesh", 1);
	setenv("JUJU_RELATION_ID", "require-cmr-mesh:3", 1);
	juju_reset();
	ck_assert_int_eq(juju_check_hook_relation("require-cmr-mesh-relation-created"), 0);
	ck_assert_int_eq(juju_check_hook_relation("leader-elected"), 0);
	log_capture_errors(&err);
	/* a prefix is not the endpoint: "require-cmr-mesh" is not "require-cmr" */
	ck_assert_int_eq(juju_check_hook_relation("require-cmr-relation-created"), -1);
	setenv("JUJU_RELATION_ID", "service-mesh:0", 1);
	juju_reset();
	ck_assert_int_eq(juju_check_hook_relation("require-cmr-mesh-relation-created"), -1);
	ck_assert_ptr_nonnull(strstr(err.buf, "JUJU_RELATION_ID is 'service-mesh:0'"));
	setenv("JUJU_RELATION_ID", "require-cmr-mesh:3", 1);
	setenv("JUJU_RELATION", "service-mesh", 1);
	juju_reset();
	ck_assert_int_eq(juju_check_hook_relation("require-cmr-mesh-relation-created"), -1);
	log_capture_errors(NULL);
	unsetenv("JUJU_RELATION");
	unsetenv("JUJU_RELATION_ID");
	juju_reset();
	strbuf_release(&err);
}
END_TEST

START_TEST(relation_app_from_env_then_tool)
{
	const char *app = NULL, *again = NULL;

	init(NULL, NULL);
	SIM("add-relation", "x", "alpha", "--id", "1");
	SIM("add-relation", "x", "beta", "--id", "2");
	setenv("JUJU_HOOK_NAME", "x-relation-changed", 1);
	setenv("JUJU_RELATION", "x", 1);
	setenv("JUJU_RELATION_ID", "x:1", 1);
	/* differs from the state on purpose: only the environment can say this */
	setenv("JUJU_REMOTE_APP", "alpha-from-env", 1);
	juju_reset();

	ck_assert_int_eq(juju_relation_app("x:1", &app), 0);
	ck_assert_str_eq(app, "alpha-from-env");
	ck_assert_int_eq(calls(NULL), 0);

	ck_assert_int_eq(juju_relation_app("x:2", &app), 0);
	ck_assert_str_eq(app, "beta");
	ck_assert_int_eq(calls("relation-list"), 1);
	ck_assert_int_eq(juju_relation_app("x:2", &again), 0);
	ck_assert_str_eq(again, "beta");
	ck_assert_int_eq(calls(NULL), 1);
}
END_TEST

START_TEST(relation_get_app_whole_databag)
{
	const struct kvlist *bag = NULL, *again = NULL;

	init(NULL, NULL);
	SIM("add-relation", "x", "alpha", "--id", "1");
	SIM("set-data", "x:1", "--remote-app", "labels={\"a\": \"b\"}", "mesh_type=\"istio\"");
	ck_assert_int_eq(juju_relation_get_app("x:1", "alpha", &bag), 0);
	ck_assert_uint_eq(bag->n, 2);
	ck_assert_str_eq(kvlist_get(bag, "labels"), "{\"a\": \"b\"}");
	ck_assert_str_eq(kvlist_get(bag, "mesh_type"), "\"istio\"");
	ck_assert_int_eq(juju_relation_get_app("x:1", "alpha", &again), 0);
	ck_assert_ptr_eq(again, bag);
	ck_assert_int_eq(calls(NULL), 1);
}
END_TEST

START_TEST(relation_get_app_empty_databag)
{
	const struct kvlist *bag = NULL;

	init(NULL, NULL);
	SIM("add-relation", "x", "alpha", "--id", "1");
	ck_assert_int_eq(juju_relation_get_app("x:1", "alpha", &bag), 0);
	ck_assert_ptr_nonnull(bag);
	ck_assert_uint_eq(bag->n, 0);
}
END_TEST

START_TEST(relation_get_own_app_as_non_leader_is_denied)
{
	struct strbuf err = STRBUF_INIT;
	const struct kvlist *bag = NULL;

	init("--no-leader", NULL);
	SIM("add-relation", "x", "alpha", "--id", "1");
	log_capture_errors(&err);
	ck_assert_int_eq(juju_relation_get_app("x:1", "consumer", &bag), -1);
	log_capture_errors(NULL);
	ck_assert_msg(strstr(err.buf, "relation-get") != NULL, "error does not name the tool: %s", err.buf);
	ck_assert_msg(strstr(err.buf, "permission denied") != NULL, "error lacks the reason: %s", err.buf);
	strbuf_release(&err);
}
END_TEST

/* JSON text with quotes, backslashes, non-ASCII (2-, 3- and 4-byte UTF-8). */
static const char tricky[] =
	"[{\"source_app_name\": \"a\\\"b\\\\c\", \"note\": \"caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x98\x80\", "
	"\"tab\": \"\\t\", \"empty\": \"\"}]";

START_TEST(relation_set_app_writes_exactly)
{
	struct kvlist kv = KVLIST_INIT;
	const struct kvlist *bag = NULL;
	struct strbuf out = STRBUF_INIT;

	init("--leader", NULL);
	SIM("add-relation", "x", "alpha", "--id", "1");
	SIM("set-data", "x:1", "--local-app", "old=gone-soon", "keep=1");
	/* read first, so the module holds a cached copy to keep in step */
	ck_assert_int_eq(juju_relation_get_app("x:1", "consumer", &bag), 0);
	ck_assert_str_eq(kvlist_get(bag, "old"), "gone-soon");

	kvlist_set(&kv, "policies", tricky);
	kvlist_set(&kv, "old", "");
	ck_assert_int_eq(juju_relation_set_app("x:1", &kv), 0);
	ck_assert_int_eq(calls("relation-set"), 1);

	/* the cache shows the hook its own write */
	ck_assert_int_eq(juju_relation_get_app("x:1", "consumer", &bag), 0);
	ck_assert_str_eq(kvlist_get(bag, "policies"), tricky);
	ck_assert_ptr_null(kvlist_get(bag, "old"));
	ck_assert_str_eq(kvlist_get(bag, "keep"), "1");
	ck_assert_int_eq(calls("relation-get"), 1);

	/* so does the tool (pending writes of this context) */
	juju_reset();
	ck_assert_int_eq(juju_relation_get_app("x:1", "consumer", &bag), 0);
	ck_assert_str_eq(kvlist_get(bag, "policies"), tricky);
	ck_assert_ptr_null(kvlist_get(bag, "old"));
	ck_assert_int_eq(calls("relation-get"), 2);
	/* nothing committed: this context never ends */
	ck_assert_int_eq(sim_status(&out, "get-key", "x:1", "--local-app", "old", NULL), 0);
	ck_assert_str_eq(out.buf, "gone-soon");
	strbuf_release(&out);
	kvlist_release(&kv);
}
END_TEST

START_TEST(relation_update_app_sends_only_what_differs)
{
	struct kvlist want = KVLIST_INIT;
	const struct kvlist *bag = NULL;
	int sent = -1;

	init("--leader", NULL);
	SIM("add-relation", "x", "alpha", "--id", "1");
	SIM("set-data", "x:1", "--local-app", "a=1", "b=2");
	kvlist_set(&want, "a", "1");
	kvlist_set(&want, "b", "3");
	kvlist_set(&want, "c", "4");
	ck_assert_int_eq(juju_relation_update_app("x:1", &want, &sent), 0);
	ck_assert_int_eq(sent, 2 | 4);
	ck_assert_int_eq(calls("relation-get"), 1);
	ck_assert_int_eq(calls("relation-set"), 1);
	ck_assert_int_eq(juju_relation_get_app("x:1", "consumer", &bag), 0);
	ck_assert_str_eq(kvlist_get(bag, "b"), "3");
	ck_assert_str_eq(kvlist_get(bag, "c"), "4");

	/* in step now: no call at all (the bag is cached) */
	ck_assert_int_eq(juju_relation_update_app("x:1", &want, &sent), 0);
	ck_assert_int_eq(sent, 0);
	ck_assert_int_eq(calls("relation-get"), 1);
	ck_assert_int_eq(calls("relation-set"), 1);
	kvlist_release(&want);
}
END_TEST

START_TEST(relation_set_app_committed_by_the_hook)
{
	struct strbuf out = STRBUF_INIT;

	init("--leader", NULL);
	SIM("add-relation", "x", "alpha", "--id", "1");
	SIM("set-data", "x:1", "--local-app", "old=gone-soon", "keep=1");
	/* this binary, run by jujusim exec as a command: it calls
	 * juju_relation_set_app() and exits 0, so the write is committed */
	SIM("exec", "--", self_exe, HELPER_SET, "x:1", "policies", tricky, "old", "");
	ck_assert_int_eq(sim_status(&out, "get-key", "x:1", "--local-app", "policies", NULL), 0);
	ck_assert_str_eq(out.buf, tricky);
	strbuf_reset(&out);
	ck_assert_int_eq(sim_status(&out, "get-key", "x:1", "--local-app", "old", NULL), 1);
	ck_assert_int_eq(sim_status(&out, "get-key", "x:1", "--local-app", "keep", NULL), 0);
	ck_assert_str_eq(out.buf, "1");
	strbuf_release(&out);
}
END_TEST

START_TEST(relation_set_app_as_non_leader_fails)
{
	struct kvlist kv = KVLIST_INIT;
	struct strbuf err = STRBUF_INIT;

	init("--no-leader", NULL);
	SIM("add-relation", "x", "alpha", "--id", "1");
	kvlist_set(&kv, "k", "v");
	log_capture_errors(&err);
	ck_assert_int_eq(juju_relation_set_app("x:1", &kv), -1);
	log_capture_errors(NULL);
	ck_assert_msg(strstr(err.buf, "relation-set") != NULL, "%s", err.buf);
	ck_assert_msg(strstr(err.buf, "cannot write relation settings") != NULL, "%s", err.buf);
	strbuf_release(&err);
	kvlist_release(&kv);
}
END_TEST

START_TEST(failing_tool_returns_error_and_is_not_cached)
{
	struct strbuf err = STRBUF_INIT;
	const struct strlist *ids = NULL;
	int leader = -1;

	init(NULL, NULL);
	SIM("add-relation", "x", "alpha", "--id", "1");
	SIM("fault", "--tool", "is-leader", "--exit", "1", "--stderr", "ERROR boom from the sim");
	SIM("fault", "--tool", "relation-ids", "--exit", "2", "--stderr", "ERROR relation-ids broke");
	log_capture_errors(&err);
	ck_assert_int_eq(juju_is_leader(&leader), -1);
	ck_assert_int_eq(juju_relation_ids("x", &ids), -1);
	log_capture_errors(NULL);
	ck_assert_msg(strstr(err.buf, "is-leader") && strstr(err.buf, "exit status 1") &&
		      strstr(err.buf, "boom from the sim"), "%s", err.buf);
	ck_assert_msg(strstr(err.buf, "relation-ids broke") && strstr(err.buf, "exit status 2"), "%s", err.buf);
	/* the faults were used up; a failure is not remembered as an answer */
	ck_assert_int_eq(juju_is_leader(&leader), 0);
	ck_assert_int_eq(leader, 1);
	ck_assert_int_eq(juju_relation_ids("x", &ids), 0);
	ck_assert_uint_eq(ids->n, 1);
	ck_assert_int_eq(calls(NULL), 4);
	strbuf_release(&err);
}
END_TEST

START_TEST(non_json_output_is_an_error)
{
	struct strbuf err = STRBUF_INIT;
	int leader = -1;

	init(NULL, NULL);
	SIM("fault", "--tool", "is-leader", "--exit", "0", "--stdout", "True", "--stderr", "");
	log_capture_errors(&err);
	ck_assert_int_eq(juju_is_leader(&leader), -1);
	log_capture_errors(NULL);
	ck_assert_msg(strstr(err.buf, "not JSON") != NULL, "%s", err.buf);
	strbuf_release(&err);
}
END_TEST

/* A tool that exits 0 but prints JSON of the wrong shape: -1, and the
 * error says what it printed. */
static void wrong_shape(const char *tool, const char *stdout_text, const char *want_error)
{
	struct strbuf err = STRBUF_INIT;
	const struct strlist *ids;
	const struct kvlist *bag;
	int leader, ret;

	init(NULL, NULL);
	SIM("add-relation", "x", "alpha", "--id", "1");
	SIM("fault", "--tool", tool, "--exit", "0", "--stdout", stdout_text, "--stderr", "");
	log_capture_errors(&err);
	if (!strcmp(tool, "is-leader"))
		ret = juju_is_leader(&leader);
	else if (!strcmp(tool, "relation-ids"))
		ret = juju_relation_ids("x", &ids);
	else
		ret = juju_relation_get_app("x:1", "alpha", &bag);
	log_capture_errors(NULL);
	ck_assert_int_eq(ret, -1);
	ck_assert_msg(strstr(err.buf, want_error) != NULL, "want \"%s\" in: %s", want_error, err.buf);
	strbuf_release(&err);
}

/* planned units from goal-state's JSON, counted as ops does (status not
 * "dying"); shapes ops would raise on are errors. */
static int planned(const char *text, size_t *n, struct strbuf *err)
{
	struct strbuf perr = STRBUF_INIT;
	struct json *v = json_parse(text, strlen(text), &perr);
	int ret;

	ck_assert_msg(v != NULL, "%s", perr.buf);
	strbuf_release(&perr);
	log_capture_errors(err);
	ret = juju_planned_units_from_json(v, n);
	log_capture_errors(NULL);
	json_free(v);
	return ret;
}

START_TEST(planned_units_parsing)
{
	struct strbuf err = STRBUF_INIT;
	size_t n = 99;

	ck_assert_int_eq(planned("{\"units\":{\"b/0\":{\"status\":\"active\",\"since\":\"2025-01-01 10:00:00Z\"},"
				 "\"b/1\":{\"status\":\"dying\",\"since\":\"x\"},\"b/2\":{\"status\":\"unknown\"}},"
				 "\"relations\":{\"service-mesh\":{\"c\":{\"status\":\"joined\"}}}}", &n, &err), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(planned("{\"units\":{\"b/0\":{\"status\":\"dying\"},\"b/1\":{\"status\":\"dying\"}},\"relations\":{}}",
				 &n, &err), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(planned("{\"units\":{},\"relations\":{}}", &n, &err), 0);
	ck_assert_uint_eq(n, 0);
	/* no units key: none (ops' .get("units", {})) */
	n = 99;
	ck_assert_int_eq(planned("{\"relations\":{}}", &n, &err), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_str_eq(err.buf, "");
	/* wrong shapes (ops would raise) */
	static const struct { const char *json, *msg; } bad[] = {
		{ "{\"units\":null}", "goal-state printed \"units\" as null, not an object" },
		{ "[]", "goal-state printed a list, not an object" },
		{ "{\"units\":[\"b/0\"]}", "goal-state printed \"units\" as a list, not an object" },
		{ "{\"units\":{\"b/0\":{\"since\":\"x\"}}}", "goal-state printed unit 'b/0' without a status string" },
		{ "{\"units\":{\"b/0\":\"active\"}}", "unit 'b/0' without a status string" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		strbuf_reset(&err);
		ck_assert_int_eq(planned(bad[i].json, &n, &err), -1);
		ck_assert_msg(strstr(err.buf, bad[i].msg), "%s: %s", bad[i].json, err.buf);
	}
	strbuf_release(&err);
}
END_TEST

/* Through the simulator: one goal-state call each time (not cached). */
START_TEST(planned_units_from_goal_state)
{
	size_t n = 99;

	init(NULL, NULL);
	ck_assert_int_eq(juju_planned_units(&n), 0);
	ck_assert_uint_eq(n, 1);
	SIM("add-relation", "peers", "consumer", "--role", "peer", "--units", "2");
	SIM("remove-unit", "consumer/2");
	ck_assert_int_eq(juju_planned_units(&n), 0);
	ck_assert_uint_eq(n, 2);
	SIM("remove-application");
	ck_assert_int_eq(juju_planned_units(&n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(calls("goal-state"), 3);
	ck_assert_int_eq(calls(NULL), 3);
}
END_TEST

/* Tool output of the wrong shape gives an error naming the tool and what it
 * printed. Regression: jujuc.c used to build these messages after freeing
 * the parsed output (a use-after-free). */
START_TEST(wrong_shape_is_leader_wrong_shape)
{
	wrong_shape("is-leader", "\"yes\"", "is-leader printed a string, not true or false");
}
END_TEST

START_TEST(wrong_shape_relation_ids_not_a_list)
{
	wrong_shape("relation-ids", "{\"x\": \"x:1\"}", "relation-ids x printed an object, not a list");
}
END_TEST

START_TEST(wrong_shape_relation_ids_list_of_non_strings)
{
	wrong_shape("relation-ids", "[\"x:1\", 5]", "relation-ids x printed a list with an integer in it");
}
END_TEST

START_TEST(wrong_shape_relation_get_not_an_object)
{
	wrong_shape("relation-get", "[\"k\"]", "relation-get -r x:1 alpha printed a list, not an object");
}
END_TEST

START_TEST(wrong_shape_relation_get_value_not_a_string)
{
	wrong_shape("relation-get", "{\"labels\": 5}",
		    "relation-get -r x:1 alpha: value of 'labels' is an integer, not a string");
}
END_TEST

START_TEST(juju_log_only_in_context)
{
	struct strbuf out = STRBUF_INIT;

	init(NULL, NULL);
	unsetenv("JUJU_CONTEXT_ID");
	juju_reset();
	ck_assert_int_eq(juju_in_context(), 0);
	juju_log("INFO", "outside");
	ck_assert_int_eq(calls(NULL), 0);

	setenv("JUJU_CONTEXT_ID", "check-jujuc", 1);
	juju_reset();
	ck_assert_int_eq(juju_in_context(), 1);
	juju_log("WARNING", "-inside, with a dash");
	ck_assert_int_eq(calls("juju-log"), 1);
	ck_assert_int_eq(sim_status(&out, "log", NULL), 0);
	ck_assert_str_eq(out.buf, "WARNING -inside, with a dash\n");
	strbuf_release(&out);
}
END_TEST

/* juju_context(): all three of JUJU_CONTEXT_ID, JUJU_UNIT_NAME and
 * JUJU_MODEL_NAME, else NULL and one error naming what needs them. */
START_TEST(context_needs_all_three)
{
	static const char *const vars[] = { "JUJU_CONTEXT_ID", "JUJU_UNIT_NAME", "JUJU_MODEL_NAME" };
	struct strbuf err = STRBUF_INIT;

	init(NULL, NULL);
	juju_reset();
	ck_assert_ptr_eq(juju_context("policies"), juju_env());
	for (size_t i = 0; i < ARRAY_SIZE(vars); i++) {
		char *saved = xstrdup(getenv(vars[i]));

		unsetenv(vars[i]);
		juju_reset();
		strbuf_reset(&err);
		log_capture_errors(&err);
		ck_assert_ptr_null(juju_context("policies"));
		log_capture_errors(NULL);
		ck_assert_msg(strstr(err.buf, "policies needs a Juju context: run it in a hook or with juju exec"),
			      "without %s: %s", vars[i], err.buf);
		ck_assert_ptr_nonnull(strstr(err.buf, vars[i]));
		setenv(vars[i], saved, 1);
		free(saved);
	}
	ck_assert_int_eq(calls(NULL), 0);
	juju_reset();
	strbuf_release(&err);
}
END_TEST

START_TEST(env_parsed)
{
	const struct juju_env *e;

	setenv("JUJU_UNIT_NAME", "my-app/12", 1);
	setenv("JUJU_DISPATCH_PATH", "hooks/install", 1);
	juju_reset();
	e = juju_env();
	ck_assert_str_eq(e->unit, "my-app/12");
	ck_assert_str_eq(e->app, "my-app");
	ck_assert_str_eq(e->model, "test-model");
	ck_assert_str_eq(e->hook, "install");
	ck_assert_ptr_null(e->relation_id);
	juju_set_hook("upgrade-charm");
	ck_assert_str_eq(juju_env()->hook, "upgrade-charm");
}
END_TEST

static struct strbuf sunk = STRBUF_INIT;

static void sink_to_sunk(enum log_level level, const char *text, int hook)
{
	(void)hook;
	strbuf_addf(&sunk, "%s %s\n", log_level_name(level), text);
}

static int sink_on(void)
{
	return 1;
}

START_TEST(noted_keys_skipped_as_warning_others_as_debug)
{
	static const char *const keys[] = { "labels", NULL };
	struct strbuf text = STRBUF_INIT, why = STRBUF_INIT;
	struct kvlist kv = KVLIST_INIT;
	struct json *v;

	strbuf_addstr(&text, "{\"labels\":\"a\\u0000\",\"other\":\"b\\u0000\",\"ok\":\"c\"}");
	v = json_parse_strbuf_keep(&text, &why);
	ck_assert_ptr_nonnull(v);
	juju_note_keys(keys);
	log_set_sink(sink_to_sunk, sink_on);
	ck_assert_int_eq(juju_databag_from_json("x:1", "peer", v, &kv), 0);
	/* a readable key with an unreadable value stays, as "" */
	ck_assert_int_eq((int)kv.n, 3);
	ck_assert_str_eq(kvlist_get(&kv, "labels"), "");
	ck_assert_str_eq(kvlist_get(&kv, "ok"), "c");
	log_flush();
	juju_note_keys(NULL);
	juju_reset();
	ck_assert_ptr_nonnull(strstr(sunk.buf, "WARNING relation-get -r x:1 peer: skipping key 'labels'"));
	ck_assert_ptr_nonnull(strstr(sunk.buf, "DEBUG relation-get -r x:1 peer: skipping key 'other'"));
	strbuf_release(&sunk);
	kvlist_release(&kv);
	json_free(v);
	strbuf_release(&why);
	strbuf_release(&text);
}
END_TEST

/* Run as a command by `jujusim exec`: relation-set RELID K V [K V...]. */
static int helper_set(int argc, char **argv)
{
	struct kvlist kv = KVLIST_INIT;
	int ret;

	if (argc < 3 || (argc - 3) % 2)
		return 2;
	for (int i = 3; i + 1 < argc; i += 2)
		kvlist_set(&kv, argv[i], argv[i + 1]);
	ret = juju_relation_set_app(argv[2], &kv);
	kvlist_release(&kv);
	juju_reset();
	log_flush();
	return ret == 0 ? 0 : 1;
}

START_TEST(prefetch_apps_asks_together_then_answers_from_cache)
{
	const struct strlist *ids = NULL;
	const char *app = NULL;

	init(NULL, NULL);
	SIM("add-relation", "x", "alpha", "--id", "1");
	SIM("add-relation", "x", "beta", "--id", "2");
	SIM("add-relation", "x", "gamma", "--id", "3");
	setenv("JUJU_HOOK_NAME", "x-relation-changed", 1);
	setenv("JUJU_RELATION", "x", 1);
	setenv("JUJU_RELATION_ID", "x:2", 1);
	setenv("JUJU_REMOTE_APP", "beta", 1);
	juju_reset();
	ck_assert_int_eq(juju_relation_ids("x", &ids), 0);
	ck_assert_int_eq(juju_prefetch_apps(ids), 0);
	/* one relation-list per relation but the hook's own */
	ck_assert_int_eq(calls("relation-list"), 2);
	ck_assert_int_eq(juju_prefetch_apps(ids), 0);
	ck_assert_int_eq(juju_relation_app("x:1", &app), 0);
	ck_assert_str_eq(app, "alpha");
	ck_assert_int_eq(juju_relation_app("x:2", &app), 0);
	ck_assert_str_eq(app, "beta");
	ck_assert_int_eq(juju_relation_app("x:3", &app), 0);
	ck_assert_str_eq(app, "gamma");
	ck_assert_int_eq(calls(NULL), 3);
}
END_TEST

START_TEST(prefetch_remote_bags_and_forget)
{
	const struct strlist *ids = NULL;
	const struct kvlist *bag = NULL;

	init(NULL, NULL);
	SIM("add-relation", "x", "alpha", "--id", "1");
	SIM("add-relation", "x", "beta", "--id", "2");
	SIM("set-data", "x:1", "--remote-app", "k=one");
	SIM("set-data", "x:2", "--remote-app", "k=two");
	ck_assert_int_eq(juju_relation_ids("x", &ids), 0);
	ck_assert_int_eq(juju_prefetch_remote_bags(ids), 0);
	ck_assert_int_eq(calls("relation-list"), 2);
	ck_assert_int_eq(calls("relation-get"), 2);
	ck_assert_int_eq(juju_relation_get_app("x:2", "beta", &bag), 0);
	ck_assert_str_eq(kvlist_get(bag, "k"), "two");
	ck_assert_int_eq(juju_relation_get_app("x:1", "alpha", &bag), 0);
	ck_assert_str_eq(kvlist_get(bag, "k"), "one");
	ck_assert_int_eq(calls(NULL), 5);
	/* a forgotten databag is asked for again */
	juju_forget_bag("x:1", "alpha");
	ck_assert_int_eq(juju_relation_get_app("x:1", "alpha", &bag), 0);
	ck_assert_str_eq(kvlist_get(bag, "k"), "one");
	ck_assert_int_eq(calls("relation-get"), 3);
}
END_TEST

START_TEST(prefetch_failure_names_the_tool_and_caches_nothing)
{
	struct strbuf err = STRBUF_INIT;
	const struct strlist *ids = NULL;
	const char *app = NULL;

	init(NULL, NULL);
	SIM("add-relation", "x", "alpha", "--id", "1");
	SIM("add-relation", "x", "beta", "--id", "2");
	SIM("fault", "--tool", "relation-list", "--match", "x:2", "--exit", "1", "--stderr",
	    "ERROR permission denied");
	ck_assert_int_eq(juju_relation_ids("x", &ids), 0);
	log_capture_errors(&err);
	ck_assert_int_eq(juju_prefetch_remote_bags(ids), -1);
	log_capture_errors(NULL);
	ck_assert_msg(strstr(err.buf, "relation-list failed (exit status 1): ERROR permission denied"),
		      "%s", err.buf);
	/* no relation-get after a failed relation-list */
	ck_assert_int_eq(calls("relation-get"), 0);
	ck_assert_int_eq(juju_relation_app("x:2", &app), 0);
	ck_assert_str_eq(app, "beta");
	strbuf_release(&err);
}
END_TEST

/* A hook of its own: relation-ids of x and the apps of its relations, then
 * what main() does at the end. */
static void memo_hook(const struct strlist **ids)
{
	juju_reset();
	ck_assert_int_eq(juju_relation_ids("x", ids), 0);
	ck_assert_int_eq(juju_prefetch_apps(*ids), 0);
	juju_remember();
}

static char *memo_text(void)
{
	struct strbuf path = STRBUF_INIT;
	char *buf = NULL;
	size_t len;

	strbuf_addf(&path, "%s/.svcmesh-hook-apps", tmpdir);
	if (read_file(path.buf, 1 << 20, &buf, &len) < 0)
		buf = NULL;
	strbuf_release(&path);
	return buf;
}

START_TEST(remote_apps_remembered_across_hooks)
{
	const struct strlist *ids = NULL;
	const char *app = NULL;
	char *text;

	init(NULL, NULL);
	setenv("JUJU_CHARM_DIR", tmpdir, 1);
	setenv("JUJU_MODEL_UUID", "uuid-1", 1);
	SIM("add-relation", "x", "alpha", "--id", "1");
	SIM("add-relation", "x", "beta", "--id", "2");
	memo_hook(&ids);
	ck_assert_int_eq(calls("relation-list"), 2);
	text = memo_text();
	ck_assert_str_eq(text, "svcmesh-hook remote apps 1 consumer/0 uuid-1\nx:1 alpha\nx:2 beta\n");
	free(text);

	/* the next hook asks only about the new relation */
	SIM("add-relation", "x", "gamma", "--id", "3");
	memo_hook(&ids);
	ck_assert_int_eq(calls("relation-list"), 3);
	ck_assert_int_eq(juju_relation_app("x:1", &app), 0);
	ck_assert_str_eq(app, "alpha");

	/* a relation that is gone is forgotten */
	SIM("remove-relation", "x:1");
	memo_hook(&ids);
	ck_assert_int_eq(calls("relation-list"), 3);
	text = memo_text();
	ck_assert_str_eq(text, "svcmesh-hook remote apps 1 consumer/0 uuid-1\nx:2 beta\nx:3 gamma\n");
	free(text);
	unsetenv("JUJU_CHARM_DIR");
	unsetenv("JUJU_MODEL_UUID");
}
END_TEST

START_TEST(remembered_apps_ignored_when_damaged_or_foreign_or_off)
{
	const struct strlist *ids = NULL;
	const char *app = NULL;
	struct strbuf path = STRBUF_INIT;
	FILE *f;

	init(NULL, NULL);
	setenv("JUJU_CHARM_DIR", tmpdir, 1);
	setenv("JUJU_MODEL_UUID", "uuid-1", 1);
	SIM("add-relation", "x", "alpha", "--id", "1");
	strbuf_addf(&path, "%s/.svcmesh-hook-apps", tmpdir);

	/* another model's file: not believed, and replaced */
	f = fopen(path.buf, "w");
	fputs("svcmesh-hook remote apps 1 consumer/0 uuid-OTHER\nx:1 mallory\n", f);
	fclose(f);
	memo_hook(&ids);
	ck_assert_int_eq(juju_relation_app("x:1", &app), 0);
	ck_assert_str_eq(app, "alpha");
	ck_assert_int_eq(calls("relation-list"), 1);

	/* a damaged line: the whole file is dropped */
	f = fopen(path.buf, "w");
	fputs("svcmesh-hook remote apps 1 consumer/0 uuid-1\nx:1 $(reboot)\n", f);
	fclose(f);
	memo_hook(&ids);
	ck_assert_int_eq(juju_relation_app("x:1", &app), 0);
	ck_assert_str_eq(app, "alpha");
	ck_assert_int_eq(calls("relation-list"), 2);

	/* SVCMESH_REMEMBER=0: neither read nor written */
	unlink(path.buf);
	setenv("SVCMESH_REMEMBER", "0", 1);
	settings_reset();
	memo_hook(&ids);
	memo_hook(&ids);
	ck_assert_int_eq(calls("relation-list"), 4);
	ck_assert_int_eq(access(path.buf, F_OK), -1);
	unsetenv("SVCMESH_REMEMBER");

	/* the charm's settings.remember-apps: false, the same */
	settings_reset();
	{
		struct cfg_settings off = { 0, 0, 0, NULL, -1, 0 };

		settings_use_config(&off);
	}
	memo_hook(&ids);
	memo_hook(&ids);
	ck_assert_int_eq(calls("relation-list"), 6);
	ck_assert_int_eq(access(path.buf, F_OK), -1);
	settings_reset();
	unsetenv("JUJU_CHARM_DIR");
	unsetenv("JUJU_MODEL_UUID");
	strbuf_release(&path);
}
END_TEST

int main(int argc, char **argv)
{
	Suite *s;
	TCase *tc;
	ssize_t n;

	if (argc > 1 && !strcmp(argv[1], HELPER_SET))
		return helper_set(argc, argv);
	n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	if (n <= 0) {
		fprintf(stderr, "check_jujuc: cannot find my own binary\n");
		return EXIT_FAILURE;
	}
	self_exe[n] = '\0';

	s = suite_create("jujuc");
	tc = tcase_create("tools");
	tcase_add_checked_fixture(tc, setup, sim_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, is_leader_true_and_cached);
	tcase_add_test(tc, is_leader_false);
	tcase_add_test(tc, relation_ids_in_tool_order_and_cached);
	tcase_add_test(tc, relation_ids_unknown_endpoint_is_empty);
	tcase_add_test(tc, relation_ids_leaves_out_broken_relation);
	tcase_add_test(tc, hook_names_juju_knows);
	tcase_add_test(tc, hook_relation_must_be_of_its_endpoint);
	tcase_add_test(tc, relation_app_from_env_then_tool);
	tcase_add_test(tc, relation_get_app_whole_databag);
	tcase_add_test(tc, relation_get_app_empty_databag);
	tcase_add_test(tc, relation_get_own_app_as_non_leader_is_denied);
	tcase_add_test(tc, relation_set_app_writes_exactly);
	tcase_add_test(tc, relation_set_app_committed_by_the_hook);
	tcase_add_test(tc, relation_update_app_sends_only_what_differs);
	tcase_add_test(tc, relation_set_app_as_non_leader_fails);
	tcase_add_test(tc, failing_tool_returns_error_and_is_not_cached);
	tcase_add_test(tc, non_json_output_is_an_error);
	tcase_add_test(tc, juju_log_only_in_context);
	tcase_add_test(tc, context_needs_all_three);
	tcase_add_test(tc, env_parsed);
	tcase_add_test(tc, noted_keys_skipped_as_warning_others_as_debug);
	tcase_add_test(tc, prefetch_apps_asks_together_then_answers_from_cache);
	tcase_add_test(tc, prefetch_remote_bags_and_forget);
	tcase_add_test(tc, prefetch_failure_names_the_tool_and_caches_nothing);
	tcase_add_test(tc, remote_apps_remembered_across_hooks);
	tcase_add_test(tc, remembered_apps_ignored_when_damaged_or_foreign_or_off);
	tcase_add_test(tc, planned_units_parsing);
	tcase_add_test(tc, planned_units_from_goal_state);
	/* Tool output of the wrong shape: a clear error naming the tool, no crash
	 * (these once read a freed tree while building the message). */
	tcase_add_test(tc, wrong_shape_is_leader_wrong_shape);
	tcase_add_test(tc, wrong_shape_relation_ids_not_a_list);
	tcase_add_test(tc, wrong_shape_relation_ids_list_of_non_strings);
	tcase_add_test(tc, wrong_shape_relation_get_not_an_object);
	tcase_add_test(tc, wrong_shape_relation_get_value_not_a_string);
	suite_add_tcase(s, tc);
	return run_suite(s);
}
