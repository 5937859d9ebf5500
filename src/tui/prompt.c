/*
 * The prompt's buffer stays valid UTF-8: characters go in encoded and come out whole.
 */
#include "tui/prompt.h"

#include <stdio.h>

#include "tui/utf8.h"

bool prompt_insert(struct prompt *p, uint32_t cp)
{
	if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) || cp > 0x10FFFF ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return false;
	char enc[4];
	size_t n = utf8_encode(cp, enc);
	if (p->len + n >= PROMPT_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		p->buf[p->len++] = enc[i];
	p->buf[p->len] = '\0';
	return true;
}

bool prompt_backspace(struct prompt *p)
{
	if (p->len == 0)
		return false;
	do
		p->len--;
	while (p->len > 0 && ((unsigned char)p->buf[p->len] & 0xC0) == 0x80);
	p->buf[p->len] = '\0';
	return true;
}

void prompt_delete_word(struct prompt *p)
{
	while (p->len > 0 && p->buf[p->len - 1] == ' ')
		p->len--;
	while (p->len > 0 && p->buf[p->len - 1] != ' ')
		p->len--;
	p->buf[p->len] = '\0';
}

void prompt_clear(struct prompt *p)
{
	p->len = 0;
	p->buf[0] = '\0';
}

void prompt_set(struct prompt *p, const char *s)
{
	int n = snprintf(p->buf, sizeof(p->buf), "%s", s);
	p->len = n < 0 ? 0 : (size_t)n < sizeof(p->buf) ? (size_t)n : sizeof(p->buf) - 1;
	/* Never leave half a character at the end of a cut copy. */
	size_t i = 0;
	while (i < p->len) {
		uint32_t cp;
		size_t len = utf8_decode(p->buf + i, p->len - i, &cp);
		if (cp == UTF8_REPLACEMENT && len == 1 && i + 4 > p->len)
			break;
		i += len;
	}
	p->len = i;
	p->buf[i] = '\0';
}
