/* check_labelplan.c - unit tests for the label reconcile planner
 * (labelplan.c): the plan, its texts and its merge patches. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "formats/json.h"
#include "protocol/labelplan.h"

/* The annotations of an object: its record of our labels, written
 * against the ConfigMap version base (NULL: no such annotation). */
static void annotations(struct strbuf *sb, const char *mark, const char *base)
{
	if (!mark && !base)
		return;
	strbuf_addstr(sb, ", \"annotations\": {\"other\": \"x\"");
	if (mark) {
		strbuf_addstr(sb, ", \"" LABELS_ANNOTATION "\": ");
		json_emit_string(sb, mark, strlen(mark));
	}
	if (base) {
		strbuf_addstr(sb, ", \"" LABELS_BASE_ANNOTATION "\": ");
		json_emit_string(sb, base, strlen(base));
	}
	strbuf_addch(sb, '}');
}

/* A StatefulSet, Service and (optionally) the ConfigMap at resourceVersion
 * "7", as kubectl returns them; sts_mark and svc_mark, when not NULL, are
 * the objects' records of our labels, written against ConfigMap version
 * base. */
static struct json *objects_marked(const char *tmpl_labels, const char *svc_labels, const char *record,
				   const char *sts_mark, const char *svc_mark, const char *base)
{
	struct strbuf sb = STRBUF_INIT, sm = STRBUF_INIT, vm = STRBUF_INIT;
	struct json *v;

	if (sts_mark)
		annotations(&sm, sts_mark, base);
	if (svc_mark)
		annotations(&vm, svc_mark, base);
	strbuf_addf(&sb,
		    "[{\"kind\": \"StatefulSet\", \"metadata\": {\"name\": \"app\"%s}, \"spec\": {\"selector\": "
		    "{\"matchLabels\": {\"app.kubernetes.io/name\": \"app\"}}, \"template\": {\"metadata\": "
		    "{\"labels\": %s}}}}, {\"kind\": \"Service\", \"metadata\": {\"name\": \"app\", \"labels\": %s%s}}",
		    sm.buf, tmpl_labels, svc_labels, vm.buf);
	if (record) {
		struct strbuf r = STRBUF_INIT;
		json_emit_string(&r, record, strlen(record));
		strbuf_addf(&sb, ", {\"kind\": \"ConfigMap\", \"metadata\": {\"name\": \"juju-service-mesh-app-labels\", "
			    "\"resourceVersion\": \"7\"}, "
			    "\"data\": {\"labels\": %s}}", r.buf);
		strbuf_release(&r);
	}
	strbuf_addch(&sb, ']');
	v = json_parse(sb.buf, sb.len, NULL);
	ck_assert_ptr_nonnull(v);
	strbuf_release(&sb);
	strbuf_release(&sm);
	strbuf_release(&vm);
	return v;
}

static struct json *objects(const char *tmpl_labels, const char *svc_labels, const char *record)
{
	return objects_marked(tmpl_labels, svc_labels, record, NULL, NULL, NULL);
}

/* What plan-labels prints for the plan. */
static char *printed(const struct label_plan *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	label_plan_print(p, f);
	fclose(f);
	return buf;
}

static void want(struct kvlist *kv, const char *k, const char *v)
{
	kvlist_set(kv, k, v);
}

START_TEST(join_from_nothing)
{
	struct json *items = objects("{\"app.kubernetes.io/name\": \"app\"}", "{}", NULL);
	struct kvlist w = KVLIST_INIT;
	struct label_plan p;

	want(&w, "istio.io/dataplane-mode", "ambient");
	ck_assert_int_eq(labels_plan("app", items, &w, NULL, 0, &p), 0);
	ck_assert_int_eq(p.cm_exists, 0);
	ck_assert_int_eq((int)p.sts.present.n, 1);
	ck_assert_str_eq(kvlist_get(&p.sts.present, "app.kubernetes.io/name"), "app");
	ck_assert_int_eq((int)p.svc.present.n, 0);
	ck_assert_int_eq(p.sts.needed, 1);
	ck_assert_int_eq(p.sts.mark, 1);
	ck_assert_int_eq(p.svc.needed, 1);
	ck_assert_int_eq(p.svc.mark, 1);
	ck_assert_int_eq(p.cm_write, 1);
	ck_assert_int_eq(label_plan_writes(&p), 3);
	label_plan_release(&p);
	kvlist_release(&w);
	json_free(items);
}
END_TEST

