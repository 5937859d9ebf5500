/*
 * The command entries that commands.c puts in its table.
 */
#ifndef CLI_COMMANDS_H
#define CLI_COMMANDS_H

#include <stdbool.h>
#include <stddef.h>

#include "cli/cli.h"

int cmd_version_run(const struct cli_opts *opts, int argc, char **argv);
#define CMD_VERSION                                                                              \
	{                                                                                        \
		"version", "print the version", "Usage: lambda-tutor version\n", cmd_version_run \
	}

int cmd_lint_run(const struct cli_opts *opts, int argc, char **argv);
#define CMD_LINT                                                                                   \
	{                                                                                          \
		"lint", "check a course's content and report every problem",                       \
			"Usage: lambda-tutor lint [DIR] [--json]\n"                                \
			"\n"                                                                       \
			"Check the whole course in DIR (default: the course the tutor uses, see "  \
			"--course):\n"                                                             \
			"course.yaml, every module.yaml and every page. Reports unknown keys "     \
			"(with a\n"                                                                \
			"suggestion), missing required keys, wrong types, duplicate or malformed " \
			"ids, files\n"                                                             \
			"and folders that do not exist, module minutes that do not add up to the " \
			"course's,\n"                                                              \
			"empty lists, pages that are not UTF-8 text or whose first heading is "    \
			"not their\n"                                                              \
			"title, and malformed YAML; then the quizzes and exercises the modules "   \
			"name.\n"                                                                  \
			"lessons/README.md and quizzes/README.md describe the formats.\n"          \
			"\n"                                                                       \
			"Every problem is one line on stderr, sorted: path:line:col: message\n"    \
			"A clean course prints \"lint: N modules, M pages: ok\".\n"                \
			"\n"                                                                       \
			"Options:\n"                                                               \
			"  --course DIR   the course folder, when DIR is not given\n"              \
			"  --json         print {ok, modules, pages, diagnostics: [{path, line, "  \
			"col,\n"                                                                   \
			"                 message}]} on stdout instead\n"                          \
			"\n"                                                                       \
			"Exit status: 0 the course is clean, 1 problems were found, 2 DIR is not " \
			"a course.\n",                                                             \
			cmd_lint_run                                                               \
	}

int cmd_list_run(const struct cli_opts *opts, int argc, char **argv);
#define CMD_LIST                                                                                   \
	{                                                                                          \
		"list",                                                                            \
			"list the modules, their core paths and exercises, with the learner's "    \
			"progress",                                                                \
			"Usage: lambda-tutor list [--short] [--json]\n"                            \
			"\n"                                                                       \
			"List the course's modules in order, each with its minutes and its core "  \
			"path:\n"                                                                  \
			"the pages, exercises and quiz a trainer runs in the module's minutes, "   \
			"each with\n"                                                              \
			"its expected minutes, in order, then the going-further items apart. "     \
			"With the\n"                                                               \
			"learner's progress: a tick beside each page viewed, each exercise's "     \
			"state (not\n"                                                             \
			"started, failing and on which task, passed, solution seen), its "         \
			"language and\n"                                                           \
			"last check, each quiz's best score, the page to continue from (the last " \
			"page\n"                                                                   \
			"viewed, else the first core page not viewed: \"Next:\", or \"Start:\") "  \
			"and the next\n"                                                           \
			"unfinished item of the core path. A page whose content changed since it " \
			"was\n"                                                                    \
			"viewed says so. The records are only read: a learner with no record "     \
			"file yet\n"                                                               \
			"gets none created.\n"                                                     \
			"\n"                                                                       \
			"Options:\n"                                                               \
			"  -s, --short      modules only, without their items\n"                   \
			"  --json           the same as one JSON object: course {id, title, "      \
			"minutes},\n"                                                              \
			"                   records {path, exists}, modules [{number, id, title, " \
			"minutes,\n"                                                               \
			"                   core_minutes, further_minutes, pages_viewed, "         \
			"pages_total,\n"                                                           \
			"                   pages [{id, title, minutes, further, viewed,\n"        \
			"                   changed_since_viewed}], exercises [{id, title, kind, " \
			"minutes,\n"                                                               \
			"                   further, state, language, failing_task, "              \
			"solution_seen,\n"                                                         \
			"                   solution_before_pass, runs, last_check}], quizzes "    \
			"[{id, title,\n"                                                           \
			"                   minutes, questions, attempts_started, "                \
			"attempts_finished, best,\n"                                               \
			"                   passed}], core_path [{kind, id, minutes, done}]}], "   \
			"progress\n"                                                               \
			"                   {pages_viewed, pages_total, percent, "                 \
			"exercises_passed,\n"                                                      \
			"                   exercises_total, quizzes_taken, quizzes_total}, "      \
			"position\n"                                                               \
			"                   {module, module_title, page, page_title, resumed} or " \
			"null,\n"                                                                  \
			"                   next {module, kind, id, title} or null\n"              \
			"  --course DIR     the course folder\n"                                   \
			"  --learner NAME   whose records to read (default: the login name)\n"     \
			"  --db PATH        the record file (or LAMBDA_TUTOR_DB; default\n"        \
			"                   $XDG_DATA_HOME/lambda-tutor/NAME.db)\n"                \
			"  --class DIR      read NAME.db in a class directory\n"                   \
			"\n"                                                                       \
			"Exit status: 0 listed, 1 the course does not lint (its problems are "     \
			"printed),\n"                                                              \
			"2 no course there, or the record file cannot be read.\n",                 \
			cmd_list_run                                                               \
	}

int cmd_tutor_run(const struct cli_opts *opts, int argc, char **argv);
#define CMD_TUTOR                                                                                 \
	{                                                                                         \
		"tutor", "open the interactive tutor (the default command)",                      \
			"Usage: lambda-tutor [tutor] [--course DIR] [--learner NAME] [--db "      \
			"PATH]\n"                                                                 \
			"\n"                                                                      \
			"Open the course in the terminal: a home screen with the six modules, "   \
			"their\n"                                                                 \
			"minutes and your progress, and \"Continue\" to the page you read last; " \
			"a module\n"                                                              \
			"screen with its objectives and pages; and the page reader. Every page "  \
			"you open\n"                                                              \
			"is recorded, so the next start continues where you left off. Needs a "   \
			"terminal\n"                                                              \
			"of at least 80x24; NO_COLOR=1 draws without colours.\n"                  \
			"\n"                                                                      \
			"Keys (? shows them on every screen):\n"                                  \
			"  Up Down, j k         move or scroll a line\n"                          \
			"  PgDn PgUp, Space b   scroll a screen\n"                                \
			"  g G, Home End        top, bottom\n"                                    \
			"  ] [                  next, previous heading of a page\n"               \
			"  Enter                open\n"                                           \
			"  /                    search the page; n N next, previous match; Esc "  \
			"clears\n"                                                                \
			"  n p, Right Left      next, previous page (across modules)\n"           \
			"  < >                  scroll wide code sideways\n"                      \
			"  y                    copy the code block on the screen (OSC 52 "       \
			"clipboard)\n"                                                            \
			"  1-9                  open module N from the home screen\n"             \
			"  q, Esc               back; q on the home screen quits\n"               \
			"  ?                    help; Ctrl-C quits from anywhere\n"               \
			"  H                    raise your hand with a note for the trainer "     \
			"(--class)\n"                                                             \
			"  L                    answer the question the trainer pushed (class)\n" \
			"  V                    the trainer's reviews of your project (class)\n"  \
			"\n"                                                                      \
			"Exit status: 0 after q, Ctrl-C or SIGTERM; 1 the course does not lint "  \
			"(its\n"                                                                  \
			"problems are printed); 2 no course, no terminal, or the record file "    \
			"cannot be\n"                                                             \
			"opened (locked, corrupt, or its folder read-only).\n",                   \
			cmd_tutor_run                                                             \
	}

