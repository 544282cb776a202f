/* check_yamltree.c - unit tests for the YAML loader (yamltree.c). */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/strbuf.h"
#include "formats/yamltree.h"

/* Load s (len bytes) as "t.yaml" and expect success; returns the root. */
static struct ynode *load_ok_len(const char *s, size_t len)
{
	struct strbuf err = STRBUF_INIT;
	struct ynode *root = (struct ynode *)1;
	int r = yaml_load_buffer("t.yaml", s, len, &root, &err);

	ck_assert_msg(r == 0, "load of [%s] failed: %s", s, err.buf);
	ck_assert_str_eq(err.buf, "");
	strbuf_release(&err);
	return root;
}

static struct ynode *load_ok(const char *s)
{
	return load_ok_len(s, strlen(s));
}

/* Load s and expect exactly the error text want. */
static void load_err_len(const char *s, size_t len, const char *want)
{
	struct strbuf err = STRBUF_INIT;
	struct ynode *root = (struct ynode *)1;
	int r = yaml_load_buffer("t.yaml", s, len, &root, &err);

	ck_assert_msg(r == -1, "load of [%.200s] succeeded", s);
	ck_assert_ptr_null(root);
	ck_assert_msg(!strcmp(err.buf, want), "input [%.200s]\n got: %s\nwant: %s", s, err.buf,
		      want);
	strbuf_release(&err);
}

static void load_err(const char *s, const char *want)
{
	load_err_len(s, strlen(s), want);
}

static void assert_scalar(const struct ynode *n, const char *value, int line, int col, int plain)
{
	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(n->type, Y_SCALAR);
	ck_assert_str_eq(n->value, value);
	ck_assert_uint_eq(n->len, strlen(value));
	ck_assert_int_eq(n->line, line);
	ck_assert_int_eq(n->col, col);
	ck_assert_int_eq(n->plain, plain);
}

/* --- tree shape and marks --- */

START_TEST(test_tree_and_marks)
{
	struct ynode *root = load_ok("# comment\n"
				     "name: web\n"
				     "list:\n"
				     "  - 'one'\n"
				     "  - {k: \"v\"}\n"
				     "empty: []\n");
	const struct ynode *list, *map;

	ck_assert_int_eq(root->type, Y_MAP);
	ck_assert_int_eq(root->line, 2);
	ck_assert_int_eq(root->col, 1);
	ck_assert_uint_eq(root->n, 3);
	assert_scalar(root->pairs[0].key, "name", 2, 1, 1);
	assert_scalar(root->pairs[0].value, "web", 2, 7, 1);
	assert_scalar(root->pairs[1].key, "list", 3, 1, 1);
	list = root->pairs[1].value;
	ck_assert_int_eq(list->type, Y_SEQ);
	ck_assert_int_eq(list->line, 4);
	ck_assert_int_eq(list->col, 3);
	ck_assert_uint_eq(list->n, 2);
	assert_scalar(list->items[0], "one", 4, 5, 0);
	map = list->items[1];
	ck_assert_int_eq(map->type, Y_MAP);
	ck_assert_int_eq(map->line, 5);
	ck_assert_int_eq(map->col, 5);
	assert_scalar(map->pairs[0].key, "k", 5, 6, 1);
	assert_scalar(map->pairs[0].value, "v", 5, 9, 0);
	assert_scalar(root->pairs[2].key, "empty", 6, 1, 1);
	ck_assert_int_eq(root->pairs[2].value->type, Y_SEQ);
	ck_assert_uint_eq(root->pairs[2].value->n, 0);
	ynode_free(root);
}
END_TEST

START_TEST(test_columns_count_characters)
{
	/* libyaml counts columns in characters, not bytes: "é" is 2 bytes. */
	struct ynode *root = load_ok("k: [\xc3\xa9, a]\n");

	assert_scalar(root->pairs[0].value->items[0], "\xc3\xa9", 1, 5, 1);
	assert_scalar(root->pairs[0].value->items[1], "a", 1, 8, 1);
	ynode_free(root);
}
END_TEST