/* Unknown is not empty: a key the provider sent with a value that cannot
 * be used keeps the label of ours as it is; a held key that is not ours
 * (absent, or someone else's) is not added. */
START_TEST(held_keys_stay_as_they_are)
{
	struct json *items = objects("{\"app.kubernetes.io/name\": \"app\", \"istio.io/dataplane-mode\": \"ambient\", "
				     "\"istio.io/use-waypoint\": \"wp\", \"team\": \"x\"}",
				     "{\"istio.io/dataplane-mode\": \"ambient\", \"istio.io/use-waypoint\": \"wp\"}",
				     "{\"istio.io/dataplane-mode\": \"ambient\", \"istio.io/use-waypoint\": \"wp\"}");
	struct kvlist w = KVLIST_INIT;
	struct strlist held = STRLIST_INIT;
	struct label_plan p;
	char *text;

	/* dataplane-mode still readable; use-waypoint, team and new unreadable */
	want(&w, "istio.io/dataplane-mode", "ambient");
	strlist_add(&held, "istio.io/use-waypoint");
	strlist_add(&held, "team");
	strlist_add(&held, "new");
	ck_assert_int_eq(labels_plan("app", items, &w, &held, 0, &p), 0);
	ck_assert_int_eq(label_plan_writes(&p), 0);
	ck_assert_str_eq(kvlist_get(&p.desired, "istio.io/use-waypoint"), "wp");
	ck_assert_ptr_null(kvlist_get(&p.desired, "team"));
	ck_assert_ptr_null(kvlist_get(&p.desired, "new"));
	ck_assert_uint_eq(p.held.n, 1);
	text = printed(&p);
	ck_assert_ptr_nonnull(strstr(text, "held label istio.io/use-waypoint: left as it is"));
	free(text);
	label_plan_release(&p);
	/* without the hold the same answer would remove it */
	ck_assert_int_eq(labels_plan("app", items, &w, NULL, 0, &p), 0);
	ck_assert_str_eq(p.sts.remove.items[0], "istio.io/use-waypoint");
	label_plan_release(&p);
	strlist_release(&held);
	kvlist_release(&w);
	json_free(items);
}
END_TEST

START_TEST(steady_state_writes_nothing)
{
	struct json *items = objects("{\"app.kubernetes.io/name\": \"app\", \"istio.io/dataplane-mode\": \"ambient\"}",
				     "{\"istio.io/dataplane-mode\": \"ambient\", \"team\": \"x\"}",
				     "{\"istio.io/dataplane-mode\": \"ambient\"}");
	struct kvlist w = KVLIST_INIT;
	struct label_plan p;

	want(&w, "istio.io/dataplane-mode", "ambient");
	ck_assert_int_eq(labels_plan("app", items, &w, NULL, 0, &p), 0);
	ck_assert_int_eq(label_plan_writes(&p), 0);
	label_plan_release(&p);
	kvlist_release(&w);
	json_free(items);
}
END_TEST

START_TEST(dropped_label_removed_then_forgotten)
{
	struct json *items = objects("{\"a\": \"1\", \"b\": \"2\", \"foreign\": \"f\"}", "{\"a\": \"1\", \"b\": \"2\"}",
				     "{\"a\": \"1\", \"b\": \"2\"}");
	struct kvlist w = KVLIST_INIT;
	struct label_plan p;

	want(&w, "a", "1");
	ck_assert_int_eq(labels_plan("app", items, &w, NULL, 0, &p), 0);
	ck_assert_int_eq(p.sts.needed, 1);
	ck_assert_int_eq((int)p.sts.set.n, 0);
	ck_assert_int_eq((int)p.sts.remove.n, 1);
	ck_assert_str_eq(p.sts.remove.items[0], "b");
	ck_assert_int_eq((int)p.svc.remove.n, 1);
	ck_assert_int_eq(p.cm_write, 1);
	ck_assert_int_eq(label_plan_writes(&p), 3);
	label_plan_release(&p);
	kvlist_release(&w);
	json_free(items);
}
END_TEST

START_TEST(changed_value_patched_then_recorded)
{
	struct json *items = objects("{\"w\": \"old\"}", "{\"w\": \"old\"}", "{\"w\": \"old\"}");
	struct kvlist w = KVLIST_INIT;
	struct label_plan p;

	want(&w, "w", "new");
	ck_assert_int_eq(labels_plan("app", items, &w, NULL, 0, &p), 0);
	ck_assert_int_eq(p.cm_write, 1);
	ck_assert_str_eq(kvlist_get(&p.sts.set, "w"), "new");
	ck_assert_int_eq(p.sts.mark, 1);
	ck_assert_int_eq(label_plan_writes(&p), 3);
	label_plan_release(&p);
	kvlist_release(&w);
	json_free(items);
}
END_TEST

