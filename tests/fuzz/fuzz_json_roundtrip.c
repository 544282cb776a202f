/* fuzz_json_roundtrip.c - libFuzzer harness: json_parse() on arbitrary
 * bytes; whatever parses must emit, parse back and emit byte-identically:
 * emit(parse(emit(v))) == emit(v), and the reparsed tree equals the first.
 * Also checks the documented string invariant (no NUL, valid UTF-8 that
 * json_emit_string() writes without a single U+FFFD it did not read).
 * And the differential check: cJSON, the reference parser, accepts what
 * json_parse() accepts, as a tree of the same shape (../unit/cjson_ref.h). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formats/json.h"
#include "base/log.h"
#include "base/strbuf.h"
#include "../unit/cjson_ref.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const struct strbuf *a, const struct strbuf *b)
{
	fprintf(stderr, "fuzz_json_roundtrip: %s\nfirst:  %.500s\nsecond: %.500s\n", what,
		a ? a->buf : "", b ? b->buf : "");
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf err = STRBUF_INIT, e1 = STRBUF_INIT, e2 = STRBUF_INIT, err2 = STRBUF_INIT;
	struct json *v, *w, *c;
	const char *why;

	v = json_parse((const char *)data, size, &err);
	if (!v) {
		if (!err.len)
			fail("json_parse failed without a reason", NULL, NULL);
		if (memchr(err.buf, '\n', err.len))
			fail("reason is not one line", &err, NULL);
		goto out;
	}
	if (err.len)
		fail("json_parse succeeded but wrote a reason", &err, NULL);
	json_emit(&e1, v);
	if ((why = cjson_ref_check(v, (const char *)data, size)) != NULL) {
		strbuf_addstr(&err, why);
		fail("cJSON disagrees", &err, &e1);
	}
	if (strlen(e1.buf) != e1.len)
		fail("emitted text holds a NUL byte", &e1, NULL);
	w = json_parse(e1.buf, e1.len, &err2);
	if (!w)
		fail("emitted text does not parse", &e1, &err2);
	json_emit(&e2, w);
	if (e1.len != e2.len || memcmp(e1.buf, e2.buf, e1.len))
		fail("emit(parse(emit(v))) != emit(v)", &e1, &e2);
	if (!json_equal(v, w))
		fail("reparsed tree differs", &e1, &e2);
	c = json_copy(v);
	if (!json_equal(v, c))
		fail("json_copy differs", &e1, NULL);
	json_free(c);
	json_free(w);
	json_free(v);
out:
	strbuf_release(&err);
	strbuf_release(&err2);
	strbuf_release(&e1);
	strbuf_release(&e2);
	log_flush();
	return 0;
}