START_TEST(test_empty_documents)
{
	struct ynode *root;

	ck_assert_ptr_null(load_ok(""));
	ck_assert_ptr_null(load_ok("# only a comment\n\n"));
	ck_assert_ptr_null(load_ok("\n\n   \n"));
	/* An explicit empty document is a null scalar, not "no document". */
	root = load_ok("---\n");
	ck_assert_ptr_nonnull(root);
	ck_assert(ynode_is_null(root));
	ynode_free(root);
	ynode_free(NULL);
}
END_TEST

START_TEST(test_anchor_without_alias_accepted)
{
	struct ynode *root = load_ok("a: &x 1\nb: &y [2]\n");

	assert_scalar(root->pairs[0].value, "1", 1, 4, 1);
	ck_assert_int_eq(root->pairs[1].value->type, Y_SEQ);
	ynode_free(root);
}
END_TEST

START_TEST(test_scalar_with_escapes_and_blocks)
{
	struct ynode *root = load_ok("a: \"tab\\tquote\\\"\"\nb: |\n  line1\n  line2\n");

	ck_assert_str_eq(root->pairs[0].value->value, "tab\tquote\"");
	ck_assert_int_eq(root->pairs[0].value->plain, 0);
	ck_assert_str_eq(root->pairs[1].value->value, "line1\nline2\n");
	ck_assert_int_eq(root->pairs[1].value->plain, 0);
	ynode_free(root);
}
END_TEST

/* --- refusals --- */

START_TEST(test_alias_refused)
{
	load_err("a: &x [*x]\n", "t.yaml:1:8: aliases are not supported\n");
	load_err("a: &x 1\nb: *x\n", "t.yaml:2:4: aliases are not supported\n");
	load_err("a: &x 1\n*x : 2\n", "t.yaml:2:1: aliases are not supported\n");
	load_err("- &a [1]\n- [*a, *a]\n", "t.yaml:2:4: aliases are not supported\n");
}
END_TEST

START_TEST(test_billion_laughs_refused)
{
	load_err("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
		 "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
		 "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
		 "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
		 "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
		 "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
		 "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
		 "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
		 "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n",
		 "t.yaml:2:8: aliases are not supported\n");
}
END_TEST

START_TEST(test_too_large_refused)
{
	size_t len = 2 * 1024 * 1024;
	char *big = malloc(len + 1);

	ck_assert_ptr_nonnull(big);
	memset(big, 'a', len);
	big[len] = '\0';
	load_err_len(big, len, "t.yaml: larger than 1048576 bytes\n");
	/* One byte over the limit is refused too... */
	load_err_len(big, YAML_MAX_BYTES + 1, "t.yaml: larger than 1048576 bytes\n");
	/* ...but exactly the limit is fine (a comment, so no document). */
	big[0] = '#';
	big[YAML_MAX_BYTES - 1] = '\n';
	ck_assert_ptr_null(load_ok_len(big, YAML_MAX_BYTES));
	free(big);
}
END_TEST

START_TEST(test_too_large_file_refused)
{
	char path[] = "/tmp/check_yamltree_XXXXXX";
	int fd = mkstemp(path);
	size_t len = 2 * 1024 * 1024;
	char *big = malloc(len);
	struct strbuf err = STRBUF_INIT, want = STRBUF_INIT;
	struct ynode *root = (struct ynode *)1;

	ck_assert_int_ge(fd, 0);
	ck_assert_ptr_nonnull(big);
	memset(big, '#', len);
	ck_assert_int_eq(write(fd, big, len), (ssize_t)len);
	close(fd);
	ck_assert_int_eq(yaml_load_file(path, &root, &err), -1);
	ck_assert_ptr_null(root);
	strbuf_addf(&want, "%s: larger than 1048576 bytes\n", path);
	ck_assert_str_eq(err.buf, want.buf);
	unlink(path);
	free(big);
	strbuf_release(&err);
	strbuf_release(&want);
}
END_TEST

