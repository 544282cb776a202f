/* json.c - the JSON value tree, strict parsing of untrusted JSON, and the one
 * emitter that writes what Python's json.dumps(value) writes; see json.h.
 *
 * Parsing. Relation data comes from other units, so it is untrusted. cJSON
 * builds the tree, but cJSON 1.7.15 is lenient where we must not be: it
 * skips any byte <= 0x20 as whitespace, keeps raw control characters and
 * invalid UTF-8 in strings, turns "\u0000" into a truncated string, reads
 * "01", "+1" and "1." as numbers, ignores a BOM and keeps duplicate keys.
 * So scan_text() first checks every byte itself (UTF-8, tokens, escapes,
 * nesting depth); cJSON then checks the structure and builds its tree;
 * convert() copies that tree into struct json (cJSON types never leave this
 * file), refusing duplicate keys and deciding, as Python does, from the
 * spelling of each number whether it is an integer ("12") or a float
 * ("12.0", "1e3"): cJSON only keeps a double, so convert() re-reads each
 * number token from the text.
 *
 * Emitting. cJSON_Print() and cJSON_PrintUnformatted() write neither
 * Python's separators (", " and ": "), nor its escaping (ensure_ascii: every
 * non-ASCII character and DEL as \uXXXX, astral ones as surrogate pairs),
 * nor Python's float repr. Relation data must match what the Python library
 * writes byte for byte, so json_emit() is our own and is compared with real
 * python3 output by tests/unit/json_golden.txt.
 *
 * Byte offsets in error messages count from 0. Floats are formatted and
 * read with snprintf()/strtod(), which assumes LC_NUMERIC is "C" (the
 * program never calls setlocale()).
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "json.h"
#include "util.h"

/* ---------------------------------------------------------------- UTF-8 */

/* Decode the UTF-8 sequence at s (len >= 1 bytes available). Returns its
 * length (1-4) and stores the code point in *cp; or returns 0 when s does
 * not start a valid sequence (overlong, surrogate, > U+10FFFF, truncated),
 * with *bad set to the length of the maximal invalid subpart (>= 1), the
 * unit Python's errors="replace" turns into one U+FFFD. */
static size_t utf8_next(const unsigned char *s, size_t len, uint32_t *cp, size_t *bad)
{
	unsigned lo = 0x80, hi = 0xBF;
	size_t need, i;
	uint32_t c = s[0];

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		need = 1;
		c &= 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 2;
		c &= 0x0F;
		if (s[0] == 0xE0)
			lo = 0xA0;  /* overlong */
		else if (s[0] == 0xED)
			hi = 0x9F;  /* UTF-16 surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 3;
		c &= 0x07;
		if (s[0] == 0xF0)
			lo = 0x90;  /* overlong */
		else if (s[0] == 0xF4)
			hi = 0x8F;  /* above U+10FFFF */
	} else {
		*bad = 1;
		return 0;
	}
	for (i = 1; i <= need; i++) {
		if (i >= len || s[i] < lo || s[i] > hi) {
			*bad = i;
			return 0;
		}
		c = (c << 6) | (s[i] & 0x3F);
		lo = 0x80;
		hi = 0xBF;
	}
	*cp = c;
	return need + 1;
}

/* ------------------------------------------------------------- scanning */