int cmd_serve_run(const struct cli_opts *opts, int argc, char **argv);
#define CMD_SERVE                                                                                  \
	{                                                                                          \
		"serve", "run the workspace's local cloud (AWS APIs on 127.0.0.1:4566)",           \
			"Usage: lambda-tutor serve [--workspace DIR] [--port N] "                  \
			"[--account-concurrency N]\n"                                              \
			"                          [--idle-seconds N] [--time-scale N] "           \
			"[--logs-max-mb N]\n"                                                      \
			"\n"                                                                       \
			"Serve the local cloud of a workspace on 127.0.0.1 until Ctrl-C or "       \
			"SIGTERM, then\n"                                                          \
			"stop every execution environment and exit. It speaks AWS's own APIs: "    \
			"the Lambda\n"                                                             \
			"REST API and the Runtime API, and CloudWatch Logs. State (functions, "    \
			"code, logs,\n"                                                            \
			"metrics) lives in DIR/.cloud/ and survives restarts; a lock file there "  \
			"keeps a\n"                                                                \
			"second cloud off the same workspace. Point a shell at it with\n"          \
			"eval \"$(lambda-tutor env)\".\n"                                          \
			"\n"                                                                       \
			"Options:\n"                                                               \
			"  --workspace DIR          the workspace (default: ~/lambda-workshop)\n"  \
			"  --port N                 the port (default 4566; 0 picks a free one)\n" \
			"  --account-concurrency N  concurrent executions per account (default "   \
			"1000)\n"                                                                  \
			"  --idle-seconds N         warm environments expire after N idle "        \
			"seconds\n"                                                                \
			"                           (default 300)\n"                               \
			"  --time-scale N           run the cloud's clock N times as fast (1 to "  \
			"3600):\n"                                                                 \
			"                           retries, visibility timeouts, message ages\n"  \
			"  --logs-max-mb N          keep at most N MiB of log messages (default "  \
			"64);\n"                                                                   \
			"                           past it the streams written to longest ago "   \
			"go\n"                                                                     \
			"\n"                                                                       \
			"At start it prints what the state takes on disk; /_tutor/health says "    \
			"it too.\n"                                                                \
			"\n"                                                                       \
			"Exit status: 0 stopped by Ctrl-C or SIGTERM; 2 the workspace is already " \
			"served,\n"                                                                \
			"the port is taken, or the state cannot be opened.\n",                     \
			cmd_serve_run                                                              \
	}

int cmd_generate_event_run(const struct cli_opts *opts, int argc, char **argv);
#define CMD_GENERATE_EVENT                                                                        \
	{                                                                                         \
		"generate-event", "print a sample event a service sends to a function",           \
			"Usage: lambda-tutor generate-event SERVICE TYPE [options]\n"             \
			"       lambda-tutor generate-event --list\n"                             \
			"\n"                                                                      \
			"Print, as `sam local generate-event` does, the JSON event AWS hands a "  \
			"function:\n"                                                             \
			"  apigateway aws-proxy        REST API proxy request (payload 1.0)\n"    \
			"  apigateway http-api-proxy   HTTP API request (payload 2.0)\n"          \
			"  alb request                 Application Load Balancer request\n"       \
			"  lambda function-url         function URL request\n"                    \
			"  s3 put | s3 delete          S3 event records\n"                        \
			"  sns notification            SNS message\n"                             \
			"  sqs receive-message         SQS messages from an event source "        \
			"mapping\n"                                                               \
			"  cloudwatch scheduled-event  EventBridge schedule\n"                    \
			"\n"                                                                      \
			"Options: --bucket B --key K --size N (s3), --path /p?q=1 --method M "    \
			"--body TEXT\n"                                                           \
			"(HTTP events; --body also for sqs), --message TEXT --subject S --topic " \
			"NAME (sns),\n"                                                           \
			"--queue NAME (sqs), --region R, --account 123456789012.\n"               \
			"Save one and invoke with it: aws lambda invoke --function-name F\n"      \
			"  --payload fileb://event.json out.json\n",                              \
			cmd_generate_event_run                                                    \
	}

int cmd_env_run(const struct cli_opts *opts, int argc, char **argv);
#define CMD_ENV                                                                                  \
	{                                                                                        \
		"env", "print shell exports that point AWS clients at the local cloud",          \
			"Usage: eval \"$(lambda-tutor env [--workspace DIR] [--no-start])\"\n"   \
			"\n"                                                                     \
			"Print the lines that point the AWS CLI, boto3 and the AWS SDKs at the " \
			"workspace's\n"                                                          \
			"local cloud: AWS_ENDPOINT_URL, your account's key pair (made for the "  \
			"workspace on\n"                                                         \
			"first use and kept 0600 in <workspace>/.cloud/credentials; the cloud "  \
			"checks every\n"                                                         \
			"signature), AWS_DEFAULT_REGION=us-east-1, and a shell function aws() "  \
			"that "                                                                  \
			"passes\n"                                                               \
			"--endpoint-url, for AWS CLIs older than 2.13 that ignore "              \
			"AWS_ENDPOINT_URL. Starts\n"                                             \
			"the cloud in the background when none serves the workspace.\n"          \
			"\n"                                                                     \
			"Options:\n"                                                             \
			"  --no-start   do not start a cloud; print the default endpoint\n"      \
			"  --json       print the variables as one JSON object\n"                \
			"\n"                                                                     \
			"Exit status: 0 printed; 2 the cloud could not be started.\n",           \
			cmd_env_run                                                              \
	}

