/* json.c - the JSON value tree, strict parsing of untrusted JSON, and the one
 * emitter that writes what Python's json.dumps(value) writes; see json.h.
 *
 * Parsing. Relation data comes from other units, so it is untrusted. cJSON
 * builds the tree, but cJSON 1.7.15 is lenient where we must not be: it
 * skips any byte <= 0x20 as whitespace, keeps raw control characters and
 * invalid UTF-8 in strings, turns "\u0000" into a truncated string, reads
 * "01", "+1" and "1." as numbers, ignores a BOM and keeps duplicate keys.
 * So scan_text() first checks every byte itself (UTF-8, tokens, escapes,
 * nesting depth) and notes where each number token starts and whether it
 * is spelled as an integer ("12") or a float ("12.0", "1e3"), which decides
 * its type as in Python (cJSON only keeps a double); cJSON then checks the
 * structure and builds its tree, in a bump allocator (the arena below);
 * convert() copies that tree into struct json (cJSON types never leave this
 * file), refusing duplicate keys, and frees the cJSON tree as it goes.
 *
 * A JSON_STRING value made here holds its characters in its own block
 * (u.s == (char *)(v + 1)): one allocation per string, and json_free()
 * knows not to free u.s then.
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
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

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
	size_t i, bad;
	uint32_t cp;

	for (i = 0; i < len; ) {
		if (p[i] < 0x80) {
			i++;
		} else {
			size_t n = utf8_next(p + i, len - i, &cp, &bad);
			if (!n)
				return i;
			i += n;
		}
	}
	return (size_t)-1;
}

/* Why a string token cannot be held as text (JSON_BADSTRING), or NULL. */
static const char *const bad_nul = "holds a NUL character (\\u0000)";
static const char *const bad_surrogate = "holds a lone surrogate escape";
static const char *const bad_utf8 = "holds invalid UTF-8";

/* Check the string token starting at the '"' at p[*i], UTF-8 included;
 * on success *i is just past its closing quote. An invalid UTF-8 sequence
 * is reported as not JSON: scan_text() rewrites the message. With keep,
 * a "\u0000" escape, a lone surrogate escape or invalid UTF-8 is no fault:
 * *why is set to the first such reason (else NULL). */
static int scan_string(const unsigned char *p, size_t len, size_t *i, int keep,
		       const char **why, struct strbuf *err)
{
	size_t j = *i + 1, bad;
	uint32_t cp, lo;

	*why = NULL;

	for (;;) {
		j = skip_plain(p, len, j);
		if (j >= len)
			return not_json(err, *i);  /* unterminated */
		if (p[j] == '"')
			break;
		if (p[j] >= 0x80) {
			size_t n = utf8_next(p + j, len - j, &cp, &bad);
			if (!n && !keep)
				return not_json(err, j);
			if (!n && !*why)
				*why = bad_utf8;
			j += n ? n : bad;
			continue;
		}
		if (p[j] == '\0') {
			strbuf_addf(err, "string contains a NUL character at byte %zu", j);
			return -1;
		}
		if (p[j] < 0x20) {
			strbuf_addf(err, "string contains a control character at byte %zu", j);
			return -1;
		}
		/* a backslash */
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
			if (keep) {
				*why = *why ? *why : bad_nul;
				j += 6;
				continue;
			}
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
		continue;
lone:
		if (!keep) {
			strbuf_addf(err, "lone surrogate escape in string at byte %zu", j);
			return -1;
		}
		*why = *why ? *why : bad_surrogate;
		j += 6;
	}
	*i = j + 1;
	return 0;
}

/* Check the number token at p[*i] against JSON's grammar
 * -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? and that no byte cJSON
 * would take as part of the number follows it. *integral is set to 1 when
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

/* A string token kept as JSON_BADSTRING: the how-manyth string token of
 * the text it is (keys count), where it starts (its '"') and why. */
struct badtok {
	size_t ord, start;
	const char *why;
};

/* What the scan found, in text order: the number tokens, as
 * (offset << 1) | integral; with keep, the string tokens that cannot be
 * held as text. */
struct numlist {
	size_t *pos;
	size_t n, alloc;
	int keep;
	size_t strings;          /* string tokens seen */
	struct badtok *bad;
	size_t nbad, bad_alloc;
};