static int not_json(struct strbuf *err, size_t pos)
{
	strbuf_addf(err, "not valid JSON near byte %zu", pos);
	return -1;
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int hex4(const unsigned char *p, size_t avail, uint32_t *out)
{
	uint32_t v = 0;

	if (avail < 4)
		return -1;
	for (int k = 0; k < 4; k++) {
		unsigned char c = p[k];
		v <<= 4;
		if (is_digit(c))
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

/* Check the string token starting at the '"' at p[*i]; on success *i is
 * just past its closing quote. UTF-8 was checked before. */
static int scan_string(const unsigned char *p, size_t len, size_t *i, struct strbuf *err)
{
	size_t j = *i + 1;
	uint32_t cp, lo;

	for (;;) {
		if (j >= len)
			return not_json(err, *i);  /* unterminated */
		if (p[j] == '"')
			break;
		if (p[j] == '\0') {
			strbuf_addf(err, "string contains a NUL character at byte %zu", j);
			return -1;
		}
		if (p[j] < 0x20) {
			strbuf_addf(err, "string contains a control character at byte %zu", j);
			return -1;
		}
		if (p[j] != '\\') {
			j++;
			continue;
		}
		if (j + 1 >= len)
			return not_json(err, j);
		switch (p[j + 1]) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
			j += 2;
			continue;
		case 'u':
			break;
		default:
			return not_json(err, j);
		}
		if (hex4(p + j + 2, len - j - 2, &cp))
			return not_json(err, j);
		if (cp == 0) {
			strbuf_addf(err, "string contains a NUL character at byte %zu", j);
			return -1;
		}
		if (cp >= 0xDC00 && cp <= 0xDFFF)
			goto lone;
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			if (j + 7 >= len || p[j + 6] != '\\' || p[j + 7] != 'u' ||
			    hex4(p + j + 8, len - j - 8, &lo) || lo < 0xDC00 || lo > 0xDFFF)
				goto lone;
			j += 6;
		}
		j += 6;
	}
	*i = j + 1;
	return 0;
lone:
	strbuf_addf(err, "lone surrogate escape in string at byte %zu", j);
	return -1;
}

/* Check the number token at p[*i] against JSON's grammar
 * -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? and that no byte cJSON
 * would take as part of the number follows it. */
static int scan_number(const unsigned char *p, size_t len, size_t *i, struct strbuf *err)
{
	size_t j = *i;

	if (p[j] == '-')
		j++;
	if (j < len && p[j] == '0') {
		j++;
	} else if (j < len && is_digit(p[j])) {
		while (j < len && is_digit(p[j]))
			j++;
	} else {
		return not_json(err, j);
	}
	if (j < len && p[j] == '.') {
		j++;
		if (j >= len || !is_digit(p[j]))
			return not_json(err, j);
		while (j < len && is_digit(p[j]))
			j++;
	}
	if (j < len && (p[j] == 'e' || p[j] == 'E')) {
		j++;
		if (j < len && (p[j] == '+' || p[j] == '-'))
			j++;
		if (j >= len || !is_digit(p[j]))
			return not_json(err, j);
		while (j < len && is_digit(p[j]))
			j++;
	}
	if (j < len && (is_digit(p[j]) || strchr("+-.eE", p[j])))
		return not_json(err, j);
	*i = j;
	return 0;
}

/* First pass over the raw text: everything cJSON would let through but
 * we refuse. Structure (commas, colons, brackets matching) is cJSON's job. */
static int scan_text(const unsigned char *p, size_t len, struct strbuf *err)
{
	static const char *const literals[] = { "true", "false", "null" };
	size_t i, depth = 0, bad;
	uint32_t cp;

	for (i = 0; i < len; ) {
		if (p[i] < 0x80) {
			i++;
		} else {
			size_t n = utf8_next(p + i, len - i, &cp, &bad);
			if (!n) {
				strbuf_addf(err, "invalid UTF-8 at byte %zu", i);
				return -1;
			}
			i += n;
		}
	}

	for (i = 0; i < len; ) {
		switch (p[i]) {
		case ' ': case '\t': case '\n': case '\r': case ',': case ':':
			i++;
			break;
		case '[': case '{':
			if (++depth > JSON_MAX_DEPTH) {
				strbuf_addf(err, "nested deeper than %d levels", JSON_MAX_DEPTH);
				return -1;
			}
			i++;
			break;
		case ']': case '}':
			if (depth)
				depth--;
			i++;
			break;
		case '"':
			if (scan_string(p, len, &i, err))
				return -1;
			break;
		case 't': case 'f': case 'n': {
			const char *lit = literals[p[i] == 't' ? 0 : p[i] == 'f' ? 1 : 2];
			size_t l = strlen(lit);
			if (len - i < l || memcmp(p + i, lit, l))
				return not_json(err, i);
			i += l;
			break;
		}
		default:
			if (p[i] != '-' && !is_digit(p[i]))
				return not_json(err, i);
			if (scan_number(p, len, &i, err))
				return -1;
			break;
		}
	}
	return 0;
}

/* ----------------------------------------------------------- conversion */

struct conv {
	const char *text;    /* the NUL-terminated copy cJSON parsed */
	size_t numpos;       /* where the next number token is searched from */
	struct strbuf *err;
};

/* Find the next number token in the text. cJSON's tree lists values in
 * text order, and the text is valid, so a forward cursor that skips
 * strings meets the number tokens in the order convert() meets them. */
static size_t next_number(struct conv *cv, size_t *end)
{
	const char *t = cv->text;
	size_t i = cv->numpos, start;

	for (;;) {
		if (t[i] == '"') {
			for (i++; t[i] != '"'; i++)
				if (t[i] == '\\')
					i++;
			i++;
		} else if (t[i] == '-' || is_digit((unsigned char)t[i])) {
			break;
		} else {
			i++;
		}
	}
	start = i;
	while (t[i] && (is_digit((unsigned char)t[i]) || strchr("+-.eE", t[i])))
		i++;
	*end = cv->numpos = i;
	return start;
}

static struct json *new_value(enum json_type type)
{
	struct json *v = xcalloc(1, sizeof(*v));
	v->type = type;
	return v;
}

static struct json *convert_number(struct conv *cv, const cJSON *item)
{
	size_t end, start = next_number(cv, &end);
	int integral = 1;
	struct json *v;

	for (size_t k = start; k < end; k++)
		if (strchr(".eE", cv->text[k]))
			integral = 0;
	if (integral) {
		long long n;
		errno = 0;
		n = strtoll(cv->text + start, NULL, 10);
		if (errno != ERANGE) {
			v = new_value(JSON_INT);
			v->u.i = n;
			return v;
		}
	}
	if (isinf(item->valuedouble) || isnan(item->valuedouble)) {
		strbuf_addf(cv->err, "number out of range at byte %zu", start);
		return NULL;
	}
	v = new_value(JSON_REAL);
	v->u.d = item->valuedouble;
	return v;
}

static uint64_t key_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325u;  /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3u;
	return h;
}

