/* check_hostile.c - a table of hostile inputs and what svcmesh-hook does
 * with each: accepted (and how many list entries survive) or refused with
 * a message holding a given substring. Every entry goes through the same
 * code a hook runs on relation data or service-mesh.yaml:
 *
 *   JSON      json_parse() alone (any relation value)
 *   POLICIES  a consumer's `policies` as a provider gathers it: json_parse(),
 *             then policy_from_json() per element; a bad element is skipped
 *             and the rest kept (provider.c gather())
 *   LABELS    the provider's `labels` as consumer.c read_labels() reads it:
 *             a JSON object, string values, Kubernetes key/value syntax
 *             (k8sname.h); a bad label is skipped and the rest kept
 *   MESH_TYPE the provider's `mesh_type`: a JSON string
 *   CMR       cmr_data_parse()
 *   CONFIG    config_parse() of service-mesh.yaml
 *   DATABAG   what relation-get --format=json prints for a whole databag,
 *             as jujuc.c reads it (json_parse_strbuf_keep() and
 *             juju_databag_from_json()): kept = entries kept
 *
 * POLICIES, LABELS and MESH_TYPE parse with json_parse_keep(), as the
 * hooks do: a string that is not valid text (a NUL, a lone surrogate,
 * invalid UTF-8) costs only the entry holding it.
 *
 * No entry may crash, hang or leak (run under SANITIZE=address,undefined
 * and valgrind). Regression inputs found by the fuzzers (tests/fuzz/) go
 * at the end of the table. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "formats/config.h"
#include "formats/json.h"
#include "transports/jujuc.h"
#include "base/k8sname.h"
#include "base/kvlist.h"
#include "base/log.h"
#include "protocol/policy.h"
#include "base/strbuf.h"

enum kind { JSON, POLICIES, LABELS, MESH_TYPE, CMR, CONFIG, DATABAG };
enum outcome { ACCEPTED, REFUSED };

struct hostile {
	const char *name;
	enum kind kind;
	const char *text;                  /* the input, or NULL: gen makes it */
	void (*gen)(struct strbuf *out);
	enum outcome outcome;
	long kept;                         /* POLICIES/LABELS accepted: entries kept (-1: don't check) */
	const char *msg;                   /* substring of the reason(s), or NULL */
};

/* ---- generated inputs ---- */

static void add_repeat(struct strbuf *sb, const char *s, size_t n);

/* a databag with 10 MB under a key nobody reads */
static void gen_databag_10mb(struct strbuf *sb)
{
	strbuf_addstr(sb, "{\"junk\":\"");
	add_repeat(sb, "\\u0001", 10 * 1024 * 1024 / 6);
	strbuf_addstr(sb, "\",\"labels\":\"{}\"}");
}

#define MB (1024 * 1024)

static void add_repeat(struct strbuf *sb, const char *s, size_t n)
{
	size_t l = strlen(s);
	strbuf_grow(sb, l * n);
	for (size_t i = 0; i < n; i++)
		strbuf_add(sb, s, l);
}

#define GOOD_POLICY "{\"source_namespace\": \"m\", \"source_app_name\": \"a\", \"target_namespace\": \"m\", " \
	"\"target_app_name\": \"t\", \"target_selector_labels\": null, \"target_service\": null, " \
	"\"target_type\": \"app\", \"endpoints\": [{\"hosts\": null, \"ports\": [80], \"methods\": null, \"paths\": null}]}"

/* labels: one valid label and one whose value is 10 MB */
static void gen_labels_10mb_value(struct strbuf *sb)
{
	strbuf_addstr(sb, "{\"istio.io/dataplane-mode\": \"ambient\", \"big\": \"");
	add_repeat(sb, "x", 10 * MB);
	strbuf_addstr(sb, "\"}");
}

/* labels: a 10 MB key */
static void gen_labels_10mb_key(struct strbuf *sb)
{
	strbuf_addstr(sb, "{\"");
	add_repeat(sb, "k", 10 * MB);
	strbuf_addstr(sb, "\": \"v\", \"ok\": \"1\"}");
}

/* 10 MB of JSON text that is not JSON at its end */
static void gen_10mb_truncated(struct strbuf *sb)
{
	strbuf_addstr(sb, "[\"");
	add_repeat(sb, "y", 10 * MB);
}

/* policies: 100k elements, every other one bad */
static void gen_policies_100k(struct strbuf *sb)
{
	strbuf_addch(sb, '[');
	for (int i = 0; i < 100000; i++) {
		if (i)
			strbuf_addstr(sb, ", ");
		strbuf_addstr(sb, i % 2 ? "{\"source_namespace\": 7}" : GOOD_POLICY);
	}
	strbuf_addch(sb, ']');
}

/* policies: a valid policy with a 100k-element ports list */
static void gen_ports_100k(struct strbuf *sb)
{
	strbuf_addstr(sb, "[{\"source_namespace\": \"m\", \"source_app_name\": \"a\", \"target_namespace\": \"m\", "
		      "\"target_app_name\": \"t\", \"endpoints\": [{\"ports\": [");
	for (int i = 0; i < 100000; i++)
		strbuf_addf(sb, "%s%d", i ? ", " : "", 1 + i % 65535);
	strbuf_addstr(sb, "]}]}]");
}

