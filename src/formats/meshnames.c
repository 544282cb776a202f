/* meshnames.c - Istio's value grammar, charm_kubernetes_label and the
 * provider label placeholders; see meshnames.h. */
#include <string.h>

#include "formats/meshnames.h"
#include "base/hash.h"
#include "base/k8sname.h"

/* ---- charm_kubernetes_label ---- */

/* Code points in s (Python's len()). */
static size_t cp_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += meshnames_char_start(*s);
	return n;
}

/* Append the first n code points of s (Python's s[:n]). */
static void cp_prefix(struct strbuf *out, const char *s, size_t n)
{
	const char *p = s;

	for (size_t k = 0; *p; p++) {
		if (meshnames_char_start(*p) && k++ == n)
			break;
	}
	strbuf_add(out, s, (size_t)(p - s));
}

int istio_charm_label(struct strbuf *out, const char *model, const char *app, const char *prefix,
		      const char *suffix, size_t max_len, const char *sep, struct strbuf *why)
{
	size_t lm = cp_len(model), la = cp_len(app), fixed, avail, mlen, alen;
	struct strbuf full = STRBUF_INIT, hash = STRBUF_INIT;

	if (!lm || !la) {
		strbuf_addstr(why, "both the model name and the app name must be at least 1 character long");
		return -1;
	}
	strbuf_addf(&full, "%s%s%s%s%s", prefix, model, sep, app, suffix);
	if (cp_len(full.buf) <= max_len) {
		strbuf_add(out, full.buf, full.len);
		strbuf_release(&full);
		return 0;
	}
	/* the fixed part counts the hash (6) and two separators (2) */
	fixed = cp_len(prefix) + cp_len(suffix) + 6 + 2;
	if (fixed + 2 > max_len) {
		strbuf_addf(why, "the fixed label portion is too long (%zu characters) to fit model and "
			    "app names within %zu", fixed, max_len);
		strbuf_release(&full);
		return -1;
	}
	strbuf_reset(&full);
	strbuf_addf(&full, "%s%s%s", model, sep, app);
	sha1_hex(&hash, full.buf, full.len);
	strbuf_setlen(&hash, 6);
	avail = max_len - fixed;
	/* int(available * len(model) / total): exact integer floor here */
	mlen = avail * lm / (lm + la);
	if (mlen < 1)
		mlen = 1;
	alen = avail > mlen ? avail - mlen : 1;
	strbuf_addstr(out, prefix);
	cp_prefix(out, model, mlen);
	strbuf_addstr(out, sep);
	cp_prefix(out, app, alen);
	strbuf_addf(out, "%s%s%s", sep, hash.buf, suffix);
	strbuf_release(&full);
	strbuf_release(&hash);
	return 0;
}

/* ---- label placeholders ---- */

int istio_label_has_placeholder(const char *tmpl)
{
	return strchr(tmpl, '{') || strchr(tmpl, '}');
}

int istio_expand_label(struct strbuf *out, const char *tmpl, const char *model, const char *app,
		       const char *unit, struct strbuf *why)
{
	size_t old = out->len;

	for (const char *p = tmpl; *p; p++) {
		const char *end;
		size_t n;

		if (*p != '{' && *p != '}') {
			strbuf_addch(out, *p);
			continue;
		}
		end = *p == '{' ? strchr(p, '}') : NULL;
		n = end ? (size_t)(end - p - 1) : 0;
		if (end && n == 5 && !strncmp(p + 1, "model", 5)) {
			strbuf_addstr(out, model);
		} else if (end && n == 3 && !strncmp(p + 1, "app", 3)) {
			strbuf_addstr(out, app);
		} else if (end && n == 4 && !strncmp(p + 1, "unit", 4)) {
			for (const char *u = unit; *u; u++)
				strbuf_addch(out, *u == '/' ? '-' : *u);
		} else if (end && n == 8 && !strncmp(p + 1, "waypoint", 8)) {
			if (istio_charm_label(out, model, app, "", "-waypoint", 63, "-", why) < 0) {
				strbuf_setlen(out, old);
				return -1;
			}
		} else {
			strbuf_addf(why, "unknown placeholder '%.*s' (known: {model}, {app}, {unit}, {waypoint})",
				    end ? (int)(n + 2 > 40 ? 40 : n + 2) : 1, p);
			strbuf_setlen(out, old);
			return -1;
		}
		p = end;
	}
	return 0;
}

/* ---- Istio's value grammar (pkg/config/security) ---- */

static void why_sep(struct strbuf *why)
{
	if (why->len)
		strbuf_addstr(why, "; ");
}

/* [a-zA-Z0-9-._~%!$&'()+,;:@=]+ (security.go validLiteral) */
static int valid_literal(const char *s, size_t n)
{
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!k8s_is_alnum(s[i]) && !strchr("-._~%!$&'()+,;:@=", s[i]))
			return 0;
	return 1;
}

/* CheckValidPathTemplate for one path; message as Istio's. */
static int check_path_template(const char *field, const char *path, struct strbuf *why)
{
	int templ = strstr(path, "{*}") || strstr(path, "{**}"), any = 0;
	size_t start = 0, end = strlen(path);
	struct strbuf trimmed = STRBUF_INIT;
	int ret = 0;

	while (start < end && path[start] == '/')
		start++;
	while (end > start && path[end - 1] == '/')
		end--;
	strbuf_add(&trimmed, path + start, end - start);
	for (size_t i = 0, seg = 0; i <= trimmed.len; i++) {
		const char *g = trimmed.buf + seg, *bad = NULL;
		size_t n = i - seg;
		int one, all;

		if (i < trimmed.len && trimmed.buf[i] != '/')
			continue;
		seg = i + 1;
		one = n == 3 && !strncmp(g, "{*}", 3);
		all = n == 4 && !strncmp(g, "{**}", 4);
		if ((one || all) && !any) {
			any = all;
			continue;
		}
		if (one || all)
			bad = "{**} is not the last operator";
		else if (memchr(g, '{', n) || memchr(g, '}', n))
			bad = "Contains '{' or '}' beyond a supported path template";
		else if (!templ || valid_literal(g, n))
			continue;
		why_sep(why);
		strbuf_addf(why, "invalid or unsupported path %s, found in %s. ", trimmed.buf, field);
		if (bad)
			strbuf_addstr(why, bad);
		else
			strbuf_addf(why, "Contains segment %.*s with invalid string literal", (int)n, g);
		ret = -1;
		break;
	}
	strbuf_release(&trimmed);
	return ret;
}

int istio_check_values(const char *field, const char *const *values, size_t n, struct strbuf *why)
{
	for (size_t i = 0; i < n; i++)
		if (!values[i][0]) {
			why_sep(why);
			strbuf_addf(why, "empty value not allowed, found in %s", field);
			return -1;
		}
	if (!strcmp(field, "Paths") || !strcmp(field, "NotPaths"))
		for (size_t i = 0; i < n; i++)
			if (check_path_template(field, values[i], why) < 0)
				return -1;
	return 0;
}
