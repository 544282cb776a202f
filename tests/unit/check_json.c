/* check_json.c - unit tests of the JSON module (src/formats/json.c).
 *
 * The emitter is compared with real python3 output: tests/unit/json_golden.txt
 * is written by tests/unit/json_golden.py (see there for its format) and
 * read from $SRCDIR (default ".").
 */
#include <check.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/json.h"
#include "base/kvlist.h"
#include "base/strbuf.h"
#include "base/util.h"
#include "cjson_ref.h"

/* ------------------------------------------------------------- helpers */

static struct json *parse_ok_len(const char *text, size_t len)
{
	struct strbuf err = STRBUF_INIT;
	struct json *v = json_parse(text, len, &err);

	ck_assert_msg(v != NULL, "refused %.60s: %s", text, err.buf);
	ck_assert_uint_eq(err.len, 0);
	strbuf_release(&err);
	ck_assert_msg(!cjson_ref_check(v, text, len), "%.60s: cJSON disagrees: %s", text,
		      cjson_ref_check(v, text, len));
	return v;
}

static struct json *parse_ok(const char *text)
{
	return parse_ok_len(text, strlen(text));
}

/* json_parse() must refuse text with exactly the message msg. */
static void refused_len(const char *text, size_t len, const char *msg)
{
	struct strbuf err = STRBUF_INIT;
	struct json *v = json_parse(text, len, &err);

	ck_assert_msg(v == NULL, "accepted %.60s", text);
	ck_assert_msg(!strcmp(err.buf, msg), "input %.60s: got \"%s\", want \"%s\"",
		      text, err.buf, msg);
	strbuf_release(&err);
}

static void refused(const char *text, const char *msg)
{
	refused_len(text, strlen(text), msg);
}

/* json_emit() of v, owned by the caller. */
static char *emit(const struct json *v)
{
	struct strbuf sb = STRBUF_INIT;
	json_emit(&sb, v);
	return strbuf_detach(&sb, NULL);
}

static void emits(const struct json *v, const char *want)
{
	char *got = emit(v);
	ck_assert_str_eq(got, want);
	free(got);
}

/* Parse text, check it emits want, free it. */
static void parse_emits(const char *text, const char *want)
{
	struct json *v = parse_ok(text);
	emits(v, want);
	json_free(v);
}

static void string_emits(const char *s, size_t len, const char *want)
{
	struct strbuf sb = STRBUF_INIT;
	json_emit_string(&sb, s, len);
	ck_assert_str_eq(sb.buf, want);
	strbuf_release(&sb);
}

/* ------------------------------------------------------------- parsing */

START_TEST(test_object_from_kvlist)
{
	struct kvlist kv = KVLIST_INIT;
	struct strbuf sb = STRBUF_INIT;
	struct json *o;

	o = json_object_from_kvlist(&kv);
	json_emit(&sb, o);
	ck_assert_str_eq(sb.buf, "{}");
	json_free(o);
	strbuf_reset(&sb);
	kvlist_set(&kv, "z", "1");
	kvlist_set(&kv, "a", "x\"y");
	o = json_object_from_kvlist(&kv);
	json_emit(&sb, o);
	/* kv's order, values as strings */
	ck_assert_str_eq(sb.buf, "{\"z\": \"1\", \"a\": \"x\\\"y\"}");
	json_free(o);
	strbuf_release(&sb);
	kvlist_release(&kv);
}
END_TEST

START_TEST(test_parse_scalars)
{
	struct json *v;

	v = parse_ok("null");
	ck_assert_int_eq(v->type, JSON_NULL);
	json_free(v);
	v = parse_ok(" \t\r\n true \n");
	ck_assert_int_eq(v->type, JSON_TRUE);
	json_free(v);
	v = parse_ok("false");
	ck_assert_int_eq(v->type, JSON_FALSE);
	json_free(v);
	v = parse_ok("-42");
	ck_assert_int_eq(v->type, JSON_INT);
	ck_assert(v->u.i == -42);
	json_free(v);
	v = parse_ok("-0");
	ck_assert_int_eq(v->type, JSON_INT);
	ck_assert(v->u.i == 0);
	json_free(v);
	v = parse_ok("1.5");
	ck_assert_int_eq(v->type, JSON_REAL);
	ck_assert(v->u.d == 1.5);
	json_free(v);
	/* Python's json.loads: a fraction or an exponent makes a float */
	v = parse_ok("1.0");
	ck_assert_int_eq(v->type, JSON_REAL);
	ck_assert(v->u.d == 1.0);
	json_free(v);
	v = parse_ok("1E+2");
	ck_assert_int_eq(v->type, JSON_REAL);
	ck_assert(v->u.d == 100.0);
	json_free(v);
	v = parse_ok("-0.0");
	ck_assert_int_eq(v->type, JSON_REAL);
	ck_assert(v->u.d == 0 && signbit(v->u.d));
	json_free(v);
	v = parse_ok("1e-400");  /* underflows to 0.0 as in Python */
	ck_assert_int_eq(v->type, JSON_REAL);
	ck_assert(v->u.d == 0);
	json_free(v);
	v = parse_ok("\"hi\"");
	ck_assert_int_eq(v->type, JSON_STRING);
	ck_assert_str_eq(v->u.s, "hi");
	json_free(v);
}
END_TEST

START_TEST(test_parse_string_escapes)
{
	struct json *v;

	v = parse_ok("\"q\\\"b\\\\s\\/d\\b\\f\\n\\r\\t.\"");
	ck_assert_str_eq(v->u.s, "q\"b\\s/d\b\f\n\r\t.");
	json_free(v);
	v = parse_ok("\"caf\\u00e9 \\u00E9\"");
	ck_assert_str_eq(v->u.s, "caf\xc3\xa9 \xc3\xa9");
	json_free(v);
	v = parse_ok("\"\\ud83d\\ude00|\\uDBFF\\uDFFF|\\u20ac\"");
	ck_assert_str_eq(v->u.s, "\xf0\x9f\x98\x80|\xf4\x8f\xbf\xbf|\xe2\x82\xac");
	json_free(v);
	/* raw UTF-8 and DEL are kept as they are */
	v = parse_ok("\"\xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80 \x7f\"");
	ck_assert_str_eq(v->u.s, "\xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80 \x7f");
	json_free(v);
	/* an escaped backslash followed by u0000 is not a NUL escape */
	v = parse_ok("\"\\\\u0000\"");
	ck_assert_str_eq(v->u.s, "\\u0000");
	json_free(v);
}
END_TEST

