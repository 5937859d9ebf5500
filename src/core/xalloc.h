/*
 * Allocation that never returns NULL: on exhaustion the process prints one line and aborts,
 * so callers need no NULL checks (tmux, git, foot do the same).
 */
#ifndef CORE_XALLOC_H
#define CORE_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

#if defined(__GNUC__)
#define XALLOC_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define XALLOC_PRINTF(f, a)
#endif

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *ptr, size_t size);
/* Resize to n * size bytes, aborting on overflow. */
void *xreallocarray(void *ptr, size_t n, size_t size);
/* Copies of strings. Caller frees. xstrdup(NULL) returns NULL. */
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a fresh string. Caller frees. */
char *xasprintf(const char *fmt, ...) XALLOC_PRINTF(1, 2);
char *xvasprintf(const char *fmt, va_list ap) XALLOC_PRINTF(1, 0);

#endif
