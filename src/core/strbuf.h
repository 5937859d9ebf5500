/*
 * Growable strings (git's strbuf). Invariants: buf is never NULL once used, buf[len] == '\0',
 * and a zeroed or STRBUF_INIT strbuf is a valid empty string whose buf may be read as "".
 */
#ifndef CORE_STRBUF_H
#define CORE_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

#include "core/xalloc.h"

struct strbuf {
	char *buf;
	size_t len;
	size_t alloc;
};

#define STRBUF_INIT        \
	{                  \
		NULL, 0, 0 \
	}

void strbuf_init(struct strbuf *sb);
/* Frees the contents; the strbuf is empty and reusable afterwards. */
void strbuf_release(struct strbuf *sb);
/* Returns the buffer and leaves sb empty. Caller frees. Never NULL. */
char *strbuf_detach(struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);
void strbuf_grow(struct strbuf *sb, size_t extra);
void strbuf_add(struct strbuf *sb, const void *data, size_t len);
void strbuf_addstr(struct strbuf *sb, const char *s);
void strbuf_addch(struct strbuf *sb, int c);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) XALLOC_PRINTF(2, 3);
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap) XALLOC_PRINTF(2, 0);
/* Shortens to len bytes (no-op if already shorter). */
void strbuf_setlen(struct strbuf *sb, size_t len);
/* The contents, "" when nothing was ever added. Borrowed. */
const char *strbuf_str(const struct strbuf *sb);

#endif