START_TEST(test_parse_containers)
{
	struct json *v = parse_ok("{\"b\": [1, 2.5, \"x\", null, true, false, [], {}],"
				  " \"a\": {\"inner\": \"v\"}, \"B\": 3}");
	const struct json *b, *a;

	ck_assert_int_eq(v->type, JSON_OBJECT);
	ck_assert_uint_eq(v->u.obj.n, 3);
	/* text order is kept */
	ck_assert_str_eq(v->u.obj.m[0].key, "b");
	ck_assert_str_eq(v->u.obj.m[1].key, "a");
	ck_assert_str_eq(v->u.obj.m[2].key, "B");
	b = json_get(v, "b");
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(b->type, JSON_ARRAY);
	ck_assert_uint_eq(b->u.arr.n, 8);
	ck_assert_int_eq(b->u.arr.items[0]->type, JSON_INT);
	ck_assert_int_eq(b->u.arr.items[1]->type, JSON_REAL);
	ck_assert_int_eq(b->u.arr.items[2]->type, JSON_STRING);
	ck_assert_int_eq(b->u.arr.items[3]->type, JSON_NULL);
	ck_assert_int_eq(b->u.arr.items[4]->type, JSON_TRUE);
	ck_assert_int_eq(b->u.arr.items[5]->type, JSON_FALSE);
	ck_assert_int_eq(b->u.arr.items[6]->type, JSON_ARRAY);
	ck_assert_uint_eq(b->u.arr.items[6]->u.arr.n, 0);
	ck_assert_int_eq(b->u.arr.items[7]->type, JSON_OBJECT);
	ck_assert_uint_eq(b->u.arr.items[7]->u.obj.n, 0);
	a = json_get(v, "a");
	ck_assert_str_eq(json_get(a, "inner")->u.s, "v");
	ck_assert(json_get(v, "B")->u.i == 3);
	emits(v, "{\"b\": [1, 2.5, \"x\", null, true, false, [], {}], "
		 "\"a\": {\"inner\": \"v\"}, \"B\": 3}");
	json_free(v);
	/* the text need not be NUL-terminated: only len bytes are read */
	v = parse_ok_len("[7]garbage", 3);
	emits(v, "[7]");
	json_free(v);
}
END_TEST

START_TEST(test_parse_numbers)
{
	struct json *v;

	v = parse_ok("9007199254740992");  /* 2^53 */
	ck_assert_int_eq(v->type, JSON_INT);
	ck_assert(v->u.i == 9007199254740992LL);
	json_free(v);
	v = parse_ok("9007199254740993");  /* 2^53 + 1: exact, not rounded */
	ck_assert_int_eq(v->type, JSON_INT);
	ck_assert(v->u.i == 9007199254740993LL);
	json_free(v);
	v = parse_ok("-9223372036854775808");
	ck_assert_int_eq(v->type, JSON_INT);
	ck_assert(v->u.i == LLONG_MIN);
	json_free(v);
	v = parse_ok("9223372036854775807");
	ck_assert_int_eq(v->type, JSON_INT);
	ck_assert(v->u.i == LLONG_MAX);
	json_free(v);
	v = parse_ok("9223372036854775808");  /* 2^63 */
	ck_assert_int_eq(v->type, JSON_REAL);
	ck_assert(v->u.d == 9223372036854775808.0);
	emits(v, "9.223372036854776e+18");
	json_free(v);
	v = parse_ok("[-9223372036854775809, 1e308]");
	ck_assert_int_eq(v->u.arr.items[0]->type, JSON_REAL);
	ck_assert(v->u.arr.items[0]->u.d == -9223372036854775808.0);
	ck_assert_int_eq(v->u.arr.items[1]->type, JSON_REAL);
	json_free(v);
	/* numbers inside keys and strings do not confuse the number cursor */
	v = parse_ok("{\"1.5\": 2, \"x\\\"3e9\": [\"-4\", 5.0, -6], \"7\": 8e0}");
	emits(v, "{\"1.5\": 2, \"x\\\"3e9\": [\"-4\", 5.0, -6], \"7\": 8.0}");
	json_free(v);
	/* as Python's json.dumps(json.loads(text)) writes them */
	parse_emits("-0", "0");
	parse_emits("1E+2", "100.0");
	parse_emits("1e-400", "0.0");
	parse_emits("-0.0", "-0.0");
	parse_emits("12345678901234567890", "1.2345678901234567e+19");
	parse_emits("[0.10000000000000001, 1e-7, 123e-2]", "[0.1, 1e-07, 1.23]");
	/* no infinity can come out of the parser */
	refused("1e309", "number out of range at byte 0");
	refused("[1, -1e400]", "number out of range at byte 4");
	refused("{\"a\": 123456789e999}", "number out of range at byte 6");
}
END_TEST

START_TEST(test_refuse_syntax)
{
	static const struct { const char *in, *msg; } cases[] = {
		{ "", "not valid JSON near byte 0" },
		{ "  \n", "not valid JSON near byte 3" },
		{ "[1,]", "not valid JSON near byte 3" },
		{ "[1] x", "not valid JSON near byte 4" },
		{ "[1]]", "not valid JSON near byte 3" },
		{ "[1 2]", "not valid JSON near byte 3" },
		{ "{\"a\" 1}", "not valid JSON near byte 5" },
		{ "{1: 2}", "not valid JSON near byte 2" },
		{ "{\"a\": 1,}", "not valid JSON near byte 9" },
		{ "[", "not valid JSON near byte 1" },
		{ "{", "not valid JSON near byte 1" },
		/* number grammar stricter than cJSON's */
		{ "01", "not valid JSON near byte 1" },
		{ "[-01]", "not valid JSON near byte 3" },
		{ "+1", "not valid JSON near byte 0" },
		{ "1.", "not valid JSON near byte 2" },
		{ ".5", "not valid JSON near byte 0" },
		{ "-", "not valid JSON near byte 1" },
		{ "-.5", "not valid JSON near byte 1" },
		{ "1e", "not valid JSON near byte 2" },
		{ "1e+", "not valid JSON near byte 3" },
		{ "1.5.2", "not valid JSON near byte 3" },
		{ "[2-1]", "not valid JSON near byte 2" },
		{ "0x10", "not valid JSON near byte 1" },
		{ "NaN", "not valid JSON near byte 0" },
		{ "Infinity", "not valid JSON near byte 0" },
		{ "-Infinity", "not valid JSON near byte 1" },
		/* literals */
		{ "nul", "not valid JSON near byte 0" },
		{ "True", "not valid JSON near byte 0" },
		{ "[truex]", "not valid JSON near byte 5" },
		{ "'a'", "not valid JSON near byte 0" },
		/* whitespace is space, tab, CR, LF only; no BOM (Python refuses it) */
		{ "\x01[1]", "not valid JSON near byte 0" },
		{ "[1,\x0b" "2]", "not valid JSON near byte 3" },
		{ "\xef\xbb\xbf[1]", "not valid JSON near byte 0" },
		{ "[1]\xc3\xa9", "not valid JSON near byte 3" },
		/* strings */
		{ "\"abc", "not valid JSON near byte 0" },
		{ "[\"a\", \"b]", "not valid JSON near byte 6" },
		{ "\"\\x\"", "not valid JSON near byte 1" },
		{ "\"\\u12G4\"", "not valid JSON near byte 1" },
		{ "\"\\u12\"", "not valid JSON near byte 1" },
		{ "\"abc\\", "not valid JSON near byte 4" },
		{ "\"tab\there\"", "string contains a control character at byte 4" },
		{ "[\"a\nb\"]", "string contains a control character at byte 3" },
		{ "\"\x1f\"", "string contains a control character at byte 1" },
	};

	for (size_t k = 0; k < ARRAY_SIZE(cases); k++)
		refused(cases[k].in, cases[k].msg);
	refused_len(NULL, 0, "not valid JSON near byte 0");
}
END_TEST