int cmd_quiz_run(const struct cli_opts *opts, int argc, char **argv);
#define CMD_QUIZ                                                                                   \
	{                                                                                          \
		"quiz", "take a quiz, or list them with --list",                                   \
			"Usage: lambda-tutor quiz QUIZ [--course DIR] [--learner NAME] [--db "     \
			"PATH]\n"                                                                  \
			"       lambda-tutor quiz --list [--json]\n"                               \
			"       lambda-tutor quiz --gift QUIZ\n"                                   \
			"       lambda-tutor quiz --from-gift FILE [ID] > quizzes/ID.yaml\n"       \
			"\n"                                                                       \
			"Open quiz QUIZ (an id from quizzes/; --list shows them with your best "   \
			"score)\n"                                                                 \
			"one question at a time. An open attempt resumes where it stopped; a new " \
			"one\n"                                                                    \
			"freezes its questions and their order. Every answer is saved as it is "   \
			"given.\n"                                                                 \
			"Wrong answers can be tried again when the question has hints, each "      \
			"extra try\n"                                                              \
			"worth a third less (quizzes/README.md has the exact rules).\n"            \
			"--gift prints a quiz or pool in Moodle's GIFT format, for import into "   \
			"Moodle;\n"                                                                \
			"--from-gift reads a GIFT bank and prints it as a quiz file (then run "    \
			"lint).\n"                                                                 \
			"\n"                                                                       \
			"Keys: arrows or j k move, 1-9 choose, Space ticks, J K move an item "     \
			"(ordering),\n"                                                            \
			"Enter submits, n p go to the next or previous question, F F finishes, q " \
			"leaves.\n"                                                                \
			"\n"                                                                       \
			"Exit status: 0 after leaving the quiz; 1 the course does not lint; 2 no " \
			"such\n"                                                                   \
			"quiz, no attempt left, no terminal, or the record file cannot be "        \
			"opened.\n",                                                               \
			cmd_quiz_run                                                               \
	}

/* cmd_check.c: what check, reset and selftest share. */
struct exercise_ctx {
	struct course *course;
	struct exercise_set *set;
	const struct exercise *ex; /* the exercise named, or NULL */
	char *ws;                  /* the workspace */
};
struct check_result;
/* Load the course and its exercises and find id (NULL: none). Prints why not; exit code. */
int exercise_ctx_open(const struct cli_opts *opts, const char *id, struct exercise_ctx *ctx);
void exercise_ctx_close(struct exercise_ctx *ctx);
/* The language to use: flag, else the exercise's or workspace's choice, else python. */
int exercise_ctx_lang(const struct exercise_ctx *ctx, const char *flag);
struct check_cloud;
/* Find or start the workspace's cloud: where it is, and the learner's key pair. */
bool exercise_cloud(const char *ws, struct check_cloud *out, struct error *err);
/* Append a run to the learner's records; prints why not. */
bool exercise_record(const struct cli_opts *opts, const struct check_result *r);

int cmd_check_run(const struct cli_opts *opts, int argc, char **argv);
#define CMD_CHECK                                                                                 \
	{                                                                                         \
		"check", "check an exercise: deploy, invoke, judge each task and say why",        \
			"Usage: lambda-tutor check EXERCISE [--lang python|nodejs] [--watch] "    \
			"[--json]\n"                                                              \
			"\n"                                                                      \
			"Check an exercise. A code exercise zips your folder in the workspace\n"  \
			"(WORKSPACE/EXERCISE, created from the starter the first time), deploys " \
			"it to a\n"                                                               \
			"fresh account of the local cloud and invokes it with events, some of "   \
			"them random.\n"                                                          \
			"An account exercise reads and invokes the function you built in your "   \
			"own\n"                                                                   \
			"account, and changes nothing there. Each task is reported as passed or " \
			"failed;\n"                                                               \
			"a failure shows the event sent, what came back, what was expected and "  \
			"why it\n"                                                                \
			"matters, with the function's log. Every run is recorded.\n"              \
			"\n"                                                                      \
			"Options:\n"                                                              \
			"  --lang L        python or nodejs (default: your earlier choice, else " \
			"python)\n"                                                               \
			"  --watch, -w     check again on every save (inotify, else polling), "   \
			"until Ctrl-C\n"                                                          \
			"  --poll          watch by polling, for file systems without inotify\n"  \
			"  --dir DIR       check the code in DIR instead of the workspace "       \
			"folder\n"                                                                \
			"  --keep          leave the deployed function in the check's account\n"  \
			"  --json          print the result as JSON: {exercise, status, passed, " \
			"total,\n"                                                                \
			"                  tasks: [{id, pass, step, event, got, expected, why, "  \
			"log}], ...}\n"                                                           \
			"  --workspace DIR the workspace (default: ~/lambda-workshop)\n"          \
			"\n"                                                                      \
			"Exit status: 0 every task passed, 1 a task failed, 2 the check could "   \
			"not run\n"                                                               \
			"(the reason is printed: no such exercise, handler file missing, no "     \
			"cloud).\n",                                                              \
			cmd_check_run                                                             \
	}

int cmd_selftest_run(const struct cli_opts *opts, int argc, char **argv);
#define CMD_SELFTEST                                                                               \
	{                                                                                          \
		"selftest",                                                                        \
			"prove each exercise's check against its reference and wrong solutions",   \
			"Usage: lambda-tutor selftest [NAME...] "                                  \
			"[--exercises|--scenarios|--project]\n"                                    \
			"                         [--solutions DIR]\n"                             \
			"\n"                                                                       \
			"For every exercise (or those named), run its check against the "          \
			"solutions in\n"                                                           \
			"DIR/EXERCISE/LANGUAGE/ (default: the source tree's tests/solutions): "    \
			"each\n"                                                                   \
			"reference/ must pass twice with the same result per task, and each "      \
			"wrong-*/ must\n"                                                          \
			"fail on the task its .solution.json names ({\"fails\": \"task-id\"}); "   \
			"a right-*/\n"                                                             \
			"(another way to solve it) must pass as reference/ does. A solution\n"     \
			"holds the files it changes: it is laid over the exercise's starter, "     \
			"less the\n"                                                               \
			"starter's files its .solution.json \"removes\" ([\"PATH\"]). An "         \
			"account\n"                                                                \
			"exercise's solution is first deployed to a fresh account with the "       \
			"configuration\n"                                                          \
			"in .solution.json ({\"config\": {\"Runtime\", \"Handler\", "              \
			"\"MemorySize\",\n"                                                        \
			"\"Timeout\"}}), then what the learner did next is replayed from its "     \
			"\"calls\"\n"                                                              \
			"(API calls, and {\"code\": DIR} for new code). Prints TAP: one line per " \
			"solution.\n"                                                              \
			"\n"                                                                       \
			"A scenario (NAME may name one) is set up in a fresh account and must "    \
			"fail its\n"                                                               \
			"check as broken; then each DIR/scenarios/NAME/reference/fix.sh must "     \
			"make "                                                                    \
			"it pass\n"                                                                \
			"and each wrong-*/fix.sh must leave it failing on the task its "           \
			".solution.json\n"                                                         \
			"names. A fix.sh runs with sh -e in a copy of its folder, with the AWS "   \
			"CLI\n"                                                                    \
			"pointed at that account (AWS_ENDPOINT_URL and a key pair).\n"             \
			"\n"                                                                       \
			"The final project (NAME final-project): each DIR/final-project/ "         \
			"solution "                                                                \
			"(the\n"                                                                   \
			"reference with a wrong-*/ folder's files over it; nodejs/ whole, when "   \
			"its "                                                                     \
			"npm\n"                                                                    \
			"packages are installed) is deployed to a fresh account with `aws "        \
			"cloudformation\n"                                                         \
			"deploy` and scored by the rubric: every check of rubric.yaml runs, the "  \
			"reference\n"                                                              \
			"loses none, each other loses exactly the checks its .solution.json "      \
			"names\n({\"loses\": [CHECK...]}). --exercises, --scenarios or "           \
			"--project limits the run.\n"                                              \
			"An exercise's solutions in one language, or a scenario's runs, go in "    \
			"order;\nLAMBDA_TUTOR_SELFTEST_JOBS (default 3) such groups run at once, " \
			"each in accounts\nof its own; the lines keep their order.\n"              \
			"\n"                                                                       \
			"Exit status: 0 all hold, 1 one did not, 2 no course, no solutions or no " \
			"cloud.\n",                                                                \
			cmd_selftest_run                                                           \
	}

