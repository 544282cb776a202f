/* check_k8sname.c - unit tests for Kubernetes name syntax (k8sname.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "base/k8sname.h"

#define C63 "abcdefghij" "abcdefghij" "abcdefghij" "abcdefghij" "abcdefghij" "abcdefghij" "abc"
#define C64 C63 "d"
/* 253 = 3 * (83 + 1) + 1: three 83-character parts and a 1-character one. */
#define P83 "abcdefghij" "abcdefghij" "abcdefghij" "abcdefghij" "abcdefghij" \
	"abcdefghij" "abcdefghij" "abcdefghij" "abc"
#define D253 P83 "." P83 "." P83 ".a"
#define D254 P83 "." P83 "." P83 ".ab"

struct name_case {
	const char *s;
	const char *why;  /* NULL: valid */
};

static const struct name_case label_keys[] = {
	{ "app", NULL },
	{ "a", NULL },
	{ "App.Name_x-1", NULL },
	{ "istio.io/dataplane-mode", NULL },
	{ "app.kubernetes.io/name", NULL },
	{ "kubernetes-resource-handler-scope", NULL },
	{ "x/" C63, NULL },
	{ D253 "/name", NULL },
	{ "", "must not be empty" },
	{ C64, "name part longer than 63 characters" },
	{ "x/" C64, "name part longer than 63 characters" },
	{ "-app", "name part must start and end with an alphanumeric character" },
	{ "app_", "name part must start and end with an alphanumeric character" },
	{ ".app", "name part must start and end with an alphanumeric character" },
	{ "a b", "name part may contain only alphanumerics, '-', '_' and '.'" },
	{ "caf\xc3\xa9", "name part may contain only alphanumerics, '-', '_' and '.'" },
	{ "a:b", "name part may contain only alphanumerics, '-', '_' and '.'" },
	{ "istio.io/", "name part after '/' is empty" },
	{ "/name", "prefix before '/' is empty" },
	{ "a/b/c", "at most one '/' is allowed" },
	{ "Istio.io/mode", "prefix may contain only lower case alphanumerics, '-' and '.'" },
	{ "istio_io/mode", "prefix may contain only lower case alphanumerics, '-' and '.'" },
	{ "istio..io/mode",
	  "prefix parts must start and end with a lower case alphanumeric character" },
	{ "-istio.io/mode",
	  "prefix parts must start and end with a lower case alphanumeric character" },
	{ "istio.io-/mode",
	  "prefix parts must start and end with a lower case alphanumeric character" },
	{ "istio.-io/mode",
	  "prefix parts must start and end with a lower case alphanumeric character" },
	{ D254 "/name", "prefix longer than 253 characters" },
};

static const struct name_case label_values[] = {
	{ "", NULL },
	{ "ambient", NULL },
	{ "My_Value.1-2", NULL },
	{ "0", NULL },
	{ C63, NULL },
	{ C64, "longer than 63 characters" },
	{ "-x", "must start and end with an alphanumeric character" },
	{ "x.", "must start and end with an alphanumeric character" },
	{ "_", "must start and end with an alphanumeric character" },
	{ "a/b", "may contain only alphanumerics, '-', '_' and '.'" },
	{ "a b", "may contain only alphanumerics, '-', '_' and '.'" },
	{ "\xc3\xa9", "may contain only alphanumerics, '-', '_' and '.'" },
};

static const struct name_case subdomains[] = {
	{ "a", NULL },
	{ "my-app", NULL },
	{ "my-app.my-model.svc", NULL },
	{ "0abc", NULL },
	{ D253, NULL },
	{ "", "must not be empty" },
	{ D254, "longer than 253 characters" },
	{ "My-app", "may contain only lower case alphanumerics, '-' and '.'" },
	{ "my_app", "may contain only lower case alphanumerics, '-' and '.'" },
	{ "-app", "each '.'-separated part must start and end with a lower case alphanumeric character" },
	{ "app.", "each '.'-separated part must start and end with a lower case alphanumeric character" },
	{ "a..b", "each '.'-separated part must start and end with a lower case alphanumeric character" },
	{ "a.-b", "each '.'-separated part must start and end with a lower case alphanumeric character" },
};

static const struct name_case dns_labels[] = {
	{ "a", NULL },
	{ "my-service", NULL },
	{ "9lives", NULL },
	{ C63, NULL },
	{ "", "must not be empty" },
	{ C64, "longer than 63 characters" },
	{ "my.service", "may contain only lower case alphanumerics and '-'" },
	{ "My-service", "may contain only lower case alphanumerics and '-'" },
	{ "my_service", "may contain only lower case alphanumerics and '-'" },
	{ "-svc", "must start and end with a lower case alphanumeric character" },
	{ "svc-", "must start and end with a lower case alphanumeric character" },
};

static void check_case(int (*fn)(const char *, const char **), const struct name_case *c)
{
	const char *why = NULL;
	int ok = fn(c->s, &why);

	if (!c->why) {
		ck_assert_msg(ok == 1, "'%s' should be valid (why: %s)", c->s, why ? why : "-");
		/* why may be NULL: the functions must cope. */
		ck_assert_int_eq(fn(c->s, NULL), 1);
		return;
	}
	ck_assert_msg(ok == 0, "'%s' should be invalid", c->s);
	ck_assert_ptr_nonnull(why);
	ck_assert_msg(!strcmp(why, c->why), "'%s': why '%s', want '%s'", c->s, why, c->why);
	ck_assert_int_eq(fn(c->s, NULL), 0);
}

START_TEST(test_label_keys)
{
	check_case(k8s_label_key_valid, &label_keys[_i]);
}
END_TEST

START_TEST(test_label_values)
{
	check_case(k8s_label_value_valid, &label_values[_i]);
}
END_TEST

START_TEST(test_subdomains)
{
	check_case(k8s_dns_subdomain_valid, &subdomains[_i]);
}
END_TEST

START_TEST(test_dns_labels)
{
	check_case(k8s_dns_label_valid, &dns_labels[_i]);
}
END_TEST

START_TEST(test_lengths_are_what_the_tables_claim)
{
	ck_assert_uint_eq(strlen(C63), 63);
	ck_assert_uint_eq(strlen(C64), 64);
	ck_assert_uint_eq(strlen(D253), 253);
	ck_assert_uint_eq(strlen(D254), 254);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *k8sname_suite(void)
{
	Suite *s = suite_create("k8sname");
	TCase *tc = tcase_create("names");

	tcase_add_test(tc, test_lengths_are_what_the_tables_claim);
	tcase_add_loop_test(tc, test_label_keys, 0, N(label_keys));
	tcase_add_loop_test(tc, test_label_values, 0, N(label_values));
	tcase_add_loop_test(tc, test_subdomains, 0, N(subdomains));
	tcase_add_loop_test(tc, test_dns_labels, 0, N(dns_labels));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(k8sname_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