START_TEST(test_parse_long_numbers)
{
	/* long number tokens are read whole (python3:
	 * json.dumps(float("1" * 200)), json.dumps(json.loads("0.1" + "0" * 100 + "1e1"))) */
	struct strbuf sb = STRBUF_INIT;

	for (int k = 0; k < 200; k++)
		strbuf_addch(&sb, '1');
	parse_emits(sb.buf, "1.1111111111111111e+199");
	strbuf_reset(&sb);
	strbuf_addstr(&sb, "[0.1");
	for (int k = 0; k < 100; k++)
		strbuf_addch(&sb, '0');
	strbuf_addstr(&sb, "1e1, 7]");
	parse_emits(sb.buf, "[1.0, 7]");
	strbuf_release(&sb);
}
END_TEST

START_TEST(test_refuse_utf8)
{
	static const struct { const char *in, *msg; } cases[] = {
		{ "\"\x80\"", "invalid UTF-8 at byte 1" },            /* lone continuation */
		{ "\"ab\xc0\x80\"", "invalid UTF-8 at byte 3" },      /* overlong NUL */
		{ "\"\xc1\xbf\"", "invalid UTF-8 at byte 1" },        /* overlong */
		{ "\"\xe0\x80\xaf\"", "invalid UTF-8 at byte 1" },    /* overlong '/' */
		{ "\"\xe0\x9f\xbf\"", "invalid UTF-8 at byte 1" },    /* overlong */
		{ "\"\xf0\x8f\xbf\xbf\"", "invalid UTF-8 at byte 1" },/* overlong */
		{ "\"\xed\xa0\x80\"", "invalid UTF-8 at byte 1" },    /* U+D800 */
		{ "\"\xed\xbf\xbf\"", "invalid UTF-8 at byte 1" },    /* U+DFFF */
		{ "\"\xf4\x90\x80\x80\"", "invalid UTF-8 at byte 1" },/* U+110000 */
		{ "\"\xf5\x80\x80\x80\"", "invalid UTF-8 at byte 1" },
		{ "\"\xff\"", "invalid UTF-8 at byte 1" },
		{ "\"\xe2\x82\"", "invalid UTF-8 at byte 1" },        /* truncated */
		{ "\"\xc3\xa9\xe2\x82", "invalid UTF-8 at byte 3" },  /* truncated at end */
		{ "{\"k\xc3\": 1}", "invalid UTF-8 at byte 3" },      /* in a key */
		{ "[1, \xa9]", "invalid UTF-8 at byte 4" },           /* outside strings */
	};

	for (size_t k = 0; k < ARRAY_SIZE(cases); k++)
		refused(cases[k].in, cases[k].msg);
	/* the largest and the edge code points are fine */
	{
		struct json *v = parse_ok("\"\xf4\x8f\xbf\xbf \xed\x9f\xbf \xee\x80\x80 \xc2\x80\"");
		json_free(v);
	}
}
END_TEST

START_TEST(test_refuse_nul)
{
	refused_len("\"a\0b\"", 5, "string contains a NUL character at byte 2");
	refused_len("{\"k\0\": 1}", 9, "string contains a NUL character at byte 3");
	refused_len("[1]\0", 4, "not valid JSON near byte 3");
	refused_len("\0", 1, "not valid JSON near byte 0");
	refused("\"\\u0000\"", "string contains a NUL character at byte 1");
	refused("\"ab\\\\\\u0000\"", "string contains a NUL character at byte 5");
	refused("{\"\\u0000\": 1}", "string contains a NUL character at byte 2");
}
END_TEST

START_TEST(test_refuse_surrogates)
{
	refused("\"\\ud800\"", "lone surrogate escape in string at byte 1");
	refused("\"x\\uDBFF\"", "lone surrogate escape in string at byte 2");
	refused("\"\\udc00\"", "lone surrogate escape in string at byte 1");
	refused("\"\\ude00\\ud83d\"", "lone surrogate escape in string at byte 1");
	refused("\"\\ud800\\u0041\"", "lone surrogate escape in string at byte 1");
	refused("\"\\ud800\\ud800\"", "lone surrogate escape in string at byte 1");
	refused("\"\\ud800x\"", "lone surrogate escape in string at byte 1");
	refused("\"\\ud800\\n\"", "lone surrogate escape in string at byte 1");
	refused("\"\\ud800\\", "lone surrogate escape in string at byte 1");
	refused("\"ok\", \"\\ud83d\\ude00\", \"\\udfff\"",
		"lone surrogate escape in string at byte 23");
}
END_TEST

/* json_parse_keep(): what json_parse() refuses inside strings is kept as a
 * JSON_BADSTRING (or a bad key), with U+FFFD standing in; the rest of the
 * text is as strict as ever. */
static struct json *keep_ok(const char *text, size_t len)
{
	struct strbuf err = STRBUF_INIT;
	struct json *v = json_parse_keep(text, len, &err);

	ck_assert_msg(v != NULL, "json_parse_keep refused %s: %s", text, err.buf);
	strbuf_release(&err);
	return v;
}

START_TEST(test_keep_bad_strings)
{
	struct strbuf sb = STRBUF_INIT, where = STRBUF_INIT, err = STRBUF_INIT;
	struct json *v, *c;
	const char *t;

	t = "[\"ok\", \"a\\u0000b\", \"\\ud800x\", \"\xff\", \"\\ud83d\\ude00\"]";
	v = keep_ok(t, strlen(t));
	ck_assert_int_eq(v->u.arr.items[0]->type, JSON_STRING);
	ck_assert_int_eq(v->u.arr.items[1]->type, JSON_BADSTRING);
	ck_assert_str_eq(v->u.arr.items[1]->u.bad.s, "a\xef\xbf\xbd" "b");
	ck_assert_str_eq(v->u.arr.items[1]->u.bad.why, "holds a NUL character (\\u0000)");
	ck_assert_str_eq(v->u.arr.items[2]->u.bad.s, "\xef\xbf\xbdx");
	ck_assert_str_eq(v->u.arr.items[2]->u.bad.why, "holds a lone surrogate escape");
	ck_assert_str_eq(v->u.arr.items[3]->u.bad.why, "holds invalid UTF-8");
	ck_assert_int_eq(v->u.arr.items[4]->type, JSON_STRING);  /* a pair is fine */
	ck_assert_str_eq(json_first_bad(v, &where), "holds a NUL character (\\u0000)");
	ck_assert_str_eq(where.buf, "[1]");
	json_emit(&sb, v);
	ck_assert_str_eq(sb.buf, "[\"ok\", \"a\\ufffdb\", \"\\ufffdx\", \"\\ufffd\", \"\\ud83d\\ude00\"]");
	c = json_copy(v);
	ck_assert(json_equal(c, v));
	json_free(c);
	json_free(v);
	/* bad keys: never found, never duplicates, named by json_first_bad() */
	strbuf_reset(&where);
	t = "{\"a\": {\"k\\u0000\": 1, \"k\\udc00\": 2, \"k\": 3}}";
	v = keep_ok(t, strlen(t));
	ck_assert_ptr_null(json_get(json_get(v, "a"), "k\xef\xbf\xbd"));
	ck_assert_int_eq(json_get(json_get(v, "a"), "k")->u.i, 3);
	ck_assert_str_eq(json_first_bad(v, &where), "holds a NUL character (\\u0000)");
	ck_assert_str_eq(where.buf, "a.key \"k\\ufffd\"");
	json_free(v);
	/* none: where is left alone */
	strbuf_reset(&where);
	v = keep_ok("{\"a\": [1, \"b\"]}", 15);
	ck_assert_ptr_null(json_first_bad(v, &where));
	ck_assert_uint_eq(where.len, 0);
	json_free(v);
	/* still refused: raw NUL and control characters, syntax, real duplicates */
	ck_assert_ptr_null(json_parse_keep("\"a\0b\"", 5, &err));
	ck_assert_ptr_null(json_parse_keep("\"a\tb\"", 5, &err));
	ck_assert_ptr_null(json_parse_keep("[1, \xa9]", 7, &err));
	ck_assert_ptr_null(json_parse_keep("{\"a\": 1, \"a\": 2}", 16, &err));
	ck_assert_ptr_nonnull(strstr(err.buf, "duplicate key"));
	/* the strict parser is unchanged */
	strbuf_reset(&err);
	ck_assert_ptr_null(json_parse("\"\\u0000\"", 8, &err));
	strbuf_release(&sb);
	strbuf_release(&where);
	strbuf_release(&err);
}
END_TEST