/* labels: 100k members */
static void gen_labels_100k(struct strbuf *sb)
{
	strbuf_addch(sb, '{');
	for (int i = 0; i < 100000; i++)
		strbuf_addf(sb, "%s\"k%d\": \"v\"", i ? ", " : "", i);
	strbuf_addch(sb, '}');
}

static void gen_nest_10k_lists(struct strbuf *sb)
{
	add_repeat(sb, "[", 10000);
	add_repeat(sb, "]", 10000);
}

static void gen_nest_10k_objects(struct strbuf *sb)
{
	add_repeat(sb, "{\"a\":", 10000);
	strbuf_addstr(sb, "1");
	add_repeat(sb, "}", 10000);
}

static void gen_nest_512(struct strbuf *sb)
{
	add_repeat(sb, "[", 512);
	add_repeat(sb, "]", 512);
}

static void gen_nest_513(struct strbuf *sb)
{
	add_repeat(sb, "[", 513);
	add_repeat(sb, "]", 513);
}

/* JSON text with a raw NUL byte inside a string (strlen would stop there) */
static void gen_raw_nul(struct strbuf *sb)
{
	strbuf_add(sb, "{\"a\": \"x\0y\"}", 12);
}

static void gen_config_2mib(struct strbuf *sb)
{
	strbuf_addstr(sb, "consumer:\n  policies: []\n# ");
	add_repeat(sb, "p", 2 * MB);
	strbuf_addch(sb, '\n');
}

static void gen_config_nul(struct strbuf *sb)
{
	strbuf_add(sb, "consumer:\n  auto-join: true\0\n", 29);
}

static void gen_config_10k_deep(struct strbuf *sb)
{
	strbuf_addstr(sb, "consumer: ");
	add_repeat(sb, "[", 10000);
	add_repeat(sb, "]", 10000);
	strbuf_addch(sb, '\n');
}

/* billion laughs, spelt out */
static const char laughs[] =
	"a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
	"b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
	"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
	"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
	"e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
	"f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
	"g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
	"h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
	"i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";

/* a policy with one field replaced: P("\"ports\": [0]") etc. */
#define POL(extra) "[{\"source_namespace\": \"m\", \"source_app_name\": \"a\", \"target_namespace\": \"m\", " \
	"\"target_app_name\": \"t\", " extra "}]"
#define EP(ep) POL("\"endpoints\": [" ep "]")

#define CFG_POL(ep) "consumer:\n  policies:\n    - relation: data\n      endpoints: [" ep "]\n"

