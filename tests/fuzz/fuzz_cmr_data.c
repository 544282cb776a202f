/* fuzz_cmr_data.c - libFuzzer harness: cmr_data_parse() on arbitrary
 * relation text. Accepted data must name a non-empty app and model that
 * cmr_data_emit() writes back to text which parses to the same pair;
 * refused data must come with a reason and leave nothing allocated. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "protocol/policy.h"
#include "base/strbuf.h"
#include "base/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
	fprintf(stderr, "fuzz_cmr_data: %s\n", what);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* relation values are C strings: what follows a NUL never arrives */
	char *text = xstrndup((const char *)data, size);
	struct strbuf why = STRBUF_INIT, out = STRBUF_INIT;
	char *app = NULL, *model = NULL, *app2 = NULL, *model2 = NULL;

	if (cmr_data_parse(text, &app, &model, &why) < 0) {
		if (app || model || !why.len)
			fail("refusal left strings or gave no reason");
	} else {
		if (!app || !model || !*app || !*model)
			fail("accepted an empty app_name or juju_model_name");
		cmr_data_emit(&out, app, model);
		if (cmr_data_parse(out.buf, &app2, &model2, &why) < 0)
			fail("emitted cmr_data does not parse");
		if (strcmp(app, app2) || strcmp(model, model2))
			fail("cmr_data changes through emit and parse");
	}
	free(app);
	free(model);
	free(app2);
	free(model2);
	free(text);
	strbuf_release(&why);
	strbuf_release(&out);
	log_flush();
	return 0;
}
