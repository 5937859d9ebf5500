/*
 * OSC 52: ESC ] 52 ; c ; <base64 of the text> BEL.
 */
#include "tui/clip.h"

#include <string.h>

#include "core/strbuf.h"

char *clip_osc52(const char *text, size_t len)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *u = (const unsigned char *)text;
	struct strbuf sb = STRBUF_INIT;
	strbuf_addstr(&sb, "\033]52;c;");
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)u[i] << 16;
		if (i + 1 < len)
			v |= (unsigned)u[i + 1] << 8;
		if (i + 2 < len)
			v |= u[i + 2];
		strbuf_addch(&sb, b64[(v >> 18) & 63]);
		strbuf_addch(&sb, b64[(v >> 12) & 63]);
		strbuf_addch(&sb, i + 1 < len ? b64[(v >> 6) & 63] : '=');
		strbuf_addch(&sb, i + 2 < len ? b64[v & 63] : '=');
	}
	strbuf_addch(&sb, '\a');
	return strbuf_detach(&sb);
}