int cmd_iam_run(const struct cli_opts *opts, int argc, char **argv);
#define CMD_IAM                                                                                   \
	{                                                                                         \
		"iam",                                                                            \
			"the least-privilege report of a function: what its role's grants were "  \
			"used for",                                                               \
			"Usage: lambda-tutor iam report FUNCTION [--json]\n"                      \
			"\n"                                                                      \
			"From the AWS calls FUNCTION made in the local cloud with its execution " \
			"role's\n"                                                                \
			"credentials: each call with how often and whether the role allowed it, " \
			"the\n"                                                                   \
			"grants of the role those calls used, the grants no call used "           \
			"(candidates to\n"                                                        \
			"remove), and the smallest policy that would have allowed every call "    \
			"made.\n"                                                                 \
			"The cloud must be running ('lambda-tutor serve').\n"                     \
			"\n"                                                                      \
			"Options:\n"                                                              \
			"  --json         the report as JSON\n"                                   \
			"\n"                                                                      \
			"Exit status: 0 reported, 2 a usage error or no cloud.\n",                \
			cmd_iam_run                                                               \
	}

int cmd_tune_run(const struct cli_opts *opts, int argc, char **argv);
#define CMD_TUNE                                                                                   \
	{                                                                                          \
		"tune", "power tuning: a function's duration and cost at several memory sizes",    \
			"Usage: lambda-tutor tune FUNCTION [--memory 128,256,...] [--payload "     \
			"JSON]\n"                                                                  \
			"                         [--invocations N] [--strategy "                  \
			"cost|speed|balanced] [--json]\n"                                          \
			"\n"                                                                       \
			"Runs a copy of FUNCTION (FUNCTION-tune, deleted when done) in your "      \
			"local cloud at\n"                                                         \
			"each memory size: one warm-up call, then N calls with the payload. "      \
			"Prints the\n"                                                             \
			"average duration, billed duration and cost per million calls at each "    \
			"size (the\n"                                                              \
			"cloud gives CPU in proportion to memory, as Lambda does), plots "         \
			"duration and cost\n"                                                      \
			"against memory, and recommends a size, as AWS Lambda Power Tuning does. " \
			"The\n"                                                                    \
			"cloud is started if it is not running.\n"                                 \
			"\n"                                                                       \
			"Options:\n"                                                               \
			"  --memory LIST    sizes in MB (default 128,256,512,1024,1536,3008)\n"    \
			"  --payload JSON   the event of every call (default {})\n"                \
			"  --invocations N  calls counted at each size (default 5)\n"              \
			"  --strategy S     cost: the cheapest size; speed: the fastest; "         \
			"balanced (default):\n"                                                    \
			"                   the least of cost and duration, each scaled to 0-1, "  \
			"weighed equally\n"                                                        \
			"  --json           the results as JSON\n"                                 \
			"\n"                                                                       \
			"Exit status: 0 tuned, 1 a call failed (a function error stops the run), " \
			"2 a usage\n"                                                              \
			"error or no cloud.\n",                                                    \
			cmd_tune_run                                                               \
	}

int cmd_scenario_run(const struct cli_opts *opts, int argc, char **argv);
#define CMD_SCENARIO                                                                               \
	{                                                                                          \
		"scenario", "troubleshooting labs: a broken application in your account to fix",   \
			"Usage: lambda-tutor scenario --list [--json]\n"                           \
			"       lambda-tutor scenario start|hint|check|reset|show NAME [--json]\n" \
			"\n"                                                                       \
			"A scenario sets up a small application in your own account of the "       \
			"local cloud\n"                                                            \
			"and breaks it in one realistic way; you get only the symptom a user "     \
			"would report.\n"                                                          \
			"Investigate with the AWS CLI (aws logs tail, "                            \
			"get-function-configuration, "                                             \
			"...),\n"                                                                  \
			"fix it, and ask for a check.\n"                                           \
			"\n"                                                                       \
			"  --list        each scenario with its symptom and your state: not "      \
			"started,\n"                                                               \
			"                in progress (for how long), fixed (in how long), hints "  \
			"and checks\n"                                                             \
			"  start NAME    build the application and break it (again: as reset)\n"   \
			"  hint NAME     the next hint, gentlest first; recorded\n"                \
			"  check NAME    invoke the application with varied inputs and judge "     \
			"the fix:\n"                                                               \
			"                it must work again, and be the right fix (a deleted "     \
			"alarm,\n"                                                                 \
			"                mapping or function, or every limit raised, fails)\n"     \
			"  reset NAME    take the application down and set it up broken again\n"   \
			"  show NAME     print the symptom\n"                                      \
			"\n"                                                                       \
			"Starts, hints and checks go to your records; the trainer's dashboard "    \
			"shows who\n"                                                              \
			"is in which scenario and for how long. The format of scenarios/ is in "   \
			"lessons/README.md.\n"                                                     \
			"\n"                                                                       \
			"Exit status: 0 done or fixed, 1 the check failed, 2 a usage error, "      \
			"no such\n"                                                                \
			"scenario, or the application could not be set up.\n",                     \
			cmd_scenario_run                                                           \
	}