/* Index of a member whose key repeats an earlier one, or (size_t)-1.
 * Small objects compare pairwise; larger ones use an open-addressing hash
 * set of member indexes, so a 100k-member object stays linear. */
static size_t find_duplicate_key(const struct json *obj)
{
	const struct json_member *m = obj->u.obj.m;
	size_t n = obj->u.obj.n, size = 16, *slots, found = (size_t)-1;

	if (n <= 16) {
		for (size_t a = 1; a < n; a++)
			for (size_t b = 0; b < a; b++)
				if (!strcmp(m[a].key, m[b].key))
					return a;
		return found;
	}
	while (size < 2 * n)
		size *= 2;
	slots = xcalloc(size, sizeof(*slots));  /* member index + 1; 0 is empty */
	for (size_t a = 0; a < n && found == (size_t)-1; a++) {
		size_t s = (size_t)key_hash(m[a].key) & (size - 1);
		while (slots[s] && strcmp(m[slots[s] - 1].key, m[a].key))
			s = (s + 1) & (size - 1);
		if (slots[s])
			found = a;
		else
			slots[s] = a + 1;
	}
	free(slots);
	return found;
}

/* Append key to sb as a quoted string for an error message, shortened
 * when long (cutting on a character boundary). */
static void add_quoted_key(struct strbuf *sb, const char *key)
{
	size_t len = strlen(key), cut = len;

	if (len > 64) {
		cut = 64;
		while (cut && ((unsigned char)key[cut] & 0xC0) == 0x80)
			cut--;
	}
	json_emit_string(sb, key, cut);
	if (cut < len)
		strbuf_addstr(sb, "...");
}