START_TEST(add_and_drop_is_three_writes)
{
	struct json *items = objects("{\"old\": \"1\"}", "{\"old\": \"1\"}", "{\"old\": \"1\"}");
	struct kvlist w = KVLIST_INIT;
	struct label_plan p;

	want(&w, "new", "2");
	ck_assert_int_eq(labels_plan("app", items, &w, NULL, 0, &p), 0);
	ck_assert_str_eq(kvlist_get(&p.sts.set, "new"), "2");
	ck_assert_str_eq(p.sts.remove.items[0], "old");
	ck_assert_int_eq(p.sts.mark, 1);
	ck_assert_int_eq(p.svc.mark, 1);
	ck_assert_int_eq(p.cm_write, 1);
	ck_assert_int_eq(label_plan_writes(&p), 3);
	label_plan_release(&p);
	kvlist_release(&w);
	json_free(items);
}
END_TEST

START_TEST(annotation_marks_ours_when_the_record_lags)
{
	/* a hook patched both objects, then failed before the ConfigMap: the
	 * retry wants other labels, and still removes the ones it put there */
	struct json *items = objects_marked("{\"a\": \"1\", \"team\": \"x\"}", "{\"a\": \"1\"}", "{}",
					    "{\"a\": \"1\"}", "{\"a\": \"1\"}", "7");
	struct kvlist w = KVLIST_INIT;
	struct label_plan p;

	want(&w, "c", "3");
	ck_assert_int_eq(labels_plan("app", items, &w, NULL, 0, &p), 0);
	ck_assert_int_eq(p.sts.has_mark, 1);
	ck_assert_int_eq(p.sts.mark_current, 1);
	ck_assert_int_eq((int)p.sts.remove.n, 1);
	ck_assert_str_eq(p.sts.remove.items[0], "a");
	ck_assert_int_eq((int)p.svc.remove.n, 1);
	ck_assert_str_eq(kvlist_get(&p.sts.set, "c"), "3");
	ck_assert_int_eq(p.cm_write, 1);
	label_plan_release(&p);
	kvlist_release(&w);
	json_free(items);
}
END_TEST

START_TEST(current_annotation_names_a_label_once)
{
	struct json *items = objects_marked("{\"a\": \"1\"}", "{\"a\": \"1\"}", "{\"a\": \"1\"}",
					    "{\"a\": \"1\"}", "{\"a\": \"1\"}", "7");
	struct label_plan p;

	ck_assert_int_eq(labels_plan("app", items, NULL, NULL, 1, &p), 0);
	ck_assert_int_eq((int)p.sts.remove.n, 1);
	ck_assert_int_eq(p.sts.mark, -1);
	ck_assert_int_eq(p.svc.mark, -1);
	ck_assert_int_eq(p.cm_delete, 1);
	label_plan_release(&p);
	json_free(items);
}
END_TEST

START_TEST(annotated_label_changed_by_someone_else_is_theirs)
{
	struct json *items = objects_marked("{\"a\": \"theirs\"}", "{}", NULL, "{\"a\": \"1\"}", NULL, "");
	struct label_plan p;

	ck_assert_int_eq(labels_plan("app", items, NULL, NULL, 1, &p), 0);
	ck_assert_int_eq((int)p.sts.remove.n, 0);
	/* the annotation itself goes */
	ck_assert_int_eq(p.sts.needed, 1);
	ck_assert_int_eq(p.sts.mark, -1);
	ck_assert_int_eq(p.svc.needed, 0);
	label_plan_release(&p);
	json_free(items);
}
END_TEST

START_TEST(unannotated_objects_with_the_right_labels_are_left_alone)
{
	/* labelled by the Python library, which keeps no annotation */
	struct json *items = objects("{\"a\": \"1\"}", "{\"a\": \"1\"}", "{\"a\": \"1\"}");
	struct kvlist w = KVLIST_INIT;
	struct label_plan p;

	want(&w, "a", "1");
	ck_assert_int_eq(labels_plan("app", items, &w, NULL, 0, &p), 0);
	ck_assert_int_eq(p.sts.has_mark, 0);
	ck_assert_int_eq(label_plan_writes(&p), 0);
	label_plan_release(&p);
	kvlist_release(&w);
	json_free(items);
}
END_TEST

