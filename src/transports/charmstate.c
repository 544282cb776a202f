/* charmstate.c - paths in the charm directory; see charmstate.h. */
#include "transports/charmstate.h"
#include "base/strbuf.h"

char *charm_path(const char *dir, const char *name)
{
	struct strbuf sb = STRBUF_INIT;

	if (dir && *dir) {
		strbuf_addstr(&sb, dir);
		while (sb.len > 1 && sb.buf[sb.len - 1] == '/')
			strbuf_setlen(&sb, sb.len - 1);
		if (sb.buf[sb.len - 1] != '/')
			strbuf_addch(&sb, '/');
	}
	strbuf_addstr(&sb, name);
	return strbuf_detach(&sb, NULL);
}