START_TEST(test_duplicate_keys)
{
	struct strbuf text = STRBUF_INIT;
	struct json *v;

	refused("{\"a\": 1, \"a\": 2}", "duplicate key \"a\"");
	refused("{\"ports\": [1], \"x\": 0, \"ports\": []}", "duplicate key \"ports\"");
	refused("[{\"ok\": {\"in\": 1, \"in\": 1}}]", "duplicate key \"in\"");
	/* keys compare after unescaping */
	refused("{\"caf\xc3\xa9\": 1, \"caf\\u00e9\": 2}", "duplicate key \"caf\\u00e9\"");
	refused("{\"q\\\"\": 1, \"q\\u0022\": 2}", "duplicate key \"q\\\"\"");
	/* case-sensitive: these are different keys */
	v = parse_ok("{\"a\": 1, \"A\": 2, \"ports\": 3, \"Ports\": 4}");
	ck_assert_uint_eq(v->u.obj.n, 4);
	ck_assert(json_get(v, "A")->u.i == 2);
	ck_assert(json_get(v, "Ports")->u.i == 4);
	json_free(v);
	/* long keys are shortened in the message */
	strbuf_addstr(&text, "{\"");
	for (int k = 0; k < 100; k++)
		strbuf_addch(&text, 'k');
	strbuf_addstr(&text, "\": 1, \"");
	for (int k = 0; k < 100; k++)
		strbuf_addch(&text, 'k');
	strbuf_addstr(&text, "\": 2}");
	refused(text.buf, "duplicate key \"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\"...");
	/* large objects (hash set path): distinct keys pass, a late duplicate is found */
	strbuf_reset(&text);
	strbuf_addch(&text, '{');
	for (int k = 0; k < 5000; k++)
		strbuf_addf(&text, "%s\"key%d\": %d", k ? ", " : "", k, k);
	strbuf_addch(&text, '}');
	v = parse_ok(text.buf);
	ck_assert_uint_eq(v->u.obj.n, 5000);
	ck_assert(json_get(v, "key4999")->u.i == 4999);
	json_free(v);
	strbuf_setlen(&text, text.len - 1);
	strbuf_addstr(&text, ", \"key2500\": 0}");
	refused(text.buf, "duplicate key \"key2500\"");
	/* and a duplicate of the first key among 17 (first size above pairwise) */
	strbuf_reset(&text);
	strbuf_addstr(&text, "{\"dup\": 0");
	for (int k = 0; k < 15; k++)
		strbuf_addf(&text, ", \"k%d\": 0", k);
	strbuf_addstr(&text, ", \"dup\": 1}");
	refused(text.buf, "duplicate key \"dup\"");
	strbuf_release(&text);
}
END_TEST

static void nested(struct strbuf *sb, int depth, int objects)
{
	strbuf_reset(sb);
	for (int k = 0; k < depth; k++)
		strbuf_addstr(sb, objects ? "{\"a\": " : "[");
	strbuf_addstr(sb, "0");
	for (int k = 0; k < depth; k++)
		strbuf_addstr(sb, objects ? "}" : "]");
}

START_TEST(test_depth_limit)
{
	struct strbuf sb = STRBUF_INIT;
	struct json *v;

	nested(&sb, JSON_MAX_DEPTH, 0);
	v = parse_ok(sb.buf);
	json_free(v);
	nested(&sb, JSON_MAX_DEPTH + 1, 0);
	refused(sb.buf, "nested deeper than 512 levels");
	nested(&sb, JSON_MAX_DEPTH, 1);
	v = parse_ok(sb.buf);
	json_free(v);
	nested(&sb, JSON_MAX_DEPTH + 1, 1);
	refused(sb.buf, "nested deeper than 512 levels");
	/* brackets inside strings do not count */
	strbuf_reset(&sb);
	strbuf_addch(&sb, '"');
	for (int k = 0; k < 2000; k++)
		strbuf_addch(&sb, '[');
	strbuf_addch(&sb, '"');
	v = parse_ok(sb.buf);
	json_free(v);
	/* far deeper than cJSON's own limit, and unbalanced: no crash */
	strbuf_reset(&sb);
	for (int k = 0; k < 100000; k++)
		strbuf_addch(&sb, '[');
	refused(sb.buf, "nested deeper than 512 levels");
	strbuf_release(&sb);
}
END_TEST

START_TEST(test_big_inputs)
{
	struct strbuf sb = STRBUF_INIT;
	struct json *v;
	char *out;

	/* a 100k-element list */
	strbuf_addch(&sb, '[');
	for (int k = 0; k < 100000; k++)
		strbuf_addf(&sb, "%s%d", k ? "," : "", k);
	strbuf_addch(&sb, ']');
	v = parse_ok(sb.buf);
	ck_assert_uint_eq(v->u.arr.n, 100000);
	ck_assert(v->u.arr.items[99999]->u.i == 99999);
	out = emit(v);
	ck_assert_uint_eq(strlen(out), sb.len + 99999);  /* ", " instead of "," */
	free(out);
	json_free(v);

	/* a 100k-member object */
	strbuf_reset(&sb);
	strbuf_addch(&sb, '{');
	for (int k = 0; k < 100000; k++)
		strbuf_addf(&sb, "%s\"%d\":[%d.5]", k ? "," : "", k, k);
	strbuf_addch(&sb, '}');
	v = parse_ok(sb.buf);
	ck_assert_uint_eq(v->u.obj.n, 100000);
	ck_assert(json_get(v, "77777")->u.arr.items[0]->u.d == 77777.5);
	json_free(v);

	/* a 10 MB string with multi-byte characters and escapes */
	strbuf_reset(&sb);
	strbuf_addch(&sb, '"');
	while (sb.len < 10 * 1024 * 1024)
		strbuf_addstr(&sb, "abc \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\\n\\u00e9");
	strbuf_addch(&sb, '"');
	v = parse_ok(sb.buf);
	ck_assert_int_eq(v->type, JSON_STRING);
	json_free(v);
	strbuf_release(&sb);
}
END_TEST

START_TEST(test_error_appends)
{
	struct strbuf err = STRBUF_INIT;

	strbuf_addstr(&err, "relation data key 'policies': ");
	ck_assert_ptr_null(json_parse("[1,", 3, &err));
	ck_assert_str_eq(err.buf, "relation data key 'policies': not valid JSON near byte 3");
	ck_assert_ptr_null(strchr(err.buf, '\n'));
	strbuf_release(&err);
}
END_TEST

/* json_parse_str() and json_parse_strbuf() give what json_parse() gives:
 * the same tree, or the same message. */