START_TEST(stale_or_unreadable_annotation_is_rewritten_without_touching_labels)
{
	struct json *items = objects_marked("{\"a\": \"1\"}", "{\"a\": \"1\"}", "{\"a\": \"1\"}",
					    "{\"a\": \"1\", \"gone\": \"2\"}", "not json", "3");
	struct kvlist w = KVLIST_INIT;
	struct label_plan p;
	char *out;

	want(&w, "a", "1");
	ck_assert_int_eq(labels_plan("app", items, &w, NULL, 0, &p), 0);
	ck_assert_int_eq(p.sts.needed, 1);
	ck_assert_int_eq(p.sts.mark, 1);
	ck_assert_int_eq((int)p.sts.set.n + (int)p.sts.remove.n, 0);
	ck_assert_int_eq(p.sts.mark_current, 0);
	ck_assert_int_eq(p.svc.has_mark, 1);
	ck_assert_int_eq(p.svc.mark_bad, 1);
	ck_assert_int_eq((int)p.svc.marked.n, 0);
	ck_assert_int_eq(p.svc.mark, 1);
	ck_assert_int_eq(p.cm_write, 0);
	out = printed(&p);
	ck_assert_str_eq(out, "StatefulSet app (pod template): labels already right; annotation "
			 LABELS_ANNOTATION "={\"a\": \"1\"}\n"
			 "Service app: labels already right; annotation " LABELS_ANNOTATION "={\"a\": \"1\"}\n"
			 "ConfigMap juju-service-mesh-app-labels: no change\n");
	free(out);
	label_plan_release(&p);
	kvlist_release(&w);
	json_free(items);
}
END_TEST

START_TEST(plan_prints_every_write)
{
	struct json *items = objects_marked("{\"old\": \"1\"}", "{\"old\": \"1\"}", NULL, "{\"old\": \"1\"}", NULL, "");
	struct kvlist w = KVLIST_INIT;
	struct label_plan p;
	char *out;

	want(&w, "new", "2");
	ck_assert_int_eq(labels_plan("app", items, &w, NULL, 0, &p), 0);
	out = printed(&p);
	ck_assert_str_eq(out, "StatefulSet app (pod template): set new=2, remove old; annotation "
			 LABELS_ANNOTATION "={\"new\": \"2\"}\n"
			 "Service app: set new=2; annotation " LABELS_ANNOTATION "={\"new\": \"2\"}\n"
			 "ConfigMap juju-service-mesh-app-labels: create with data.labels={\"new\": \"2\"}\n");
	free(out);
	label_plan_release(&p);
	ck_assert_int_eq(labels_plan("app", items, NULL, NULL, 1, &p), 0);
	out = printed(&p);
	ck_assert_str_eq(out, "StatefulSet app (pod template): remove old; remove annotations " LABELS_ANNOTATION
			 ", " LABELS_BASE_ANNOTATION "\n"
			 "Service app: no change\n"
			 "ConfigMap juju-service-mesh-app-labels: no change\n");
	free(out);
	label_plan_release(&p);
	kvlist_release(&w);
	json_free(items);
}
END_TEST

START_TEST(stale_annotation_claims_nothing)
{
	/* written against ConfigMap version 3; the ConfigMap (now 7) has been
	 * written since, e.g. by the Python library, which dropped w; someone
	 * then set w=wp on the Service themselves */
	struct json *items = objects_marked("{}", "{\"w\": \"wp\"}", "{}", "{\"w\": \"wp\"}",
					    "{\"w\": \"wp\"}", "3");
	struct kvlist w = KVLIST_INIT;
	struct label_plan p;

	ck_assert_int_eq(labels_plan("app", items, &w, NULL, 0, &p), 0);
	ck_assert_int_eq(p.svc.mark_current, 0);
	ck_assert_int_eq((int)p.svc.remove.n, 0);
	/* only the annotation is brought up to date */
	ck_assert_int_eq(p.svc.mark, 1);
	ck_assert_int_eq(p.cm_write, 0);
	label_plan_release(&p);
	ck_assert_int_eq(labels_plan("app", items, NULL, NULL, 1, &p), 0);
	ck_assert_int_eq((int)p.svc.remove.n, 0);
	ck_assert_int_eq(p.svc.mark, -1);
	label_plan_release(&p);
	json_free(items);
}
END_TEST