/* Convert item into our tree, taking its strings and freeing each child
 * as soon as it is converted, so the two trees never both exist whole
 * (peak memory is about one tree, not two). */
static struct json *convert(struct conv *cv, cJSON *item)
{
	struct json *v;
	cJSON *c;

	if (cJSON_IsNull(item))
		return new_value(JSON_NULL);
	if (cJSON_IsFalse(item))
		return new_value(JSON_FALSE);
	if (cJSON_IsTrue(item))
		return new_value(JSON_TRUE);
	if (cJSON_IsNumber(item))
		return convert_number(cv, item);
	if (cJSON_IsString(item)) {
		/* cJSON allocated it with our hooks: take it over */
		v = new_value(JSON_STRING);
		v->u.s = item->valuestring;
		item->valuestring = NULL;
		return v;
	}
	if (cJSON_IsArray(item)) {
		v = json_array();
		while ((c = item->child) != NULL) {
			struct json *e = convert(cv, c);
			cJSON_Delete(cJSON_DetachItemViaPointer(item, c));
			if (!e) {
				json_free(v);
				return NULL;
			}
			json_append(v, e);
		}
		return v;
	}
	if (cJSON_IsObject(item)) {
		size_t dup;
		v = json_object();
		while ((c = item->child) != NULL) {
			struct json *e = convert(cv, c);
			char *key = c->string;

			c->string = NULL;
			cJSON_Delete(cJSON_DetachItemViaPointer(item, c));
			if (!e) {
				free(key);
				json_free(v);
				return NULL;
			}
			/* json_set() would replace duplicates: append instead, check after. */
			ALLOC_GROW(v->u.obj.m, v->u.obj.n + 1, v->u.obj.alloc);
			v->u.obj.m[v->u.obj.n].key = key;
			v->u.obj.m[v->u.obj.n++].value = e;
		}
		dup = find_duplicate_key(v);
		if (dup != (size_t)-1) {
			strbuf_addstr(cv->err, "duplicate key ");
			add_quoted_key(cv->err, v->u.obj.m[dup].key);
			json_free(v);
			return NULL;
		}
		return v;
	}
	die("json: unexpected cJSON type %d", item->type);
}

struct json *json_parse(const char *text, size_t len, struct strbuf *err)
{
	static int hooks_set;
	struct conv cv;
	const char *end = NULL;
	struct json *v;
	char *copy;
	cJSON *root;

	if (!hooks_set) {
		/* Out of memory inside cJSON must not read as "not valid JSON". */
		cJSON_Hooks hooks = { xmalloc, free };
		cJSON_InitHooks(&hooks);
		hooks_set = 1;
	}
	if (!len)
		text = "";
	if (scan_text((const unsigned char *)text, len, err))
		return NULL;

	/* cJSON's require_null_terminated check wants the terminator inside
	 * the length; scan_text() made sure there is no NUL before it. */
	copy = xstrndup(text, len);
	root = cJSON_ParseWithLengthOpts(copy, len + 1, &end, 1);
	if (!root) {
		not_json(err, end ? (size_t)(end - copy) : 0);
		free(copy);
		return NULL;
	}
	cv.text = copy;
	cv.numpos = 0;
	cv.err = err;
	v = convert(&cv, root);
	cJSON_Delete(root);
	free(copy);
	return v;
}

/* ------------------------------------------------------------- emitting */

static void add_u_escape(struct strbuf *out, uint32_t u)
{
	static const char hex[] = "0123456789abcdef";
	char e[6] = { '\\', 'u', hex[(u >> 12) & 15], hex[(u >> 8) & 15],
		      hex[(u >> 4) & 15], hex[u & 15] };
	strbuf_add(out, e, sizeof(e));
}