/* The checks of scan_text() but the UTF-8 one outside strings. */
static int scan_tokens(const unsigned char *p, size_t len, struct numlist *nums,
		       struct strbuf *err)
{
	size_t i, depth = 0, start;
	const char *why;
	int integral;

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
			start = i;
			if (scan_string(p, len, &i, nums->keep, &why, err))
				return -1;
			if (why) {
				ALLOC_GROW(nums->bad, nums->nbad + 1, nums->bad_alloc);
				nums->bad[nums->nbad++] = (struct badtok){ nums->strings, start, why };
			}
			nums->strings++;
			break;
		case 't':
			if (len - i < 4 || memcmp(p + i, "true", 4))
				return not_json(err, i);
			i += 4;
			break;
		case 'f':
			if (len - i < 5 || memcmp(p + i, "false", 5))
				return not_json(err, i);
			i += 5;
			break;
		case 'n':
			if (len - i < 4 || memcmp(p + i, "null", 4))
				return not_json(err, i);
			i += 4;
			break;
		default: {
			start = i;
			if (p[i] != '-' && !is_digit(p[i]))
				return not_json(err, i);
			if (scan_number(p, len, &i, &integral, err))
				return -1;
			ALLOC_GROW(nums->pos, nums->n + 1, nums->alloc);
			nums->pos[nums->n++] = start << 1 | (size_t)integral;
			break;
		}
		}
	}
	return 0;
}

/* First pass over the raw text: everything cJSON would let through but
 * we refuse. Structure (commas, colons, brackets matching) is cJSON's job.
 * Invalid UTF-8 anywhere in the text is reported before any other fault,
 * so on a fault the whole text is checked for it. Records the number
 * tokens in nums. */
static int scan_text(const unsigned char *p, size_t len, struct numlist *nums,
		     struct strbuf *err)
{
	struct strbuf why = STRBUF_INIT;
	size_t bad;

	if (!scan_tokens(p, len, nums, &why))
		return 0;
	/* with keep, invalid UTF-8 in strings is no fault: the fault is */
	bad = nums->keep ? (size_t)-1 : first_bad_utf8(p, len);
	if (bad != (size_t)-1)
		strbuf_addf(err, "invalid UTF-8 at byte %zu", bad);
	else
		strbuf_add(err, why.buf, why.len);
	strbuf_release(&why);
	return -1;
}

/* ---------------------------------------------------------------- arena */

/* cJSON allocates through hooks. During json_parse() they point at this
 * bump allocator: chunks of ARENA_CHUNK bytes, plus one chunk of its own
 * for each allocation larger than ARENA_BIG. Chunks are kept in
 * allocation order, and cJSON allocates its tree in text order (a node,
 * then its key, its string, its children), which is also the order in
 * which convert() visits it. So once convert() reaches a node, every
 * chunk before the node's own chunk is dead and is freed: the cJSON tree
 * shrinks while ours grows. cJSON's frees do nothing. */
#ifndef ARENA_CHUNK  /* a test build may make it tiny: -DARENA_CHUNK=256 */
#define ARENA_CHUNK ((size_t)64 * 1024 - 64)
#endif
#define ARENA_BIG (ARENA_CHUNK / 4)

struct chunk {
	struct chunk *next;
	char *mem;           /* NULL once a big string was taken over */
	size_t used, size;
};

struct arena {
	struct chunk *oldest, *newest;
	int open;            /* newest may take more small allocations */
};

static struct arena *cur_arena;

static struct chunk *arena_add(struct arena *a, size_t size, int big)
{
	struct chunk *c;

	if (big) {
		c = xmalloc(sizeof(*c));
		c->mem = xmalloc(size);
	} else {
		c = xmalloc(sizeof(*c) + size);
		c->mem = (char *)(c + 1);
	}
	c->next = NULL;
	c->used = 0;
	c->size = size;
	if (a->newest)
		a->newest->next = c;
	else
		a->oldest = c;
	a->newest = c;
	a->open = !big;
	return c;
}

static void *arena_alloc(size_t size)
{
	struct arena *a = cur_arena;
	struct chunk *c = a->newest;
	void *p;

	if (size > SIZE_MAX - 16)
		die("json: allocation too large");
	size = (size + 7) & ~(size_t)7;
	if (size > ARENA_BIG)
		c = arena_add(a, size, 1);
	else if (!c || !a->open || c->size - c->used < size)
		c = arena_add(a, ARENA_CHUNK, 0);
	p = c->mem + c->used;
	c->used += size;
	return p;
}

static void arena_free(void *p)
{
	(void)p;  /* released with the whole chunk */
}

static int in_chunk(const struct chunk *c, const void *p)
{
	uintptr_t u = (uintptr_t)p, m = (uintptr_t)c->mem;

	return c->mem && u >= m && u < m + c->used;
}

static void free_chunk(struct chunk *c)
{
	if (c->mem != (char *)(c + 1))
		free(c->mem);
	free(c);
}

