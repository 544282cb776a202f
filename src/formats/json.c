/* json.c - the JSON value tree, strict parsing of untrusted JSON, and the one
 * emitter that writes what Python's json.dumps(value) writes; see json.h.
 *
 * Parsing. Relation data comes from other units, so it is untrusted
 * (json.h says what is refused). One recursive-descent pass checks each
 * byte and builds the tree as it goes.
 *
 * A JSON_STRING value made here holds its characters in its own block
 * (u.s == (char *)(v + 1)): one allocation per string, and json_free()
 * knows not to free u.s then.
 *
 * Emitting. Relation data must match what the Python library writes byte
 * for byte (", " and ": " separators, ensure_ascii: every non-ASCII
 * character and DEL as \uXXXX, astral ones as surrogate pairs, Python's
 * float repr), so json_emit() is compared with real python3 output by
 * tests/unit/json_golden.txt. cJSON, which the tests keep as a reference
 * parser, writes none of these.
 *
 * Floats are formatted and read with snprintf()/strtod(), which assumes
 * LC_NUMERIC is "C" (the program never calls setlocale()).
 */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/json.h"
#include "base/hash.h"
#include "base/kvlist.h"
#include "base/util.h"

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

/* A byte a string token may hold as it is: printable ASCII or DEL,
 * except '"' and '\'. */
