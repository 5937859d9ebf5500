/*
 * The command line: one file per command (cmd_<name>.c), each a struct cli_command in the
 * table of commands.c. main.c parses the options every command shares, then dispatches.
 *
 * Exit codes: CLI_OK 0 success, CLI_FAIL 1 a check or lint failed, CLI_USAGE 2 a usage or
 * environment error. Errors are one line on stderr.
 */
#ifndef CLI_CLI_H
#define CLI_CLI_H

#include <stdbool.h>

#include "core/error.h"

enum {
	CLI_OK = 0,
	CLI_FAIL = 1,
	CLI_USAGE = 2
};

/* Options every command understands. Strings are borrowed from argv or the environment. */
struct cli_opts {
	const char *course_dir; /* --course DIR: the folder holding course.yaml */
	const char *db_path;    /* --db PATH, else $LAMBDA_TUTOR_DB */
	const char *learner;    /* --learner NAME, else the login name */
	const char *workspace;  /* --workspace DIR */
	const char *class_dir;  /* --class DIR */
	bool json;              /* --json */
	bool help;              /* --help or -h */
};

struct cli_command {
	const char *name;
	const char *summary; /* one line for `lambda-tutor --help` */
	const char *usage;   /* full text for `lambda-tutor NAME --help` */
	/* argv[0] is the command name; the shared options are already removed. */
	int (*run)(const struct cli_opts *opts, int argc, char **argv);
};

/* The table of commands, terminated by an entry whose name is NULL. */
extern const struct cli_command cli_commands[];
const struct cli_command *cli_find(const char *name);
void cli_print_help(void);

/*
 * Remove the shared options from argv (in place, keeping order) and fill opts.
 * Returns false and fills err on a malformed option (a missing value).
 */
bool cli_parse_shared(int *argc, char **argv, struct cli_opts *opts, struct error *err);

/*
 * The course folder to use: --course, else $LAMBDA_TUTOR_COURSE, else the source tree's
 * lessons/ when running from the build tree, else the installed one. Caller frees.
 */
char *cli_course_dir(const struct cli_opts *opts);
/* The learner's name: --learner, else the login name. Caller frees. */
char *cli_learner(const struct cli_opts *opts, struct error *err);
/*
 * The learner's record file: --db, else $LAMBDA_TUTOR_DB, else DIR/<learner>.db with --class,
 * else $XDG_DATA_HOME/lambda-tutor/<learner>.db. Caller frees. NULL and err when unknown.
 */
char *cli_db_path(const struct cli_opts *opts, struct error *err);
/*
 * Whether the trainer has closed module m (an index from 0) to the learner: read from --class
 * DIR on a shared host, or asked of the class server the record has joined (the last answer
 * kept when it cannot be reached). The rule the tutor's screens follow, pace_module_open().
 * False outside a class and when the trainer's word cannot be read (it locks nothing then).
 */
bool cli_module_closed(const struct cli_opts *opts, long m);
/* The learner's workspace: --workspace, else $LAMBDA_TUTOR_WORKSPACE, else ~/lambda-workshop. */
char *cli_workspace(const struct cli_opts *opts, struct error *err);

/*
 * Sealed classes (seal.c). Before a command runs: read the class key of the class it works on
 * while the process still has the group it was installed setgid to, then drop every privilege
 * for good. The class command drops them itself (class init makes the key). False and err when
 * they cannot be dropped.
 */
bool cli_settle_privileges(const char *cmd, int argc, char **argv, const struct cli_opts *opts,
			   struct error *err);
bool cli_drop_privileges(struct error *err);
/* Whether the process was started setgid or setuid (the kernel's AT_SECURE). */
bool cli_privileged(void);
/* Whether the class directory has a seal key (its records must be sealed). */
bool cli_class_sealed(const char *dir);
/* The class key read by cli_settle_privileges, or NULL. Borrowed. */
const unsigned char *cli_seal_key(void);
struct store;
/*
 * Open the learner's record file for writing: in a class directory group-readable, and in a
 * sealed class sealed with the key (refused when the key was not read, or when the file was
 * changed outside the tutor). Close with store_close().
 */
struct store *cli_open_records(const struct cli_opts *opts, const char *db_path, struct error *err);

/* The record file a command opened with cli_open_records(), or NULL. Borrowed. */
const char *cli_records_opened(void);
/*
 * After a command: when it opened a record that has joined a class server, send the server
 * what it lacks (cmd_join.c); a server that cannot be reached leaves them queued, said in one
 * line on stderr.
 */
void cli_class_sync(void);

/* Print "lambda-tutor: <message>" to stderr. */
void cli_error(const char *fmt, ...) XALLOC_PRINTF(1, 2);
/* Print the one-line form of err with the "lambda-tutor: " prefix unless it is located. */
void cli_print_error(const struct error *err);

#endif