START_TEST(test_load_file)
{
	char path[] = "/tmp/check_yamltree_XXXXXX";
	int fd = mkstemp(path);
	const char *text = "a:\n  - 1\n";
	struct strbuf err = STRBUF_INIT, want = STRBUF_INIT;
	struct ynode *root = NULL;

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	ck_assert_int_eq(yaml_load_file(path, &root, &err), 0);
	assert_scalar(root->pairs[0].value->items[0], "1", 2, 5, 1);
	ynode_free(root);

	/* Errors from a file carry its path. */
	fd = open(path, O_WRONLY | O_TRUNC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "a: *x\n", 6), 6);
	close(fd);
	ck_assert_int_eq(yaml_load_file(path, &root, &err), -1);
	strbuf_addf(&want, "%s:1:4: aliases are not supported\n", path);
	ck_assert_str_eq(err.buf, want.buf);
	unlink(path);

	strbuf_reset(&err);
	ck_assert_int_eq(yaml_load_file("/nonexistent/service-mesh.yaml", &root, &err), -1);
	ck_assert_ptr_null(root);
	ck_assert_str_eq(err.buf, "/nonexistent/service-mesh.yaml: cannot read: "
				  "No such file or directory\n");
	strbuf_release(&err);
	strbuf_release(&want);
}
END_TEST

START_TEST(test_duplicate_keys)
{
	load_err("a: 1\nb: 2\na: 3\n", "t.yaml:3:1: duplicate key 'a' (first at 1:1)\n");
	load_err("x:\n  k: 1\n  'k': 2\n", "t.yaml:3:3: duplicate key 'k' (first at 2:3)\n");
	load_err("{a: 1, b: 2, b: 3}\n", "t.yaml:1:14: duplicate key 'b' (first at 1:8)\n");
	/* The same key in different mappings is fine. */
	ynode_free(load_ok("a: {k: 1}\nb: {k: 2}\n"));
}
END_TEST

START_TEST(test_duplicate_key_in_large_mapping)
{
	struct strbuf sb = STRBUF_INIT;
	struct ynode *root;

	for (int i = 0; i < 5000; i++)
		strbuf_addf(&sb, "key%d: %d\n", i, i);
	root = load_ok(sb.buf);
	ck_assert_uint_eq(root->n, 5000);
	ck_assert_str_eq(root->pairs[4999].key->value, "key4999");
	ynode_free(root);
	strbuf_addstr(&sb, "key1234: again\n");
	load_err(sb.buf, "t.yaml:5001:1: duplicate key 'key1234' (first at 1235:1)\n");
	strbuf_release(&sb);
}
END_TEST

START_TEST(test_nonscalar_keys_refused)
{
	load_err("? [a]\n: 1\n", "t.yaml:1:3: mapping keys must be scalars\n");
	load_err("{{a: 1}: 2}\n", "t.yaml:1:2: mapping keys must be scalars\n");
}
END_TEST

START_TEST(test_multiple_documents_refused)
{
	load_err("a: 1\n---\nb: 2\n", "t.yaml:2:1: more than one YAML document\n");
	load_err("--- 1\n--- 2\n", "t.yaml:2:1: more than one YAML document\n");
	/* One document with explicit start and end markers is fine. */
	ynode_free(load_ok("---\na: 1\n...\n"));
}
END_TEST