int cmd_present_run(const struct cli_opts *opts, int argc, char **argv);
#define CMD_PRESENT                                                                             \
	{                                                                                       \
		"present", "the presenter view of a class, for the projector",                  \
			"Usage: lambda-tutor present DIR\n"                                     \
			"\n"                                                                    \
			"The page the session's agenda has reached, in a wide centred column, " \
			"with the\n"                                                            \
			"module's title: nothing about any learner, and no way to the "         \
			"dashboard, so it\n"                                                    \
			"can run on the projector while the trainer's own screen shows the "    \
			"dashboard\n"                                                           \
			"(lambda-tutor trainer DIR). It follows the agenda (trainer DIR "       \
			"--start); "                                                            \
			"n p move\n"                                                            \
			"by hand, f follows again, q quits.\n"                                  \
			"\n"                                                                    \
			"Exit status: 0, or 2 without a terminal or a class directory.\n",      \
			cmd_present_run                                                         \
	}

int cmd_review_run(const struct cli_opts *opts, int argc, char **argv);
#define CMD_REVIEW                                                                                 \
	{                                                                                          \
		"review", "the hands-on review of a learner: code, checks, rubric, scores",        \
			"Usage: lambda-tutor review DIR LEARNER [--workspace WS] [--json]\n"       \
			"       lambda-tutor review DIR LEARNER CRITERION SCORE [COMMENT]\n"       \
			"\n"                                                                       \
			"The first form shows one learner of the class in DIR: the final "         \
			"project's\n"                                                              \
			"code (read-only, with line numbers: --workspace, else "                   \
			"~LEARNER/lambda-workshop\n"                                               \
			"on a shared host, else the package its last check run sent the class), "  \
			"each\n"                                                                   \
			"exercise's code as its last check run sent it, the last check of each "   \
			"exercise\n"                                                               \
			"with its failing\n"                                                       \
			"tasks, the last automatic rubric per criterion with its evidence, and "   \
			"the\n"                                                                    \
			"reviews so far. The second records the trainer's score (0-4) and a "      \
			"one-line\n"                                                               \
			"comment for a criterion (functionality, error-handling, iam, "            \
			"configuration,\n"                                                         \
			"monitoring, code-docs, performance) in DIR/.reviews.db; the latest "      \
			"review of a\n"                                                            \
			"criterion counts. Every export carries them: grades (final-project, the " \
			"total\n"                                                                  \
			"of 28), wide and long (per criterion, with the comment), xAPI (scored, "  \
			"with the\n"                                                               \
			"comment and the trainer as instructor).\n"                                \
			"\n"                                                                       \
			"Exit status: 0 shown or recorded, 2 bad arguments or unreadable "         \
			"records.\n",                                                              \
			cmd_review_run                                                             \
	}

int cmd_project_run(const struct cli_opts *opts, int argc, char **argv);
#define CMD_PROJECT                                                                                \
	{                                                                                          \
		"project", "the final project: starter, automatic rubric, reviews, export",        \
			"Usage: lambda-tutor project start [--lang python|nodejs]\n"               \
			"       lambda-tutor project check [--rubric] [--json]\n"                  \
			"       lambda-tutor project review CRITERION SCORE [COMMENT]\n"           \
			"       lambda-tutor project export [--format long|wide|xapi] "            \
			"[--class DIR | FILE...]\n"                                                \
			"\n"                                                                       \
			"The course's final project, a serverless image processor (the brief "     \
			"is\nproject/final-project/brief.md).\n"                                   \
			"\n"                                                                       \
			"  start    copy the starter (SAM template, handler, README) into\n"       \
			"           WORKSPACE/final-project; deploy it as the stack "              \
			"final-project\n"                                                          \
			"  check    score the deployed stack on each criterion of the rubric,\n"   \
			"           with its evidence (images uploaded, outputs, alarms, role);\n" \
			"           recorded. Also: lambda-tutor check final-project --rubric\n"   \
			"  review   a trainer's score (0 to 4) and comment on one criterion:\n"    \
			"           functionality, error-handling, iam, configuration,\n"          \
			"           monitoring, code-docs, performance; recorded\n"                \
			"  export   the last automatic scores and reviews per criterion: long "    \
			"CSV\n           (default), wide CSV, or xAPI statements (one a line); "   \
			"with\n           --class DIR (or records files and folders) every "       \
			"learner's of a\n           class, for assessors\n"                        \
			"\n"                                                                       \
			"Exit status: 0 done (check: every automatic point), 1 points missing, "   \
			"2 a usage\nerror or no cloud.\n",                                         \
			cmd_project_run                                                            \
	}

int cmd_reset_run(const struct cli_opts *opts, int argc, char **argv);
#define CMD_RESET                                                                                 \
	{                                                                                         \
		"reset", "put an exercise's starter back, keeping your files aside",              \
			"Usage: lambda-tutor reset EXERCISE [--lang python|nodejs] [--yes]\n"     \
			"\n"                                                                      \
			"Copy the exercise's starter back into WORKSPACE/EXERCISE after asking. " \
			"Your\n"                                                                  \
			"files are moved, not deleted, into "                                     \
			"WORKSPACE/EXERCISE/.old-YYYYMMDD-HHMMSS/.\n"                             \
			"With --lang, the exercise switches to that language's starter.\n"        \
			"\n"                                                                      \
			"Options:\n"                                                              \
			"  --yes, -y      do not ask (needed when stdin is not a terminal)\n"     \
			"  --lang L       the starter's language (default: the exercise's)\n"     \
			"\n"                                                                      \
			"Exit status: 0 reset or nothing changed, 2 no such exercise or not "     \
			"confirmed.\n",                                                           \
			cmd_reset_run                                                             \
	}

int cmd_exercise_run(const struct cli_opts *opts, int argc, char **argv);
#define CMD_EXERCISE                                                                               \
	{                                                                                          \
		"exercise", "open the exercise screen: brief, tasks, edit, check, watch, hints",   \
			"Usage: lambda-tutor exercise [EXERCISE] [--lang python|nodejs]\n"         \
			"\n"                                                                       \
			"Open the tutor on an exercise (default: the first one you have not "      \
			"passed,\n"                                                                \
			"core paths first). Its folder in the workspace is created from the "      \
			"starter.\n"                                                               \
			"Keys: e edit the main file in $EDITOR, c check (q cancels a check under " \
			"way),\n"                                                                  \
			"w watch (check on every save), h the next hint, s the reference "         \
			"solution\n"                                                               \
			"(after a pass, or on a confirmed request that is recorded), x reset to "  \
			"the\n"                                                                    \
			"starter (confirmed, old files kept aside), n the next unfinished step, "  \
			"X the\n"                                                                  \
			"list of exercises, C the console, S shell setup, q back.\n"               \
			"\n"                                                                       \
			"Exit status: 0 closed, 2 no such exercise, no terminal or no cloud.\n",   \
			cmd_exercise_run                                                           \
	}

/* cmd_export.c: what export, stats and grade share. */
struct class_room;
/*
 * Fill room from --class DIR, --db FILE and paths (record files or class directories); with
 * none of them, the learner's own file. Prints why not.
 */
bool cmd_class_room(const struct cli_opts *opts, char **paths, size_t n, struct class_room *room);
/* Print one line per file that could not be read. */
void cmd_class_warn(const struct class_room *room);

