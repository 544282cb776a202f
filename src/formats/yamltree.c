/* yamltree.c - one YAML document into a tree of ynodes; see yamltree.h.
 *
 * Built from libyaml's event stream (yaml_parser_parse), one recursive
 * call per collection, so YAML_MAX_DEPTH also bounds our C stack.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "formats/json.h"
#include "base/hash.h"
#include "base/strbuf.h"
#include "base/util.h"
#include "formats/yamltree.h"

#define TAG_PREFIX "tag:yaml.org,2002:"

struct loader {
	const char *name;
	const char *buf;
	size_t len;
	yaml_parser_t parser;
	struct strbuf *err;
};

/* Line and column (1-based, columns in characters) of a byte offset, for
 * the errors where libyaml gives no mark. */
static void offset_position(const char *buf, size_t len, size_t off, int *line, int *col)
{
	*line = 1;
	*col = 1;
	if (off > len)
		off = len;
	for (size_t i = 0; i < off; i++) {
		unsigned char c = (unsigned char)buf[i];
		if (c == '\n') {
			(*line)++;
			*col = 1;
		} else if ((c & 0xC0) != 0x80) {
			(*col)++;
		}
	}
}

static int fail_at(struct loader *ld, int line, int col, const char *fmt, ...) PRINTF_LIKE(4, 5);
static int fail_at(struct loader *ld, int line, int col, const char *fmt, ...)
{
	va_list ap;

	strbuf_addf(ld->err, "%s:%d:%d: ", ld->name, line, col);
	va_start(ap, fmt);
	strbuf_vaddf(ld->err, fmt, ap);
	va_end(ap);
	strbuf_addch(ld->err, '\n');
	return -1;
}

#define MARK(m) (int)(m).line + 1, (int)(m).column + 1

/* Report libyaml's own error (reader, scanner or parser). */
static int parser_error(struct loader *ld)
{
	yaml_parser_t *p = &ld->parser;
	const char *problem = p->problem ? p->problem : "invalid YAML";
	int line, col;

	if (p->error == YAML_MEMORY_ERROR)
		die("out of memory while parsing %s", ld->name);
	if (p->error == YAML_READER_ERROR) {
		/* No mark for reader errors: only the byte offset. */
		offset_position(ld->buf, ld->len, p->problem_offset, &line, &col);
		if (p->problem_value != -1)
			return fail_at(ld, line, col, "%s (byte 0x%02X)", problem,
				       (unsigned)p->problem_value & 0xFFu);
		return fail_at(ld, line, col, "%s", problem);
	}
	line = (int)p->problem_mark.line + 1;
	col = (int)p->problem_mark.column + 1;
	strbuf_addf(ld->err, "%s:%d:%d: %s", ld->name, line, col, problem);
	if (p->context) {
		strbuf_addf(ld->err, " (%s", p->context);
		if (p->context_mark.line != p->problem_mark.line ||
		    p->context_mark.column != p->problem_mark.column)
			strbuf_addf(ld->err, " started at %d:%d", MARK(p->context_mark));
		strbuf_addch(ld->err, ')');
	}
	if (p->problem_mark.index < ld->len && ld->buf[p->problem_mark.index] == '\t' &&
	    !strstr(problem, "tab"))
		strbuf_addstr(ld->err, "; tabs cannot be used for indentation");
	strbuf_addch(ld->err, '\n');
	return -1;
}

static int next_event(struct loader *ld, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&ld->parser, ev))
		return parser_error(ld);
	return 0;
}

/* Check an explicit tag. kind is what the node is: "str" for scalars (any
 * scalar tag allowed), "map" or "seq" for collections. *scalar_tag gets
 * the short name ("str", "int", ...) or NULL when there is no tag. */