START_TEST(test_depth_limit)
{
	char buf[2 * (YAML_MAX_DEPTH + 1) + 2];
	char want[64];
	int d;

	/* YAML_MAX_DEPTH nested lists are fine. */
	for (d = 0; d < YAML_MAX_DEPTH; d++)
		buf[d] = '[';
	for (int i = 0; i < YAML_MAX_DEPTH; i++)
		buf[d++] = ']';
	buf[d] = '\0';
	ynode_free(load_ok(buf));
	/* One more is refused where it starts. */
	for (d = 0; d < YAML_MAX_DEPTH + 1; d++)
		buf[d] = '[';
	for (int i = 0; i < YAML_MAX_DEPTH + 1; i++)
		buf[d++] = ']';
	buf[d] = '\0';
	snprintf(want, sizeof(want), "t.yaml:1:%d: nesting deeper than %d levels\n",
		 YAML_MAX_DEPTH + 1, YAML_MAX_DEPTH);
	load_err(buf, want);
}
END_TEST

START_TEST(test_deep_block_mappings_refused)
{
	struct strbuf sb = STRBUF_INIT, want = STRBUF_INIT;

	for (int i = 0; i < 100; i++) {
		for (int j = 0; j < i; j++)
			strbuf_addch(&sb, ' ');
		strbuf_addstr(&sb, "k:\n");
	}
	strbuf_addf(&want, "t.yaml:65:65: nesting deeper than 64 levels\n");
	load_err(sb.buf, want.buf);
	strbuf_release(&sb);
	strbuf_release(&want);
}
END_TEST

START_TEST(test_nul_refused)
{
	load_err_len("a: 1\nb: x\0y\n", 11, "t.yaml:2:5: NUL byte in input\n");
	load_err("a: \"x\\0y\"\n", "t.yaml:1:4: NUL characters are not allowed\n");
}
END_TEST

START_TEST(test_syntax_errors)
{
	load_err("a:\n\tb: 1\n",
		 "t.yaml:2:1: found character that cannot start any token "
		 "(while scanning for the next token); tabs cannot be used for indentation\n");
	load_err("a:\n  b: 1\n\tc: 2\n",
		 "t.yaml:3:1: found a tab character that violates indentation "
		 "(while scanning a plain scalar started at 2:6)\n");
	load_err("[1, 2\n",
		 "t.yaml:2:1: did not find expected ',' or ']' "
		 "(while parsing a flow sequence started at 1:1)\n");
	load_err("key: \"unterminated\n",
		 "t.yaml:2:1: found unexpected end of stream "
		 "(while scanning a quoted scalar started at 1:6)\n");
	load_err("a: b: c\n", "t.yaml:1:5: mapping values are not allowed in this context\n");
	load_err("a: \xff\n", "t.yaml:1:4: invalid leading UTF-8 octet (byte 0xFF)\n");
}
END_TEST

START_TEST(test_tags)
{
	struct ynode *root;
	long l;

	load_err("a: !foo 1\n", "t.yaml:1:4: unsupported tag '!foo'\n");
	load_err("a: ! 1\n", "t.yaml:1:4: unsupported tag '!'\n");
	load_err("a: !!float 1\n", "t.yaml:1:4: unsupported tag '!!float' on a scalar\n");
	load_err("a: !!binary aGk=\n", "t.yaml:1:4: unsupported tag '!!binary' on a scalar\n");
	load_err("a: !!map [1]\n", "t.yaml:1:4: unsupported tag '!!map' on a list\n");
	load_err("a: !!seq {b: 1}\n", "t.yaml:1:4: unsupported tag '!!seq' on a mapping\n");
	load_err("a: !!set {b: 1}\n", "t.yaml:1:4: unsupported tag '!!set' on a mapping\n");
	load_err("a: !!int abc\n", "t.yaml:1:4: 'abc' is not a valid !!int\n");
	load_err("a: !!bool yes\n", "t.yaml:1:4: 'yes' is not a valid !!bool\n");
	load_err("a: !!null x\n", "t.yaml:1:4: 'x' is not a valid !!null\n");

	root = load_ok("a: !!str 123\nb: !!int \"12\"\nc: !!map {}\nd: !!seq []\n"
		       "e: !!bool 'true'\nf: !!null ''\n");
	ck_assert_int_eq(root->pairs[0].value->plain, 0);
	ck_assert(!ynode_is_nonstring(root->pairs[0].value));
	ck_assert_str_eq(ynode_kind(root->pairs[0].value), "a string");
	ck_assert_int_eq(ynode_int(root->pairs[1].value, &l), 0);
	ck_assert_int_eq(l, 12);
	ck_assert_int_eq(root->pairs[2].value->type, Y_MAP);
	ck_assert_int_eq(root->pairs[3].value->type, Y_SEQ);
	ck_assert_str_eq(ynode_kind(root->pairs[4].value), "a boolean");
	ck_assert(ynode_is_null(root->pairs[5].value));
	ynode_free(root);
}
END_TEST