int cmd_export_run(const struct cli_opts *opts, int argc, char **argv);
#define CMD_EXPORT                                                                                 \
	{                                                                                          \
		"export", "export records: grades.csv, wide or long CSV, item statistics, xAPI",   \
			"Usage: lambda-tutor export --format F [--class DIR | --db FILE | "        \
			"FILE|DIR...]\n"                                                           \
			"                           [--out FILE] [--json] [--attempts A] [--quiz " \
			"ID]\n"                                                                    \
			"                           [--base IRI]\n"                                \
			"       lambda-tutor export --lrs URL [--auth KEY:SECRET] [--class DIR "   \
			"...]\n"                                                                   \
			"       lambda-tutor export --merge FILE... [--out FILE] [--lrs URL "      \
			"...]\n"                                                                   \
			"\n"                                                                       \
			"Export the records of one learner (default: your own), a class "          \
			"directory or\n"                                                           \
			"several record files, read-only. Formats:\n"                              \
			"  grades  nbgrader's grades.csv: "                                        \
			"assignment,duedate,timestamp,student_id,\n"                               \
			"          "                                                               \
			"last_name,first_name,email,raw_score,late_submission_penalty,score,\n"    \
			"          max_score; one row per quiz or exercise and learner (best "     \
			"attempt)\n"                                                               \
			"  wide    one row per learner, a column per quiz question (q:QUIZ/ID), "  \
			"quiz\n"                                                                   \
			"          (quiz:QUIZ) and exercise (ex:ID); the row (max) holds the "     \
			"maxima\n"                                                                 \
			"  long    one row per learner x item x try, with response, fraction, "    \
			"penalty,\n"                                                               \
			"          mark, max_mark, seconds and timestamp; exercises' check runs "  \
			"too\n"                                                                    \
			"  items   item statistics per quiz question (see lambda-tutor stats)\n"   \
			"  xapi    xAPI 1.0.3 statements, one JSON object a line, with ids "       \
			"derived from\n"                                                           \
			"          the learner and the event: exporting again gives the same "     \
			"ids\n"                                                                    \
			"CSV follows RFC 4180; a text cell starting with = + - @ or a tab is "     \
			"prefixed\n"                                                               \
			"with ' so that a spreadsheet shows it instead of running it. A file "     \
			"that is\n"                                                                \
			"locked, corrupt or missing is skipped with a warning.\n"                  \
			"\n"                                                                       \
			"Options:\n"                                                               \
			"  --out FILE      write FILE (mode 0600) instead of standard output\n"    \
			"  --json          with --out, print {out, learners, skipped, records}\n"  \
			"  --attempts A    items: first (default, as Moodle), last, highest or "   \
			"all\n"                                                                    \
			"  --quiz ID       items: only this quiz\n"                                \
			"  --base IRI      xapi: IRI the activity ids and accounts start with\n"   \
			"                  (default https://lambda-tutor.invalid)\n"               \
			"  --merge         merge files exported before (same format): each CSV "   \
			"row or\n"                                                                 \
			"                  statement id once\n"                                    \
			"  --lrs URL       xapi: send the statements to a Learning Record Store "  \
			"(POST\n"                                                                  \
			"                  URL/statements, X-Experience-API-Version 1.0.3), in "   \
			"batches;\n"                                                               \
			"                  ids the LRS acknowledged go to a ledger, so a later "   \
			"run "                                                                     \
			"sends\n"                                                                  \
			"                  only what is new or was not taken; no answer, 429 or "  \
			"5xx "                                                                     \
			"are\n"                                                                    \
			"                  retried; a statement the LRS refuses is named on "      \
			"stderr\n"                                                                 \
			"  --auth K:S      HTTP Basic credentials (or $LAMBDA_TUTOR_LRS_AUTH)\n"   \
			"  --lrs-ledger F  the ledger (default DATA/lambda-tutor/lrs/HASH.sent)\n" \
			"  --batch N       statements per request (default 50)\n"                  \
			"  --lrs-timeout S seconds one request may take (default 30)\n"            \
			"  --xapi-version V  the version header (default 1.0.3)\n"                 \
			"\n"                                                                       \
			"Exit status: 0 exported (files that could not be read are named on "      \
			"stderr),\n"                                                               \
			"1 the LRS refused statements or some are kept for the next run,\n"        \
			"2 bad options, or no record file could be read.\n",                       \
			cmd_export_run                                                             \
	}

int cmd_stats_run(const struct cli_opts *opts, int argc, char **argv);
#define CMD_STATS                                                                                  \
	{                                                                                          \
		"stats", "item analysis of a quiz, as Moodle's statistics report",                 \
			"Usage: lambda-tutor stats QUIZ [--class DIR | FILE|DIR...] [--attempts "  \
			"A] [--json]\n"                                                            \
			"\n"                                                                       \
			"Analyse the finished attempts at QUIZ in the records given: the test's "  \
			"mean,\n"                                                                  \
			"median, SD, skewness, kurtosis, Cronbach's alpha (CIC), error ratio "     \
			"and\n"                                                                    \
			"standard error; per question facility (F), SD, discrimination index "     \
			"(D),\n"                                                                   \
			"discriminative efficiency (DE), intended and effective weights, with "    \
			"Moodle's\n"                                                               \
			"flags (DE < 15 dubious; D < 30 / < 50 needs checking very likely / "      \
			"likely); and\n"                                                           \
			"each question's responses, how often given and the mean score of who "    \
			"gave them.\n"                                                             \
			"\n"                                                                       \
			"Options:\n"                                                               \
			"  --attempts A   first (default), last, highest or all attempts of each " \
			"learner\n"                                                                \
			"  --json         print the same as one JSON object\n"                     \
			"\n"                                                                       \
			"Exit status: 0 printed, 1 no finished attempt, 2 bad options or "         \
			"input.\n",                                                                \
			cmd_stats_run                                                              \
	}