static int check_tag(struct loader *ld, const yaml_mark_t *m, const yaml_char_t *tag,
		     const char *kind, const char **short_tag)
{
	static const char *const scalar_tags[] = { "str", "int", "bool", "null" };
	const char *t = (const char *)tag;
	const char *s;

	*short_tag = NULL;
	if (!t || !strcmp(t, "?"))
		return 0;
	if (strncmp(t, TAG_PREFIX, strlen(TAG_PREFIX)))
		return fail_at(ld, MARK(*m), "unsupported tag '%s'", t);
	s = t + strlen(TAG_PREFIX);
	if (!strcmp(kind, "str")) {
		for (size_t i = 0; i < ARRAY_SIZE(scalar_tags); i++)
			if (!strcmp(s, scalar_tags[i])) {
				*short_tag = scalar_tags[i];
				return 0;
			}
	} else if (!strcmp(s, kind)) {
		*short_tag = kind;
		return 0;
	}
	return fail_at(ld, MARK(*m), "unsupported tag '!!%s' on %s", s,
		       !strcmp(kind, "str") ? "a scalar" : !strcmp(kind, "map") ? "a mapping" : "a list");
}

static struct ynode *node_new(enum ynode_type type, const yaml_mark_t *m)
{
	struct ynode *n = xcalloc(1, sizeof(*n));
	n->type = type;
	n->line = (int)m->line + 1;
	n->col = (int)m->column + 1;
	return n;
}

static int build_scalar(struct loader *ld, yaml_event_t *ev, struct ynode **out)
{
	const yaml_mark_t *m = &ev->start_mark;
	const char *tag;
	struct ynode *n;
	int ok;

	if (check_tag(ld, m, ev->data.scalar.tag, "str", &tag) < 0)
		return -1;
	if (memchr(ev->data.scalar.value, '\0', ev->data.scalar.length))
		return fail_at(ld, MARK(*m), "NUL characters are not allowed");
	n = node_new(Y_SCALAR, m);
	n->value = xstrndup((const char *)ev->data.scalar.value, ev->data.scalar.length);
	n->len = ev->data.scalar.length;
	/* An explicit !!str makes anything a string; !!int etc. force
	 * resolution, which must then succeed. */
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	if (tag) {
		long l;
		int b;

		n->plain = strcmp(tag, "str") != 0;
		ok = 1;
		if (!strcmp(tag, "int"))
			ok = ynode_int(n, &l) == 0;
		else if (!strcmp(tag, "bool"))
			ok = ynode_bool(n, &b) == 0;
		else if (!strcmp(tag, "null"))
			ok = ynode_is_null(n);
		if (!ok) {
			ynode_free(n);
			return fail_at(ld, MARK(*m), "'%s' is not a valid !!%s",
				       (const char *)ev->data.scalar.value, tag);
		}
	}
	*out = n;
	return 0;
}

/* Open-addressing set of key indices, so that duplicate keys are found in
 * linear time even in a mapping with a hundred thousand keys. */
struct keyset {
	size_t *slots;  /* index + 1; 0 = empty */
	size_t cap;
};

/* Returns the index of an earlier equal key, or (size_t)-1 after adding idx. */
static size_t keyset_add(struct keyset *s, const struct ypair *pairs, size_t idx)
{
	const struct ynode *k = pairs[idx].key;
	size_t i;

	if ((idx + 1) * 2 > s->cap) {
		/* at least twice as large: the keys before idx never grow it again */
		struct keyset bigger = { NULL, s->cap ? s->cap * 2 : 16 };

		bigger.slots = xcalloc(bigger.cap, sizeof(*bigger.slots));
		for (size_t j = 0; j < idx; j++)
			keyset_add(&bigger, pairs, j);
		free(s->slots);
		*s = bigger;
	}
	for (i = fnv1a(k->value, k->len) & (s->cap - 1); s->slots[i]; i = (i + 1) & (s->cap - 1)) {
		const struct ynode *o = pairs[s->slots[i] - 1].key;
		if (o->len == k->len && !memcmp(o->value, k->value, k->len))
			return s->slots[i] - 1;
	}
	s->slots[i] = idx + 1;
	return (size_t)-1;
}