START_TEST(current_annotation_decides_over_a_lagging_record)
{
	/* a=1 -> a=2 was patched on both objects, then the ConfigMap write
	 * failed; someone set the StatefulSet's a back to 1: that is theirs */
	struct json *items = objects_marked("{\"a\": \"1\"}", "{\"a\": \"2\"}", "{\"a\": \"1\"}",
					    "{\"a\": \"2\"}", "{\"a\": \"2\"}", "7");
	struct label_plan p;

	ck_assert_int_eq(labels_plan("app", items, NULL, NULL, 1, &p), 0);
	ck_assert_int_eq((int)p.sts.remove.n, 0);
	ck_assert_int_eq((int)p.svc.remove.n, 1);
	ck_assert_str_eq(p.svc.remove.items[0], "a");
	label_plan_release(&p);
	json_free(items);
}
END_TEST

START_TEST(unreadable_annotation_is_rewritten_when_nothing_is_wanted)
{
	struct json *items = objects_marked("{}", "{}", "{}", "[1]", NULL, "7");
	struct kvlist w = KVLIST_INIT;
	struct label_plan p;

	ck_assert_int_eq(labels_plan("app", items, &w, NULL, 0, &p), 0);
	ck_assert_int_eq(p.sts.mark_bad, 1);
	ck_assert_int_eq(p.sts.mark, 1);
	ck_assert_int_eq(label_plan_writes(&p), 1);
	label_plan_release(&p);
	json_free(items);
}
END_TEST

START_TEST(damaged_record_never_removes_reserved_or_selector_keys)
{
	struct json *items = objects_marked("{\"app.kubernetes.io/name\": \"app\", \"m\": \"1\"}",
					    "{\"app.kubernetes.io/name\": \"app\", \"m\": \"1\"}",
					    "{\"app.kubernetes.io/name\": \"app\", \"m\": \"1\"}",
					    "{\"app.kubernetes.io/name\": \"app\", \"m\": \"1\"}", NULL, "7");
	struct label_plan p;

	ck_assert_int_eq(labels_plan("app", items, NULL, NULL, 1, &p), 0);
	ck_assert_int_eq((int)p.sts.remove.n, 1);
	ck_assert_str_eq(p.sts.remove.items[0], "m");
	ck_assert_int_eq((int)p.svc.remove.n, 1);
	ck_assert_str_eq(p.svc.remove.items[0], "m");
	label_plan_release(&p);
	json_free(items);
}
END_TEST

START_TEST(broken_without_annotations_removes_none)
{
	/* objects the Python library labelled: no annotation to remove */
	struct json *items = objects("{\"a\": \"1\"}", "{\"a\": \"1\"}", "{\"a\": \"1\"}");
	struct label_plan p;

	ck_assert_int_eq(labels_plan("app", items, NULL, NULL, 1, &p), 0);
	ck_assert_int_eq((int)p.sts.remove.n, 1);
	ck_assert_int_eq(p.sts.mark, 0);
	ck_assert_int_eq(p.svc.mark, 0);
	label_plan_release(&p);
	json_free(items);
}
END_TEST

START_TEST(foreign_label_with_same_value_is_never_removed)
{
	/* "team" was never recorded as ours: it stays even though nobody asks for it */
	struct json *items = objects("{\"team\": \"x\"}", "{\"team\": \"x\"}", "{}");
	struct label_plan p;

	ck_assert_int_eq(labels_plan("app", items, NULL, NULL, 1, &p), 0);
	ck_assert_int_eq(p.sts.needed, 0);
	ck_assert_int_eq(p.svc.needed, 0);
	ck_assert_int_eq(p.cm_delete, 1);
	label_plan_release(&p);
	json_free(items);
}
END_TEST

