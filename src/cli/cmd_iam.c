/*
 * lambda-tutor iam report FUNCTION [--json]: the least-privilege report of a function in the
 * learner's local cloud — what its calls needed, which grants of its role they used, which
 * they never used, and the smallest policy that would have allowed them.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/locate.h"
#include "cli/commands.h"
#include "core/xalloc.h"

static void print_resource(const cJSON *r)
{
	if (cJSON_IsString(r)) {
		printf("%s", r->valuestring);
		return;
	}
	const cJSON *list =
		cJSON_IsArray(r) ? r : cJSON_GetObjectItemCaseSensitive(r, "NotResource");
	if (!cJSON_IsArray(r))
		printf("everything but ");
	if (cJSON_IsString(list)) {
		printf("%s", list->valuestring);
		return;
	}
	const cJSON *x;
	bool first = true;
	cJSON_ArrayForEach(x, list)
	{
		printf("%s%s", first ? "" : ", ", cJSON_IsString(x) ? x->valuestring : "?");
		first = false;
	}
}

static void print_grants(const char *title, const cJSON *list)
{
	printf("\n%s:\n", title);
	if (cJSON_GetArraySize(list) == 0)
		printf("  (none)\n");
	const cJSON *g;
	cJSON_ArrayForEach(g, list)
	{
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(g, "action");
		const cJSON *na = cJSON_GetObjectItemCaseSensitive(g, "notAction");
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(g, "policy");
		printf("  %s%s on ", a ? "" : "everything but ",
		       cJSON_IsString(a)    ? a->valuestring
		       : cJSON_IsString(na) ? na->valuestring
					    : "?");
		print_resource(cJSON_GetObjectItemCaseSensitive(g, "resource"));
		printf("  (%s)\n", cJSON_IsString(p) ? p->valuestring : "?");
	}
}

static void print_report(const cJSON *o)
{
	const cJSON *fn = cJSON_GetObjectItemCaseSensitive(o, "function");
	const cJSON *role = cJSON_GetObjectItemCaseSensitive(o, "roleArn");
	const cJSON *calls = cJSON_GetObjectItemCaseSensitive(o, "calls");
	printf("Least-privilege report for %s\n", cJSON_IsString(fn) ? fn->valuestring : "?");
	if (!cJSON_IsString(role)) {
		printf("\nThe function has made no AWS call with its role's credentials yet: "
		       "invoke "
		       "it, then ask again.\n");
		return;
	}
	printf("Role: %s\n\nCalls the function made:\n", role->valuestring);
	const cJSON *x;
	cJSON_ArrayForEach(x, calls)
	{
		const cJSON *a = cJSON_GetObjectItemCaseSensitive(x, "action");
		const cJSON *r = cJSON_GetObjectItemCaseSensitive(x, "resource");
		const cJSON *n = cJSON_GetObjectItemCaseSensitive(x, "count");
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(x, "decision");
		printf("  %-17s %4d x %s on %s\n", cJSON_IsString(d) ? d->valuestring : "?",
		       cJSON_IsNumber(n) ? n->valueint : 0,
		       cJSON_IsString(a) ? a->valuestring : "?",
		       cJSON_IsString(r) ? r->valuestring : "?");
	}
	print_grants("Grants of the role these calls used",
		     cJSON_GetObjectItemCaseSensitive(o, "used"));
	print_grants("Grants of the role no call used (candidates to remove)",
		     cJSON_GetObjectItemCaseSensitive(o, "unused"));
	char *draft = cJSON_Print(cJSON_GetObjectItemCaseSensitive(o, "draftPolicy"));
	printf("\nThe smallest policy that allows every call made:\n%s\n", draft ? draft : "{}");
	free(draft);
}

int cmd_iam_run(const struct cli_opts *opts, int argc, char **argv)
{
	const char *fn = NULL;
	if (argc < 2 || strcmp(argv[1], "report") != 0) {
		cli_error("iam: which report? Usage: lambda-tutor iam report FUNCTION [--json]");
		return CLI_USAGE;
	}
	for (int i = 2; i < argc; i++) {
		if (argv[i][0] != '-' && !fn) {
			fn = argv[i];
		} else {
			cli_error("iam: bad argument '%s'; see 'lambda-tutor iam --help'", argv[i]);
			return CLI_USAGE;
		}
	}
	if (!fn) {
		cli_error("iam report: which function? Usage: lambda-tutor iam report FUNCTION");
		return CLI_USAGE;
	}
	struct error err;
	error_clear(&err);
	char *ws = cli_workspace(opts, &err);
	if (!ws) {
		cli_print_error(&err);
		return CLI_USAGE;
	}
	char *path = xasprintf("/_tutor/iam/report/%s", fn);
	int status = 0;
	char *body = NULL;
	int rc = CLI_OK;
	if (!cloud_control(ws, "GET", path, &status, &body, &err)) {
		cli_error("iam report: the local cloud does not answer (start it with "
			  "'lambda-tutor serve'): %s",
			  err.msg);
		rc = CLI_USAGE;
		goto out;
	}
	cJSON *o = status == 200 ? cJSON_Parse(body) : NULL;
	if (!o) {
		/* The cloud's own message when it has one ("Function not found: ..."). */
		cJSON *e = body ? cJSON_Parse(body) : NULL;
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");
		if (!cJSON_IsString(m))
			m = cJSON_GetObjectItemCaseSensitive(e, "Message");
		if (cJSON_IsString(m))
			cli_error("iam report: %s", m->valuestring);
		else
			cli_error("iam report: the local cloud answered HTTP %d: %s", status,
				  body ? body : "");
		cJSON_Delete(e);
		rc = CLI_USAGE;
		goto out;
	}
	if (opts->json)
		printf("%s\n", body);
	else
		print_report(o);
	cJSON_Delete(o);
out:
	free(body);
	free(path);
	free(ws);
	return rc;
}