void json_emit_string(struct strbuf *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n, bad;
	uint32_t cp;

	strbuf_grow(out, len + 2);
	strbuf_addch(out, '"');
	while (i < len) {
		size_t run = i;
		/* Python's ensure_ascii writes ' '..'~' raw, except " and \ */
		while (run < len && p[run] >= 0x20 && p[run] <= 0x7e && p[run] != '"' && p[run] != '\\')
			run++;
		if (run > i) {
			strbuf_add(out, s + i, run - i);
			i = run;
			continue;
		}
		n = utf8_next(p + i, len - i, &cp, &bad);
		if (!n) {
			cp = 0xFFFD;
			n = bad;
		}
		i += n;
		switch (cp) {
		case '"': strbuf_addstr(out, "\\\""); break;
		case '\\': strbuf_addstr(out, "\\\\"); break;
		case '\n': strbuf_addstr(out, "\\n"); break;
		case '\r': strbuf_addstr(out, "\\r"); break;
		case '\t': strbuf_addstr(out, "\\t"); break;
		case '\b': strbuf_addstr(out, "\\b"); break;
		case '\f': strbuf_addstr(out, "\\f"); break;
		default:
			if (cp >= 0x10000) {
				cp -= 0x10000;
				add_u_escape(out, 0xD800 + (cp >> 10));
				add_u_escape(out, 0xDC00 + (cp & 0x3FF));
			} else {
				add_u_escape(out, cp);
			}
		}
	}
	strbuf_addch(out, '"');
}

/* Parse "%.*e" output ("1.2345e-05") into its digits and decimal exponent. */
static void split_e(const char *buf, char *digits, int *ndig, int *exp10)
{
	int n = 0;

	for (; *buf && *buf != 'e'; buf++)
		if (is_digit((unsigned char)*buf))
			digits[n++] = *buf;
	digits[n] = '\0';
	*ndig = n;
	*exp10 = atoi(buf + 1);
}

static int reads_back(const char *digits, int ndig, int exp10, double a)
{
	char buf[48];
	snprintf(buf, sizeof(buf), "%se%d", digits, exp10 - (ndig - 1));
	return strtod(buf, NULL) == a;
}

/* Shortest decimal digits that read back as a (finite, > 0), as Python's
 * repr() finds them: a = 0.d1d2... * 10^(exp10 + 1). */
static void shortest_digits(double a, char *digits, int *ndig, int *exp10)
{
	char buf[48];

	for (int prec = 0; prec < 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*e", prec, a);
		if (strtod(buf, NULL) == a) {
			split_e(buf, digits, ndig, exp10);
			goto strip;
		}
		/* The nearest prec+1 digit decimal is below a and does not read
		 * back; when a is a power of two its rounding interval is
		 * narrower below than above, so the next decimal up may. */
		if (strtod(buf, NULL) < a) {
			int k;
			split_e(buf, digits, ndig, exp10);
			for (k = *ndig - 1; k >= 0 && digits[k] == '9'; k--)
				digits[k] = '0';
			if (k >= 0) {
				digits[k]++;
			} else {
				digits[0] = '1';
				(*exp10)++;
			}
			if (reads_back(digits, *ndig, *exp10, a))
				goto strip;
		}
	}
	snprintf(buf, sizeof(buf), "%.16e", a);
	split_e(buf, digits, ndig, exp10);
strip:
	while (*ndig > 1 && digits[*ndig - 1] == '0')
		digits[--*ndig] = '\0';
}

/* Python's float repr: shortest round-trip digits; exponent notation with
 * at least two exponent digits when the exponent is < -4 or >= 16,
 * otherwise fixed notation with ".0" on integral values. */