static const struct hostile table[] = {
	/* --- sizes --- */
	{ "labels: 10 MB value beside a good label", LABELS, NULL, gen_labels_10mb_value, ACCEPTED, 1, "longer than 63" },
	{ "labels: 10 MB key", LABELS, NULL, gen_labels_10mb_key, ACCEPTED, 1, NULL },
	{ "relation value: 10 MB, unterminated", JSON, NULL, gen_10mb_truncated, REFUSED, 0, "not valid JSON" },
	{ "policies: 100k elements, half bad", POLICIES, NULL, gen_policies_100k, ACCEPTED, 50000, "source_namespace is an integer" },
	{ "policies: 100k ports in one endpoint", POLICIES, NULL, gen_ports_100k, ACCEPTED, 0, "endpoint ports has more than 1024 entries" },
	{ "labels: 100k members, all valid", LABELS, NULL, gen_labels_100k, ACCEPTED, 100000, NULL },
	{ "JSON: lists nested 10k deep", JSON, NULL, gen_nest_10k_lists, REFUSED, 0, "nested deeper than 512" },
	{ "JSON: objects nested 10k deep", JSON, NULL, gen_nest_10k_objects, REFUSED, 0, "nested deeper than 512" },
	{ "JSON: nested exactly 512 deep", JSON, NULL, gen_nest_512, ACCEPTED, 0, NULL },
	{ "JSON: nested 513 deep", JSON, NULL, gen_nest_513, REFUSED, 0, "nested deeper than 512" },

	/* --- encoding --- */
	{ "invalid UTF-8 (lone continuation byte)", JSON, "[\"a\x80\"]", NULL, REFUSED, 0, "invalid UTF-8 at byte 3" },
	{ "invalid UTF-8 (overlong '/')", JSON, "[\"\xc0\xaf\"]", NULL, REFUSED, 0, "invalid UTF-8" },
	{ "invalid UTF-8 (encoded surrogate)", JSON, "\"\xed\xa0\x80\"", NULL, REFUSED, 0, "invalid UTF-8" },
	{ "invalid UTF-8 (above U+10FFFF)", JSON, "\"\xf4\x90\x80\x80\"", NULL, REFUSED, 0, "invalid UTF-8" },
	{ "invalid UTF-8 in a label key: that label skipped", LABELS, "{\"k\xff\": \"v\", \"ok\": \"1\"}", NULL, ACCEPTED, 1, "holds invalid UTF-8" },
	{ "raw NUL byte inside a string", JSON, NULL, gen_raw_nul, REFUSED, 0, "NUL character" },
	{ "\\u0000 escape in a policy name: that policy skipped", POLICIES, "[{\"source_namespace\": \"m\\u0000x\"}, " GOOD_POLICY "]", NULL, ACCEPTED, 1, "source_namespace holds a NUL character" },
	{ "\\u0000 in cmr_data", CMR, "{\"app_name\": \"a\\u0000b\", \"juju_model_name\": \"m\"}", NULL, REFUSED, 0, "app_name holds a NUL character" },
	{ "lone surrogate in a policy's host: that policy skipped", POLICIES, "[" GOOD_POLICY ", {\"endpoints\": [{\"hosts\": [\"a\", \"\\udc00\"]}]}]", NULL, ACCEPTED, 1, "endpoints[0].hosts[1] holds a lone surrogate" },
	{ "\\u0000 in a key of a policy: that policy skipped", POLICIES, "[{\"x\\u0000\": 1, \"source_namespace\": \"m\"}, " GOOD_POLICY "]", NULL, ACCEPTED, 1, "key \"x\\ufffd\" holds a NUL" },
	{ "invalid UTF-8 in a policy field: that policy skipped", POLICIES, "[" GOOD_POLICY ", {\"source_app_name\": \"a\xc0\xaf\"}]", NULL, ACCEPTED, 1, "source_app_name holds invalid UTF-8" },
	{ "\\u0000 in a label value: that label skipped", LABELS, "{\"a\": \"x\\u0000y\", \"ok\": \"1\"}", NULL, ACCEPTED, 1, "holds a NUL character" },
	{ "\\u0000 in a label key: that label skipped", LABELS, "{\"a\\u0000\": \"x\", \"ok\": \"1\"}", NULL, ACCEPTED, 1, "holds a NUL character" },
	{ "two bad label keys alike are no duplicates", LABELS, "{\"a\\u0000\": \"x\", \"a\\ud800\": \"y\", \"ok\": \"1\"}", NULL, ACCEPTED, 1, "lone surrogate" },
	{ "lone surrogate in a label value", LABELS, "{\"a\": \"\\ud83d\", \"ok\": \"\"}", NULL, ACCEPTED, 1, "lone surrogate" },
	{ "mesh_type \\u0000", MESH_TYPE, "\"ist\\u0000io\"", NULL, REFUSED, 0, "holds a NUL character" },
	{ "databag: unreadable value (\\u0000) kept as \"\" (sent, unknown), the rest kept", DATABAG, "{\"note\":\"x\\u0000y\",\"policies\":\"[]\"}", NULL, ACCEPTED, 2, NULL },
	{ "databag: key with \\u0000 is skipped", DATABAG, "{\"k\\u0000\":\"v\",\"labels\":\"{}\"}", NULL, ACCEPTED, 1, NULL },
	{ "databag: raw invalid UTF-8 value kept as \"\"", DATABAG, "{\"note\":\"\xff\xfe\",\"mesh_type\":\"\\\"istio\\\"\"}", NULL, ACCEPTED, 2, NULL },
	{ "databag: policies holding \\u0000 kept as \"\"", DATABAG, "{\"policies\":\"[\\u0000]\",\"cmr_data\":\"{}\"}", NULL, ACCEPTED, 2, NULL },
	{ "databag: U+FFFD (Juju's stand-in for invalid UTF-8) is text", DATABAG, "{\"note\":\"\\ufffd\"}", NULL, ACCEPTED, 1, NULL },
	{ "databag: 10 MB under an unread key", DATABAG, NULL, gen_databag_10mb, ACCEPTED, 2, NULL },
	{ "databag: a value that is not a string is Juju's fault", DATABAG, "{\"a\":1}", NULL, REFUSED, 0, "value of 'a' is an integer, not a string" },
	{ "databag: a list", DATABAG, "[]", NULL, REFUSED, 0, "printed a list, not an object" },
	{ "lone surrogate escape", JSON, "\"\\udc00\"", NULL, REFUSED, 0, "lone surrogate" },
	{ "raw control character in a string", JSON, "\"a\tb\"", NULL, REFUSED, 0, "control character" },
	{ "byte order mark", JSON, "\xef\xbb\xbf[]", NULL, REFUSED, 0, "not valid JSON near byte 0" },

	/* --- numbers --- */
	{ "port 0", POLICIES, EP("{\"ports\": [0]}"), NULL, ACCEPTED, 0, "port '0' is out of range 1..65535" },
	{ "port 65536", POLICIES, EP("{\"ports\": [65536]}"), NULL, ACCEPTED, 0, "port '65536' is out of range" },
	{ "port -1", POLICIES, EP("{\"ports\": [-1]}"), NULL, ACCEPTED, 0, "port '-1' is out of range" },
	{ "port 1e400", POLICIES, EP("{\"ports\": [1e400]}"), NULL, REFUSED, 0, "number out of range" },
	{ "port 80.5", POLICIES, EP("{\"ports\": [80.5]}"), NULL, ACCEPTED, 0, "fractional or huge number" },
	{ "port 1e10 (integral float, huge)", POLICIES, EP("{\"ports\": [1e10]}"), NULL, ACCEPTED, 0, "fractional or huge" },
	{ "port \" 8_080 \" (string, read as pydantic's lax int reads it)", POLICIES, EP("{\"ports\": [\" 8_080 \"]}"), NULL, ACCEPTED, 1, NULL },
	{ "port \"80x\" (string pydantic refuses)", POLICIES, EP("{\"ports\": [\"80x\"]}"), NULL, ACCEPTED, 0, "ports[0] is a string '80x', not an integer" },
	{ "port \"99999\" (string, out of range)", POLICIES, EP("{\"ports\": [\"99999\"]}"), NULL, ACCEPTED, 0, "port '99999' is out of range" },
	{ "port 80.0 (Python float 80.0) is port 80", POLICIES, EP("{\"ports\": [80.0]}"), NULL, ACCEPTED, 1, NULL },
	{ "port 2^64", POLICIES, EP("{\"ports\": [18446744073709551616]}"), NULL, ACCEPTED, 0, "fractional or huge" },
	{ "port null inside the list", POLICIES, EP("{\"ports\": [null]}"), NULL, ACCEPTED, 0, "ports[0] is null, not an integer" },
	{ "leading zero", JSON, "[080]", NULL, REFUSED, 0, "not valid JSON" },
	{ "NaN literal", JSON, "[NaN]", NULL, REFUSED, 0, "not valid JSON" },

	/* --- wrong JSON types in a MeshPolicy --- */
	{ "policies is an object", POLICIES, "{\"a\": 1}", NULL, REFUSED, 0, "an object, not a list" },
	{ "policies is a string", POLICIES, "\"[]\"", NULL, REFUSED, 0, "a string, not a list" },
	{ "policy is a number", POLICIES, "[1, " GOOD_POLICY "]", NULL, ACCEPTED, 1, "policy is an integer '1', not an object" },
	{ "source_namespace is a list", POLICIES, "[{\"source_namespace\": [], \"source_app_name\": \"a\", \"target_namespace\": \"m\"}]", NULL, ACCEPTED, 0, "source_namespace is a list '[]', not a string" },
	{ "source_app_name is true", POLICIES, "[{\"source_namespace\": \"m\", \"source_app_name\": true, \"target_namespace\": \"m\"}]", NULL, ACCEPTED, 0, "source_app_name is a boolean" },
	{ "target_namespace missing", POLICIES, "[{\"source_namespace\": \"m\", \"source_app_name\": \"a\"}]", NULL, ACCEPTED, 0, "target_namespace is missing" },
	{ "target_app_name is a number", POLICIES, POL("\"target_service\": 5"), NULL, ACCEPTED, 0, "target_service is an integer" },
	{ "target_type is 3", POLICIES, POL("\"target_type\": 3"), NULL, ACCEPTED, 0, "target_type must be" },
	{ "target_selector_labels is a list", POLICIES, POL("\"target_selector_labels\": [\"a\"]"), NULL, ACCEPTED, 0, "target_selector_labels is a list" },
	{ "target_selector_labels value not a string", POLICIES, POL("\"target_type\": \"unit\", \"target_selector_labels\": {\"a\": 1}"), NULL, ACCEPTED, 0, "is not a string" },
	{ "endpoints is an object", POLICIES, POL("\"endpoints\": {}"), NULL, ACCEPTED, 0, "endpoints is an object, not a list" },
	{ "endpoint is a string", POLICIES, EP("\"x\""), NULL, ACCEPTED, 0, "an endpoint is a string" },
	{ "hosts is a string", POLICIES, EP("{\"hosts\": \"a\"}"), NULL, ACCEPTED, 0, "endpoint hosts is a string 'a', not a list" },
	{ "paths hold a number", POLICIES, EP("{\"paths\": [1]}"), NULL, ACCEPTED, 0, "endpoint paths[0] is an integer '1', not a string" },
	{ "methods lower case", POLICIES, EP("{\"methods\": [\"get\"]}"), NULL, ACCEPTED, 0, "'get' is not an HTTP method" },
	{ "unit policy with target_service", POLICIES, POL("\"target_type\": \"unit\", \"target_service\": \"s\""), NULL, ACCEPTED, 0, "cannot have target_service" },
	{ "app policy with selector labels", POLICIES, POL("\"target_selector_labels\": {\"a\": \"b\"}"), NULL, ACCEPTED, 0, "cannot have target_selector_labels" },
	{ "source_app_name '*' (Istio wildcard)", POLICIES, "[{\"source_namespace\": \"m\", \"source_app_name\": \"*\", \"target_namespace\": \"m\", \"target_app_name\": \"t\"}]", NULL, ACCEPTED, 0, "must not contain '*' or '/'" },
	{ "source_namespace with '/'", POLICIES, "[{\"source_namespace\": \"m/sa/x\", \"source_app_name\": \"a\", \"target_namespace\": \"m\", \"target_app_name\": \"t\"}]", NULL, ACCEPTED, 0, "must not contain" },
	{ "bad entries skipped, good kept", POLICIES, "[" GOOD_POLICY ", {}, " GOOD_POLICY ", [], null]", NULL, ACCEPTED, 2, "source_namespace is missing" },

	/* --- duplicate keys --- */
	{ "duplicate key in a policy", POLICIES, "[{\"source_namespace\": \"m\", \"source_namespace\": \"evil\"}]", NULL, REFUSED, 0, "duplicate key \"source_namespace\"" },
	{ "duplicate label key", LABELS, "{\"a\": \"1\", \"a\": \"2\"}", NULL, REFUSED, 0, "duplicate key \"a\"" },
	{ "keys differing in case are not duplicates", LABELS, "{\"a\": \"1\", \"A\": \"2\"}", NULL, ACCEPTED, 2, NULL },

	/* --- labels that break Kubernetes syntax or carry shell --- */
	{ "label value $(reboot)", LABELS, "{\"x\": \"$(reboot)\", \"ok\": \"1\"}", NULL, ACCEPTED, 1, "may contain only alphanumerics" },
	{ "label value with backticks", LABELS, "{\"x\": \"`id`\"}", NULL, ACCEPTED, 0, NULL },
	{ "label key with ';'", LABELS, "{\"a;rm -rf /\": \"1\"}", NULL, ACCEPTED, 0, NULL },
	{ "label value with a newline", LABELS, "{\"x\": \"a\\nb\"}", NULL, ACCEPTED, 0, NULL },
	{ "label key with a space", LABELS, "{\"bad key\": \"1\"}", NULL, ACCEPTED, 0, NULL },
	{ "label key prefix upper case", LABELS, "{\"Istio.io/x\": \"1\"}", NULL, ACCEPTED, 0, NULL },
	{ "label key name 64 characters", LABELS, "{\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\": \"1\"}", NULL, ACCEPTED, 0, "longer than 63" },
	{ "label value not a string", LABELS, "{\"a\": 1, \"b\": null, \"c\": {}}", NULL, ACCEPTED, 0, "not a string" },
	{ "labels is a list", LABELS, "[\"a=b\"]", NULL, REFUSED, 0, "a list, not an object" },
	{ "empty label value is valid", LABELS, "{\"a\": \"\"}", NULL, ACCEPTED, 1, NULL },

	/* --- mesh_type --- */
	{ "mesh_type \"istio\"", MESH_TYPE, "\"istio\"", NULL, ACCEPTED, 0, NULL },
	{ "mesh_type unquoted", MESH_TYPE, "istio", NULL, REFUSED, 0, "not valid JSON" },
	{ "mesh_type a list", MESH_TYPE, "[\"istio\"]", NULL, REFUSED, 0, "not a JSON string" },

	/* --- cmr_data of wrong shapes --- */
	{ "cmr_data valid", CMR, "{\"app_name\": \"remote-a\", \"juju_model_name\": \"cos\"}", NULL, ACCEPTED, 0, NULL },
	{ "cmr_data a list", CMR, "[\"a\", \"m\"]", NULL, REFUSED, 0, "cmr_data is a list '[\"a\", \"m\"]', not an object" },
	{ "cmr_data a JSON string of JSON", CMR, "\"{\\\"app_name\\\": \\\"a\\\"}\"", NULL, REFUSED, 0, "cmr_data is a string" },
	{ "cmr_data app_name a number", CMR, "{\"app_name\": 1, \"juju_model_name\": \"m\"}", NULL, REFUSED, 0, "app_name is an integer" },
	{ "cmr_data model missing", CMR, "{\"app_name\": \"a\"}", NULL, REFUSED, 0, "juju_model_name is missing" },
	{ "cmr_data empty app", CMR, "{\"app_name\": \"\", \"juju_model_name\": \"m\"}", NULL, REFUSED, 0, "empty app_name" },
	{ "cmr_data app '*'", CMR, "{\"app_name\": \"*\", \"juju_model_name\": \"m\"}", NULL, REFUSED, 0, "is not a Juju application name" },
	{ "cmr_data model with '/'", CMR, "{\"app_name\": \"a\", \"juju_model_name\": \"m/sa/b\"}", NULL, REFUSED, 0, "is not a Juju model name" },
	{ "cmr_data app with shell", CMR, "{\"app_name\": \"$(reboot)\", \"juju_model_name\": \"m\"}", NULL, REFUSED, 0, "is not a Juju application name" },
	{ "cmr_data app '..'", CMR, "{\"app_name\": \"..\", \"juju_model_name\": \"m\"}", NULL, REFUSED, 0, "app_name '..' is not a Juju application name" },
	{ "cmr_data model '..'", CMR, "{\"app_name\": \"a\", \"juju_model_name\": \"..\"}", NULL, REFUSED, 0, "juju_model_name '..' is not a Juju model name" },
	{ "cmr_data app '.'", CMR, "{\"app_name\": \".\", \"juju_model_name\": \"m\"}", NULL, REFUSED, 0, "not a Juju application name" },
	{ "cmr_data app with a dot", CMR, "{\"app_name\": \"a.b\", \"juju_model_name\": \"m\"}", NULL, REFUSED, 0, "not a Juju application name" },
	{ "cmr_data app upper case", CMR, "{\"app_name\": \"App\", \"juju_model_name\": \"m\"}", NULL, REFUSED, 0, "not a Juju application name" },
	{ "cmr_data app starting with a digit", CMR, "{\"app_name\": \"1a\", \"juju_model_name\": \"m\"}", NULL, REFUSED, 0, "not a Juju application name" },
	{ "cmr_data app word of digits only", CMR, "{\"app_name\": \"a-1\", \"juju_model_name\": \"m\"}", NULL, REFUSED, 0, "not a Juju application name" },
	{ "cmr_data app with '--'", CMR, "{\"app_name\": \"a--b\", \"juju_model_name\": \"m\"}", NULL, REFUSED, 0, "not a Juju application name" },
	{ "cmr_data app with a trailing '-'", CMR, "{\"app_name\": \"a-\", \"juju_model_name\": \"m\"}", NULL, REFUSED, 0, "not a Juju application name" },
	{ "cmr_data model starting with '-'", CMR, "{\"app_name\": \"a\", \"juju_model_name\": \"-m\"}", NULL, REFUSED, 0, "not a Juju model name" },
	{ "cmr_data model with '_'", CMR, "{\"app_name\": \"a\", \"juju_model_name\": \"m_1\"}", NULL, REFUSED, 0, "not a Juju model name" },
	{ "cmr_data valid names with digits and '-'", CMR, "{\"app_name\": \"a1-b2c\", \"juju_model_name\": \"1-cos-\"}", NULL, ACCEPTED, 0, NULL },
	{ "cmr_data duplicate app_name", CMR, "{\"app_name\": \"a\", \"app_name\": \"b\", \"juju_model_name\": \"m\"}", NULL, REFUSED, 0, "duplicate key" },
	{ "cmr_data empty", CMR, "", NULL, REFUSED, 0, "not valid JSON" },

	/* --- service-mesh.yaml --- */
	{ "config: alias cycle", CONFIG, "a: &x [*x]\n", NULL, REFUSED, 0, "aliases are not supported" },
	{ "config: billion laughs", CONFIG, laughs, NULL, REFUSED, 0, "aliases are not supported" },
	{ "config: 2 MiB file", CONFIG, NULL, gen_config_2mib, REFUSED, 0, "larger than 1048576 bytes" },
	{ "config: 10k deep flow lists", CONFIG, NULL, gen_config_10k_deep, REFUSED, 0, "nesting deeper than 64" },
	{ "config: NUL byte", CONFIG, NULL, gen_config_nul, REFUSED, 0, "NUL byte in input" },
	{ "config: duplicate key", CONFIG, "consumer: {}\nconsumer: {}\n", NULL, REFUSED, 0, "duplicate key 'consumer'" },
	{ "config: top level a list", CONFIG, "- consumer\n", NULL, REFUSED, 0, "expected a mapping at the top level, got a list" },
	{ "config: consumer a string", CONFIG, "consumer: yes\n", NULL, REFUSED, 0, "expected a mapping, got a string" },
	{ "config: mesh-relation a list", CONFIG, "consumer:\n  mesh-relation: [a]\n", NULL, REFUSED, 0, "consumer.mesh-relation: expected a string, got a list" },
	{ "config: cross-model-mesh-requires an int", CONFIG, "consumer:\n  cross-model-mesh-requires: 5\n", NULL, REFUSED, 0, "expected a string, got an integer" },
	{ "config: cross-model-mesh-provides bad name", CONFIG, "consumer:\n  cross-model-mesh-provides: 'a;b'\n", NULL, REFUSED, 0, "not a valid relation endpoint name" },
	{ "config: auto-join 'yes'", CONFIG, "consumer:\n  auto-join: yes\n", NULL, REFUSED, 0, "expected a boolean" },
	{ "config: policies a mapping", CONFIG, "consumer:\n  policies: {a: b}\n", NULL, REFUSED, 0, "consumer.policies: expected a list, got a mapping" },
	{ "config: policy a string", CONFIG, "consumer:\n  policies: [x]\n", NULL, REFUSED, 0, "expected a mapping, got a string" },
	{ "config: relation a number", CONFIG, "consumer:\n  policies:\n    - {relation: 1, endpoints: []}\n", NULL, REFUSED, 0, "relation: expected a string, got an integer" },
	{ "config: type unknown", CONFIG, "consumer:\n  policies:\n    - {relation: r, type: pod}\n", NULL, REFUSED, 0, "'pod' is not a policy type" },
	{ "config: service with shell", CONFIG, "consumer:\n  policies:\n    - {relation: r, service: '$(reboot)', endpoints: []}\n", NULL, REFUSED, 0, "is not a valid Kubernetes service name" },
	{ "config: endpoints a string", CONFIG, "consumer:\n  policies:\n    - {relation: r, endpoints: x}\n", NULL, REFUSED, 0, "expected a list, got a string" },
	{ "config: port 0", CONFIG, CFG_POL("{ports: [0]}"), NULL, REFUSED, 0, "'0' is not a port (1..65535)" },
	{ "config: port 65536", CONFIG, CFG_POL("{ports: [65536]}"), NULL, REFUSED, 0, "'65536' is not a port" },
	{ "config: port -1", CONFIG, CFG_POL("{ports: [-1]}"), NULL, REFUSED, 0, "'-1' is not a port" },
	{ "config: port 80.5", CONFIG, CFG_POL("{ports: [80.5]}"), NULL, REFUSED, 0, "expected an integer, got a number" },
	{ "config: port 1e400", CONFIG, CFG_POL("{ports: [1e400]}"), NULL, REFUSED, 0, "expected an integer" },
	{ "config: port '80'", CONFIG, CFG_POL("{ports: ['80']}"), NULL, REFUSED, 0, "expected an integer, got a string" },
	{ "config: port huge integer", CONFIG, CFG_POL("{ports: [99999999999999999999999]}"), NULL, REFUSED, 0, "is not a port" },
	{ "config: hosts a mapping", CONFIG, CFG_POL("{hosts: {a: b}}"), NULL, REFUSED, 0, "expected a list, got a mapping" },
	{ "config: methods lower case", CONFIG, CFG_POL("{methods: [get]}"), NULL, REFUSED, 0, "write it in upper case: 'GET'" },
	{ "config: paths with a number", CONFIG, CFG_POL("{paths: [1]}"), NULL, REFUSED, 0, "expected a string, got an integer" },
	{ "config: unit ports a string", CONFIG, "consumer:\n  policies:\n    - {relation: r, type: unit, ports: '80'}\n", NULL, REFUSED, 0, "expected a list, got a string" },
	{ "config: mesh-type linkerd", CONFIG, "provider:\n  mesh-type: linkerd\n  labels: {}\n", NULL, REFUSED, 0, "'linkerd' is not a supported mesh type" },
	{ "config: labels a list", CONFIG, "provider:\n  mesh-type: istio\n  labels: [a]\n", NULL, REFUSED, 0, "expected a mapping, got a list" },
	{ "config: label value with backticks", CONFIG, "provider:\n  mesh-type: istio\n  labels: {a: '`id`'}\n", NULL, REFUSED, 0, "is not a valid label value" },
	{ "config: label value an int", CONFIG, "provider:\n  mesh-type: istio\n  labels: {a: 1}\n", NULL, REFUSED, 0, "label values must be strings" },
	{ "config: manage-policies a string", CONFIG, "provider:\n  mesh-type: istio\n  labels: {}\n  manage-policies: 'true'\n", NULL, REFUSED, 0, "expected a boolean" },
	{ "config: unknown tag", CONFIG, "consumer: !!python/object {}\n", NULL, REFUSED, 0, "unsupported tag" },
	{ "config: invalid UTF-8", CONFIG, "consumer:\n  mesh-relation: \"\xff\"\n", NULL, REFUSED, 0, "invalid" },
};

