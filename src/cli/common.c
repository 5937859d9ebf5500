/*
 * Options shared by every command, and where things live by default.
 */
#include "cli/cli.h"

#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/locate.h"
#include "class/link.h"
#include "class/names.h"
#include "class/room.h"
#include "class/wire.h"
#include "core/clock.h"
#include "core/path.h"
#include "core/strutil.h"
#include "core/xalloc.h"

const struct cli_command *cli_find(const char *name)
{
	for (const struct cli_command *c = cli_commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

void cli_print_help(void)
{
	printf("Usage: lambda-tutor [COMMAND] [OPTIONS]\n\n"
	       "An interactive terminal workshop: Introduction to AWS Lambda.\n"
	       "Without a command, opens the tutor.\n\nCommands:\n");
	for (const struct cli_command *c = cli_commands; c->name; c++)
		printf("  %-16s %s\n", c->name, c->summary);
	printf("\nOptions for every command:\n"
	       "  --course DIR       the course folder (holding course.yaml)\n"
	       "  --db PATH          the learner's record file (or LAMBDA_TUTOR_DB)\n"
	       "  --learner NAME     the learner (default: the login name)\n"
	       "  --workspace DIR    the learner's workspace (default: ~/lambda-workshop)\n"
	       "  --class DIR        keep records in a class directory\n"
	       "  --json             print data as JSON where a command prints data\n"
	       "  -h, --help         help for a command\n"
	       "  --version          print the version\n\n"
	       "Exit status: 0 success, 1 a check or lint failed, 2 a usage or environment error.\n"
	       "See lambda-tutor(1) and `lambda-tutor COMMAND --help`.\n");
}

static const char *take_value(int *i, int argc, char **argv, const char *name, const char *arg,
			      struct error *err)
{
	size_t n = strlen(name);
	if (arg[n] == '=')
		return arg + n + 1;
	if (*i + 1 >= argc) {
		error_set(err, "option '%s' needs a value", name);
		return NULL;
	}
	return argv[++*i];
}

bool cli_parse_shared(int *argc, char **argv, struct cli_opts *opts, struct error *err)
{
	static const char *const valued[] = { "--course", "--db", "--learner", "--workspace",
					      "--class" };
	int out = 0;
	bool rest_literal = false;
	for (int i = 0; i < *argc; i++) {
		const char *a = argv[i];
		if (rest_literal || a[0] != '-') {
			argv[out++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0) {
			rest_literal = true;
			argv[out++] = argv[i];
			continue;
		}
		if (strcmp(a, "--json") == 0) {
			opts->json = true;
			continue;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			opts->help = true;
			continue;
		}
		bool matched = false;
		for (size_t k = 0; k < sizeof(valued) / sizeof(valued[0]); k++) {
			size_t n = strlen(valued[k]);
			if (strncmp(a, valued[k], n) != 0 || (a[n] != '\0' && a[n] != '='))
				continue;
			const char *v = take_value(&i, *argc, argv, valued[k], a, err);
			if (!v)
				return false;
			if (!v[0])
				return error_set(err, "option '%s' needs a non-empty value",
						 valued[k]);
			switch (k) {
			case 0:
				opts->course_dir = v;
				break;
			case 1:
				opts->db_path = v;
				break;
			case 2:
				opts->learner = v;
				break;
			case 3:
				opts->workspace = v;
				break;
			case 4:
				opts->class_dir = v;
				break;
			default:
				abort();
			}
			matched = true;
			break;
		}
		if (!matched)
			argv[out++] = argv[i];
	}
	*argc = out;
	argv[out] = NULL;
	return true;
}

char *cli_course_dir(const struct cli_opts *opts)
{
	/*
	 * Installed setgid, the tutor grades quizzes that count for a sealed class: with a course
	 * of the learner's choosing, the learner would choose the answers.
	 */
	bool own = !cli_privileged();
	if (own && opts->course_dir)
		return xstrdup(opts->course_dir);
	const char *env = getenv("LAMBDA_TUTOR_COURSE");
	if (own && env && env[0])
		return xstrdup(env);
	/* Running from the build tree: use the source tree's course, so edits show at once. */
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		char *dir = path_dirname(self);
		bool in_build = strcmp(dir, LT_BUILD_DIR) == 0;
		free(dir);
		if (in_build)
			return path_join(LT_SOURCE_DIR, "lessons");
	}
	char *installed = path_join(LT_DATA_DIR, "lessons");
	if (path_is_dir(installed))
		return installed;
	free(installed);
	return path_join(LT_SOURCE_DIR, "lessons");
}

char *cli_learner(const struct cli_opts *opts, struct error *err)
{
	const char *name = opts->learner;
	if (!name) {
		struct passwd *pw = getpwuid(getuid());
		name = pw ? pw->pw_name : getenv("USER");
	}
	if (!name)
		return error_set(err, "cannot tell who the learner is; pass --learner NAME"), NULL;
	if (opts->learner && opts->class_dir && cli_class_sealed(opts->class_dir)) {
		/* In a sealed class the kernel says who the learner is. */
		struct passwd *pw = getpwuid(getuid());
		if (!pw || strcmp(pw->pw_name, opts->learner) != 0)
			return error_set(err,
					 "this class records you as '%s', your login name; "
					 "--learner %s is refused",
					 pw ? pw->pw_name : "?", opts->learner),
			       NULL;
	}
	/* The rule a class applies too (class/wire.h): a name that works here joins a class. */
	if (!wire_learner_valid(name))
		return error_set(err, "invalid learner name '%s': " WIRE_LEARNER_RULE, name), NULL;
	/* A class with a roster (class roster DIR --set FILE) records only the names on it. */
	if (opts->class_dir && !names_allowed(opts->class_dir, name, err))
		return NULL;
	return xstrdup(name);
}

char *cli_db_path(const struct cli_opts *opts, struct error *err)
{
	if (opts->db_path)
		return xstrdup(opts->db_path);
	const char *env = getenv("LAMBDA_TUTOR_DB");
	if (env && env[0])
		return xstrdup(env);
	char *learner = cli_learner(opts, err);
	if (!learner)
		return NULL;
	char *file = xasprintf("%s.db", learner);
	free(learner);
	char *path;
	if (opts->class_dir) {
		path = path_join(opts->class_dir, file);
	} else {
		char *data = path_xdg_data_home();
		if (!data) {
			free(file);
			return error_set(err, "cannot find a data directory: set HOME, "
					      "XDG_DATA_HOME or pass --db PATH"),
			       NULL;
		}
		char *dir = path_join(data, "lambda-tutor");
		path = path_join(dir, file);
		free(dir);
		free(data);
	}
	free(file);
	return path;
}

char *cli_workspace(const struct cli_opts *opts, struct error *err)
{
	if (opts->workspace)
		return xstrdup(opts->workspace);
	const char *env = getenv("LAMBDA_TUTOR_WORKSPACE");
	if (env && env[0])
		return xstrdup(env);
	const char *home = getenv("HOME");
	if (!home || !home[0])
		return error_set(err, "cannot find a workspace: set HOME or pass --workspace DIR"),
		       NULL;
	return path_join(home, "lambda-workshop");
}

void cli_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("lambda-tutor: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void cli_print_error(const struct error *err)
{
	if (!err->path[0])
		fputs("lambda-tutor: ", stderr);
	error_print(stderr, err);
}

/* How long a command waits for the class server's word on the modules open. */
#define ROOM_ASK_MS 3000

bool cli_module_closed(const struct cli_opts *opts, long m)
{
	struct error err;
	error_clear(&err);
	char *db = cli_db_path(opts, &err);
	if (!db)
		return false;
	const char *base = strrchr(db, '/') ? strrchr(db, '/') + 1 : db;
	size_t len = strlen(base);
	char *learner = xstrndup(base, len > 3 && !strcmp(base + len - 3, ".db") ? len - 3 : len);
	bool joined = false;
	if (!opts->class_dir) {
		char *link = link_path(db);
		joined = path_is_file(link);
		free(link);
		/* The trainer's latest word; offline, the last one the tutor was told. */
		bool offline = false;
		if (joined)
			link_room_within(db, ROOM_ASK_MS, &offline, &err);
	}
	struct room rm;
	bool closed = (opts->class_dir || joined) &&
		      room_read(opts->class_dir, joined ? db : NULL, learner, clock_wall_ms(), &rm,
				&err) &&
		      m >= 0 && !pace_module_open(&rm.pace, m + 1);
	free(learner);
	free(db);
	return closed;
}