static int build_node(struct loader *ld, yaml_event_t *ev, int depth, struct ynode **out);

static int build_seq(struct loader *ld, yaml_event_t *start, int depth, struct ynode **out)
{
	struct ynode *n = node_new(Y_SEQ, &start->start_mark);
	size_t alloc = 0;
	yaml_event_t ev;

	for (;;) {
		struct ynode *item;
		int r;

		if (next_event(ld, &ev) < 0)
			goto fail;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		r = build_node(ld, &ev, depth, &item);
		yaml_event_delete(&ev);
		if (r < 0)
			goto fail;
		ALLOC_GROW(n->items, n->n + 1, alloc);
		n->items[n->n++] = item;
	}
	*out = n;
	return 0;
fail:
	ynode_free(n);
	return -1;
}

static int build_map(struct loader *ld, yaml_event_t *start, int depth, struct ynode **out)
{
	struct ynode *n = node_new(Y_MAP, &start->start_mark);
	struct keyset keys = { NULL, 0 };
	size_t alloc = 0;
	yaml_event_t ev;

	for (;;) {
		struct ynode *key, *value;
		size_t dup;
		int r;

		if (next_event(ld, &ev) < 0)
			goto fail;
		if (ev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (ev.type != YAML_SCALAR_EVENT) {
			if (ev.type == YAML_ALIAS_EVENT)
				fail_at(ld, MARK(ev.start_mark), "aliases are not supported");
			else
				fail_at(ld, MARK(ev.start_mark), "mapping keys must be scalars");
			yaml_event_delete(&ev);
			goto fail;
		}
		r = build_scalar(ld, &ev, &key);
		yaml_event_delete(&ev);
		if (r < 0)
			goto fail;
		ALLOC_GROW(n->pairs, n->n + 1, alloc);
		n->pairs[n->n].key = key;
		n->pairs[n->n].value = NULL;
		n->n++;
		dup = keyset_add(&keys, n->pairs, n->n - 1);
		if (dup != (size_t)-1) {
			const struct ynode *first = n->pairs[dup].key;
			fail_at(ld, key->line, key->col, "duplicate key '%s' (first at %d:%d)",
				key->value, first->line, first->col);
			goto fail;
		}
		if (next_event(ld, &ev) < 0)
			goto fail;
		r = build_node(ld, &ev, depth, &value);
		yaml_event_delete(&ev);
		if (r < 0)
			goto fail;
		n->pairs[n->n - 1].value = value;
	}
	free(keys.slots);
	*out = n;
	return 0;
fail:
	free(keys.slots);
	ynode_free(n);
	return -1;
}

/* Build the node that starts with ev (owned by the caller). depth is the
 * number of collections around it. */
static int build_node(struct loader *ld, yaml_event_t *ev, int depth, struct ynode **out)
{
	const char *tag;
	int map;

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		return build_scalar(ld, ev, out);
	case YAML_ALIAS_EVENT:
		return fail_at(ld, MARK(ev->start_mark), "aliases are not supported");
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		map = ev->type == YAML_MAPPING_START_EVENT;
		if (check_tag(ld, &ev->start_mark, map ? ev->data.mapping_start.tag :
			      ev->data.sequence_start.tag, map ? "map" : "seq", &tag) < 0)
			return -1;
		if (depth >= YAML_MAX_DEPTH)
			return fail_at(ld, MARK(ev->start_mark),
				       "nesting deeper than %d levels", YAML_MAX_DEPTH);
		return (map ? build_map : build_seq)(ld, ev, depth + 1, out);
	default:
		return fail_at(ld, MARK(ev->start_mark), "unexpected YAML event %d", (int)ev->type);
	}
}