int cmd_class_run(const struct cli_opts *opts, int argc, char **argv);
#define CMD_CLASS                                                                                  \
	{                                                                                          \
		"class", "prepare a class directory on a shared host, or serve a class",           \
			"Usage: lambda-tutor class init DIR --trainer-group G [--seal-group S]\n"  \
			"       lambda-tutor class serve DIR [--listen ADDR:PORT [--tls | "        \
			"--no-tls] | --socket PATH]\n"                                             \
			"                                  [--renew-cert] [--lrs URL [--lrs-auth " \
			"K:S]]\n"                                                                  \
			"                                  [--rerun [--workspace WS]] [--roster "  \
			"FILE]\n"                                                                  \
			"                                  [--packages-max-mb N]\n"                \
			"       lambda-tutor class roster DIR [--set FILE | --clear | --free "     \
			"NAME]\n"                                                                  \
			"\n"                                                                       \
			"class serve: hold the class's records in DIR (created 0700) for "         \
			"learners on\n"                                                            \
			"their own machines, who join with `lambda-tutor join URL CODE`. Prints "  \
			"the URL and\n"                                                            \
			"the class code; each learner gets a token of their own, so no one can "   \
			"record under\n"                                                           \
			"another's name or take a name already joined. Quiz answers are graded "   \
			"by the\n"                                                                 \
			"server from the course's quizzes; an event it refuses is kept as a "      \
			"note the\n"                                                               \
			"trainer sees. The trainer runs `lambda-tutor trainer DIR` as for a "      \
			"shared host.\n"                                                           \
			"  --listen ADDR:PORT  default 127.0.0.1:7459; port 0 takes a free one\n"  \
			"  --tls               TLS on loopback too (other addresses have it "      \
			"unless"                                                                   \
			"\n"                                                                       \
			"                      --no-tls): the class's own certificate, kept in "   \
			"DIR/tls/,\n"                                                              \
			"                      whose key's SHA-256 fingerprint learners pin\n"     \
			"  --renew-cert        issue the certificate again for the same key "      \
			"(also done\n"                                                             \
			"                      at start within 30 days of its end): learners "     \
			"keep their\n"                                                             \
			"                      pins and need not join again\n"                     \
			"  --lrs URL           send xAPI statements to this LRS as they are "      \
			"recorded,\n"                                                              \
			"                      in batches, retried on failure, each once "         \
			"(ledger\n"                                                                \
			"                      DIR/.lrs.sent, or --lrs-ledger FILE; kept across "  \
			"restarts)\n"                                                              \
			"  --lrs-auth K:S      HTTP Basic credentials (or "                        \
			"LAMBDA_TUTOR_LRS_AUTH)\n"                                                 \
			"  --base IRI          where activity IRIs start (as export --base)\n"     \
			"  --rerun             run each check result again as it arrives, on the " \
			"code it\n"                                                                \
			"                      came with, against WS's cloud (`grade --class DIR " \
			"--new`);\n"                                                               \
			"                      the dashboard and exports mark what it could not "  \
			"reproduce\n"                                                              \
			"  --no-tls            plain HTTP on an address other machines reach "     \
			"(only on a\n"                                                             \
			"                      network you trust)\n"                               \
			"  --socket PATH       on a shared host: a Unix socket (0666) instead; "   \
			"each learner\n"                                                           \
			"                      is the user the kernel says (SO_PEERCRED), "        \
			"whatever they type\n"                                                     \
			"  --roster FILE       only the names in FILE (one a line, # comments) "   \
			"may join\n"                                                               \
			"  --packages-max-mb N what one learner's code packages may take "         \
			"(default 256);\n"                                                         \
			"                      beyond it a result arrives without its code, "      \
			"unreproduced\n"                                                           \
			"Runs until Ctrl-C or SIGTERM.\n"                                          \
			"\n"                                                                       \
			"class roster: who may join a served class. With no option, each name "    \
			"and whether\n"                                                            \
			"it has joined. --set FILE makes FILE the roster, --clear lets any name "  \
			"join again,\n"                                                            \
			"--free NAME frees a learner's name (they lost their token): the old "     \
			"token is\n"                                                               \
			"refused, they join again, and their records so far move to "              \
			"DIR/.freed/.\n"                                                           \
			"\n"                                                                       \
			"class init:\n"                                                            \
			"Create DIR (or use it), give it to group G (the trainers) with mode "     \
			"3773:\n"                                                                  \
			"learners create their own DIR/LEARNER.db (mode 0640, group G) with\n"     \
			"lambda-tutor --class DIR, cannot list the folder, read or change "        \
			"another's\n"                                                              \
			"file, or delete one; G reads them all. Writes DIR/.trainer.json for "     \
			"pacing.\n"                                                                \
			"With a seal group S (--seal-group, or the group a setgid install "        \
			"has),\n"                                                                  \
			"writes DIR/.seal.key (0440, group S): every record is sealed with it, "   \
			"and\n"                                                                    \
			"the trainer's tools refuse a file changed outside the tutor or not "      \
			"owned\n"                                                                  \
			"by the learner it names.\n"                                               \
			"Prints what it did.\n"                                                    \
			"\n"                                                                       \
			"Exit status: 0 done, 2 no such group, or DIR cannot be made or "          \
			"changed.\n",                                                              \
			cmd_class_run                                                              \
	}

int cmd_join_run(const struct cli_opts *opts, int argc, char **argv);
#define CMD_JOIN                                                                                  \
	{                                                                                         \
		"join", "join a class served by the trainer (`class serve`), or send what waits", \
			"Usage: lambda-tutor join URL CODE [--fingerprint SHA256] [--learner "    \
			"NAME]\n"                                                                 \
			"       lambda-tutor join --sync\n"                                       \
			"\n"                                                                      \
			"Join the class the trainer serves at URL with its class code, under "    \
			"your login\n"                                                            \
			"name (or --learner NAME: a-z, 0-9, '.', '_', '-'). The server gives a "  \
			"token of\n"                                                              \
			"your own, kept in RECORD.class.json (mode 0600) beside your record. "    \
			"You keep\n"                                                              \
			"your own record and work offline; every command that records sends "     \
			"what the\n"                                                              \
			"server lacks when it can be reached, in order, each event once (and "    \
			"the tutor's\n"                                                           \
			"screen sends while it runs). --sync sends it now and says what the "     \
			"class holds.\n"                                                          \
			"URL is https://HOST:PORT (TLS: the server's key is pinned at join, so "  \
			"a renewed\n"                                                             \
			"certificate for it is still taken; give\n"                               \
			"the fingerprint the trainer shows with --fingerprint, or check the one " \
			"join\n"                                                                  \
			"prints), http://HOST:PORT, or unix:PATH on a shared host, where you "    \
			"are who the\n"                                                           \
			"kernel says you are.\n"                                                  \
			"\n"                                                                      \
			"Exit status: 0 joined or sent (or the server is away: the events "       \
			"wait), 2 the\n"                                                          \
			"code is wrong, the name is taken, the token is refused, or the "         \
			"server shows\n"                                                          \
			"another key than the one pinned.\n",                                     \
			cmd_join_run                                                              \
	}

