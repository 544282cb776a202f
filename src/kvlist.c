/* kvlist.c - ordered string list and string map; see kvlist.h. */
#include <stdlib.h>
#include <string.h>

#include "kvlist.h"
#include "util.h"

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
	l->items = NULL;
	l->n = l->alloc = 0;
}

static struct kv *kvlist_find(const struct kvlist *l, const char *key)
{
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->items[i].key, key))
			return &l->items[i];
	return NULL;
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
	ALLOC_GROW(l->items, l->n + 1, l->alloc);
	l->items[l->n].key = xstrdup(key);
	l->items[l->n].value = xstrdup(value);
	l->n++;
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
	l->items = NULL;
	l->n = l->alloc = 0;
}
