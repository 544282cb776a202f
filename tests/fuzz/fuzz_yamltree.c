/* fuzz_yamltree.c - libFuzzer harness: yaml_load_buffer() on arbitrary
 * bytes. Checks the documented limits on every tree it returns (depth at
 * most YAML_MAX_DEPTH, scalars without NUL bytes and with the right
 * length, mapping keys always scalars, no duplicate keys) and that every
 * refusal comes with "NAME:..." lines ending in '\n'. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/strbuf.h"
#include "formats/yamltree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_yamltree: %s\n", what);
	abort();
}

static void walk(const struct ynode *n, int depth)
{
	long l;
	int b;

	if (!n)
		fail("NULL node inside a tree");
	if (n->line < 1 || n->col < 1)
		fail("node without a 1-based position");
	(void)ynode_kind(n);
	switch (n->type) {
	case Y_SCALAR:
		if (!n->value || strlen(n->value) != n->len)
			fail("scalar length does not match (NUL inside?)");
		(void)ynode_is_null(n);
		(void)ynode_bool(n, &b);
		(void)ynode_int(n, &l);
		(void)ynode_is_nonstring(n);
		break;
	case Y_SEQ:
		if (depth >= YAML_MAX_DEPTH)
			fail("list nested deeper than YAML_MAX_DEPTH");
		for (size_t i = 0; i < n->n; i++)
			walk(n->items[i], depth + 1);
		break;
	case Y_MAP:
		if (depth >= YAML_MAX_DEPTH)
			fail("mapping nested deeper than YAML_MAX_DEPTH");
		for (size_t i = 0; i < n->n; i++) {
			const struct ynode *k = n->pairs[i].key;
			if (!k || k->type != Y_SCALAR)
				fail("mapping key is not a scalar");
			/* quadratic, but fuzz inputs are small */
			for (size_t j = 0; j < i && j < 256; j++)
				if (n->pairs[j].key->len == k->len &&
				    !memcmp(n->pairs[j].key->value, k->value, k->len))
					fail("duplicate key accepted");
			walk(k, depth + 1);
			walk(n->pairs[i].value, depth + 1);
		}
		break;
	default:
		fail("unknown node type");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf err = STRBUF_INIT;
	struct ynode *root = NULL;

	if (yaml_load_buffer("fuzz.yaml", (const char *)data, size, &root, &err) < 0) {
		if (root)
			fail("failed load left a tree");
		if (!err.len || err.buf[err.len - 1] != '\n' || strncmp(err.buf, "fuzz.yaml", 9))
			fail("refusal without a 'fuzz.yaml...' line ending in newline");
	} else {
		if (err.len)
			fail("successful load wrote an error");
		if (root)
			walk(root, 0);
	}
	ynode_free(root);
	strbuf_release(&err);
	log_flush();
	return 0;
}