/* ---- running one entry ---- */

struct result {
	enum outcome outcome;
	long kept;
	struct strbuf why;   /* every reason, one per line */
};

static void run_policies(const char *t, size_t len, struct result *r)
{
	struct json *v = json_parse_keep(t, len, &r->why);

	if (!v || v->type != JSON_ARRAY) {
		if (v)
			strbuf_addf(&r->why, "policies is %s, not a list", json_type_name(v->type));
		r->outcome = REFUSED;
		json_free(v);
		return;
	}
	r->outcome = ACCEPTED;
	for (size_t i = 0; i < v->u.arr.n; i++) {
		struct mesh_policy p;
		struct strbuf why = STRBUF_INIT;

		if (policy_from_json(v->u.arr.items[i], &p, &why) == 0) {
			r->kept++;
			mesh_policy_release(&p);
		} else {
			ck_assert_msg(why.len, "policy %zu refused without a reason", i);
			ck_assert_msg(!p.source_namespace && !p.endpoints, "refused policy %zu not released", i);
			if (r->why.len < 4096)
				strbuf_addf(&r->why, "policy %zu: %s\n", i + 1, why.buf);
		}
		strbuf_release(&why);
	}
	json_free(v);
}

/* consumer.c read_labels(), with the reasons collected instead of logged */
static void run_labels(const char *t, size_t len, struct result *r)
{
	struct json *v = json_parse_keep(t, len, &r->why);

	if (!v || v->type != JSON_OBJECT) {
		if (v)
			strbuf_addf(&r->why, "%s, not an object", json_type_name(v->type));
		r->outcome = REFUSED;
		json_free(v);
		return;
	}
	r->outcome = ACCEPTED;
	for (size_t i = 0; i < v->u.obj.n; i++) {
		const struct json_member *m = &v->u.obj.m[i];
		const char *bad = NULL;
		int ok = m->value->type == JSON_STRING && !m->bad;

		if (m->bad || m->value->type == JSON_BADSTRING)
			bad = m->bad ? m->bad : m->value->u.bad.why;
		else if (!ok)
			bad = "its value is not a string";
		else
			ok = k8s_label_key_valid(m->key, &bad) && k8s_label_value_valid(m->value->u.s, &bad);
		if (ok) {
			r->kept++;
			continue;
		}
		ck_assert_msg(bad != NULL, "label refused without a reason");
		if (r->why.len < 4096)
			strbuf_addf(&r->why, "skipping label '%.100s': %s\n", m->key, bad);
	}
	json_free(v);
}

