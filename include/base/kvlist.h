/* kvlist.h - small ordered string collections: a list of strings and a
 * string-to-string map that keeps insertion order (labels, relation
 * databags).
 *
 * Ownership: a strlist/kvlist owns copies of every string added to it;
 * *_release() frees them and leaves an empty, reusable list.
 * Returned const char * point into the list and live until release.
 */
#ifndef SVCMESH_KVLIST_H
#define SVCMESH_KVLIST_H

#include <stddef.h>

struct strlist {
	char **items;
	size_t n, alloc;
};
#define STRLIST_INIT { NULL, 0, 0 }

/* Append a copy of s. */
void strlist_add(struct strlist *l, const char *s);
/* Append s itself (must be malloc'ed; the list takes ownership). */
void strlist_add_take(struct strlist *l, char *s);
/* 1 if l holds a string equal to s. */
int strlist_has(const struct strlist *l, const char *s);
void strlist_release(struct strlist *l);

struct kv {
	char *key;
	char *value;
};

/* Lookups are O(1) on average: past a few entries a kvlist keeps a hash
 * index of its keys (built on first use, dropped by kvlist_del() and
 * rebuilt when next needed), so building or reading a map of n entries
 * costs O(n), not O(n^2). */
struct kvlist {
	struct kv *items;
	size_t n, alloc;
	size_t *index;       /* 0: empty slot, else item position + 1 */
	size_t index_size;   /* a power of two, or 0 when there is no index */
};
#define KVLIST_INIT { NULL, 0, 0, NULL, 0 }

/* Set key to a copy of value: replaces in place if key exists, else
 * appends at the end. */
void kvlist_set(struct kvlist *l, const char *key, const char *value);
/* Append key = value without looking for key: for callers that know the
 * keys are distinct (a parsed JSON object). */
void kvlist_append(struct kvlist *l, const char *key, const char *value);
/* Make room for n entries in all. */
void kvlist_reserve(struct kvlist *l, size_t n);
/* Value of key, or NULL. */
const char *kvlist_get(const struct kvlist *l, const char *key);
/* Remove key if present; returns 1 if it was there. */
int kvlist_del(struct kvlist *l, const char *key);
/* 1 if both hold the same pairs in the same order. */
int kvlist_equal(const struct kvlist *a, const struct kvlist *b);
/* Deep copy of src appended to dst (dst may be empty). */
void kvlist_copy(struct kvlist *dst, const struct kvlist *src);
void kvlist_release(struct kvlist *l);

#endif
