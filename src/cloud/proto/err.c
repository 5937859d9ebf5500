/*
 * struct aws_err (cloud/svc/svc.h): an AWS error before a protocol renders it.
 */
#include "cloud/svc/svc.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

bool aws_err_set(struct aws_err *e, int status, const char *code, const char *fmt, ...)
{
	va_list ap;
	cJSON_Delete(e->fields);
	e->fields = NULL;
	e->status = status;
	snprintf(e->code, sizeof(e->code), "%s", code);
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	e->server = status >= 500;
	return false;
}

void aws_err_release(struct aws_err *e)
{
	if (!e)
		return;
	cJSON_Delete(e->fields);
	memset(e, 0, sizeof(*e));
}