static void same_as_parse(const char *text, size_t len)
{
	struct strbuf e1 = STRBUF_INIT, e2 = STRBUF_INIT, e3 = STRBUF_INIT, sb = STRBUF_INIT;
	struct json *a, *b, *c = NULL;

	strbuf_add(&sb, text, len);
	a = json_parse(text, len, &e1);
	b = json_parse_strbuf(&sb, &e2);
	ck_assert_msg(!a == !b, "%.60s: json_parse_strbuf() disagrees", text);
	ck_assert_str_eq(e1.buf, e2.buf);
	if (a)
		ck_assert(json_equal(a, b));
	if (strlen(text) == len) {
		c = json_parse_str(text, &e3);
		ck_assert_msg(!a == !c, "%.60s: json_parse_str() disagrees", text);
		ck_assert_str_eq(e1.buf, e3.buf);
		if (a)
			ck_assert(json_equal(a, c));
	}
	json_free(a);
	json_free(b);
	json_free(c);
	strbuf_release(&e1);
	strbuf_release(&e2);
	strbuf_release(&e3);
	strbuf_release(&sb);
}

START_TEST(test_parse_str_and_strbuf)
{
	static const char *const texts[] = {
		"", " ", "[1,", "[1,2]", "{\"a\": [1, 2.5, -0, 1e3, \"x\"]}", "{\"a\":1,\"a\":2}",
		"[\"\\ud800\"]", "\"\xff\"", "[1]x", "[1] ", "nul", "1e400", "[01]",
		"\"abc\\u00e9\\n\"", "{\"k\": {\"k\": [true, false, null]}}",
	};
	struct json *v;
	struct strbuf sb = STRBUF_INIT, err = STRBUF_INIT;

	for (size_t k = 0; k < ARRAY_SIZE(texts); k++)
		same_as_parse(texts[k], strlen(texts[k]));
	/* a strbuf holding a NUL byte: refused as json_parse() refuses it,
	 * not cut short at the NUL */
	same_as_parse("[1]\0", 4);
	same_as_parse("[\"a\0b\"]", 7);
	strbuf_add(&sb, "[1]\0[2]", 7);
	ck_assert_ptr_null(json_parse_strbuf(&sb, &err));
	ck_assert_str_eq(err.buf, "not valid JSON near byte 3");
	strbuf_reset(&err);
	/* the empty strbuf, never written to */
	strbuf_release(&sb);
	ck_assert_ptr_null(json_parse_strbuf(&sb, &err));
	ck_assert_str_eq(err.buf, "not valid JSON near byte 0");
	strbuf_release(&err);
	/* json_parse() reads no byte past len (the sanitizer build sees it):
	 * a number at the very end of an unterminated buffer */
	for (size_t k = 0; k < 3; k++) {
		static const char *const nums[] = { "12", "-0", "9223372036854775807" };
		size_t n = strlen(nums[k]);
		char *b = xmalloc(n);
		memcpy(b, nums[k], n);
		v = json_parse(b, n, &err);
		ck_assert_ptr_nonnull(v);
		ck_assert_int_eq(v->type, JSON_INT);
		ck_assert(v->u.i == (k == 0 ? 12 : k == 1 ? 0 : LLONG_MAX));
		json_free(v);
		free(b);
	}
	v = json_parse_str("{\"policies\": [{\"ports\": [8081]}]}", &err);
	ck_assert_ptr_nonnull(v);
	ck_assert(json_get(v, "policies")->u.arr.items[0]->u.obj.m[0].value->u.arr.items[0]->u.i == 8081);
	json_free(v);
}
END_TEST

/* Many small objects: the parser's scratch memory is freed as the tree is
 * built, in blocks; values on every side of a block boundary must come
 * out whole, numbers must keep their own spelling (int or float), and a
 * late error must still be found. */
START_TEST(test_parse_many_objects)
{
	struct strbuf sb = STRBUF_INIT, out = STRBUF_INIT, err = STRBUF_INIT;
	struct json *v;

	strbuf_addch(&sb, '[');
	for (int k = 0; k < 20000; k++)
		strbuf_addf(&sb, "%s{\"source_app_name\": \"client%d\", \"target_service\": null, "
			    "\"n\": %d, \"r\": %d.0, \"e\": %de-1, \"endpoints\": [{\"hosts\": [\"h\\u00e9%d\"], "
			    "\"ports\": [%d, 9223372036854775808]}]}",
			    k ? ", " : "", k, k, k, k, k, k);
	strbuf_addch(&sb, ']');
	v = json_parse_str(sb.buf, &err);
	ck_assert_msg(v != NULL, "%s", err.buf);
	ck_assert_uint_eq(v->u.arr.n, 20000);
	for (size_t k = 0; k < v->u.arr.n; k++) {
		const struct json *o = v->u.arr.items[k], *p;
		char name[32];
		ck_assert_int_eq(o->type, JSON_OBJECT);
		ck_assert_uint_eq(o->u.obj.n, 6);
		snprintf(name, sizeof(name), "client%zu", k);
		ck_assert_str_eq(json_get(o, "source_app_name")->u.s, name);
		ck_assert_int_eq(json_get(o, "target_service")->type, JSON_NULL);
		ck_assert_int_eq(json_get(o, "n")->type, JSON_INT);
		ck_assert(json_get(o, "n")->u.i == (long long)k);
		ck_assert_int_eq(json_get(o, "r")->type, JSON_REAL);
		ck_assert(json_get(o, "r")->u.d == (double)k);
		ck_assert_int_eq(json_get(o, "e")->type, JSON_REAL);
		p = json_get(o, "endpoints")->u.arr.items[0];
		snprintf(name, sizeof(name), "h\xc3\xa9%zu", k);
		ck_assert_str_eq(json_get(p, "hosts")->u.arr.items[0]->u.s, name);
		ck_assert(json_get(p, "ports")->u.arr.items[0]->u.i == (long long)k);
		ck_assert_int_eq(json_get(p, "ports")->u.arr.items[1]->type, JSON_REAL);
	}
	/* emit, parse back, emit again: the same text */
	json_emit(&out, v);
	json_free(v);
	v = json_parse_strbuf(&out, &err);
	ck_assert_ptr_nonnull(v);
	strbuf_reset(&sb);
	json_emit(&sb, v);
	ck_assert_str_eq(sb.buf, out.buf);
	json_free(v);

	/* a duplicate key in the last object, after 19999 good ones */
	strbuf_setlen(&out, out.len - 2);
	strbuf_addstr(&out, ", \"n\": 1}]");
	ck_assert_ptr_null(json_parse_strbuf(&out, &err));
	ck_assert_str_eq(err.buf, "duplicate key \"n\"");
	strbuf_release(&sb);
	strbuf_release(&out);
	strbuf_release(&err);
}
END_TEST

/* Strings of every size around the parser's block sizes, alone and next
 * to other values, with escapes that make the result shorter than the
 * token; and strings that come out of the tree must be usable on their
 * own (json_set() replacing them, json_copy()). */