/* STREAM-START (DOCUMENT-START node DOCUMENT-END)? STREAM-END */
static int load_stream(struct loader *ld, struct ynode **root)
{
	yaml_event_t ev;
	int r;

	if (next_event(ld, &ev) < 0)
		return -1;
	yaml_event_delete(&ev);  /* STREAM-START */
	if (next_event(ld, &ev) < 0)
		return -1;
	if (ev.type == YAML_STREAM_END_EVENT) {
		yaml_event_delete(&ev);
		return 0;
	}
	yaml_event_delete(&ev);  /* DOCUMENT-START */
	if (next_event(ld, &ev) < 0)
		return -1;
	r = build_node(ld, &ev, 0, root);
	yaml_event_delete(&ev);
	if (r < 0)
		return -1;
	if (next_event(ld, &ev) < 0)
		goto fail;
	yaml_event_delete(&ev);  /* DOCUMENT-END */
	if (next_event(ld, &ev) < 0)
		goto fail;
	if (ev.type == YAML_DOCUMENT_START_EVENT) {
		fail_at(ld, MARK(ev.start_mark), "more than one YAML document");
		yaml_event_delete(&ev);
		goto fail;
	}
	yaml_event_delete(&ev);  /* STREAM-END */
	return 0;
fail:
	ynode_free(*root);
	*root = NULL;
	return -1;
}

int yaml_load_buffer(const char *name, const char *buf, size_t len,
		     struct ynode **root, struct strbuf *err)
{
	struct loader ld = { .name = name, .buf = buf, .len = len, .err = err };
	const char *nul;
	int r;

	*root = NULL;
	if (len > YAML_MAX_BYTES) {
		strbuf_addf(err, "%s: larger than %d bytes\n", name, YAML_MAX_BYTES);
		return -1;
	}
	nul = memchr(buf, '\0', len);
	if (nul) {
		int line, col;
		offset_position(buf, len, (size_t)(nul - buf), &line, &col);
		return fail_at(&ld, line, col, "NUL byte in input");
	}
	if (!yaml_parser_initialize(&ld.parser))
		die("out of memory initializing the YAML parser");
	yaml_parser_set_input_string(&ld.parser, (const unsigned char *)buf, len);
	r = load_stream(&ld, root);
	yaml_parser_delete(&ld.parser);
	return r;
}

int yaml_load_file(const char *path, struct ynode **root, struct strbuf *err)
{
	char *buf;
	size_t len;
	int r;

	*root = NULL;
	if (read_file(path, YAML_MAX_BYTES, &buf, &len) < 0) {
		if (errno == EFBIG)
			strbuf_addf(err, "%s: larger than %d bytes\n", path, YAML_MAX_BYTES);
		else if (errno == EINVAL)
			strbuf_addf(err, "%s: not a regular file (a directory, named pipe or device)\n", path);
		else
			strbuf_addf(err, "%s: cannot read: %s\n", path, strerror(errno));
		return -1;
	}
	r = yaml_load_buffer(path, buf, len, root, err);
	free(buf);
	return r;
}

void ynode_free(struct ynode *n)
{
	if (!n)
		return;
	free(n->value);
	if (n->items) {
		for (size_t i = 0; i < n->n; i++)
			ynode_free(n->items[i]);
		free(n->items);
	}
	if (n->pairs) {
		for (size_t i = 0; i < n->n; i++) {
			ynode_free(n->pairs[i].key);
			ynode_free(n->pairs[i].value);
		}
		free(n->pairs);
	}
	free(n);
}

/* --- scalar resolution (YAML 1.2 core schema) --- */

static int is_plain_scalar(const struct ynode *n)
{
	return n && n->type == Y_SCALAR && n->plain;
}

static int is_one_of(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, list[i]))
			return 1;
	return 0;
}

int ynode_is_null(const struct ynode *n)
{
	static const char *const nulls[] = { "", "~", "null", "Null", "NULL" };
	return is_plain_scalar(n) && is_one_of(n->value, nulls, ARRAY_SIZE(nulls));
}