START_TEST(foreign_value_on_a_wanted_key_is_left_alone_and_reported)
{
	/* team=blue is someone else's (no record of ours says blue) on the
	 * template only; the provider asks for team=red: neither object gets
	 * it, the record does not claim it, the other label goes on */
	struct json *items = objects("{\"team\": \"blue\"}", "{}", NULL);
	struct kvlist w = KVLIST_INIT;
	struct label_plan p;
	char *out;

	want(&w, "team", "red");
	want(&w, "a", "1");
	ck_assert_int_eq(labels_plan("app", items, &w, NULL, 0, &p), 0);
	ck_assert_ptr_null(kvlist_get(&p.desired, "team"));
	ck_assert_ptr_null(kvlist_get(&p.sts.set, "team"));
	ck_assert_ptr_null(kvlist_get(&p.svc.set, "team"));
	ck_assert_str_eq(kvlist_get(&p.svc.set, "a"), "1");
	ck_assert_uint_eq(p.foreign.n, 1);
	ck_assert_str_eq(p.foreign.items[0], "team=blue on StatefulSet app (pod template)");
	out = printed(&p);
	ck_assert_ptr_nonnull(strstr(out, "foreign label team=blue on StatefulSet app (pod template): left alone"));
	free(out);
	label_plan_release(&p);
	json_free(items);
	/* the same value as wanted, but never recorded: still theirs */
	items = objects("{\"team\": \"red\"}", "{\"team\": \"red\"}", "{\"a\": \"1\"}");
	ck_assert_int_eq(labels_plan("app", items, &w, NULL, 0, &p), 0);
	ck_assert_ptr_null(kvlist_get(&p.desired, "team"));
	ck_assert_uint_eq(p.foreign.n, 2);
	label_plan_release(&p);
	json_free(items);
	/* recorded with the value it holds: ours, changed as asked */
	items = objects("{\"team\": \"old\"}", "{\"team\": \"old\"}", "{\"team\": \"old\"}");
	ck_assert_int_eq(labels_plan("app", items, &w, NULL, 0, &p), 0);
	ck_assert_str_eq(kvlist_get(&p.sts.set, "team"), "red");
	ck_assert_uint_eq(p.foreign.n, 0);
	label_plan_release(&p);
	kvlist_release(&w);
	json_free(items);
}
END_TEST

START_TEST(label_changed_by_someone_else_is_theirs)
{
	struct json *items = objects("{\"m\": \"theirs\"}", "{\"m\": \"1\"}", "{\"m\": \"1\"}");
	struct label_plan p;

	ck_assert_int_eq(labels_plan("app", items, NULL, NULL, 1, &p), 0);
	ck_assert_int_eq(p.sts.needed, 0);
	ck_assert_int_eq((int)p.svc.remove.n, 1);
	label_plan_release(&p);
	json_free(items);
}
END_TEST

START_TEST(broken_removes_ours_and_deletes_record)
{
	struct json *items = objects("{\"m\": \"1\", \"team\": \"x\"}", "{\"m\": \"1\"}", "{\"m\": \"1\"}");
	struct label_plan p;

	ck_assert_int_eq(labels_plan("app", items, NULL, NULL, 1, &p), 0);
	ck_assert_int_eq((int)p.sts.remove.n, 1);
	ck_assert_str_eq(p.sts.remove.items[0], "m");
	ck_assert_int_eq((int)p.svc.remove.n, 1);
	ck_assert_int_eq(p.sts.mark, 0);   /* no annotation to remove */
	ck_assert_int_eq(p.cm_write, 0);
	ck_assert_int_eq(p.cm_delete, 1);
	label_plan_release(&p);
	json_free(items);
}
END_TEST

START_TEST(reserved_and_selector_keys_refused)
{
	struct json *items = objects("{}", "{}", NULL);
	struct kvlist w = KVLIST_INIT;
	struct label_plan p;

	want(&w, "app.kubernetes.io/name", "evil");
	want(&w, "controller-revision-hash", "x");
	want(&w, "ok", "yes");
	ck_assert_int_eq(labels_plan("app", items, &w, NULL, 0, &p), 0);
	ck_assert_int_eq((int)p.refused.n, 2);
	ck_assert_str_eq(p.refused.items[0], "app.kubernetes.io/name: it is a reserved key");
	ck_assert_int_eq((int)p.desired.n, 1);
	ck_assert_str_eq(kvlist_get(&p.desired, "ok"), "yes");
	label_plan_release(&p);
	kvlist_release(&w);
	json_free(items);
}
END_TEST

START_TEST(python_record_with_other_labels_is_ours)
{
	/* a ConfigMap the Python library left: its labels are ours to remove */
	struct json *items = objects("{\"istio.io/use-waypoint\": \"wp\"}", "{\"istio.io/use-waypoint\": \"wp\"}",
				     "{\"istio.io/use-waypoint\": \"wp\"}");
	struct kvlist w = KVLIST_INIT;
	struct label_plan p;

	want(&w, "istio.io/dataplane-mode", "ambient");
	ck_assert_int_eq(labels_plan("app", items, &w, NULL, 0, &p), 0);
	ck_assert_str_eq(p.sts.remove.items[0], "istio.io/use-waypoint");
	ck_assert_str_eq(kvlist_get(&p.sts.set, "istio.io/dataplane-mode"), "ambient");
	label_plan_release(&p);
	kvlist_release(&w);
	json_free(items);
}
END_TEST