START_TEST(test_parse_string_sizes)
{
	static const size_t sizes[] = { 0, 1, 7, 8, 9, 15, 16, 17, 100, 4000, 16368, 16369,
					16383, 16384, 16385, 65000, 65472, 65536, 70000, 300000 };
	struct strbuf sb = STRBUF_INIT, want = STRBUF_INIT, err = STRBUF_INIT;

	for (size_t k = 0; k < ARRAY_SIZE(sizes); k++) {
		for (int esc = 0; esc < 2; esc++) {
			struct json *v, *c;
			strbuf_reset(&sb);
			strbuf_reset(&want);
			strbuf_addstr(&sb, "[\"x\", {\"s\": \"");
			for (size_t n = 0; n < sizes[k]; n++) {
				char ch = (char)('a' + n % 26);
				if (esc && n % 3 == 0) {
					strbuf_addstr(&sb, "\\u00e9");
					strbuf_addstr(&want, "\xc3\xa9");
				} else {
					strbuf_addch(&sb, ch);
					strbuf_addch(&want, ch);
				}
			}
			strbuf_addstr(&sb, "\", \"t\": 5}, \"y\", 1.5]");
			v = json_parse_strbuf(&sb, &err);
			ck_assert_msg(v != NULL, "size %zu: %s", sizes[k], err.buf);
			ck_assert_str_eq(v->u.arr.items[0]->u.s, "x");
			ck_assert_str_eq(json_get(v->u.arr.items[1], "s")->u.s, want.buf);
			ck_assert(json_get(v->u.arr.items[1], "t")->u.i == 5);
			ck_assert_str_eq(v->u.arr.items[2]->u.s, "y");
			ck_assert(v->u.arr.items[3]->u.d == 1.5);
			c = json_copy(v);
			ck_assert(json_equal(c, v));
			json_set(v->u.arr.items[1], "s", json_string("short"));
			json_set(v->u.arr.items[1], "u", json_string(want.buf));
			ck_assert_str_eq(json_get(c->u.arr.items[1], "s")->u.s, want.buf);
			ck_assert_str_eq(json_get(v->u.arr.items[1], "u")->u.s, want.buf);
			json_append(v, json_copy(json_get(c->u.arr.items[1], "s")));
			ck_assert_str_eq(v->u.arr.items[4]->u.s, want.buf);
			json_free(c);
			json_free(v);
		}
	}
	strbuf_release(&sb);
	strbuf_release(&want);
	strbuf_release(&err);
}
END_TEST

/* The UTF-8 check covers the whole text before any other fault is
 * reported, wherever the two are. */
START_TEST(test_utf8_reported_first)
{
	refused("[1,,\"\xff\"]", "invalid UTF-8 at byte 5");
	refused("x \"\xc3\"", "invalid UTF-8 at byte 3");
	refused("[\"\\ud800\", \"\xe2\x82\"]", "invalid UTF-8 at byte 12");
	refused("[\"a\x01\", \xf5]", "invalid UTF-8 at byte 7");
	refused("[\"a\x01\", \"\xc3\xa9\"]", "string contains a control character at byte 3");
	refused("[\"\xc3\xa9\", 01]", "not valid JSON near byte 8");
}
END_TEST

/* The rest of the ranking, as it was when cJSON checked the structure: a
 * bad token after a structural fault still wins, and a duplicate key or
 * a number out of range is reported only for otherwise valid JSON (the
 * first one met; an object's keys are checked at its end, after its
 * values). */
START_TEST(test_faults_ranked)
{
	refused("[1 2, \"\x01\"]", "string contains a control character at byte 7");
	refused("[1 2, [[tru]]]", "not valid JSON near byte 8");
	refused("{\"a\": 1, \"a\": 2} x", "not valid JSON near byte 17");
	refused("[1e999, 1 2]", "not valid JSON near byte 10");
	refused("{\"a\":1,\"a\":2,\"b\":1e999}", "number out of range at byte 17");
	refused("[{\"a\":1,\"a\":2}, 1e999]", "duplicate key \"a\"");
	refused("{\"a\":1e999,\"a\":2}", "number out of range at byte 5");
	refused("{\"a\":{\"b\":1,\"b\":2},\"a\":3}", "duplicate key \"b\"");
	/* the key of an object is missing: cJSON named the byte after */
	refused("{\"a\": 1, 2: 3}", "not valid JSON near byte 10");
	refused("{\"a\": 1, ", "not valid JSON near byte 9");
}
END_TEST

/* json_parse_flags() itself: no reason wanted, and a float at the very
 * end of a buffer that is not NUL-terminated (the sanitizer build sees a
 * read past it). */
START_TEST(test_parse_flags)
{
	char *b = xmalloc(3);
	struct strbuf err = STRBUF_INIT;
	struct json *v;

	ck_assert_ptr_null(json_parse_flags("[1,", 3, 0, NULL));
	ck_assert_ptr_null(json_parse_flags("{\"a\":1,\"a\":2}", 13, JSON_PARSE_KEEP_BAD, NULL));
	memcpy(b, "1.5", 3);
	v = json_parse_flags(b, 3, 0, &err);
	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(v->type, JSON_REAL);
	ck_assert(v->u.d == 1.5);
	json_free(v);
	memcpy(b, "1e9", 3);
	v = json_parse_flags(b, 2, 0, &err);  /* "1e": cut short */
	ck_assert_ptr_null(v);
	ck_assert_str_eq(err.buf, "not valid JSON near byte 2");
	free(b);
	strbuf_release(&err);
}
END_TEST

/* ------------------------------------------------------------- emitting */

START_TEST(test_emit_scalars)
{
	struct json *v;

	v = json_null(); emits(v, "null"); json_free(v);
	v = json_bool(1); emits(v, "true"); json_free(v);
	v = json_bool(0); emits(v, "false"); json_free(v);
	v = json_int(LLONG_MIN); emits(v, "-9223372036854775808"); json_free(v);
	v = json_int(LLONG_MAX); emits(v, "9223372036854775807"); json_free(v);
	v = json_real(100.0); emits(v, "100.0"); json_free(v);
	v = json_real(-0.0); emits(v, "-0.0"); json_free(v);
	v = json_real(1e16); emits(v, "1e+16"); json_free(v);
	v = json_real(1e-5); emits(v, "1e-05"); json_free(v);
	v = json_real(0.0001); emits(v, "0.0001"); json_free(v);
	v = json_real(1.5e300); emits(v, "1.5e+300"); json_free(v);
	v = json_real(NAN); emits(v, "NaN"); json_free(v);
	v = json_real(-INFINITY); emits(v, "-Infinity"); json_free(v);
	v = json_string(""); emits(v, "\"\""); json_free(v);
	v = json_string_or_null(NULL); emits(v, "null"); json_free(v);
	v = json_string_or_null("x"); emits(v, "\"x\""); json_free(v);
	v = json_array(); emits(v, "[]"); json_free(v);
	v = json_object(); emits(v, "{}"); json_free(v);
}
END_TEST

START_TEST(test_emit_string_bytes)
{
	/* expected texts from python3 -c 'import json; print(json.dumps(S))' */
	string_emits("\0", 1, "\"\\u0000\"");
	string_emits("a\0b", 3, "\"a\\u0000b\"");
	string_emits("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\\u007f\"");
	string_emits("\"\\/\n\r\t\b\f\x0b", 9, "\"\\\"\\\\/\\n\\r\\t\\b\\f\\u000b\"");
	string_emits("caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf", 19,
		      "\"caf\\u00e9 \\u65e5 \\ud83d\\ude00 \\udbff\\udfff\"");
	string_emits("\xe2\x80\xa8~ ", 5, "\"\\u2028~ \"");
	/* invalid UTF-8: one U+FFFD per maximal invalid subsequence */
	string_emits("a\xe2\x82" "A\xed\xa0\x80\xc0", 8,
		      "\"a\\ufffdA\\ufffd\\ufffd\\ufffd\\ufffd\"");
	string_emits("\xf0\x9f\x98", 3, "\"\\ufffd\"");
	/* only len bytes are read */
	string_emits("abcdef", 2, "\"ab\"");
}
END_TEST

