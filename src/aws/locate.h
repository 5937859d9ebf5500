/*
 * Finding the local cloud that serves a workspace (its lock file and health check), or
 * starting one in the background: what the tutor, the checker and `lambda-tutor env` need of
 * the cloud without linking it.
 */
#ifndef AWS_LOCATE_H
#define AWS_LOCATE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

/* The port a cloud serves on when it is free (else a free one). */
#define LOCATE_DEFAULT_PORT 4566

/*
 * The endpoint of the cloud serving workspace, if one runs and answers its health check.
 * Returns false when none does.
 */
bool cloud_find(const char *workspace, char *endpoint_out, size_t n);
/*
 * Find the workspace's cloud or start one in the background (`lambda-tutor serve`, detached,
 * logging to <workspace>/.cloud/serve.log) and wait until it answers. self is the path of the
 * lambda-tutor binary (NULL: /proc/self/exe). A cloud started from a program file that has
 * since been replaced (rebuilt, upgraded) is stopped first, so the new one serves.
 */
bool cloud_ensure(const char *workspace, const char *self, char *endpoint_out, size_t n,
		  struct error *err);
/* The server program: lambda-tutor-cloud beside self (NULL: this binary), else the installed
 * one. Caller frees. */
char *cloud_program(const char *self);

#endif