/* jujuc.c's reading of relation-get output */
static void run_databag(const char *t, size_t len, struct result *r)
{
	struct strbuf out = STRBUF_INIT;
	struct kvlist kv = KVLIST_INIT;
	struct json *v;

	strbuf_add(&out, t, len);
	v = json_parse_strbuf_keep(&out, &r->why);
	r->outcome = REFUSED;
	if (v) {
		log_capture_errors(&r->why);
		if (juju_databag_from_json("x:1", "peer", v, &kv) == 0) {
			r->outcome = ACCEPTED;
			r->kept = (long)kv.n;
		}
		log_capture_errors(NULL);
	}
	for (size_t i = 0; i < kv.n; i++)
		ck_assert_msg(!strchr(kv.items[i].value, '\xff'), "raw invalid UTF-8 kept");
	kvlist_release(&kv);
	json_free(v);
	strbuf_release(&out);
}

static void run_one(const struct hostile *h, const char *t, size_t len, struct result *r)
{
	struct json *v;
	struct mesh_config cfg;
	char *app = NULL, *model = NULL, *copy;

	switch (h->kind) {
	case JSON:
		v = json_parse(t, len, &r->why);
		r->outcome = v ? ACCEPTED : REFUSED;
		json_free(v);
		break;
	case POLICIES:
		run_policies(t, len, r);
		break;
	case LABELS:
		run_labels(t, len, r);
		break;
	case MESH_TYPE:
		v = json_parse_keep(t, len, &r->why);
		r->outcome = v && v->type == JSON_STRING ? ACCEPTED : REFUSED;
		if (v && v->type != JSON_STRING)
			strbuf_addstr(&r->why, v->type == JSON_BADSTRING ? v->u.bad.why : "not a JSON string");
		json_free(v);
		break;
	case DATABAG:
		run_databag(t, len, r);
		break;
	case CMR:
		copy = strndup(t, len);
		ck_assert_ptr_nonnull(copy);
		r->outcome = cmr_data_parse(copy, &app, &model, &r->why) == 0 ? ACCEPTED : REFUSED;
		ck_assert_msg((app && model) == (r->outcome == ACCEPTED), "cmr_data strings do not match the outcome");
		free(app);
		free(model);
		free(copy);
		break;
	case CONFIG:
		r->outcome = config_parse("hostile.yaml", t, len, &cfg, &r->why) == 0 ? ACCEPTED : REFUSED;
		if (r->outcome == REFUSED)
			ck_assert_msg(!cfg.consumer && !cfg.provider, "refused config left something behind");
		config_release(&cfg);
		break;
	}
}

