/* hash.h - the program's hashes: SHA-256 (FIPS 180-4) for short
 * deterministic hashes in generated Kubernetes object names, SHA-1 for
 * charm_kubernetes_label's hash, FNV-1a for in-memory hash tables.
 *
 * Ownership: a sha256_ctx lives wherever the caller puts it and holds no
 * allocated memory; nothing needs freeing.
 */
#ifndef SVCMESH_HASH_H
#define SVCMESH_HASH_H

#include <stddef.h>
#include <stdint.h>
#include "base/strbuf.h"

#define SHA256_DIGEST_SIZE 32

struct sha256_ctx {
	uint32_t h[8];
	uint64_t total;          /* bytes fed so far */
	unsigned char buf[64];   /* partial block */
	size_t nbuf;
};

/* Start a new hash. */
void sha256_init(struct sha256_ctx *c);
/* Feed len bytes of data (data may be NULL when len is 0). */
void sha256_update(struct sha256_ctx *c, const void *data, size_t len);
/* Finish and write the 32-byte digest; c must be initialised again before reuse. */
void sha256_final(struct sha256_ctx *c, unsigned char out[SHA256_DIGEST_SIZE]);

/* Digest of len bytes in one call. */
void sha256(const void *data, size_t len, unsigned char out[SHA256_DIGEST_SIZE]);
/* Append the lower-case hex digest of len bytes (64 characters) to out. */
void sha256_hex(struct strbuf *out, const void *data, size_t len);

/* Append the lower-case hex SHA-1 of len bytes (40 characters) to out. */
void sha1_hex(struct strbuf *out, const void *data, size_t len);

/* 64-bit FNV-1a of len bytes: for hash tables, not for anything stored. */
uint64_t fnv1a(const void *data, size_t len);

#endif
