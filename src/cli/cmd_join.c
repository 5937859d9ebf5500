/*
 * lambda-tutor join URL CODE: join a class server from the learner's own machine, and send it
 * what it lacks, after every command that records (cli_class_sync) or with --sync.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "class/link.h"
#include "class/tls.h"
#include "cli/commands.h"
#include "core/path.h"
#include "core/xalloc.h"
#include "store/store.h"

static void report(const struct link_sync *s)
{
	if (s->offline)
		cli_error("the class server at %s cannot be reached: %zu event%s wait%s here and "
			  "go when it can",
			  s->url, s->pending, s->pending == 1 ? "" : "s",
			  s->pending == 1 ? "s" : "");
	else
		printf("sent %zu event%s to %s as '%s'; it holds your record up to event %lld\n",
		       s->sent, s->sent == 1 ? "" : "s", s->url, s->learner, (long long)s->acked);
	if (s->refused)
		printf("the server refused %zu event%s (kept as a note the trainer sees): %s\n",
		       s->refused, s->refused == 1 ? "" : "s", s->first_refusal);
}

/* After a command, a server that does not answer is given this long; join --sync waits. */
#define CLASS_SYNC_MS 5000

void cli_class_sync(void)
{
	const char *db = cli_records_opened();
	if (!db)
		return;
	char *link = link_path(db);
	bool linked = path_is_file(link);
	free(link);
	if (!linked)
		return;
	struct link_sync s;
	struct error err;
	error_clear(&err);
	if (!link_sync_within(db, CLASS_SYNC_MS, &s, &err))
		cli_print_error(&err);
	else if (s.offline)
		cli_error("the class server at %s cannot be reached: %zu event%s wait%s here "
			  "and go when it can",
			  s.url, s.pending, s.pending == 1 ? "" : "s", s.pending == 1 ? "s" : "");
	else if (s.refused)
		cli_error("the class server refused %zu event%s: %s", s.refused,
			  s.refused == 1 ? "" : "s", s.first_refusal);
}

int cmd_join_run(const struct cli_opts *opts, int argc, char **argv)
{
	const char *url = NULL, *code = NULL, *pin = NULL;
	bool sync = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--sync"))
			sync = true;
		else if (!strcmp(argv[i], "--fingerprint") && i + 1 < argc)
			pin = argv[++i];
		else if (argv[i][0] == '-') {
			cli_error("unknown option '%s' for join", argv[i]);
			return CLI_USAGE;
		} else if (!url)
			url = argv[i];
		else if (!code)
			code = argv[i];
		else {
			cli_error("join takes a URL and a class code");
			return CLI_USAGE;
		}
	}
	if (sync == (url != NULL) || (url && !code) || (sync && pin)) {
		cli_error(
			"usage: lambda-tutor join URL CODE [--fingerprint SHA256] [--learner NAME] "
			"| join --sync");
		return CLI_USAGE;
	}
	/* On a socket the class knows the learner by login name; a record named after another
	 * name would hold the link, and the learner's later commands (their login's record)
	 * would never reach the class. */
	const char *env_db = getenv("LAMBDA_TUTOR_DB");
	struct passwd *pw = getpwuid(getuid());
	if (url && !strncmp(url, "unix:", 5) && opts->learner && !opts->db_path &&
	    !(env_db && env_db[0]) && pw && strcmp(pw->pw_name, opts->learner) != 0) {
		cli_error("on a class's Unix socket you are '%s', your login name: join without "
			  "--learner (the record of '%s' is not the one your commands use)",
			  pw->pw_name, opts->learner);
		return CLI_USAGE;
	}
	struct error err;
	error_clear(&err);
	int rc = CLI_USAGE;
	char *learner = NULL, *db = cli_db_path(opts, &err);
	struct link_sync s;
	if (!db)
		goto fail;
	if (sync) {
		if (!link_sync(db, &s, &err))
			goto fail;
		if (!s.linked) {
			cli_error(
				"this record has joined no class; run lambda-tutor join URL CODE");
			goto out;
		}
		report(&s);
		/* Nothing was sent: say so in the exit status too (the queue stays). */
		rc = s.offline ? CLI_USAGE : CLI_OK;
		goto out;
	}
	if (!(learner = cli_learner(opts, &err)))
		goto fail;
	/* The record must exist to be sent: a learner may join before doing anything. */
	struct store *st = cli_open_records(opts, db, &err);
	if (!st)
		goto fail;
	store_close(st);
	char fingerprint[TLS_FINGERPRINT_LEN];
	if (!link_join(db, url, code, learner, pin, fingerprint, &err))
		goto fail;
	char *link = link_path(db);
	printf("joined the class at %s; your link to it is %s (0600)\n", url, link);
	if (fingerprint[0])
		printf("the server's key is SHA-256 %s%s; it is pinned: another is refused "
		       "(certificates issued again for it are not)\n",
		       fingerprint, pin ? " as given" : " (check it is the one the trainer shows)");
	free(link);
	if (!link_sync(db, &s, &err))
		goto fail;
	report(&s);
	rc = CLI_OK;
	goto out;
fail:
	cli_print_error(&err);
out:
	free(learner);
	free(db);
	return rc;
}
