/* kvlist.c - ordered string list and string map; see kvlist.h. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"
#include "base/kvlist.h"
#include "base/util.h"

void strlist_add(struct strlist *l, const char *s)
{
	strlist_add_take(l, xstrdup(s));
}

void strlist_add_take(struct strlist *l, char *s)
{
	ALLOC_GROW(l->items, l->n + 1, l->alloc);
	l->items[l->n++] = s;
}

int strlist_has(const struct strlist *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->items[i], s))
			return 1;
	return 0;
}

void strlist_release(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i]);
	free(l->items);
	*l = (struct strlist)STRLIST_INIT;
}

/* Below this many entries a scan is as quick as the index. */
#define KV_INDEX_MIN 8

static size_t key_hash(const char *s)
{
	uint64_t h = fnv1a(s, strlen(s));

	return (size_t)(h ^ (h >> 29));
}

static void index_put(struct kvlist *l, size_t pos)
{
	size_t s = key_hash(l->items[pos].key) & (l->index_size - 1);

	while (l->index[s])
		s = (s + 1) & (l->index_size - 1);
	l->index[s] = pos + 1;
}

/* (Re)build the index for at least n entries. */
static void index_build(struct kvlist *l, size_t n)
{
	size_t size = 16;

	while (size < 2 * n)
		size *= 2;
	free(l->index);
	l->index = xcalloc(size, sizeof(*l->index));
	l->index_size = size;
	for (size_t i = 0; i < l->n; i++)
		index_put(l, i);
}

static struct kv *kvlist_find(const struct kvlist *cl, const char *key)
{
	/* the index is a cache: building it does not change the list */
	struct kvlist *l = (struct kvlist *)cl;
	size_t s;

	if (l->n < KV_INDEX_MIN) {
		for (size_t i = 0; i < l->n; i++)
			if (!strcmp(l->items[i].key, key))
				return &l->items[i];
		return NULL;
	}
	if (!l->index_size)
		index_build(l, l->n);
	for (s = key_hash(key) & (l->index_size - 1); l->index[s]; s = (s + 1) & (l->index_size - 1))
		if (!strcmp(l->items[l->index[s] - 1].key, key))
			return &l->items[l->index[s] - 1];
	return NULL;
}

void kvlist_reserve(struct kvlist *l, size_t n)
{
	if (n > l->n)
		ALLOC_GROW(l->items, n, l->alloc);
}

void kvlist_append(struct kvlist *l, const char *key, const char *value)
{
	ALLOC_GROW(l->items, l->n + 1, l->alloc);
	l->items[l->n].key = xstrdup(key);
	l->items[l->n].value = xstrdup(value);
	l->n++;
	if (l->index_size && 2 * l->n > l->index_size)
		index_build(l, l->n);
	else if (l->index_size)
		index_put(l, l->n - 1);
}

void kvlist_set(struct kvlist *l, const char *key, const char *value)
{
	struct kv *kv = kvlist_find(l, key);

	if (kv) {
		char *v = xstrdup(value);
		free(kv->value);
		kv->value = v;
		return;
	}
	kvlist_append(l, key, value);
}

const char *kvlist_get(const struct kvlist *l, const char *key)
{
	struct kv *kv = kvlist_find(l, key);
	return kv ? kv->value : NULL;
}

int kvlist_del(struct kvlist *l, const char *key)
{
	struct kv *kv = kvlist_find(l, key);
	size_t i;

	if (!kv)
		return 0;
	i = (size_t)(kv - l->items);
	free(kv->key);
	free(kv->value);
	memmove(&l->items[i], &l->items[i + 1], (l->n - i - 1) * sizeof(*l->items));
	l->n--;
	/* positions moved: rebuilt when next needed */
	free(l->index);
	l->index = NULL;
	l->index_size = 0;
	return 1;
}

int kvlist_equal(const struct kvlist *a, const struct kvlist *b)
{
	if (a->n != b->n)
		return 0;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->items[i].key, b->items[i].key) ||
		    strcmp(a->items[i].value, b->items[i].value))
			return 0;
	return 1;
}

void kvlist_copy(struct kvlist *dst, const struct kvlist *src)
{
	kvlist_reserve(dst, dst->n + src->n);
	for (size_t i = 0; i < src->n; i++)
		kvlist_set(dst, src->items[i].key, src->items[i].value);
}

void kvlist_release(struct kvlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->items[i].key);
		free(l->items[i].value);
	}
	free(l->items);
	free(l->index);
	*l = (struct kvlist)KVLIST_INIT;
}
