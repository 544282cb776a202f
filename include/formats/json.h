/* json.h - the JSON value tree, parsing untrusted JSON, and the one emitter
 * that writes exactly what Python's json.dumps(value) writes.
 *
 * Ownership: every struct json * returned by a constructor or by
 * json_parse() is owned by the caller and freed with json_free(), which
 * frees the whole tree. json_append() and json_set() take ownership of
 * the value they are given. Pointers returned by json_get() and the
 * accessors point into the tree: do not free them; they live as long as
 * the tree. Never free() or replace the u.s of a JSON_STRING by hand: it
 * may live in the same block as the value (json_free() knows).
 *
 * Strings are UTF-8, NUL-terminated, and never contain a NUL byte:
 * json_parse() refuses input with invalid UTF-8, raw NUL bytes, "\u0000"
 * escapes, or lone surrogates. With JSON_PARSE_KEEP_BAD, for relation data
 * (where one bad entry must not cost the rest), it keeps such a string as a
 * JSON_BADSTRING instead, and such a key with its member's bad set: code
 * that wants a JSON_STRING never sees them as text, json_get() never finds
 * a bad key, and json_first_bad() says where one is.
 */
#ifndef SVCMESH_JSON_H
#define SVCMESH_JSON_H

#include <stddef.h>
#include <string.h>
#include "base/strbuf.h"

enum json_type {
	JSON_NULL,
	JSON_FALSE,
	JSON_TRUE,
	JSON_INT,     /* integer: json_parse() gives it to a number written
	               * without '.' or exponent that fits a long long */
	JSON_REAL,    /* any other number: a double, as a Python float */
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
	JSON_BADSTRING, /* only with JSON_PARSE_KEEP_BAD: a string with a NUL
	                 * (\u0000), a lone surrogate escape or invalid UTF-8;
	                 * u.bad.s is its text with U+FFFD for each of those */
};

struct json_member;

struct json {
	enum json_type type;
	union {
		long long i;                                          /* JSON_INT */
		double d;                                             /* JSON_REAL */
		char *s;                                              /* JSON_STRING */
		struct { char *s; const char *why; } bad;            /* JSON_BADSTRING */
		struct { struct json **items; size_t n, alloc; } arr;  /* JSON_ARRAY */
		struct { struct json_member *m; size_t n, alloc; } obj; /* JSON_OBJECT, in insertion order */
	} u;
};

struct json_member {
	char *key;
	const char *bad;     /* NULL, or why the key is not valid text (it is
	                      * then shown with U+FFFD, as a JSON_BADSTRING) */
	struct json *value;
};

/* Maximum nesting json_parse() accepts. Deeper input is refused. */
#define JSON_MAX_DEPTH 512

/* json_parse_flags(): keep strings and keys that are not valid text, as
 * above; a raw NUL or control character is still not JSON. */
#define JSON_PARSE_KEEP_BAD 1u

/* Parse len bytes of text (which need not be NUL-terminated, and is not
 * copied). Returns a new tree, or NULL with a one-line reason appended to
 * err, unless err is NULL (byte offsets count from 0): "not valid JSON near byte 17", "invalid
 * UTF-8 at byte 12", "duplicate key \"ports\"", "string contains a NUL
 * character at byte 3", "string contains a control character at byte 3",
 * "lone surrogate escape in string at byte 3", "number out of range at
 * byte 3", "nested deeper than 512 levels". Only strict RFC 8259 JSON is
 * accepted (no BOM, no leading zeros, whitespace is space, tab, CR, LF
 * only). Objects with duplicate keys (compared case-sensitively) are
 * refused. Numbers follow Python's json.loads(): "12" and "-0" are
 * JSON_INT, "12.0" and "1e3" are JSON_REAL; an integer beyond long long
 * becomes a JSON_REAL (where Python would keep the exact int).
 * flags: 0 or JSON_PARSE_KEEP_BAD. */
struct json *json_parse_flags(const char *text, size_t len, unsigned flags, struct strbuf *err);

/* The same for a NUL-terminated string, or a strbuf's text (which may hold
 * NUL bytes, refused as any NUL byte is); the _keep names pass
 * JSON_PARSE_KEEP_BAD. */