START_TEST(test_build_and_set)
{
	struct json *o = json_object(), *l = json_array();
	const struct json *got;

	json_set(o, "name", json_string("web"));
	json_set(o, "ports", l);
	json_append(l, json_int(80));
	json_append(l, json_int(443));
	json_set(o, "mesh", json_null());
	emits(o, "{\"name\": \"web\", \"ports\": [80, 443], \"mesh\": null}");
	/* replacing keeps the position */
	json_set(o, "name", json_string("api"));
	json_set(o, "ports", json_array());
	emits(o, "{\"name\": \"api\", \"ports\": [], \"mesh\": null}");
	json_set(o, "Name", json_bool(1));
	emits(o, "{\"name\": \"api\", \"ports\": [], \"mesh\": null, \"Name\": true}");
	/* json_get: exact, case-sensitive; NULL for non-objects */
	got = json_get(o, "name");
	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got->u.s, "api");
	ck_assert_int_eq(json_get(o, "Name")->type, JSON_TRUE);
	ck_assert_ptr_null(json_get(o, "NAME"));
	ck_assert_ptr_null(json_get(o, "nam"));
	ck_assert_ptr_null(json_get(json_get(o, "ports"), "0"));
	ck_assert_ptr_null(json_get(NULL, "name"));
	json_free(o);
	json_free(NULL);
}
END_TEST

START_TEST(test_copy_equal)
{
	struct json *a = parse_ok("{\"x\": [1, 2.5, \"s\", null, true, {\"y\": {}}], \"z\": -0.0}");
	struct json *b = json_copy(a), *c, *d;

	ck_assert_ptr_ne(a, b);
	ck_assert(json_equal(a, b));
	emits(b, "{\"x\": [1, 2.5, \"s\", null, true, {\"y\": {}}], \"z\": -0.0}");
	/* deep: changing the copy leaves the original alone */
	json_append((struct json *)json_get(b, "x"), json_int(3));
	ck_assert(!json_equal(a, b));
	emits(a, "{\"x\": [1, 2.5, \"s\", null, true, {\"y\": {}}], \"z\": -0.0}");
	json_free(b);
	json_free(a);

	c = parse_ok("{\"a\": 1, \"b\": 2}");
	d = parse_ok("{\"b\": 2, \"a\": 1}");
	ck_assert(!json_equal(c, d));  /* key order matters */
	json_free(d);
	d = parse_ok("{\"a\": 1.0, \"b\": 2}");
	ck_assert(!json_equal(c, d));  /* 1 and 1.0 are written differently */
	json_free(d);
	d = parse_ok("{\"a\": 1, \"b\": 2, \"c\": 3}");
	ck_assert(!json_equal(c, d));
	json_free(d);
	d = parse_ok("{\"a\": 1, \"b\": 2}");
	ck_assert(json_equal(c, d));
	json_free(d);
	json_free(c);

	c = json_real(0.0);
	d = json_real(-0.0);
	ck_assert(!json_equal(c, d));
	json_free(d);
	d = json_real(NAN);
	ck_assert(!json_equal(c, d));
	json_free(c);
	c = json_real(NAN);
	ck_assert(json_equal(c, d));
	json_free(c);
	json_free(d);
	c = json_string("a");
	d = json_string("a");
	ck_assert(json_equal(c, d));
	json_free(d);
	d = json_string("A");
	ck_assert(!json_equal(c, d));
	json_free(c);
	json_free(d);
	c = json_bool(1);
	d = json_bool(0);
	ck_assert(!json_equal(c, d));
	json_free(c);
	json_free(d);
}
END_TEST

START_TEST(test_type_names)
{
	ck_assert_str_eq(json_type_name(JSON_NULL), "null");
	ck_assert_str_eq(json_type_name(JSON_TRUE), "a boolean");
	ck_assert_str_eq(json_type_name(JSON_FALSE), "a boolean");
	ck_assert_str_eq(json_type_name(JSON_INT), "an integer");
	ck_assert_str_eq(json_type_name(JSON_REAL), "a number");
	ck_assert_str_eq(json_type_name(JSON_STRING), "a string");
	ck_assert_str_eq(json_type_name(JSON_ARRAY), "a list");
	ck_assert_str_eq(json_type_name(JSON_OBJECT), "an object");
}
END_TEST

/* --------------------------------------------------------------- goldens */

static int unhex(const char *s, size_t n, struct strbuf *out)
{
	if (n % 2)
		return -1;
	for (size_t k = 0; k < n; k += 2) {
		char pair[3] = { s[k], s[k + 1], '\0' };
		char *end;
		long b = strtol(pair, &end, 16);
		if (*end)
			return -1;
		strbuf_addch(out, (int)b);
	}
	return 0;
}

static double double_from_hex(const char *s)
{
	uint64_t bits = strtoull(s, NULL, 16);
	double d;
	memcpy(&d, &bits, sizeof(d));
	return d;
}

/* Run every line of json_golden.txt; counts[0..2] get the V, S, R lines. */
static void run_goldens(int counts[3])
{
	const char *srcdir = getenv("SRCDIR");
	struct strbuf path = STRBUF_INIT, tmp = STRBUF_INIT;
	char *buf, *line, *next;
	size_t len;
	int lineno = 0;

	strbuf_addf(&path, "%s/tests/unit/json_golden.txt", srcdir && *srcdir ? srcdir : ".");
	ck_assert_msg(read_file(path.buf, 16 << 20, &buf, &len) == 0,
		      "cannot read %s (set SRCDIR to the source tree)", path.buf);
	for (line = buf; line && *line; line = next) {
		char *f1, *f2;
		struct json *v;
		char *got;

		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (line[0] == '#' || !line[0])
			continue;
		f1 = strchr(line, '\t');
		ck_assert_msg(f1 && line + 1 == f1, "line %d: bad format", lineno);
		f2 = strchr(++f1, '\t');
		ck_assert_msg(f2 != NULL, "line %d: bad format", lineno);
		*f2++ = '\0';
		strbuf_reset(&tmp);
		switch (line[0]) {
		case 'V':
			/* parse the input, emit: what json.dumps wrote */
			v = parse_ok(f1);
			got = emit(v);
			ck_assert_msg(!strcmp(got, f2), "line %d: %s: got %s, want %s",
				      lineno, f1, got, f2);
			free(got);
			json_free(v);
			/* round trip: emit(parse(emit(v))) == emit(v) */
			v = parse_ok(f2);
			got = emit(v);
			ck_assert_msg(!strcmp(got, f2), "line %d: round trip: got %s, want %s",
				      lineno, got, f2);
			free(got);
			json_free(v);
			counts[0]++;
			break;
		case 'S':
			ck_assert_msg(unhex(f1, strlen(f1), &tmp) == 0, "line %d: bad hex", lineno);
			{
				struct strbuf out = STRBUF_INIT;
				json_emit_string(&out, tmp.buf, tmp.len);
				ck_assert_msg(!strcmp(out.buf, f2), "line %d: bytes %s: got %s, want %s",
					      lineno, f1, out.buf, f2);
				strbuf_release(&out);
			}
			counts[1]++;
			break;
		case 'R':
			v = json_real(double_from_hex(f1));
			got = emit(v);
			ck_assert_msg(!strcmp(got, f2), "line %d: double %s: got %s, want %s",
				      lineno, f1, got, f2);
			free(got);
			json_free(v);
			if (isfinite(double_from_hex(f1))) {
				v = parse_ok(f2);
				got = emit(v);
				ck_assert_msg(!strcmp(got, f2), "line %d: round trip: got %s, want %s",
					      lineno, got, f2);
				ck_assert_int_eq(v->type, JSON_REAL);
				free(got);
				json_free(v);
			}
			counts[2]++;
			break;
		default:
			ck_abort_msg("line %d: unknown kind %c", lineno, line[0]);
		}
	}
	free(buf);
	strbuf_release(&path);
	strbuf_release(&tmp);
}