int cmd_trainer_run(const struct cli_opts *opts, int argc, char **argv);
#define CMD_TRAINER                                                                                \
	{                                                                                          \
		"trainer", "the trainer's live dashboard of a class; pacing and broadcast",        \
			"Usage: lambda-tutor trainer DIR [--once] [--json] [--question ID] "       \
			"[--presenter]\n"                                                          \
			"       lambda-tutor trainer DIR [--start now|HH:MM] [--open N|all]\n"     \
			"                                [--message TEXT]\n"                       \
			"       lambda-tutor trainer DIR --push QUESTION [--seconds N] | --close " \
			"| --reveal\n"                                                             \
			"       lambda-tutor trainer DIR --push-quiz QUIZ [--seconds N] | "        \
			"--next\n"                                                                 \
			"\n"                                                                       \
			"Show the class in DIR, re-read every 2 s, files opened read-only: the "   \
			"agenda of\n"                                                              \
			"the session (the modules' minutes) with its clock, the segment due now "  \
			"and\n"                                                                    \
			"whether the room is ahead or behind (by the core path's exercises "       \
			"passed and\n"                                                             \
			"quizzes taken, not pages read); one row per learner with module and "     \
			"step,\n"                                                                  \
			"minutes on the step, failed checks not fixed since, hints, best quiz "    \
			"score, last\n"                                                            \
			"activity and state\n"                                                     \
			"(active; idle after 5 min without activity; stuck after 3 failed "        \
			"checks\n"                                                                 \
			"in a row or twice the room's median time on a step, at least 4 min; "     \
			"done when\n"                                                              \
			"every page was read; or the file's problem: locked, corrupt, missing, "   \
			"forged);\n"                                                               \
			"learners by module; raised hands with age and notes; and with "           \
			"--question "                                                              \
			"a quiz\n"                                                                 \
			"question's text, the room's answers with their options' text, counts "    \
			"and\n"                                                                    \
			"shares, and who has not answered yet.\n"                                  \
			"--start, --open and --message write DIR/.trainer.json, which learners' "  \
			"tutors\n"                                                                 \
			"read every few seconds: modules after N stay locked, the message shows "  \
			"on\n"                                                                     \
			"every screen (--message '' clears it).\n"                                 \
			"The live question: --push shows a question of the course on every "       \
			"learner's\n"                                                              \
			"tutor at once (on a shared host and over the class server), with a "      \
			"timer of\n"                                                               \
			"N seconds when given; --close stops answers; --reveal closes it and "     \
			"shows the\n"                                                              \
			"right answer to the room. The dashboard and presenter view then show "    \
			"its text,\n"                                                              \
			"options, answers with their shares, who has not answered and the time "   \
			"left;\n"                                                                  \
			"answers are `live_answer` events in the learners' records.\n"             \
			"--push-quiz pushes a quiz's own questions one at a time, each with the "  \
			"timer\n"                                                                  \
			"given: --next (n on the dashboard) closes the one on screen and pushes "  \
			"the next.\n"                                                              \
			"\n"                                                                       \
			"Keys: arrows scroll, + - open one module more or fewer, m broadcast a "   \
			"line,\n"                                                                  \
			"s start the clock, p presenter view (the agenda's current page, alone; "  \
			"n p\n"                                                                    \
			"move, f follows again), c close the live question, v reveal it, n "       \
			"next question\n"                                                          \
			"of a pushed quiz, o open the top learner's review, r "                    \
			"refresh,\n"                                                               \
			"q quit.\n"                                                                \
			"\n"                                                                       \
			"Options:\n"                                                               \
			"  --once         print the dashboard once and leave (--json: as JSON)\n"  \
			"  --now MS       with --once, as of this time (ms since the epoch)\n"     \
			"  --ack LEARNER  acknowledge a raised hand: the learner's tutor lowers "  \
			"it and\n"                                                                 \
			"                 says the trainer is coming (DIR/.hands.json)\n"          \
			"\n"                                                                       \
			"Exit status: 0 done, 2 no course, no terminal, or DIR cannot be read.\n", \
			cmd_trainer_run                                                            \
	}

int cmd_grade_run(const struct cli_opts *opts, int argc, char **argv);
#define CMD_GRADE                                                                                  \
	{                                                                                          \
		"grade", "re-run every exercise's check on a learner's code, beside the records",  \
			"Usage: lambda-tutor grade [EXERCISE...] [--workspace DIR] [--db FILE] "   \
			"[--json]\n"                                                               \
			"       lambda-tutor grade --class DIR [EXERCISE...] [--new] "             \
			"[--workspace "                                                            \
			"WS] [--json]\n"                                                           \
			"\n"                                                                       \
			"Run the check of every exercise (or those named) again on the code in "   \
			"the\n"                                                                    \
			"learner's workspace, against the workspace's local cloud (started if "    \
			"needed),\n"                                                               \
			"and print each result beside the last run the learner's records hold; "   \
			"DIFFERS\n"                                                                \
			"marks an exercise whose recorded result the code does not give again. "   \
			"Nothing\n"                                                                \
			"is recorded.\n"                                                           \
			"With --class DIR (a class server's folder), every learner's last run of " \
			"each\n"                                                                   \
			"code exercise runs again on the package of code it was sent with, "       \
			"against WS's\n"                                                           \
			"cloud; NOT REPRODUCED marks a run whose code gives another result or "    \
			"that came\n"                                                              \
			"without its code. The verdicts go to DIR/.reruns.json: the dashboard "    \
			"and every\n"                                                              \
			"export then count such a run as unreproduced, no task passed.\n"          \
			"\n"                                                                       \
			"Options:\n"                                                               \
			"  --new         with --class: only runs with no verdict yet (class "      \
			"serve --rerun\n"                                                          \
			"                runs this as check results arrive)\n"                     \
			"  --json        print [{exercise, recorded, now, agrees}] (--class: "     \
			"[{learner,\n"                                                             \
			"                exercise, recorded, now, reproduced, why}])\n"            \
			"\n"                                                                       \
			"Exit status: 0 every result agrees, 1 one differs, 2 no course, no "      \
			"such\n"                                                                   \
			"exercise, unreadable records or no cloud.\n",                             \
			cmd_grade_run                                                              \
	}

int cmd_console_run(const struct cli_opts *opts, int argc, char **argv);
#define CMD_CONSOLE                                                                                \
	{                                                                                          \
		"console", "the Lambda console in the terminal, on your own account",              \
			"Usage: lambda-tutor console [--workspace DIR]\n"                          \
			"\n"                                                                       \
			"Your functions in your own account of the workspace's local cloud (the "  \
			"account\n"                                                                \
			"your aws CLI uses after eval \"$(lambda-tutor env)\"). Enter opens one: " \
			"c creates\n"                                                              \
			"a function from the console's default code (or from a zip: NAME LANG "    \
			"PKG.zip),\n"                                                              \
			"t tests it with a saved event made from a template (Hello World, API "    \
			"Gateway\n"                                                                \
			"proxy, S3 put, SNS, SQS, scheduled), E edits that event, e edits the "    \
			"code in\n"                                                                \
			"$EDITOR and deploys it, m, o and v set memory, timeout and environment\n" \
			"variables with Lambda's validation. The monitor lists the tests run: "    \
			"duration,\n"                                                              \
			"memory, cold or warm, cost.\n"                                            \
			"\n"                                                                       \
			"Exit status: 0 closed, 2 no terminal or no cloud.\n",                     \
			cmd_console_run                                                            \
	}

#endif
