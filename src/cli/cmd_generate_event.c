/*
 * lambda-tutor generate-event SERVICE TYPE [options]: print a sample event, as
 * `sam local generate-event` does, built by the same code as the local cloud's events.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/events.h"
#include "cli/commands.h"

static void list_kinds(FILE *out)
{
	fprintf(out, "Sample events:\n");
	for (size_t i = 0; i < events_kind_count; i++)
		fprintf(out, "  %-11s %-16s %s\n", events_kinds[i].service, events_kinds[i].type,
			events_kinds[i].title);
}

int cmd_generate_event_run(const struct cli_opts *opts, int argc, char **argv)
{
	(void)opts;
	struct events_opts o = { 0 };
	const char *pos[2] = { NULL, NULL };
	int npos = 0;
	static const char *const names[] = { "--bucket",  "--key",   "--region", "--account",
					     "--body",    "--path",  "--method", "--message",
					     "--subject", "--topic", "--queue",  "--size",
					     NULL };
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--list") == 0) {
			list_kinds(stdout);
			return CLI_OK;
		}
		if (argv[i][0] != '-' || !argv[i][1]) {
			if (npos == 2) {
				cli_error("generate-event: unexpected argument '%s'", argv[i]);
				return CLI_USAGE;
			}
			pos[npos++] = argv[i];
			continue;
		}
		size_t k = 0;
		while (names[k] && strcmp(names[k], argv[i]) != 0)
			k++;
		if (!names[k]) {
			cli_error("generate-event: unknown option '%s'; see 'lambda-tutor "
				  "generate-event --help'",
				  argv[i]);
			return CLI_USAGE;
		}
		if (i + 1 >= argc) {
			cli_error("generate-event: %s needs a value", argv[i]);
			return CLI_USAGE;
		}
		const char *v = argv[++i];
		const char **slot[] = { &o.bucket,  &o.key,   &o.region, &o.account,
					&o.body,    &o.path,  &o.method, &o.message,
					&o.subject, &o.topic, &o.queue,  NULL };
		if (slot[k]) {
			*slot[k] = v;
		} else {
			char *end;
			o.size = strtoll(v, &end, 10);
			if (!v[0] || *end || o.size <= 0) {
				cli_error(
					"generate-event: --size needs a positive number of bytes");
				return CLI_USAGE;
			}
		}
	}
	if (npos < 2) {
		cli_error("generate-event: name a SERVICE and a TYPE, e.g. 'lambda-tutor "
			  "generate-event s3 put'");
		list_kinds(stderr);
		return CLI_USAGE;
	}
	if (o.account && (strlen(o.account) != 12 || strspn(o.account, "0123456789") != 12)) {
		cli_error("generate-event: --account must be 12 digits");
		return CLI_USAGE;
	}
	struct error err;
	error_clear(&err);
	char *text = events_generate(pos[0], pos[1], &o, &err);
	if (!text) {
		cli_print_error(&err);
		return CLI_USAGE;
	}
	printf("%s\n", text);
	free(text);
	return CLI_OK;
}