static inline struct json *json_parse(const char *text, size_t len, struct strbuf *err)
{ return json_parse_flags(text, len, 0, err); }
static inline struct json *json_parse_str(const char *s, struct strbuf *err)
{ return json_parse_flags(s, strlen(s), 0, err); }
static inline struct json *json_parse_strbuf(const struct strbuf *sb, struct strbuf *err)
{ return json_parse_flags(sb->buf, sb->len, 0, err); }
static inline struct json *json_parse_keep(const char *text, size_t len, struct strbuf *err)
{ return json_parse_flags(text, len, JSON_PARSE_KEEP_BAD, err); }
static inline struct json *json_parse_str_keep(const char *s, struct strbuf *err)
{ return json_parse_flags(s, strlen(s), JSON_PARSE_KEEP_BAD, err); }
static inline struct json *json_parse_strbuf_keep(const struct strbuf *sb, struct strbuf *err)
{ return json_parse_flags(sb->buf, sb->len, JSON_PARSE_KEEP_BAD, err); }
/* The first JSON_BADSTRING or bad key in v (depth first, in order): the
 * reason ("holds a NUL character (\u0000)", "holds a lone surrogate
 * escape", "holds invalid UTF-8"), with its path appended to where
 * ("endpoints[0].hosts[1]", "labels.key \"a\ufffd\""); NULL when
 * there is none (where is then as it was). */
const char *json_first_bad(const struct json *v, struct strbuf *where);

/* Append the Python json.dumps(v, indent=indent) text of v: each item of
 * a non-empty list or object on a line of its own, indented by indent
 * spaces per level, "," ending all but the last, ": " after keys; [] and
 * {} when empty. indent < 0 is json_emit() (Python's indent=None). */
void json_emit_indent(struct strbuf *out, const struct json *v, int indent);
/* Append the Python json.dumps() text of v (default options: ", " and
 * ": " separators, ensure_ascii, keys in tree order). */
static inline void json_emit(struct strbuf *out, const struct json *v)
{ json_emit_indent(out, v, -1); }
/* Append s (len bytes of valid UTF-8) as a Python json.dumps() string
 * literal, quotes included. Invalid UTF-8 bytes are written as U+FFFD
 * (one per maximal invalid subsequence, like Python's errors="replace"). */
void json_emit_string(struct strbuf *out, const char *s, size_t len);

/* Constructors: each returns a new value owned by the caller. */
struct json *json_null(void);
struct json *json_bool(int b);
struct json *json_int(long long i);
struct json *json_real(double d);               /* NaN/inf are written NaN, Infinity */
struct json *json_string(const char *s);        /* copies s */
struct json *json_string_or_null(const char *s); /* NULL s gives a JSON null */
struct json *json_array(void);
struct json *json_object(void);
struct kvlist;
/* A new object holding each key of kv with its value as a string, in
 * kv's order. */
struct json *json_object_from_kvlist(const struct kvlist *kv);

/* Append item to array arr; takes ownership of item. */
void json_append(struct json *arr, struct json *item);
/* Add key: value at the end of object obj, or replace the value of an
 * existing key in place (keeping its position); takes ownership of value. */
void json_set(struct json *obj, const char *key, struct json *value);

/* Add key: value at the end of object obj without looking for key (O(1),
 * where json_set() is O(members)): only for a key obj does not hold yet;
 * takes ownership of value. */
void json_add_new(struct json *obj, const char *key, struct json *value);

/* Member of obj named key (exact, case-sensitive), or NULL when obj is
 * not an object or has no such key. */
const struct json *json_get(const struct json *obj, const char *key);

/* Deep copy, owned by the caller. */
struct json *json_copy(const struct json *v);
/* 1 if a and b are equal values (object key order matters). Values are
 * equal when json_emit() writes them the same: 1 and 1.0, 0.0 and -0.0
 * differ; NaN equals NaN. */
int json_equal(const struct json *a, const struct json *b);
/* "null", "a boolean", "an integer", "a number", "a string", "a list",
 * "an object": for error messages. */
const char *json_type_name(enum json_type t);
/* Free v and everything below it; NULL is fine. */
void json_free(struct json *v);
/* json_equal(), except that object members may come in any order (the
 * API server sorts them). NULL (a missing member) equals only NULL. */
int json_equal_unordered(const struct json *a, const struct json *b);

#endif