int ynode_bool(const struct ynode *n, int *out)
{
	static const char *const t[] = { "true", "True", "TRUE" };
	static const char *const f[] = { "false", "False", "FALSE" };

	if (!is_plain_scalar(n))
		return -1;
	if (is_one_of(n->value, t, ARRAY_SIZE(t)))
		*out = 1;
	else if (is_one_of(n->value, f, ARRAY_SIZE(f)))
		*out = 0;
	else
		return -1;
	return 0;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static const char *skip_digits(const char *s)
{
	while (is_digit(*s))
		s++;
	return s;
}

/* [-+]?[0-9]+ */
static int looks_decimal(const char *s)
{
	const char *e;

	s += *s == '-' || *s == '+';
	e = skip_digits(s);
	return e > s && !*e;
}

int ynode_int(const struct ynode *n, long *out)
{
	long v;
	char *end;

	if (!is_plain_scalar(n) || !looks_decimal(n->value))
		return -1;
	errno = 0;
	v = strtol(n->value, &end, 10);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

/* Core schema integers: decimal (any size), 0o octal, 0x hex. */
static int looks_int(const char *s)
{
	size_t i;

	if (looks_decimal(s))
		return 1;
	if (s[0] != '0' || (s[1] != 'o' && s[1] != 'x') || !s[2])
		return 0;
	for (i = 2; s[i]; i++) {
		char c = s[i];
		if (s[1] == 'o' ? (c < '0' || c > '7')
				: !(is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return 0;
	}
	return 1;
}

/* Core schema floats: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?,
 * [-+]?.inf, .nan (in the three spellings). */
static int looks_float(const char *s)
{
	static const char *const special[] = {
		".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF",
		"-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN",
	};
	const char *e;
	size_t digits;

	if (is_one_of(s, special, ARRAY_SIZE(special)))
		return 1;
	s += *s == '-' || *s == '+';
	e = skip_digits(s);
	digits = (size_t)(e - s);
	if (*e == '.') {
		s = e + 1;
		e = skip_digits(s);
		digits += (size_t)(e - s);
	}
	if (!digits)
		return 0;
	if (*e == 'e' || *e == 'E') {
		s = e + 1 + (e[1] == '-' || e[1] == '+');
		e = skip_digits(s);
		if (e == s)
			return 0;
	}
	return !*e;
}

int ynode_is_nonstring(const struct ynode *n)
{
	int b;

	if (!is_plain_scalar(n))
		return 0;
	return ynode_is_null(n) || ynode_bool(n, &b) == 0 || looks_int(n->value) ||
	       looks_float(n->value);
}

const char *ynode_kind(const struct ynode *n)
{
	int b;

	if (!n)
		return "null";
	if (n->type == Y_MAP)
		return "a mapping";
	if (n->type == Y_SEQ)
		return "a list";
	if (!n->plain)
		return "a string";
	if (ynode_is_null(n))
		return "null";
	if (ynode_bool(n, &b) == 0)
		return "a boolean";
	if (looks_int(n->value))
		return "an integer";
	if (looks_float(n->value))
		return "a number";
	return "a string";
}

/* --- emitting a JSON tree as YAML (yaml_emit_json) --- */

struct yemitter {
	yaml_emitter_t em;
	struct strbuf *out;
};

static int yemit_write(void *data, unsigned char *buf, size_t size)
{
	struct yemitter *y = data;

	strbuf_add(y->out, buf, size);
	return 1;
}

static int yemit(struct yemitter *y, yaml_event_t *ev)
{
	if (!yaml_emitter_emit(&y->em, ev))
		return error("cannot write YAML: %s", y->em.problem ? y->em.problem : "emitter error");
	return 0;
}

/* 1 if s, written plain, loads back as the string s under both YAML 1.1
 * (PyYAML) and 1.2 resolvers: a conservative character set that starts
 * with a letter, and none of the words that resolve to null or booleans. */
static int plain_safe(const char *s)
{
	static const char *const words[] = {
		"y", "n", "yes", "no", "on", "off", "true", "false", "null",
	};

	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
		return 0;
	for (const char *p = s; *p; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '/' || c == '-'))
			return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (!strcasecmp(s, words[i]))
			return 0;
	return 1;
}

static int yemit_scalar(struct yemitter *y, const char *text, int is_string)
{
	yaml_event_t ev;
	yaml_scalar_style_t style = YAML_PLAIN_SCALAR_STYLE;

	if (is_string && !plain_safe(text))
		style = YAML_SINGLE_QUOTED_SCALAR_STYLE;  /* libyaml falls back to "..." when needed */
	if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)(uintptr_t)text,
					  (int)strlen(text), 1, 1, style))
		die("out of memory emitting YAML");
	return yemit(y, &ev);
}

