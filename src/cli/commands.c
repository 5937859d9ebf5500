/*
 * The table of commands. Each lives in its own cmd_<name>.c.
 */
#include "cli/commands.h"

const struct cli_command cli_commands[] = {
	CMD_VERSION,        CMD_LINT,   CMD_LIST,     CMD_TUTOR,   CMD_SERVE,    CMD_ENV,
	CMD_GENERATE_EVENT, CMD_CHECK,  CMD_SELFTEST, CMD_RESET,   CMD_EXERCISE, CMD_CONSOLE,
	CMD_QUIZ,           CMD_EXPORT, CMD_STATS,    CMD_CLASS,   CMD_TRAINER,  CMD_GRADE,
	CMD_SCENARIO,       CMD_IAM,    CMD_TUNE,     CMD_PROJECT, CMD_REVIEW,   CMD_PRESENT,
	CMD_JOIN,           { 0 },
};