START_TEST(hostile_input)
{
	const struct hostile *h = &table[_i];
	struct strbuf gen = STRBUF_INIT;
	struct result r = { ACCEPTED, 0, STRBUF_INIT };
	const char *t = h->text;
	size_t len = t ? strlen(t) : 0;

	if (h->gen) {
		h->gen(&gen);
		t = gen.buf;
		len = gen.len;
	}
	run_one(h, t, len, &r);
	ck_assert_msg(r.outcome == h->outcome, "%s: %s, expected %s (reason: %.300s)", h->name,
		      r.outcome == ACCEPTED ? "accepted" : "refused",
		      h->outcome == ACCEPTED ? "accepted" : "refused", r.why.buf);
	if (h->outcome == REFUSED)
		ck_assert_msg(r.why.len > 0, "%s: refused without a message", h->name);
	if (h->outcome == ACCEPTED && (h->kind == POLICIES || h->kind == LABELS || h->kind == DATABAG) &&
	    h->kept >= 0)
		ck_assert_msg(r.kept == h->kept, "%s: kept %ld entries, expected %ld (%.300s)", h->name,
			      r.kept, h->kept, r.why.buf);
	if (h->msg)
		ck_assert_msg(strstr(r.why.buf, h->msg) != NULL, "%s: message '%.300s' lacks '%s'", h->name,
			      r.why.buf, h->msg);
	/* a clear message, not an echo of a 10 MB input */
	ck_assert_msg(r.why.len < 16384, "%s: message of %zu bytes", h->name, r.why.len);
	strbuf_release(&r.why);
	strbuf_release(&gen);
	log_flush();
}
END_TEST