static int yemit_node(struct yemitter *y, const struct json *v)
{
	yaml_event_t ev;
	struct strbuf text = STRBUF_INIT;
	int r;

	switch (v->type) {
	case JSON_NULL:
	case JSON_FALSE:
	case JSON_TRUE:
	case JSON_INT:
	case JSON_REAL:
		/* as JSON writes them, but for YAML's NaN and infinities */
		json_emit(&text, v);
		r = yemit_scalar(y, !strcmp(text.buf, "NaN") ? ".nan" : !strcmp(text.buf, "Infinity") ? ".inf" :
				 !strcmp(text.buf, "-Infinity") ? "-.inf" : text.buf, 0);
		strbuf_release(&text);
		return r;
	case JSON_STRING:
	case JSON_BADSTRING:
		return yemit_scalar(y, v->type == JSON_STRING ? v->u.s : v->u.bad.s, 1);
	case JSON_ARRAY:
		if (!yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_SEQUENCE_STYLE))
			die("out of memory emitting YAML");
		if (yemit(y, &ev) < 0)
			return -1;
		for (size_t i = 0; i < v->u.arr.n; i++)
			if (yemit_node(y, v->u.arr.items[i]) < 0)
				return -1;
		yaml_sequence_end_event_initialize(&ev);
		return yemit(y, &ev);
	case JSON_OBJECT:
		if (!yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE))
			die("out of memory emitting YAML");
		if (yemit(y, &ev) < 0)
			return -1;
		for (size_t i = 0; i < v->u.obj.n; i++)
			if (yemit_scalar(y, v->u.obj.m[i].key, 1) < 0 ||
			    yemit_node(y, v->u.obj.m[i].value) < 0)
				return -1;
		yaml_mapping_end_event_initialize(&ev);
		return yemit(y, &ev);
	}
	return error("cannot write YAML: unknown JSON type");
}

int yaml_emit_json(struct strbuf *out, const struct json *v)
{
	struct yemitter y;
	yaml_event_t ev;
	int r = -1;

	y.out = out;
	if (!yaml_emitter_initialize(&y.em))
		die("out of memory initializing the YAML emitter");
	yaml_emitter_set_output(&y.em, yemit_write, &y);
	yaml_emitter_set_unicode(&y.em, 1);
	yaml_emitter_set_width(&y.em, -1);
	yaml_emitter_set_indent(&y.em, 2);
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	if (yemit(&y, &ev) < 0)
		goto out;
	yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
	if (yemit(&y, &ev) < 0 || yemit_node(&y, v) < 0)
		goto out;
	yaml_document_end_event_initialize(&ev, 1);
	if (yemit(&y, &ev) < 0)
		goto out;
	yaml_stream_end_event_initialize(&ev);
	if (yemit(&y, &ev) < 0)
		goto out;
	r = yaml_emitter_flush(&y.em) ? 0 : error("cannot write YAML: flush failed");
out:
	yaml_emitter_delete(&y.em);
	return r;
}
