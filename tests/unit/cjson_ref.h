/* cjson_ref.h - cJSON as the reference parser of the tests (check_json,
 * fuzz_json_roundtrip): every text json_parse() accepts, cJSON accepts too
 * (it is the more lenient of the two), as a tree of the same shape. The
 * program itself does not link cJSON (tools/check-layers sees to it).
 */
#ifndef SVCMESH_CJSON_REF_H
#define SVCMESH_CJSON_REF_H

#include <stdlib.h>
#include <string.h>
#include <cJSON.h>

#include "formats/json.h"

/* NULL when c is v's shape: same types (a number for JSON_INT and
 * JSON_REAL, with the same value), the same list lengths, the same keys
 * in the same order, equal strings (a JSON_BADSTRING only has to be a
 * string); else what differs. */
static const char *cjson_ref_differs(const struct json *v, const cJSON *c)
{
	const cJSON *e = c->child;
	const char *why = NULL;
	size_t k;

	switch (v->type) {
	case JSON_NULL: return cJSON_IsNull(c) ? NULL : "not null";
	case JSON_FALSE: return cJSON_IsFalse(c) ? NULL : "not false";
	case JSON_TRUE: return cJSON_IsTrue(c) ? NULL : "not true";
	case JSON_INT:
		return cJSON_IsNumber(c) && (double)v->u.i == c->valuedouble ? NULL : "another integer";
	case JSON_REAL: return cJSON_IsNumber(c) && v->u.d == c->valuedouble ? NULL : "another number";
	case JSON_STRING: return cJSON_IsString(c) && !strcmp(v->u.s, c->valuestring) ? NULL : "another string";
	case JSON_BADSTRING: return cJSON_IsString(c) ? NULL : "not a string";
	case JSON_ARRAY:
		if (!cJSON_IsArray(c))
			return "not a list";
		for (k = 0; k < v->u.arr.n && e && !why; k++, e = e->next)
			why = cjson_ref_differs(v->u.arr.items[k], e);
		return why ? why : k < v->u.arr.n || e ? "another list length" : NULL;
	case JSON_OBJECT:
		if (!cJSON_IsObject(c))
			return "not an object";
		for (k = 0; k < v->u.obj.n && e && !why; k++, e = e->next)
			why = strcmp(v->u.obj.m[k].key, e->string) && !v->u.obj.m[k].bad ? "another key" :
				cjson_ref_differs(v->u.obj.m[k].value, e);
		return why ? why : k < v->u.obj.n || e ? "another member count" : NULL;
	}
	return "an unknown type";
}

/* NULL when cJSON accepts the len bytes of text (as one value, nothing
 * after it) and builds v's shape; else why not. */
static const char *cjson_ref_check(const struct json *v, const char *text, size_t len)
{
	char *copy = malloc(len + 1);
	const char *why;
	cJSON *c;

	if (!copy)
		abort();
	memcpy(copy, text, len);
	copy[len] = '\0';
	/* the terminator inside the length: require_null_terminated checks it */
	c = cJSON_ParseWithLengthOpts(copy, len + 1, NULL, 1);
	why = c ? cjson_ref_differs(v, c) : "cJSON refuses it";
	cJSON_Delete(c);
	free(copy);
	return why;
}

#endif