static int is_plain(unsigned char c)
{
	return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

#define ONES ((uint64_t)0x0101010101010101u)
#define HIGHS ((uint64_t)0x8080808080808080u)

/* Index of the first byte at or after j that is not plain, or len: eight
 * bytes at a time while they are all plain. */
static size_t skip_plain(const unsigned char *p, size_t len, size_t j)
{
	while (len - j >= 8) {
		uint64_t w, q, b;
		memcpy(&w, p + j, 8);
		q = w ^ (ONES * '"');
		b = w ^ (ONES * '\\');
		/* high bit set in each byte that is >= 0x80, < 0x20, '"' or '\\' */
		if ((w | ((w - ONES * 0x20) & ~w) | ((q - ONES) & ~q) | ((b - ONES) & ~b)) & HIGHS)
			break;
		j += 8;
	}
	while (j < len && is_plain(p[j]))
		j++;
	return j;
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

/* Offset of the first byte of text that does not start a valid UTF-8
 * sequence, or (size_t)-1. */
static size_t first_bad_utf8(const unsigned char *p, size_t len)
{
	size_t n, bad;
	uint32_t cp;

	for (size_t i = 0; i < len; i += n)
		if ((n = utf8_next(p + i, len - i, &cp, &bad)) == 0)
			return i;
	return (size_t)-1;
}

/* Why a string token cannot be held as text (JSON_BADSTRING), or NULL. */
static const char *const bad_nul = "holds a NUL character (\\u0000)";
static const char *const bad_surrogate = "holds a lone surrogate escape";
static const char *const bad_utf8 = "holds invalid UTF-8";

static void add_utf8(struct strbuf *sb, uint32_t cp)
{
	unsigned char b[4];
	int n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;

	for (int k = n - 1; k > 0; k--, cp >>= 6)
		b[k] = (unsigned char)(0x80 | (cp & 0x3F));
	/* the lead byte: 110xxxxx, 1110xxxx or 11110xxx before 1, 2 or 3 more */
	b[0] = (unsigned char)(n == 1 ? cp : ((0xF00u >> n) & 0xFF) | cp);
	strbuf_add(sb, b, (size_t)n);
}

#define NONE ((size_t)-1)

/* One parse. The children of each open container wait on the stack until
 * it ends; its array is then allocated once, at its size (arrays grown
 * child by child fragment the heap: parsing and freeing took twice as long).
 *
 * Faults are ranked as tests and users' logs have always seen them:
 * invalid UTF-8 anywhere (unless keep) before anything else; then the
 * first bad token of the text, even one after a structural fault (a
 * missing ',', a stray ']'); then that structural fault; then the first
 * duplicate key or number out of range. So a bad token goes to err at
 * once; a structural fault notes where scan_rest() is to look on for a
 * bad token (resume) and the byte to report (at: where cJSON, which
 * checked the structure before, reported it); a late fault waits in late. */
struct parser {
	const unsigned char *p;
	size_t len, i;           /* the text; the next byte to read */
	int keep;
	unsigned depth;          /* containers open (not unwound on a fault) */
	size_t resume, at;       /* a structural fault: NONE, or its two bytes */
	struct json_member *stack; /* the children of the open containers (keys NULL in a list) */
	size_t n, alloc;
	struct strbuf text;      /* a string token's text when it is not the token's bytes */
	struct strbuf late;
	struct strbuf *err;
};

/* A structural fault at ps->i, reported as byte at (at most len). */
static struct json *syntax(struct parser *ps, size_t at)
{
	ps->resume = ps->i;
	ps->at = at < ps->len ? at : ps->len;
	return NULL;
}

/* The byte after any whitespace, or -1 at the end. */
static int peek(struct parser *ps)
{
	while (ps->i < ps->len && (ps->p[ps->i] == ' ' || ps->p[ps->i] == '\t' ||
				   ps->p[ps->i] == '\n' || ps->p[ps->i] == '\r'))
		ps->i++;
	return ps->i < ps->len ? ps->p[ps->i] : -1;
}

/* Decode the escape at p[j] ('\') into ps->text; returns its length, or
 * 0 after writing the fault to err. */
static size_t read_escape(struct parser *ps, size_t j, const char **why)
{
	const unsigned char *p = ps->p;
	size_t len = ps->len;
	uint32_t cp, lo;

	if (j + 1 >= len)
		goto bad;
	switch (p[j + 1]) {
	case '"': case '\\': case '/': strbuf_addch(&ps->text, p[j + 1]); return 2;
	case 'b': strbuf_addch(&ps->text, '\b'); return 2;
	case 'f': strbuf_addch(&ps->text, '\f'); return 2;
	case 'n': strbuf_addch(&ps->text, '\n'); return 2;
	case 'r': strbuf_addch(&ps->text, '\r'); return 2;
	case 't': strbuf_addch(&ps->text, '\t'); return 2;
	case 'u': break;
	default: goto bad;
	}
	if (hex4(p + j + 2, len - j - 2, &cp))
		goto bad;
	if (cp >= 0xD800 && cp <= 0xDBFF && j + 7 < len && p[j + 6] == '\\' && p[j + 7] == 'u' &&
	    !hex4(p + j + 8, len - j - 8, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
		add_utf8(&ps->text, 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00));
		return 12;
	}
	if (cp && (cp < 0xD800 || cp > 0xDFFF)) {
		add_utf8(&ps->text, cp);
		return 6;
	}
	if (!ps->keep) {
		strbuf_addf(ps->err, cp ? "lone surrogate escape in string at byte %zu" :
			    "string contains a NUL character at byte %zu", j);
		return 0;
	}
	*why = *why ? *why : cp ? bad_surrogate : bad_nul;
	add_utf8(&ps->text, 0xFFFD);
	return 6;
bad:
	not_json(ps->err, j);
	return 0;
}

/* Read the string token at ps->i (its '"'); on success ps->i is past its
 * closing quote and *s, *n are its text: the token's own bytes when it
 * holds no escape, else ps->text. With keep, "\u0000", a lone surrogate
 * escape or invalid UTF-8 is no fault: U+FFFD stands for each (as Python's
 * errors="replace" writes it) and *why is the first such reason (else NULL). */
static int read_string(struct parser *ps, const char **s, size_t *n, const char **why)
{
	const unsigned char *p = ps->p;
	size_t len = ps->len, start = ps->i + 1, j = start, from = start, k, bad;
	uint32_t cp;

	*why = NULL;
	strbuf_setlen(&ps->text, 0);
	for (;;) {
		j = skip_plain(p, len, j);
		if (j >= len)
			return not_json(ps->err, start - 1);  /* unterminated */
		if (p[j] == '"')
			break;
		if (p[j] >= 0x80 && (k = utf8_next(p + j, len - j, &cp, &bad)) != 0) {
			j += k;
			continue;
		}
		if (p[j] == '\0') {
			strbuf_addf(ps->err, "string contains a NUL character at byte %zu", j);
			return -1;
		}
		if (p[j] < 0x20) {
			strbuf_addf(ps->err, "string contains a control character at byte %zu", j);
			return -1;
		}
		if (p[j] >= 0x80 && !ps->keep)
			return not_json(ps->err, j);  /* parse() says "invalid UTF-8" */
		strbuf_add(&ps->text, p + from, j - from);
		if (p[j] >= 0x80) {
			*why = *why ? *why : bad_utf8;
			add_utf8(&ps->text, 0xFFFD);
			k = bad;
		} else if ((k = read_escape(ps, j, why)) == 0) {
			return -1;
		}
		from = j += k;
	}
	ps->i = j + 1;
	if (from == start) {
		*s = (const char *)p + start;
		*n = j - start;
	} else {
		strbuf_add(&ps->text, p + from, j - from);
		*s = ps->text.buf;
		*n = ps->text.len;
	}
	return 0;
}

/* Check the number token at p[*i] against JSON's grammar
 * -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? and that no byte that
 * could continue a number follows it ("01", "1.5.2" and "2-1" are faults
 * of the token, not of the structure). *integral is set to 1 when
 * it has neither fraction nor exponent. */
static int scan_number(const unsigned char *p, size_t len, size_t *i, int *integral,
		       struct strbuf *err)
{
	size_t j = *i;

	*integral = 1;
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
		*integral = 0;
		j++;
		if (j >= len || !is_digit(p[j]))
			return not_json(err, j);
		while (j < len && is_digit(p[j]))
			j++;
	}
	if (j < len && (p[j] == 'e' || p[j] == 'E')) {
		*integral = 0;
		j++;
		if (j < len && (p[j] == '+' || p[j] == '-'))
			j++;
		if (j >= len || !is_digit(p[j]))
			return not_json(err, j);
		while (j < len && is_digit(p[j]))
			j++;
	}
	if (j < len && (is_digit(p[j]) || p[j] == '+' || p[j] == '-' || p[j] == '.' ||
			p[j] == 'e' || p[j] == 'E'))
		return not_json(err, j);
	*i = j;
	return 0;
}

static struct json *new_value(enum json_type type)
{
	struct json *v = xmalloc(sizeof(*v));
	memset(&v->u, 0, sizeof(v->u));
	v->type = type;
	return v;
}

/* A JSON_STRING holding a copy of the len bytes at s, in one block. */
static struct json *new_string(const char *s, size_t len)
{
	struct json *v;

	if (len > SIZE_MAX - sizeof(*v) - 1)
		die("json: string too long");
	v = xmalloc(sizeof(*v) + len + 1);
	v->type = JSON_STRING;
	v->u.s = (char *)(v + 1);
	memcpy(v->u.s, s, len);
	v->u.s[len] = '\0';
	return v;
}

/* Read the integer token at t (digits, maybe a leading '-'), which ends
 * at or before end. Returns -1 when it does not fit a long long. */
static int read_integer(const char *t, const char *end, long long *out)
{
	int neg = *t == '-';
	unsigned long long u = 0, limit = neg ? (unsigned long long)LLONG_MAX + 1 : LLONG_MAX;

	if (neg)
		t++;
	for (; t < end && is_digit((unsigned char)*t); t++) {
		unsigned d = (unsigned)(*t - '0');
		if (u > (limit - d) / 10)
			return -1;
		u = u * 10 + d;
	}
	if (!neg)
		*out = (long long)u;
	else if (u == (unsigned long long)LLONG_MAX + 1)
		*out = LLONG_MIN;
	else
		*out = -(long long)u;
	return 0;
}

#define SMALL_OBJECT 16

/* Index of a member whose key repeats an earlier one, or (size_t)-1.
 * Small objects compare pairwise (lengths first); larger ones use an
 * open-addressing hash set of member indexes, so a 100k-member object
 * stays linear. */
static size_t find_duplicate_key(const struct json *obj)
{
	const struct json_member *m = obj->u.obj.m;
	size_t n = obj->u.obj.n, size = 16, *slots, found = (size_t)-1, klen[SMALL_OBJECT];

	if (n <= SMALL_OBJECT) {
		for (size_t a = 0; a < n; a++)
			klen[a] = strlen(m[a].key);
		for (size_t a = 1; a < n; a++)
			for (size_t b = 0; b < a; b++)
				if (klen[a] == klen[b] && !memcmp(m[a].key, m[b].key, klen[a]) &&
				    !m[a].bad && !m[b].bad)
					return a;
		return found;
	}
	while (size < 2 * n)
		size *= 2;
	slots = xcalloc(size, sizeof(*slots));  /* member index + 1; 0 is empty */
	for (size_t a = 0; a < n && found == (size_t)-1; a++) {
		size_t s = (size_t)fnv1a(m[a].key, strlen(m[a].key)) & (size - 1);
		if (m[a].bad)
			continue;  /* its text is a stand-in: never a duplicate */
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

/* true, false or null at ps->i, as word spells it. */
static int read_word(struct parser *ps, const char *word)
{
	size_t n = strlen(word);

	if (ps->len - ps->i < n || memcmp(ps->p + ps->i, word, n))
		return not_json(ps->err, ps->i);
	ps->i += n;
	return 0;
}

/* Note a late fault, if it is the first: what, then the quoted key or
 * " at byte N". */
static void late(struct parser *ps, const char *what, const char *key, size_t at)
{
	if (ps->late.len)
		return;
	strbuf_addstr(&ps->late, what);
	if (key)
		add_quoted_key(&ps->late, key);
	else
		strbuf_addf(&ps->late, " at byte %zu", at);
}

static struct json *parse_number(struct parser *ps)
{
	size_t start = ps->i;
	char *copy;
	int integral;
	struct json *v;
	long long i;

	if (scan_number(ps->p, ps->len, &ps->i, &integral, ps->err))
		return NULL;
	if (integral && !read_integer((const char *)ps->p + start, (const char *)ps->p + ps->i, &i))
		return json_int(i);
	/* strtod() wants the token NUL-terminated; the text need not be */
	copy = xstrndup((const char *)ps->p + start, ps->i - start);
	v = json_real(strtod(copy, NULL));
	free(copy);
	if (isinf(v->u.d))
		late(ps, "number out of range", NULL, start);
	return v;
}

static struct json *parse_string(struct parser *ps)
{
	const char *s, *why;
	size_t n;
	struct json *v;

	if (read_string(ps, &s, &n, &why))
		return NULL;
	if (!why)
		return new_string(s, n);
	v = new_value(JSON_BADSTRING);
	v->u.bad.s = xstrndup(s, n);
	v->u.bad.why = why;
	return v;
}

/* Past the '[' or '{' at ps->i, one level deeper. */
static int enter(struct parser *ps)
{
	if (ps->depth >= JSON_MAX_DEPTH) {
		strbuf_addf(ps->err, "nested deeper than %d levels", JSON_MAX_DEPTH);
		return -1;
	}
	ps->depth++;
	ps->i++;
	return 0;
}

/* 1 after stepping past a ',', or 0 when the next byte is not one. */
static int comma(struct parser *ps)
{
	if (peek(ps) != ',')
		return 0;
	ps->i++;
	return 1;
}

/* Step past close, the byte that ends the open container; else a
 * structural fault. */
static int leave(struct parser *ps, int close)
{
	if (peek(ps) != close) {
		syntax(ps, ps->i);
		return -1;
	}
	ps->i++;
	ps->depth--;
	return 0;
}

/* Put the next child of the open container on the stack; -1 when
 * value is NULL (a fault). Takes ownership of key and value. */
static int push(struct parser *ps, char *key, const char *bad, struct json *value)
{
	struct json_member *m;

	if (!value) {
		free(key);
		return -1;
	}
	ALLOC_GROW(ps->stack, ps->n + 1, ps->alloc);
	m = &ps->stack[ps->n++];
	m->key = key;
	m->bad = bad;
	m->value = value;
	return 0;
}

static struct json *parse_value(struct parser *ps);

/* One "key": value, onto the stack. */
static int parse_member(struct parser *ps)
{
	const char *s, *why;
	size_t n;
	char *key;

	if (peek(ps) != '"') {
		syntax(ps, ps->i + 1);  /* cJSON reported the byte after */
		return -1;
	}
	if (read_string(ps, &s, &n, &why))
		return -1;
	key = xstrndup(s, n);  /* s may be ps->text, which the value reuses */
	if (peek(ps) != ':') {
		free(key);
		syntax(ps, ps->i);
		return -1;
	}
	ps->i++;
	return push(ps, key, why, parse_value(ps));
}

/* A list or an object, from its '[' or '{' at ps->i. */
static struct json *parse_container(struct parser *ps, int object)
{
	size_t base = ps->n, n, dup;
	int close = object ? '}' : ']';
	struct json *v;

	if (enter(ps))
		return NULL;
	if (peek(ps) != close) {
		do {
			if (object ? parse_member(ps) : push(ps, NULL, NULL, parse_value(ps)))
				return NULL;
		} while (comma(ps));
	}
	if (leave(ps, close))
		return NULL;
	n = ps->n - base;
	ps->n = base;
	if (!object) {
		v = new_value(JSON_ARRAY);
		v->u.arr.items = n ? xmalloc(n * sizeof(*v->u.arr.items)) : NULL;
		for (size_t k = 0; k < n; k++)
			v->u.arr.items[k] = ps->stack[base + k].value;
		v->u.arr.n = v->u.arr.alloc = n;
		return v;
	}
	v = new_value(JSON_OBJECT);
	v->u.obj.m = n ? xmalloc(n * sizeof(*v->u.obj.m)) : NULL;
	if (n)
		memcpy(v->u.obj.m, ps->stack + base, n * sizeof(*v->u.obj.m));
	v->u.obj.n = v->u.obj.alloc = n;
	/* not json_set(), which would replace a duplicate: look once, at the end */
	dup = find_duplicate_key(v);
	if (dup != NONE)
		late(ps, "duplicate key ", v->u.obj.m[dup].key, 0);
	return v;
}

static struct json *parse_value(struct parser *ps)
{
	int c = peek(ps);

	switch (c) {
	case '{': return parse_container(ps, 1);
	case '[': return parse_container(ps, 0);
	case '"': return parse_string(ps);
	case 't': return read_word(ps, "true") ? NULL : json_bool(1);
	case 'f': return read_word(ps, "false") ? NULL : json_bool(0);
	case 'n': return read_word(ps, "null") ? NULL : json_null();
	default:
		if (c == '-' || (c >= 0 && is_digit((unsigned char)c)))
			return parse_number(ps);
		return syntax(ps, ps->i);
	}
}

/* After a structural fault: the first bad token from there on, brackets
 * only counted for the depth. -1 with it in err, or 0 when there is none. */
static int scan_rest(struct parser *ps)
{
	struct json *v;
	unsigned char c;

	for (ps->i = ps->resume; ps->i < ps->len; ) {
		switch (c = ps->p[ps->i]) {
		case ' ': case '\t': case '\n': case '\r': case ',': case ':':
			ps->i++;
			break;
		case '[': case '{':
			if (enter(ps))
				return -1;
			break;
		case ']': case '}':
			ps->depth -= ps->depth > 0;
			ps->i++;
			break;
		default:
			if (c != '"' && c != 't' && c != 'f' && c != 'n' && c != '-' && !is_digit(c))
				return not_json(ps->err, ps->i);
			if ((v = parse_value(ps)) == NULL)  /* a scalar: no structural fault */
				return -1;
			json_free(v);
		}
	}
	return 0;
}

struct json *json_parse_flags(const char *text, size_t len, unsigned flags, struct strbuf *err)
{
	struct strbuf ignored = STRBUF_INIT;
	struct parser ps = { (const unsigned char *)(len ? text : ""), len, 0,
			     (flags & JSON_PARSE_KEEP_BAD) != 0, 0, NONE, 0, NULL, 0, 0,
			     STRBUF_INIT, STRBUF_INIT, err ? err : &ignored };
	size_t mark = ps.err->len, bad;
	struct json *v = parse_value(&ps);

	if (v && peek(&ps) >= 0) {
		json_free(v);
		v = syntax(&ps, ps.i);
	}
	if (!v && ps.resume != NONE && !scan_rest(&ps))
		not_json(ps.err, ps.at);
	if (!v && !ps.keep && (bad = first_bad_utf8(ps.p, len)) != NONE) {
		strbuf_setlen(ps.err, mark);
		strbuf_addf(ps.err, "invalid UTF-8 at byte %zu", bad);
	}
	if (v && ps.late.len) {
		json_free(v);
		v = NULL;
		strbuf_add(ps.err, ps.late.buf, ps.late.len);
	}
	for (size_t k = 0; k < ps.n; k++) {  /* what a fault left on the stack */
		free(ps.stack[k].key);
		json_free(ps.stack[k].value);
	}
	free(ps.stack);
	strbuf_release(&ps.text);
	strbuf_release(&ps.late);
	strbuf_release(&ignored);
	return v;
}

const char *json_first_bad(const struct json *v, struct strbuf *where)
{
	size_t mark = where->len;
	const char *why;

	switch (v->type) {
	case JSON_BADSTRING:
		return v->u.bad.why;
	case JSON_ARRAY:
		for (size_t k = 0; k < v->u.arr.n; k++) {
			strbuf_addf(where, "[%zu]", k);
			if ((why = json_first_bad(v->u.arr.items[k], where)) != NULL)
				return why;
			strbuf_setlen(where, mark);
		}
		return NULL;
	case JSON_OBJECT:
		for (size_t k = 0; k < v->u.obj.n; k++) {
			const struct json_member *m = &v->u.obj.m[k];
			strbuf_addstr(where, where->len ? "." : "");
			if (m->bad) {
				strbuf_addstr(where, "key ");
				add_quoted_key(where, m->key);
				return m->bad;
			}
			strbuf_addstr(where, m->key);
			if ((why = json_first_bad(m->value, where)) != NULL)
				return why;
			strbuf_setlen(where, mark);
		}
		return NULL;
	default:
		return NULL;
	}
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

/* Before an item (first: the first of its container), or before the close
 * (first set too): ", " between items on one line (indent < 0), else ","
 * between them and each on a new line, indented to level. */
static void add_break(struct strbuf *out, int indent, int level, int first)
{
	if (indent < 0) {
		if (!first)
			strbuf_addstr(out, ", ");
		return;
	}
	if (!first)
		strbuf_addch(out, ',');
	strbuf_addch(out, '\n');
	for (int k = 0; k < indent * level; k++)
		strbuf_addch(out, ' ');
}

static void emit(struct strbuf *out, const struct json *v, int indent, int level)
{
	size_t k;

	switch (v->type) {
	case JSON_NULL: strbuf_addstr(out, "null"); break;
	case JSON_FALSE: strbuf_addstr(out, "false"); break;
	case JSON_TRUE: strbuf_addstr(out, "true"); break;
	case JSON_INT: strbuf_addf(out, "%lld", v->u.i); break;
	case JSON_REAL: emit_real(out, v->u.d); break;
	case JSON_STRING: json_emit_string(out, v->u.s, strlen(v->u.s)); break;
	case JSON_BADSTRING: json_emit_string(out, v->u.bad.s, strlen(v->u.bad.s)); break;
	case JSON_ARRAY:
		strbuf_addch(out, '[');
		for (k = 0; k < v->u.arr.n; k++) {
			add_break(out, indent, level + 1, k == 0);
			emit(out, v->u.arr.items[k], indent, level + 1);
		}
		if (v->u.arr.n)
			add_break(out, indent, level, 1);
		strbuf_addch(out, ']');
		break;
	case JSON_OBJECT:
		strbuf_addch(out, '{');
		for (k = 0; k < v->u.obj.n; k++) {
			const struct json_member *m = &v->u.obj.m[k];
			add_break(out, indent, level + 1, k == 0);
			json_emit_string(out, m->key, strlen(m->key));
			strbuf_addstr(out, ": ");
			emit(out, m->value, indent, level + 1);
		}
		if (v->u.obj.n)
			add_break(out, indent, level, 1);
		strbuf_addch(out, '}');
		break;
	}
}

void json_emit_indent(struct strbuf *out, const struct json *v, int indent)
{
	emit(out, v, indent, 0);
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
	if (!s)
		die("json_string(NULL)");
	return new_string(s, strlen(s));
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

struct json *json_object_from_kvlist(const struct kvlist *kv)
{
	struct json *o = json_object();

	/* a kvlist's keys are distinct: no json_set() search, linear */
	for (size_t i = 0; i < kv->n; i++)
		json_add_new(o, kv->items[i].key, json_string(kv->items[i].value));
	return o;
}

void json_add_new(struct json *obj, const char *key, struct json *value)
{
	struct json_member *m;

	if (obj->type != JSON_OBJECT || !key || !value)
		die("json_add_new: not an object, or no key or value");
	ALLOC_GROW(obj->u.obj.m, obj->u.obj.n + 1, obj->u.obj.alloc);
	m = &obj->u.obj.m[obj->u.obj.n++];
	m->key = xstrdup(key);
	m->bad = NULL;
	m->value = value;
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
		if (!m->bad && !strcmp(m->key, key)) {
			if (m->value != value)
				json_free(m->value);
			m->value = value;
			return;
		}
	}
	json_add_new(obj, key, value);
}

const struct json *json_get(const struct json *obj, const char *key)
{
	if (!obj || obj->type != JSON_OBJECT)
		return NULL;
	for (size_t k = 0; k < obj->u.obj.n; k++)
		if (!obj->u.obj.m[k].bad && !strcmp(obj->u.obj.m[k].key, key))
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
	case JSON_BADSTRING:
		c = new_value(JSON_BADSTRING);
		c->u.bad.s = xstrdup(v->u.bad.s);
		c->u.bad.why = v->u.bad.why;
		return c;
	case JSON_ARRAY:
		c = json_array();
		for (k = 0; k < v->u.arr.n; k++)
			json_append(c, json_copy(v->u.arr.items[k]));
		return c;
	case JSON_OBJECT:
		c = json_object();
		for (k = 0; k < v->u.obj.n; k++) {
			json_add_new(c, v->u.obj.m[k].key, json_copy(v->u.obj.m[k].value));
			c->u.obj.m[k].bad = v->u.obj.m[k].bad;
		}
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
	case JSON_BADSTRING:
		return !strcmp(a->u.bad.s, b->u.bad.s);
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
			    !a->u.obj.m[k].bad != !b->u.obj.m[k].bad ||
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
	case JSON_BADSTRING: return "a string that is not valid text";
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
		if (v->u.s != (char *)(v + 1))  /* not in the value's own block */
			free(v->u.s);
		break;
	case JSON_BADSTRING:
		free(v->u.bad.s);
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

static int cmp_member_keys(const void *a, const void *b)
{
	const struct json_member *x = *(const struct json_member *const *)a;
	const struct json_member *y = *(const struct json_member *const *)b;
	return strcmp(x->key, y->key);
}

int json_equal_unordered(const struct json *a, const struct json *b)
{
	const struct json_member **m;
	size_t n, k;
	int eq = 1;

	if (!a || !b || a->type != b->type)
		return a == b;  /* both NULL */
	if (a->type == JSON_ARRAY) {
		for (k = 0, eq = a->u.arr.n == b->u.arr.n; eq && k < a->u.arr.n; k++)
			eq = json_equal_unordered(a->u.arr.items[k], b->u.arr.items[k]);
		return eq;
	}
	if (a->type != JSON_OBJECT)
		return json_equal(a, b);
	if ((n = a->u.obj.n) != b->u.obj.n)
		return 0;
	/* a's members by key, then b's, side by side */
	m = xcalloc(2 * n + 1, sizeof(*m));
	for (k = 0; k < n; k++) {
		m[k] = &a->u.obj.m[k];
		m[n + k] = &b->u.obj.m[k];
	}
	qsort(m, n, sizeof(*m), cmp_member_keys);
	qsort(m + n, n, sizeof(*m), cmp_member_keys);
	for (k = 0; eq && k < n; k++)
		eq = !strcmp(m[k]->key, m[n + k]->key) && !m[k]->bad == !m[n + k]->bad &&
		     json_equal_unordered(m[k]->value, m[n + k]->value);
	free(m);
	return eq;
}