static void emit_real(struct strbuf *out, double d)
{
	char digits[24];
	int ndig, exp10, decpt;

	if (isnan(d)) {
		strbuf_addstr(out, "NaN");
		return;
	}
	if (isinf(d)) {
		strbuf_addstr(out, d > 0 ? "Infinity" : "-Infinity");
		return;
	}
	if (signbit(d))
		strbuf_addch(out, '-');
	if (d == 0) {
		strbuf_addstr(out, "0.0");
		return;
	}
	shortest_digits(fabs(d), digits, &ndig, &exp10);
	decpt = exp10 + 1;
	if (exp10 < -4 || exp10 >= 16) {
		strbuf_addch(out, digits[0]);
		if (ndig > 1) {
			strbuf_addch(out, '.');
			strbuf_addstr(out, digits + 1);
		}
		strbuf_addf(out, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
	} else if (decpt <= 0) {
		strbuf_addstr(out, "0.");
		for (int k = 0; k < -decpt; k++)
			strbuf_addch(out, '0');
		strbuf_addstr(out, digits);
	} else if (decpt < ndig) {
		strbuf_add(out, digits, (size_t)decpt);
		strbuf_addch(out, '.');
		strbuf_addstr(out, digits + decpt);
	} else {
		strbuf_addstr(out, digits);
		for (int k = ndig; k < decpt; k++)
			strbuf_addch(out, '0');
		strbuf_addstr(out, ".0");
	}
}

void json_emit(struct strbuf *out, const struct json *v)
{
	size_t k;

	switch (v->type) {
	case JSON_NULL: strbuf_addstr(out, "null"); break;
	case JSON_FALSE: strbuf_addstr(out, "false"); break;
	case JSON_TRUE: strbuf_addstr(out, "true"); break;
	case JSON_INT: strbuf_addf(out, "%lld", v->u.i); break;
	case JSON_REAL: emit_real(out, v->u.d); break;
	case JSON_STRING: json_emit_string(out, v->u.s, strlen(v->u.s)); break;
	case JSON_ARRAY:
		strbuf_addch(out, '[');
		for (k = 0; k < v->u.arr.n; k++) {
			if (k)
				strbuf_addstr(out, ", ");
			json_emit(out, v->u.arr.items[k]);
		}
		strbuf_addch(out, ']');
		break;
	case JSON_OBJECT:
		strbuf_addch(out, '{');
		for (k = 0; k < v->u.obj.n; k++) {
			const struct json_member *m = &v->u.obj.m[k];
			if (k)
				strbuf_addstr(out, ", ");
			json_emit_string(out, m->key, strlen(m->key));
			strbuf_addstr(out, ": ");
			json_emit(out, m->value);
		}
		strbuf_addch(out, '}');
		break;
	}
}

/* --------------------------------------------------------- constructors */

struct json *json_null(void)
{
	return new_value(JSON_NULL);
}

struct json *json_bool(int b)
{
	return new_value(b ? JSON_TRUE : JSON_FALSE);
}

struct json *json_int(long long i)
{
	struct json *v = new_value(JSON_INT);
	v->u.i = i;
	return v;
}

struct json *json_real(double d)
{
	struct json *v = new_value(JSON_REAL);
	v->u.d = d;
	return v;
}

struct json *json_string(const char *s)
{
	struct json *v;

	if (!s)
		die("json_string(NULL)");
	v = new_value(JSON_STRING);
	v->u.s = xstrdup(s);
	return v;
}

struct json *json_string_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

struct json *json_array(void)
{
	return new_value(JSON_ARRAY);
}

struct json *json_object(void)
{
	return new_value(JSON_OBJECT);
}

void json_append(struct json *arr, struct json *item)
{
	if (arr->type != JSON_ARRAY || !item)
		die("json_append: not a list or no item");
	ALLOC_GROW(arr->u.arr.items, arr->u.arr.n + 1, arr->u.arr.alloc);
	arr->u.arr.items[arr->u.arr.n++] = item;
}

void json_set(struct json *obj, const char *key, struct json *value)
{
	struct json_member *m;

	if (obj->type != JSON_OBJECT || !key || !value)
		die("json_set: not an object, or no key or value");
	for (size_t k = 0; k < obj->u.obj.n; k++) {
		m = &obj->u.obj.m[k];
		if (!strcmp(m->key, key)) {
			if (m->value != value)
				json_free(m->value);
			m->value = value;
			return;
		}
	}
	ALLOC_GROW(obj->u.obj.m, obj->u.obj.n + 1, obj->u.obj.alloc);
	m = &obj->u.obj.m[obj->u.obj.n++];
	m->key = xstrdup(key);
	m->value = value;
}

const struct json *json_get(const struct json *obj, const char *key)
{
	if (!obj || obj->type != JSON_OBJECT)
		return NULL;
	for (size_t k = 0; k < obj->u.obj.n; k++)
		if (!strcmp(obj->u.obj.m[k].key, key))
			return obj->u.obj.m[k].value;
	return NULL;
}

struct json *json_copy(const struct json *v)
{
	struct json *c;
	size_t k;

	switch (v->type) {
	case JSON_STRING:
		return json_string(v->u.s);
	case JSON_ARRAY:
		c = json_array();
		for (k = 0; k < v->u.arr.n; k++)
			json_append(c, json_copy(v->u.arr.items[k]));
		return c;
	case JSON_OBJECT:
		c = json_object();
		/* Not json_set(): copy member by member, linear in size. */
		c->u.obj.m = xcalloc(v->u.obj.n ? v->u.obj.n : 1, sizeof(*c->u.obj.m));
		c->u.obj.alloc = v->u.obj.n ? v->u.obj.n : 1;
		for (k = 0; k < v->u.obj.n; k++) {
			c->u.obj.m[k].key = xstrdup(v->u.obj.m[k].key);
			c->u.obj.m[k].value = json_copy(v->u.obj.m[k].value);
		}
		c->u.obj.n = v->u.obj.n;
		return c;
	default:
		c = new_value(v->type);
		c->u = v->u;
		return c;
	}
}

int json_equal(const struct json *a, const struct json *b)
{
	size_t k;

	if (a->type != b->type)
		return 0;
	switch (a->type) {
	case JSON_INT:
		return a->u.i == b->u.i;
	case JSON_REAL:
		if (isnan(a->u.d) || isnan(b->u.d))
			return isnan(a->u.d) && isnan(b->u.d);
		return a->u.d == b->u.d && !signbit(a->u.d) == !signbit(b->u.d);
	case JSON_STRING:
		return !strcmp(a->u.s, b->u.s);
	case JSON_ARRAY:
		if (a->u.arr.n != b->u.arr.n)
			return 0;
		for (k = 0; k < a->u.arr.n; k++)
			if (!json_equal(a->u.arr.items[k], b->u.arr.items[k]))
				return 0;
		return 1;
	case JSON_OBJECT:
		if (a->u.obj.n != b->u.obj.n)
			return 0;
		for (k = 0; k < a->u.obj.n; k++)
			if (strcmp(a->u.obj.m[k].key, b->u.obj.m[k].key) ||
			    !json_equal(a->u.obj.m[k].value, b->u.obj.m[k].value))
				return 0;
		return 1;
	default:
		return 1;
	}
}

const char *json_type_name(enum json_type t)
{
	switch (t) {
	case JSON_NULL: return "null";
	case JSON_FALSE: case JSON_TRUE: return "a boolean";
	case JSON_INT: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_STRING: return "a string";
	case JSON_ARRAY: return "a list";
	case JSON_OBJECT: return "an object";
	}
	return "a value";
}

void json_free(struct json *v)
{
	size_t k;

	if (!v)
		return;
	switch (v->type) {
	case JSON_STRING:
		free(v->u.s);
		break;
	case JSON_ARRAY:
		for (k = 0; k < v->u.arr.n; k++)
			json_free(v->u.arr.items[k]);
		free(v->u.arr.items);
		break;
	case JSON_OBJECT:
		for (k = 0; k < v->u.obj.n; k++) {
			free(v->u.obj.m[k].key);
			json_free(v->u.obj.m[k].value);
		}
		free(v->u.obj.m);
		break;
	default:
		break;
	}
	free(v);
}