/* The table is the point: keep it from shrinking below the 40. */
START_TEST(table_is_large_enough)
{
	ck_assert_uint_ge(sizeof(table) / sizeof(table[0]), 40);
}
END_TEST

/* A policy that passed validation stays the same through emit and read. */
START_TEST(accepted_policy_round_trips)
{
	const char *text = "[" GOOD_POLICY "]";
	struct strbuf why = STRBUF_INIT, out = STRBUF_INIT;
	struct policy_list pl = POLICY_LIST_INIT;
	struct json *v = json_parse(text, strlen(text), &why);

	ck_assert_ptr_nonnull(v);
	pl.items = calloc(1, sizeof(*pl.items));
	ck_assert_ptr_nonnull(pl.items);
	pl.alloc = 1;
	ck_assert_int_eq(policy_from_json(v->u.arr.items[0], &pl.items[0], &why), 0);
	pl.n = 1;
	policy_list_emit(&out, &pl);
	ck_assert_str_eq(out.buf, text);
	policy_list_release(&pl);
	json_free(v);
	strbuf_release(&why);
	strbuf_release(&out);
}
END_TEST

static Suite *hostile_suite(void)
{
	Suite *s = suite_create("hostile");
	TCase *tc = tcase_create("table");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, hostile_input, 0, (int)(sizeof(table) / sizeof(table[0])));
	tcase_add_test(tc, table_is_large_enough);
	tcase_add_test(tc, accepted_policy_round_trips);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(hostile_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
