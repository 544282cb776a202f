/* yamltree.h - load one YAML document into a tree that remembers where
 * every node came from. libyaml stays behind this wall: no other module
 * includes yaml.h.
 *
 * Refused with an error "NAME:LINE:COL: message" (1-based line and column,
 * libyaml's problem/context text where it has one):
 *   YAML syntax errors; aliases and anchors' use ("aliases are not
 *   supported", so alias cycles and billion-laughs cannot happen); mapping
 *   keys that are not scalars; duplicate keys ("duplicate key 'x' (first
 *   at LINE:COL)"); more than one document; nesting deeper than
 *   YAML_MAX_DEPTH; NUL bytes (in the input or from a "\0" escape);
 *   explicit tags other than !!str !!int !!bool !!null on scalars, !!map
 *   on mappings and !!seq on lists (!!int etc. must then resolve).
 *   Input larger than YAML_MAX_BYTES gives "NAME: larger than N bytes".
 * Anchors are accepted and ignored (nothing can use them).
 * Every message is appended to err as one line ending in '\n'.
 *
 * Ownership: yaml_load*() return a tree owned by the caller, freed with
 * ynode_free(). Child pointers and strings live as long as the root.
 */
#ifndef SVCMESH_YAMLTREE_H
#define SVCMESH_YAMLTREE_H

#include <stddef.h>
#include "base/strbuf.h"

#define YAML_MAX_BYTES (1024 * 1024)
#define YAML_MAX_DEPTH 64

enum ynode_type { Y_SCALAR, Y_SEQ, Y_MAP };

struct ynode;

struct ypair {
	struct ynode *key;   /* always a Y_SCALAR */
	struct ynode *value;
};

struct ynode {
	enum ynode_type type;
	int line, col;        /* 1-based start of the node */
	/* Y_SCALAR */
	char *value;          /* NUL-terminated UTF-8 */
	size_t len;
	int plain;            /* 1: plain (unquoted) style, so null/bool/int apply */
	/* Y_SEQ: items[0..n); Y_MAP: pairs[0..n) in document order */
	struct ynode **items;
	struct ypair *pairs;
	size_t n;
};

/* Load the file at path; errors are prefixed with path. An empty document
 * (empty file, only comments) gives *root = NULL and returns 0. */
int yaml_load_file(const char *path, struct ynode **root, struct strbuf *err);
/* The same from memory; name is used in error messages. */
int yaml_load_buffer(const char *name, const char *buf, size_t len,
		     struct ynode **root, struct strbuf *err);
void ynode_free(struct ynode *n);

/* Scalar resolution (YAML 1.2 core schema, plain scalars only):
 * null: "", "~", "null", "Null", "NULL". */
int ynode_is_null(const struct ynode *n);
/* true/True/TRUE/false/False/FALSE -> 0 with *out set; else -1. */
int ynode_bool(const struct ynode *n, int *out);
/* Plain decimal integer (optional sign) that fits a long -> 0; else -1. */
int ynode_int(const struct ynode *n, long *out);
/* 1 if a plain scalar resolves to null, bool, int or float (so it is not
 * a string in YAML's eyes even though libyaml hands over text). */
int ynode_is_nonstring(const struct ynode *n);
/* "a mapping", "a list", "a string", "an integer", "a number" (float),
 * "a boolean", "null" (also for n == NULL). */
const char *ynode_kind(const struct ynode *n);

/* --- emitting --- */

struct json;

/* Append v as one block-style YAML document (no "---" line, no "..."):
 * mapping keys in tree order, empty lists and maps as [] and {}, strings
 * plain only when they cannot load back as anything but the same string
 * (else quoted: "8080", "true", "" stay strings), UTF-8 written as is.
 * Returns 0, or -1 after error() if libyaml refuses. */
int yaml_emit_json(struct strbuf *out, const struct json *v);

#endif