START_TEST(missing_statefulset_is_an_error)
{
	struct json *items = json_parse("[]", 2, NULL);
	struct label_plan p;

	ck_assert_int_eq(labels_plan("app", items, NULL, NULL, 1, &p), -1);
	label_plan_release(&p);
	json_free(items);
}
END_TEST

START_TEST(configmap_name)
{
	char *n = labels_configmap_name("my-app");
	ck_assert_str_eq(n, "juju-service-mesh-my-app-labels");
	free(n);
}
END_TEST

/* The text of a JSON tree, as json.dumps writes it; caller frees. */
static char *emitted(struct json *v)
{
	struct strbuf sb = STRBUF_INIT;

	json_emit(&sb, v);
	json_free(v);
	return strbuf_detach(&sb, NULL);
}

/* The plan of plan_prints_every_write: the StatefulSet sets new=2 and
 * removes old (its current annotation says old is ours); the Service
 * sets new=2; no ConfigMap yet. */
static void set_and_remove_plan(struct label_plan *p)
{
	struct json *items = objects_marked("{\"old\": \"1\"}", "{\"old\": \"1\"}", NULL, "{\"old\": \"1\"}", NULL, "");
	struct kvlist w = KVLIST_INIT;

	want(&w, "new", "2");
	ck_assert_int_eq(labels_plan("app", items, &w, NULL, 0, p), 0);
	kvlist_release(&w);
	json_free(items);
}

START_TEST(change_text_names_sets_then_removes_after_what_is_there)
{
	struct strbuf sb = STRBUF_INIT;
	struct label_plan p;

	set_and_remove_plan(&p);
	strbuf_addstr(&sb, "StatefulSet app: ");
	ck_assert_uint_eq(label_change_text(&sb, &p.sts), 2);
	ck_assert_str_eq(sb.buf, "StatefulSet app: set new=2, remove old");
	strbuf_reset(&sb);
	ck_assert_uint_eq(label_change_text(&sb, &p.svc), 1);
	ck_assert_str_eq(sb.buf, "set new=2");
	label_plan_release(&p);
	strbuf_release(&sb);
}
END_TEST

START_TEST(change_text_leaves_the_empty_case_to_the_caller)
{
	struct json *items = objects_marked("{\"m\": \"1\"}", "{\"m\": \"1\"}", "{\"m\": \"1\"}", "not json", NULL, "7");
	struct strbuf sb = STRBUF_INIT;
	struct kvlist w = KVLIST_INIT;
	struct label_plan p;

	want(&w, "m", "1");
	ck_assert_int_eq(labels_plan("app", items, &w, NULL, 0, &p), 0);
	/* the StatefulSet's annotation is unreadable: rewritten, labels right */
	ck_assert_int_eq(p.sts.needed, 1);
	strbuf_addstr(&sb, "x");
	ck_assert_uint_eq(label_change_text(&sb, &p.sts), 0);
	ck_assert_uint_eq(label_change_text(&sb, &p.svc), 0);
	ck_assert_str_eq(sb.buf, "x");
	label_plan_release(&p);
	kvlist_release(&w);
	strbuf_release(&sb);
	json_free(items);
}
END_TEST

START_TEST(record_text_is_what_python_writes)
{
	struct strbuf sb = STRBUF_INIT;
	struct kvlist l = KVLIST_INIT;

	label_record_text(&sb, &l);
	ck_assert_str_eq(sb.buf, "{}");
	strbuf_reset(&sb);
	kvlist_set(&l, "istio.io/dataplane-mode", "ambient");
	kvlist_set(&l, "team", "caf\xc3\xa9 \"x\"");
	label_record_text(&sb, &l);
	ck_assert_str_eq(sb.buf, "{\"istio.io/dataplane-mode\": \"ambient\", \"team\": \"caf\\u00e9 \\\"x\\\"\"}");
	kvlist_release(&l);
	strbuf_release(&sb);
}
END_TEST

