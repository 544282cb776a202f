/* check_hash.c - unit tests for hash.c. Expected digests come from
 * python3 -c 'import hashlib; print(hashlib.sha256(DATA).hexdigest())'
 * (and hashlib.sha1); FNV-1a vectors are the published 64-bit ones. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"
#include "base/strbuf.h"

struct vector {
	const char *data;
	size_t repeat;     /* data repeated this many times (0: once) */
	const char *hex;
};

static const struct vector vectors[] = {
	{ "", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	{ "abc", 0, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 0,
	  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	/* padding edges: 55, 56, 63 and 64 bytes */
	{ "a", 55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318" },
	{ "a", 56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a" },
	{ "a", 63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34" },
	{ "a", 64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb" },
	{ "a", 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0" },
	/* "héllo ☃ 𝄞" in UTF-8 */
	{ "h\xc3\xa9llo \xe2\x98\x83 \xf0\x9d\x84\x9e", 0,
	  "e97286d7e93b484336f7250c138e11c09b46b7dfbde835ab391a12165f4b365a" },
};

static char *expand(const struct vector *v, size_t *len)
{
	size_t n = v->repeat ? v->repeat : 1, l = strlen(v->data);
	char *buf = malloc(n * l + 1);

	ck_assert_ptr_nonnull(buf);
	for (size_t i = 0; i < n; i++)
		memcpy(buf + i * l, v->data, l);
	*len = n * l;
	return buf;
}

START_TEST(known_vectors)
{
	const struct vector *v = &vectors[_i];
	struct strbuf hex = STRBUF_INIT;
	size_t len;
	char *data = expand(v, &len);

	sha256_hex(&hex, data, len);
	ck_assert_str_eq(hex.buf, v->hex);
	strbuf_release(&hex);
	free(data);
}
END_TEST

/* Feeding the data in two pieces, split anywhere, gives the same digest. */
START_TEST(incremental_split_anywhere)
{
	unsigned char data[200], whole[SHA256_DIGEST_SIZE], parts[SHA256_DIGEST_SIZE];

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 7 + 3);
	sha256(data, sizeof(data), whole);
	for (size_t cut = 0; cut <= sizeof(data); cut++) {
		struct sha256_ctx c;
		sha256_init(&c);
		sha256_update(&c, data, cut);
		sha256_update(&c, NULL, 0);
		sha256_update(&c, data + cut, sizeof(data) - cut);
		sha256_final(&c, parts);
		ck_assert_msg(!memcmp(whole, parts, sizeof(whole)), "split at %zu differs", cut);
	}
}
END_TEST

/* Byte by byte through a 1000000-byte message equals the known vector. */
START_TEST(byte_at_a_time)
{
	static const unsigned char expect[SHA256_DIGEST_SIZE] = {
		0xcd, 0xc7, 0x6e, 0x5c, 0x99, 0x14, 0xfb, 0x92, 0x81, 0xa1, 0xc7, 0xe2, 0x84, 0xd7, 0x3e, 0x67,
		0xf1, 0x80, 0x9a, 0x48, 0xa4, 0x97, 0x20, 0x0e, 0x04, 0x6d, 0x39, 0xcc, 0xc7, 0x11, 0x2c, 0xd0,
	};
	unsigned char out[SHA256_DIGEST_SIZE];
	struct sha256_ctx c;

	sha256_init(&c);
	for (int i = 0; i < 1000000; i++)
		sha256_update(&c, "a", 1);
	sha256_final(&c, out);
	ck_assert(!memcmp(out, expect, sizeof(out)));
}
END_TEST

START_TEST(hex_appends)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addstr(&sb, "x-");
	sha256_hex(&sb, "abc", 3);
	ck_assert_uint_eq(sb.len, 66);
	ck_assert_str_eq(sb.buf, "x-ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	strbuf_release(&sb);
}
END_TEST

static const struct vector sha1_vectors[] = {
	{ "", 0, "da39a3ee5e6b4b0d3255bfef95601890afd80709" },
	{ "abc", 0, "a9993e364706816aba3e25717850c26c9cd0d89d" },
	{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 0,
	  "84983e441c3bd26ebaae4aa1f95129e5e54670f1" },
	/* padding edges: 55, 56 and 64 bytes */
	{ "a", 55, "c1c8bbdc22796e28c0e15163d20899b65621d65a" },
	{ "a", 56, "c2db330f6083854c99d4b5bfb6e8f29f201be699" },
	{ "a", 64, "0098ba824b5c16427bd7a1122a5a442a25ec644d" },
};

START_TEST(sha1_known_vectors)
{
	const struct vector *v = &sha1_vectors[_i];
	struct strbuf hex = STRBUF_INIT;
	size_t len;
	char *data = expand(v, &len);

	strbuf_addstr(&hex, "x-");
	sha1_hex(&hex, data, len);
	ck_assert_uint_eq(hex.len, 42);
	ck_assert_str_eq(hex.buf + 2, v->hex);
	strbuf_release(&hex);
	free(data);
}
END_TEST

START_TEST(fnv1a_known_vectors)
{
	ck_assert_uint_eq(fnv1a("", 0), 0xcbf29ce484222325u);
	ck_assert_uint_eq(fnv1a(NULL, 0), 0xcbf29ce484222325u);
	ck_assert_uint_eq(fnv1a("a", 1), 0xaf63dc4c8601ec8cu);
	ck_assert_uint_eq(fnv1a("foobar", 6), 0x85944171f73967e8u);
	/* the length counts, not a NUL */
	ck_assert_uint_eq(fnv1a("foobar\0x", 6), 0x85944171f73967e8u);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hash");
	TCase *tc = tcase_create("sha256");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, known_vectors, 0, (int)(sizeof(vectors) / sizeof(vectors[0])));
	tcase_add_test(tc, incremental_split_anywhere);
	tcase_add_test(tc, byte_at_a_time);
	tcase_add_test(tc, hex_appends);
	tcase_add_loop_test(tc, sha1_known_vectors, 0,
			    (int)(sizeof(sha1_vectors) / sizeof(sha1_vectors[0])));
	tcase_add_test(tc, fnv1a_known_vectors);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