/* --- scalar resolution --- */

static const struct {
	const char *yaml;  /* the value after "v: " */
	const char *kind;
	int is_null;
	int has_bool, bool_value;
	int has_int;
	long int_value;
} scalars[] = {
	{ "", "null", 1, 0, 0, 0, 0 },
	{ "~", "null", 1, 0, 0, 0, 0 },
	{ "null", "null", 1, 0, 0, 0, 0 },
	{ "Null", "null", 1, 0, 0, 0, 0 },
	{ "NULL", "null", 1, 0, 0, 0, 0 },
	{ "nULL", "a string", 0, 0, 0, 0, 0 },
	{ "'null'", "a string", 0, 0, 0, 0, 0 },
	{ "\"\"", "a string", 0, 0, 0, 0, 0 },
	{ "true", "a boolean", 0, 1, 1, 0, 0 },
	{ "True", "a boolean", 0, 1, 1, 0, 0 },
	{ "TRUE", "a boolean", 0, 1, 1, 0, 0 },
	{ "false", "a boolean", 0, 1, 0, 0, 0 },
	{ "False", "a boolean", 0, 1, 0, 0, 0 },
	{ "FALSE", "a boolean", 0, 1, 0, 0, 0 },
	{ "tRUE", "a string", 0, 0, 0, 0, 0 },
	{ "yes", "a string", 0, 0, 0, 0, 0 },  /* YAML 1.2: not a boolean */
	{ "\"true\"", "a string", 0, 0, 0, 0, 0 },
	{ "123", "an integer", 0, 0, 0, 1, 123 },
	{ "-5", "an integer", 0, 0, 0, 1, -5 },
	{ "+7", "an integer", 0, 0, 0, 1, 7 },
	{ "0123", "an integer", 0, 0, 0, 1, 123 },
	{ "9223372036854775807", "an integer", 0, 0, 0, 1, 9223372036854775807L },
	{ "99999999999999999999", "an integer", 0, 0, 0, 0, 0 },  /* too big for long */
	{ "0x1F", "an integer", 0, 0, 0, 0, 0 },
	{ "0o17", "an integer", 0, 0, 0, 0, 0 },
	{ "\"123\"", "a string", 0, 0, 0, 0, 0 },
	{ "'8080'", "a string", 0, 0, 0, 0, 0 },
	{ "1_000", "a string", 0, 0, 0, 0, 0 },
	{ "-x", "a string", 0, 0, 0, 0, 0 },
	{ "+", "a string", 0, 0, 0, 0, 0 },
	{ "1.5", "a number", 0, 0, 0, 0, 0 },
	{ ".5", "a number", 0, 0, 0, 0, 0 },
	{ "1e3", "a number", 0, 0, 0, 0, 0 },
	{ "-2.5E-3", "a number", 0, 0, 0, 0, 0 },
	{ ".inf", "a number", 0, 0, 0, 0, 0 },
	{ "-.Inf", "a number", 0, 0, 0, 0, 0 },
	{ ".NaN", "a number", 0, 0, 0, 0, 0 },
	{ "1.2.3", "a string", 0, 0, 0, 0, 0 },
	{ "1e", "a string", 0, 0, 0, 0, 0 },
	{ ".", "a string", 0, 0, 0, 0, 0 },
	{ "abc", "a string", 0, 0, 0, 0, 0 },
	{ "0x", "a string", 0, 0, 0, 0, 0 },
	{ "0xZZ", "a string", 0, 0, 0, 0, 0 },
};