START_TEST(merge_patch_puts_statefulset_labels_in_the_pod_template)
{
	struct label_plan p;
	char *text;

	set_and_remove_plan(&p);
	text = emitted(label_object_patch(&p.sts, &p.desired, p.cm_version, 1));
	ck_assert_str_eq(text, "{\"spec\": {\"template\": {\"metadata\": {\"labels\": {\"new\": \"2\", \"old\": null}}}}, "
			 "\"metadata\": {\"annotations\": {\"" LABELS_ANNOTATION "\": \"{\\\"new\\\": \\\"2\\\"}\", \""
			 LABELS_BASE_ANNOTATION "\": \"\"}}}");
	free(text);
	text = emitted(label_object_patch(&p.svc, &p.desired, p.cm_version, 0));
	ck_assert_str_eq(text, "{\"metadata\": {\"labels\": {\"new\": \"2\"}, \"annotations\": {\"" LABELS_ANNOTATION
			 "\": \"{\\\"new\\\": \\\"2\\\"}\", \"" LABELS_BASE_ANNOTATION "\": \"\"}}}");
	free(text);
	label_plan_release(&p);
}
END_TEST

START_TEST(merge_patch_when_broken_removes_labels_and_annotations)
{
	struct json *items = objects_marked("{\"m\": \"1\"}", "{\"m\": \"1\"}", "{\"m\": \"1\"}", "{\"m\": \"1\"}", NULL, "7");
	struct label_plan p;
	char *text;

	ck_assert_int_eq(labels_plan("app", items, NULL, NULL, 1, &p), 0);
	text = emitted(label_object_patch(&p.sts, &p.desired, p.cm_version, 1));
	ck_assert_str_eq(text, "{\"spec\": {\"template\": {\"metadata\": {\"labels\": {\"m\": null}}}}, "
			 "\"metadata\": {\"annotations\": {\"" LABELS_ANNOTATION "\": null, \""
			 LABELS_BASE_ANNOTATION "\": null}}}");
	free(text);
	/* no annotation on the Service: its labels only */
	text = emitted(label_object_patch(&p.svc, &p.desired, p.cm_version, 0));
	ck_assert_str_eq(text, "{\"metadata\": {\"labels\": {\"m\": null}}}");
	free(text);
	label_plan_release(&p);
	json_free(items);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("labelplan");
	TCase *tc = tcase_create("plan");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, join_from_nothing);
	tcase_add_test(tc, steady_state_writes_nothing);
	tcase_add_test(tc, held_keys_stay_as_they_are);
	tcase_add_test(tc, dropped_label_removed_then_forgotten);
	tcase_add_test(tc, changed_value_patched_then_recorded);
	tcase_add_test(tc, add_and_drop_is_three_writes);
	tcase_add_test(tc, annotation_marks_ours_when_the_record_lags);
	tcase_add_test(tc, current_annotation_names_a_label_once);
	tcase_add_test(tc, annotated_label_changed_by_someone_else_is_theirs);
	tcase_add_test(tc, unannotated_objects_with_the_right_labels_are_left_alone);
	tcase_add_test(tc, stale_or_unreadable_annotation_is_rewritten_without_touching_labels);
	tcase_add_test(tc, plan_prints_every_write);
	tcase_add_test(tc, stale_annotation_claims_nothing);
	tcase_add_test(tc, current_annotation_decides_over_a_lagging_record);
	tcase_add_test(tc, unreadable_annotation_is_rewritten_when_nothing_is_wanted);
	tcase_add_test(tc, broken_without_annotations_removes_none);
	tcase_add_test(tc, damaged_record_never_removes_reserved_or_selector_keys);
	tcase_add_test(tc, foreign_label_with_same_value_is_never_removed);
	tcase_add_test(tc, broken_removes_ours_and_deletes_record);
	tcase_add_test(tc, label_changed_by_someone_else_is_theirs);
	tcase_add_test(tc, foreign_value_on_a_wanted_key_is_left_alone_and_reported);
	tcase_add_test(tc, reserved_and_selector_keys_refused);
	tcase_add_test(tc, python_record_with_other_labels_is_ours);
	tcase_add_test(tc, missing_statefulset_is_an_error);
	tcase_add_test(tc, configmap_name);
	tcase_add_test(tc, change_text_names_sets_then_removes_after_what_is_there);
	tcase_add_test(tc, change_text_leaves_the_empty_case_to_the_caller);
	tcase_add_test(tc, record_text_is_what_python_writes);
	tcase_add_test(tc, merge_patch_puts_statefulset_labels_in_the_pod_template);
	tcase_add_test(tc, merge_patch_when_broken_removes_labels_and_annotations);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