START_TEST(test_goldens)
{
	int counts[3] = { 0, 0, 0 };

	run_goldens(counts);
	/* the file really held cases of every kind */
	ck_assert_int_ge(counts[0], 100);
	ck_assert_int_ge(counts[1], 20);
	ck_assert_int_ge(counts[2], 2000);
}
END_TEST

/* ---- equality that ignores key order ---- */

static int equal_unordered(const char *a, const char *b)
{
	struct json *x = parse_ok(a), *y = parse_ok(b);
	int eq = json_equal_unordered(x, y);

	ck_assert_int_eq(json_equal_unordered(y, x), eq);
	json_free(x);
	json_free(y);
	return eq;
}

START_TEST(test_equal_unordered)
{
	struct json *n = json_null();

	ck_assert(equal_unordered("{\"a\": 1, \"b\": {\"c\": [1, {\"d\": 2, \"e\": 3}]}}",
				  "{\"b\": {\"c\": [1, {\"e\": 3, \"d\": 2}]}, \"a\": 1}"));
	ck_assert(equal_unordered("{}", "{}"));
	ck_assert(equal_unordered("[1, \"s\", null, -0.0]", "[1, \"s\", null, -0.0]"));
	/* list order still matters, and values are compared as json_equal() does */
	ck_assert(!equal_unordered("[1, 2]", "[2, 1]"));
	ck_assert(!equal_unordered("{\"a\": 1, \"b\": 2}", "{\"b\": 2, \"a\": 1.0}"));
	ck_assert(!equal_unordered("{\"a\": 0.0}", "{\"a\": -0.0}"));
	ck_assert(!equal_unordered("{\"a\": {\"x\": 1, \"y\": 2}}", "{\"a\": {\"y\": 2, \"x\": 3}}"));
	/* other keys, or one more */
	ck_assert(!equal_unordered("{\"a\": 1, \"b\": 2}", "{\"a\": 1, \"c\": 2}"));
	ck_assert(!equal_unordered("{\"a\": 1}", "{\"a\": 1, \"b\": 2}"));
	ck_assert(!equal_unordered("{\"a\": []}", "{\"a\": {}}"));
	/* NULL (a missing member) equals only NULL */
	ck_assert(json_equal_unordered(NULL, NULL));
	ck_assert(!json_equal_unordered(NULL, n));
	ck_assert(!json_equal_unordered(n, NULL));
	json_free(n);
}
END_TEST

static TCase *unordered_tcase(void)
{
	TCase *tc = tcase_create("unordered");

	tcase_add_test(tc, test_equal_unordered);
	return tc;
}

/* json_golden_indent.txt: "I", the indent, the input, and what
 * json.dumps(value, indent=indent) wrote, as a JSON string literal. */
START_TEST(test_goldens_indent)
{
	const char *srcdir = getenv("SRCDIR");
	struct strbuf path = STRBUF_INIT, got = STRBUF_INIT;
	char *buf, *line, *next, *f[3];
	int lineno = 0, cases = 0;
	size_t len;

	strbuf_addf(&path, "%s/tests/unit/json_golden_indent.txt", srcdir && *srcdir ? srcdir : ".");
	ck_assert_msg(read_file(path.buf, 1 << 20, &buf, &len) == 0,
		      "cannot read %s (set SRCDIR to the source tree)", path.buf);
	for (line = buf; line && *line; line = next) {
		struct json *v, *want;

		lineno++;
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (line[0] == '#')
			continue;
		ck_assert_msg(line[0] == 'I' && line[1] == '\t', "line %d: bad format", lineno);
		f[0] = line + 2;
		for (int k = 1; k < 3; k++) {
			f[k] = strchr(f[k - 1], '\t');
			ck_assert_msg(f[k] != NULL, "line %d: bad format", lineno);
			*f[k]++ = '\0';
		}
		v = parse_ok(f[1]);
		want = parse_ok(f[2]);
		ck_assert_int_eq(want->type, JSON_STRING);
		strbuf_reset(&got);
		json_emit_indent(&got, v, atoi(f[0]));
		ck_assert_msg(!strcmp(got.buf, want->u.s), "line %d: %s, indent %s: got\n%s\nwant\n%s",
			      lineno, f[1], f[0], got.buf, want->u.s);
		json_free(v);
		json_free(want);
		cases++;
	}
	ck_assert_int_ge(cases, 100);
	free(buf);
	strbuf_release(&path);
	strbuf_release(&got);
}
END_TEST

/* indent < 0 is the one-line form */
START_TEST(test_emit_indent_none)
{
	struct json *v = parse_ok("{\"a\": [1, {}], \"b\": []}");
	struct strbuf sb = STRBUF_INIT;

	json_emit_indent(&sb, v, -1);
	ck_assert_str_eq(sb.buf, "{\"a\": [1, {}], \"b\": []}");
	json_free(v);
	strbuf_release(&sb);
}
END_TEST

static Suite *json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_object_from_kvlist);
	tcase_add_test(tc, test_parse_scalars);
	tcase_add_test(tc, test_parse_string_escapes);
	tcase_add_test(tc, test_parse_containers);
	tcase_add_test(tc, test_parse_numbers);
	tcase_add_test(tc, test_refuse_syntax);
	tcase_add_test(tc, test_parse_long_numbers);
	tcase_add_test(tc, test_refuse_utf8);
	tcase_add_test(tc, test_refuse_nul);
	tcase_add_test(tc, test_refuse_surrogates);
	tcase_add_test(tc, test_keep_bad_strings);
	tcase_add_test(tc, test_duplicate_keys);
	tcase_add_test(tc, test_depth_limit);
	tcase_add_test(tc, test_big_inputs);
	tcase_add_test(tc, test_error_appends);
	tcase_add_test(tc, test_parse_str_and_strbuf);
	tcase_add_test(tc, test_parse_many_objects);
	tcase_add_test(tc, test_parse_string_sizes);
	tcase_add_test(tc, test_utf8_reported_first);
	tcase_add_test(tc, test_faults_ranked);
	tcase_add_test(tc, test_parse_flags);
	tcase_add_test(tc, test_emit_scalars);
	tcase_add_test(tc, test_emit_string_bytes);
	tcase_add_test(tc, test_build_and_set);
	tcase_add_test(tc, test_copy_equal);
	tcase_add_test(tc, test_type_names);
	tcase_add_test(tc, test_goldens);
	tcase_add_test(tc, test_goldens_indent);
	tcase_add_test(tc, test_emit_indent_none);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, unordered_tcase());
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(json_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