START_TEST(test_scalar_resolution)
{
	struct strbuf sb = STRBUF_INIT;
	struct ynode *root;
	const struct ynode *v;
	int b = -1;
	long l = -1;

	strbuf_addf(&sb, "v: %s\n", scalars[_i].yaml);
	root = load_ok(sb.buf);
	v = root->pairs[0].value;
	ck_assert_msg(!strcmp(ynode_kind(v), scalars[_i].kind), "%s: kind %s, want %s",
		      scalars[_i].yaml, ynode_kind(v), scalars[_i].kind);
	ck_assert_msg(ynode_is_null(v) == scalars[_i].is_null, "%s: is_null", scalars[_i].yaml);
	ck_assert_msg((ynode_bool(v, &b) == 0) == scalars[_i].has_bool, "%s: bool",
		      scalars[_i].yaml);
	if (scalars[_i].has_bool)
		ck_assert_int_eq(b, scalars[_i].bool_value);
	ck_assert_msg((ynode_int(v, &l) == 0) == scalars[_i].has_int, "%s: int",
		      scalars[_i].yaml);
	if (scalars[_i].has_int)
		ck_assert_int_eq(l, scalars[_i].int_value);
	ck_assert_msg(ynode_is_nonstring(v) == (strcmp(scalars[_i].kind, "a string") != 0),
		      "%s: is_nonstring", scalars[_i].yaml);
	ynode_free(root);
	strbuf_release(&sb);
}
END_TEST

START_TEST(test_kind_of_collections)
{
	struct ynode *root = load_ok("a: [1]\nb: {c: d}\n");

	ck_assert_str_eq(ynode_kind(root->pairs[0].value), "a list");
	ck_assert_str_eq(ynode_kind(root->pairs[1].value), "a mapping");
	ck_assert_str_eq(ynode_kind(NULL), "null");
	ck_assert(!ynode_is_null(root->pairs[0].value));
	ck_assert(!ynode_is_nonstring(root->pairs[1].value));
	ynode_free(root);
}
END_TEST

static Suite *yamltree_suite(void)
{
	Suite *s = suite_create("yamltree");
	TCase *tc = tcase_create("load");

	tcase_add_test(tc, test_tree_and_marks);
	tcase_add_test(tc, test_columns_count_characters);
	tcase_add_test(tc, test_empty_documents);
	tcase_add_test(tc, test_anchor_without_alias_accepted);
	tcase_add_test(tc, test_scalar_with_escapes_and_blocks);
	tcase_add_test(tc, test_load_file);
	suite_add_tcase(s, tc);

	tc = tcase_create("refusals");
	tcase_add_test(tc, test_alias_refused);
	tcase_add_test(tc, test_billion_laughs_refused);
	tcase_add_test(tc, test_too_large_refused);
	tcase_add_test(tc, test_too_large_file_refused);
	tcase_add_test(tc, test_duplicate_keys);
	tcase_add_test(tc, test_duplicate_key_in_large_mapping);
	tcase_add_test(tc, test_nonscalar_keys_refused);
	tcase_add_test(tc, test_multiple_documents_refused);
	tcase_add_test(tc, test_depth_limit);
	tcase_add_test(tc, test_deep_block_mappings_refused);
	tcase_add_test(tc, test_nul_refused);
	tcase_add_test(tc, test_syntax_errors);
	tcase_add_test(tc, test_tags);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("scalars");
	tcase_add_loop_test(tc, test_scalar_resolution, 0, (int)(sizeof(scalars) / sizeof(scalars[0])));
	tcase_add_test(tc, test_kind_of_collections);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(yamltree_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