/* Free every chunk allocated before the one holding p. */
static void arena_release_before(struct arena *a, const void *p)
{
	while (a->oldest != a->newest && !in_chunk(a->oldest, p)) {
		struct chunk *c = a->oldest;
		a->oldest = c->next;
		free_chunk(c);
	}
}

static void arena_release(struct arena *a)
{
	while (a->oldest) {
		struct chunk *c = a->oldest;
		a->oldest = c->next;
		free_chunk(c);
	}
	a->newest = NULL;
}

/* Take over s if it is the whole of a big chunk: the chunk forgets it and
 * the caller owns it. NULL when it is not. */
static char *arena_take(struct arena *a, const char *s)
{
	for (struct chunk *c = a->oldest; c; c = c->next) {
		if (c->mem == s && c->mem != (char *)(c + 1)) {
			char *m = c->mem;
			c->mem = NULL;
			c->used = 0;
			return m;
		}
	}
	return NULL;
}

/* ----------------------------------------------------------- conversion */

struct conv {
	const char *text;        /* the text, len bytes */
	size_t len;
	const struct numlist *nums;
	size_t numidx;           /* the next entry of nums */
	size_t strord;           /* string tokens converted (keys count) */
	size_t badidx;           /* the next entry of nums->bad */
	struct arena *arena;
	struct strbuf *err;
};

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

static struct json *convert_number(struct conv *cv, const cJSON *item)
{
	size_t tok, start;
	struct json *v;
	long long n;

	/* cJSON's tree lists values in text order, as scan_text() met them. */
	if (cv->numidx >= cv->nums->n)
		die("json: number tokens out of step");
	tok = cv->nums->pos[cv->numidx++];
	start = tok >> 1;
	if ((tok & 1) && !read_integer(cv->text + start, cv->text + cv->len, &n)) {
		v = new_value(JSON_INT);
		v->u.i = n;
		return v;
	}
	if (isinf(item->valuedouble) || isnan(item->valuedouble)) {
		strbuf_addf(cv->err, "number out of range at byte %zu", start);
		return NULL;
	}
	v = new_value(JSON_REAL);
	v->u.d = item->valuedouble;
	return v;
}

static void add_utf8(struct strbuf *sb, uint32_t cp)
{
	char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xC0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | cp >> 12);
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		b[0] = (char)(0xF0 | cp >> 18);
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	strbuf_add(sb, b, n);
}

/* The text of the string token at p[start] (already checked by
 * scan_string() with keep), with U+FFFD for each NUL, lone surrogate and
 * maximal invalid UTF-8 subpart, as Python's errors="replace" would. */
static char *decode_bad(const unsigned char *p, size_t len, size_t start)
{
	struct strbuf sb = STRBUF_INIT;
	size_t j = start + 1, n, bad;
	uint32_t cp, lo;

	while (j < len && p[j] != '"') {
		if (p[j] != '\\') {
			n = p[j] < 0x80 ? 1 : utf8_next(p + j, len - j, &cp, &bad);
			if (n)
				strbuf_add(&sb, (const char *)p + j, n);
			else
				add_utf8(&sb, 0xFFFD);
			j += n ? n : bad;
			continue;
		}
		switch (p[j + 1]) {
		case 'b': strbuf_addch(&sb, '\b'); break;
		case 'f': strbuf_addch(&sb, '\f'); break;
		case 'n': strbuf_addch(&sb, '\n'); break;
		case 'r': strbuf_addch(&sb, '\r'); break;
		case 't': strbuf_addch(&sb, '\t'); break;
		case 'u': break;
		default: strbuf_addch(&sb, (char)p[j + 1]); break;
		}
		if (p[j + 1] != 'u') {
			j += 2;
			continue;
		}
		hex4(p + j + 2, len - j - 2, &cp);
		j += 6;
		if (cp >= 0xD800 && cp <= 0xDBFF && j + 5 < len && p[j] == '\\' && p[j + 1] == 'u' &&
		    !hex4(p + j + 2, len - j - 2, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			j += 6;
		} else if (!cp || (cp >= 0xD800 && cp <= 0xDFFF)) {
			cp = 0xFFFD;
		}
		add_utf8(&sb, cp);
	}
	return strbuf_detach(&sb, NULL);
}

/* The reason the next string token is bad, when it is (and then its text,
 * decoded by decode_bad(), in *text); NULL for a good one. Call once per
 * string token, keys included, in text order. */
static const char *next_string(struct conv *cv, char **text)
{
	const struct badtok *b;
	size_t ord = cv->strord++;

	if (cv->badidx >= cv->nums->nbad || cv->nums->bad[cv->badidx].ord != ord)
		return NULL;
	b = &cv->nums->bad[cv->badidx++];
	*text = decode_bad((const unsigned char *)cv->text, cv->len, b->start);
	return b->why;
}

#define SMALL_OBJECT 16

/* Index of a member whose key repeats an earlier one, or (size_t)-1.
 * Small objects compare pairwise (lengths first: klen holds them);
 * larger ones use an open-addressing hash set of member indexes, so a
 * 100k-member object stays linear. */
static size_t find_duplicate_key(const struct json *obj, const size_t *klen)
{
	const struct json_member *m = obj->u.obj.m;
	size_t n = obj->u.obj.n, size = 16, *slots, found = (size_t)-1;

	if (n <= SMALL_OBJECT) {
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

static size_t count_children(const cJSON *item)
{
	size_t n = 0;

	for (const cJSON *c = item->child; c; c = c->next)
		n++;
	return n;
}

static struct json *convert(struct conv *cv, cJSON *item);

static struct json *convert_string(struct conv *cv, const cJSON *item)
{
	const char *s = item->valuestring;
	size_t len = strlen(s);
	struct json *v;
	char *big, *text;
	const char *why = cv->nums->nbad ? next_string(cv, &text) : NULL;

	if (why) {
		v = new_value(JSON_BADSTRING);
		v->u.bad.s = text;
		v->u.bad.why = why;
		return v;
	}
	if (len >= ARENA_BIG && (big = arena_take(cv->arena, s)) != NULL) {
		v = new_value(JSON_STRING);
		v->u.s = big;
		return v;
	}
	return new_string(s, len);
}

static struct json *convert_array(struct conv *cv, const cJSON *item)
{
	size_t n = count_children(item);
	struct json *v = new_value(JSON_ARRAY);
	cJSON *c, *next;

	if (n) {
		v->u.arr.items = xmalloc(n * sizeof(*v->u.arr.items));
		v->u.arr.alloc = n;
	}
	/* next is read before c is converted: that frees what precedes c's
	 * descendants, which is all of c's own memory */
	for (c = item->child; c; c = next) {
		struct json *e;

		next = c->next;
		e = convert(cv, c);
		if (!e) {
			json_free(v);
			return NULL;
		}
		v->u.arr.items[v->u.arr.n++] = e;
	}
	return v;
}

static struct json *convert_object(struct conv *cv, const cJSON *item)
{
	size_t n = count_children(item), klen[SMALL_OBJECT], dup;
	struct json *v = new_value(JSON_OBJECT);
	cJSON *c, *next;

	if (n) {
		v->u.obj.m = xmalloc(n * sizeof(*v->u.obj.m));
		v->u.obj.alloc = n;
	}
	/* json_set() would replace duplicates: append instead, check after. */
	for (c = item->child; c; c = next) {
		size_t kl = strlen(c->string);
		char *key, *text;
		const char *why = cv->nums->nbad ? next_string(cv, &text) : NULL;
		struct json *e;

		if (why) {
			key = text;
			kl = strlen(key);
		} else {
			key = xmalloc(kl + 1);
			memcpy(key, c->string, kl + 1);
		}
		next = c->next;
		e = convert(cv, c);
		if (!e) {
			free(key);
			json_free(v);
			return NULL;
		}
		if (v->u.obj.n < SMALL_OBJECT)
			klen[v->u.obj.n] = kl;
		v->u.obj.m[v->u.obj.n].key = key;
		v->u.obj.m[v->u.obj.n].bad = why;
		v->u.obj.m[v->u.obj.n++].value = e;
	}
	dup = find_duplicate_key(v, klen);
	if (dup != (size_t)-1) {
		strbuf_addstr(cv->err, "duplicate key ");
		add_quoted_key(cv->err, v->u.obj.m[dup].key);
		json_free(v);
		return NULL;
	}
	return v;
}

/* Convert item into our tree. Everything cJSON allocated before item is
 * dead by now (see the arena) and is freed first, so the two trees never
 * both exist whole. */
static struct json *convert(struct conv *cv, cJSON *item)
{
	arena_release_before(cv->arena, item);
	switch (item->type & 0xFF) {
	case cJSON_NULL:
		return new_value(JSON_NULL);
	case cJSON_False:
		return new_value(JSON_FALSE);
	case cJSON_True:
		return new_value(JSON_TRUE);
	case cJSON_Number:
		return convert_number(cv, item);
	case cJSON_String:
		return convert_string(cv, item);
	case cJSON_Array:
		return convert_array(cv, item);
	case cJSON_Object:
		return convert_object(cv, item);
	}
	die("json: unexpected cJSON type %d", item->type);
}

/* A copy of text for cJSON in which every bad string token's characters
 * are 'x' (cJSON refuses lone surrogates, and nothing of it is read). */
static char *blank_bad(const char *text, size_t len, const struct numlist *nums)
{
	char *copy = xstrndup(text, len);
	const unsigned char *p = (const unsigned char *)text;

	for (size_t k = 0; k < nums->nbad; k++) {
		size_t j = nums->bad[k].start, end = j;
		const char *why;
		struct strbuf ignored = STRBUF_INIT;

		scan_string(p, len, &end, 1, &why, &ignored);
		strbuf_release(&ignored);
		memset(copy + j + 1, 'x', end - j - 2);
	}
	return copy;
}

/* json_parse() and json_parse_str(): text[len] is '\0' when terminated. */
static struct json *parse(const char *text, size_t len, int terminated, int keep,
			  struct strbuf *err)
{
	static cJSON_Hooks arena_hooks = { arena_alloc, arena_free };
	static cJSON_Hooks plain_hooks = { xmalloc, free };
	struct numlist nums = { NULL, 0, 0, keep, 0, NULL, 0, 0 };
	struct arena arena = { NULL, NULL, 0 };
	struct conv cv;
	const char *end = NULL, *buf = text;
	struct json *v = NULL;
	char *copy = NULL;
	cJSON *root;

	if (!len)
		text = buf = "";
	if (scan_text((const unsigned char *)text, len, &nums, err))
		goto out;

	/* cJSON's require_null_terminated check wants the terminator inside
	 * the length; scan_text() made sure there is no NUL before it. */
	if (nums.nbad)
		buf = copy = blank_bad(text, len, &nums);
	else if (!terminated)
		buf = copy = xstrndup(text, len);
	cur_arena = &arena;
	cJSON_InitHooks(&arena_hooks);
	root = cJSON_ParseWithLengthOpts(buf, len + 1, &end, 1);
	/* Out of memory inside cJSON must not read as "not valid JSON":
	 * arena_alloc() and xmalloc() die instead of returning NULL. */
	cJSON_InitHooks(&plain_hooks);
	cur_arena = NULL;
	if (!root) {
		not_json(err, end ? (size_t)(end - buf) : 0);
		goto out;
	}
	free(copy);  /* number tokens are read from text */
	copy = NULL;
	cv.text = text;
	cv.len = len;
	cv.nums = &nums;
	cv.numidx = 0;
	cv.strord = 0;
	cv.badidx = 0;
	cv.arena = &arena;
	cv.err = err;
	v = convert(&cv, root);
out:
	arena_release(&arena);  /* instead of cJSON_Delete(root) */
	free(copy);
	free(nums.pos);
	free(nums.bad);
	return v;
}

struct json *json_parse(const char *text, size_t len, struct strbuf *err)
{
	return parse(text, len, 0, 0, err);
}

struct json *json_parse_str(const char *s, struct strbuf *err)
{
	return parse(s, strlen(s), 1, 0, err);
}

struct json *json_parse_strbuf(const struct strbuf *sb, struct strbuf *err)
{
	return parse(sb->buf, sb->len, 1, 0, err);
}

struct json *json_parse_keep(const char *text, size_t len, struct strbuf *err)
{
	return parse(text, len, 0, 1, err);
}

struct json *json_parse_str_keep(const char *s, struct strbuf *err)
{
	return parse(s, strlen(s), 1, 1, err);
}

struct json *json_parse_strbuf_keep(const struct strbuf *sb, struct strbuf *err)
{
	return parse(sb->buf, sb->len, 1, 1, err);
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
	case JSON_BADSTRING: json_emit_string(out, v->u.bad.s, strlen(v->u.bad.s)); break;
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
	ALLOC_GROW(obj->u.obj.m, obj->u.obj.n + 1, obj->u.obj.alloc);
	m = &obj->u.obj.m[obj->u.obj.n++];
	m->key = xstrdup(key);
	m->bad = NULL;
	m->value = value;
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
		/* Not json_set(): copy member by member, linear in size. */
		c->u.obj.m = xcalloc(v->u.obj.n ? v->u.obj.n : 1, sizeof(*c->u.obj.m));
		c->u.obj.alloc = v->u.obj.n ? v->u.obj.n : 1;
		for (k = 0; k < v->u.obj.n; k++) {
			c->u.obj.m[k].key = xstrdup(v->u.obj.m[k].key);
			c->u.obj.m[k].bad = v->u.obj.m[k].bad;
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
