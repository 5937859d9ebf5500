/*
 * lambda-tutor class init DIR --trainer-group G: prepare a class directory on a shared host.
 *
 * Mode 3773 (rwxrws-wt): the trainer's group G has the directory; learners, who are not in G,
 * may create their own file and open it by name, but cannot list the directory (no read bit);
 * setgid gives every new file the group G, and the sticky bit keeps learners from deleting or
 * renaming each other's files. Learner files are created 0640, so only their owner writes
 * them, G reads them, and nobody else can open them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "class/names.h"
#include "class/pace.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "core/path.h"
#include "core/xalloc.h"
#include "store/store.h"

#define CLASS_DIR_MODE 03773

/*
 * The class key: 32 random bytes as hex, mode 0440, in the seal group, so that only a tutor
 * installed setgid to that group (and root) reads it. Made while the process still has that
 * group; an existing key is kept (sealed records stay verifiable), never read here.
 */
static bool make_key(const char *dir, gid_t seal_gid, const char *seal_name)
{
	bool ok = false;
	char *path = path_join(dir, STORE_SEAL_KEY_FILE);
	unsigned char key[STORE_SEAL_KEY_LEN];
	char hex[STORE_SEAL_HEX_LEN + 2];
	struct stat st;
	int fd = -1;
	if (lstat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode) || st.st_gid != seal_gid || (st.st_mode & 07777) != 0440) {
			cli_error("'%s' is not a class key of group %s and mode 0440; remove it",
				  path, seal_name);
			goto out;
		}
		printf("kept %s: the class key\n", path);
		ok = true;
		goto out;
	}
	if (getrandom(key, sizeof(key), 0) != (ssize_t)sizeof(key)) {
		cli_error("cannot make a class key: %s", strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < sizeof(key); i++)
		snprintf(hex + 2 * i, 3, "%02x", key[i]);
	hex[STORE_SEAL_HEX_LEN] = '\n';
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0400);
	if (fd < 0 || fchown(fd, (uid_t)-1, seal_gid) != 0 || fchmod(fd, 0440) != 0 ||
	    write(fd, hex, STORE_SEAL_HEX_LEN + 1) != STORE_SEAL_HEX_LEN + 1 || fsync(fd) != 0) {
		cli_error("cannot write the class key '%s': %s", path, strerror(errno));
		if (fd >= 0)
			unlink(path);
		goto out;
	}
	printf("wrote %s (0440, group %s): the class key that seals every record; only a\n"
	       "  tutor installed setgid %s reads it, so no learner can forge or edit one\n",
	       path, seal_name, seal_name);
	ok = true;
out:
	explicit_bzero(key, sizeof(key));
	explicit_bzero(hex, sizeof(hex));
	if (fd >= 0)
		close(fd);
	free(path);
	return ok;
}

static int class_init(const char *dir, const char *group, const char *seal_group)
{
	struct group *gr = getgrnam(group);
	if (!gr) {
		cli_error("no such group '%s'; create it first (groupadd %s)", group, group);
		return CLI_USAGE;
	}
	gid_t trainer_gid = gr->gr_gid;
	/* The seal group: --seal-group, else the group this program is installed setgid to. */
	gid_t seal_gid = getegid();
	char *seal_name = NULL;
	if (seal_group) {
		struct group *sg = getgrnam(seal_group);
		if (!sg) {
			cli_error("no such group '%s'; create it first (groupadd %s)", seal_group,
				  seal_group);
			return CLI_USAGE;
		}
		seal_gid = sg->gr_gid;
		seal_name = xstrdup(seal_group);
	} else if (cli_privileged()) {
		struct group *sg = getgrgid(seal_gid);
		seal_name = sg ? xstrdup(sg->gr_name) : xasprintf("%u", (unsigned)seal_gid);
	}
	struct stat st;
	bool existed = stat(dir, &st) == 0;
	if (existed && !S_ISDIR(st.st_mode)) {
		cli_error("cannot make a class in '%s': it is not a directory", dir);
		free(seal_name);
		return CLI_USAGE;
	}
	if (!existed && mkdir(dir, 0700) != 0) {
		cli_error("cannot create '%s': %s", dir, strerror(errno));
		free(seal_name);
		return CLI_USAGE;
	}
	printf("%s %s\n", existed ? "using" : "created", dir);
	bool keyed = !seal_name || make_key(dir, seal_gid, seal_name);
	struct error derr;
	if (!cli_drop_privileges(&derr)) {
		cli_print_error(&derr);
		free(seal_name);
		return CLI_USAGE;
	}
	if (!keyed) {
		free(seal_name);
		return CLI_USAGE;
	}
	if (!seal_name)
		printf("no seal group (--seal-group G, or a setgid install): records are not "
		       "sealed\n");
	free(seal_name);
	if (chown(dir, (uid_t)-1, trainer_gid) != 0) {
		cli_error("cannot give '%s' to group '%s': %s (be root or a member of it)", dir,
			  group, strerror(errno));
		return CLI_USAGE;
	}
	printf("group %s (gid %u): the trainer's group, which reads every learner's file\n", group,
	       (unsigned)trainer_gid);
	if (chmod(dir, CLASS_DIR_MODE) != 0) {
		cli_error("cannot set the mode of '%s': %s", dir, strerror(errno));
		return CLI_USAGE;
	}
	printf("mode 3773 (rwxrws-wt): learners create their own file but cannot list the folder;\n"
	       "  setgid gives each new file group %s; sticky stops learners deleting or renaming\n"
	       "  each other's files\n",
	       group);
	printf("learner files are created %04o: the learner writes, group %s reads, others "
	       "nothing\n",
	       STORE_MODE_CLASS, group);
	struct pace p;
	struct error err;
	char *path = path_join(dir, PACE_FILE);
	bool existed_pace = path_is_file(path);
	/* Created now, owned by whoever runs this: in a sticky folder no learner can replace it. */
	if (!existed_pace && (!pace_read(dir, &p, &err) || !pace_write(dir, &p, &err))) {
		cli_print_error(&err);
		free(path);
		return CLI_USAGE;
	}
	/* The group's and 0664 whoever ran this (root included): every trainer updates it. */
	if ((chown(path, (uid_t)-1, trainer_gid) != 0 || chmod(path, 0664) != 0) && !existed_pace) {
		cli_error("cannot give '%s' to group '%s' with mode 0664: %s", path, group,
			  strerror(errno));
		free(path);
		return CLI_USAGE;
	}
	printf("%s %s (0664, group %s): the pace and messages every trainer sets and the\n"
	       "  learners' tutors read\n",
	       existed_pace ? "kept" : "wrote", path, group);
	free(path);
	printf("learners run: lambda-tutor --class %s\n", dir);
	printf("the trainer runs: lambda-tutor trainer %s\n", dir);
	return CLI_OK;
}

/*
 * class serve: become lambda-tutor-class (beside this binary, else installed in libexec), the
 * server program, with the course resolved here.
 */
static int class_serve(const struct cli_opts *opts, int argc, char **argv)
{
	struct error err;
	if (!cli_drop_privileges(&err)) {
		cli_print_error(&err);
		return CLI_USAGE;
	}
	char exe[4096];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[len > 0 ? len : 0] = '\0';
	char *dir = path_dirname(exe), *prog = path_join(dir, "lambda-tutor-class");
	free(dir);
	if (access(prog, X_OK) != 0) {
		free(prog);
		prog = xstrdup(LT_LIBEXEC_DIR "/lambda-tutor-class");
	}
	char *course = cli_course_dir(opts);
	char **args = xcalloc((size_t)argc + 10, sizeof(*args));
	int k = 0;
	args[k++] = (char *)"lambda-tutor";
	args[k++] = (char *)"class";
	args[k++] = (char *)"serve";
	args[k++] = (char *)"--course";
	args[k++] = course;
	/* --rerun runs `lambda-tutor grade` (this program) against this workspace's cloud. */
	args[k++] = (char *)"--tutor";
	args[k++] = exe;
	if (opts->workspace) {
		args[k++] = (char *)"--workspace";
		args[k++] = (char *)opts->workspace;
	}
	for (int i = 2; i < argc; i++)
		args[k++] = argv[i];
	args[k] = NULL;
	fflush(NULL);
	execv(prog, args);
	cli_error("cannot run the class server '%s': %s", prog, strerror(errno));
	free(args);
	free(course);
	free(prog);
	return CLI_USAGE;
}

/* Whether dir holds the record of name, a learner who joined. */
static bool joined(const char *dir, const char *name)
{
	char *file = xasprintf("%s.db", name);
	char *path = path_join(dir, file);
	bool yes = path_is_file(path);
	free(file);
	free(path);
	return yes;
}

/* The roster, each name with whether it has joined; without one, who has joined. */
static int roster_show(const char *dir)
{
	char **names;
	size_t n;
	struct error err;
	error_clear(&err);
	if (!names_roster_read(dir, &names, &n, &err)) {
		cli_print_error(&err);
		return CLI_USAGE;
	}
	if (names) {
		size_t in = 0;
		for (size_t i = 0; i < n; i++) {
			bool j = joined(dir, names[i]);
			in += j;
			printf("%-32s %s\n", names[i],
			       names_freed(dir, names[i]) ? "freed: joins again"
			       : j                        ? "joined"
							  : "not joined yet");
		}
		printf("roster: %zu names, %zu joined; only they may join\n", n, in);
		names_list_free(names, n);
		return CLI_OK;
	}
	printf("no roster: any name may join, first come (class roster %s --set FILE)\n", dir);
	DIR *d = opendir(dir);
	if (!d) {
		cli_error("cannot read '%s': %s", dir, strerror(errno));
		return CLI_USAGE;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (e->d_name[0] != '.' && len > 3 && !strcmp(e->d_name + len - 3, ".db"))
			printf("%.*s joined\n", (int)(len - 3), e->d_name);
	}
	closedir(d);
	return CLI_OK;
}

/*
 * class roster DIR [--set FILE | --clear | --free NAME]: who may join a served class, and a
 * name freed for a learner who lost their token.
 */
static int class_roster(int argc, char **argv)
{
	const char *dir = NULL, *set = NULL, *free_name = NULL;
	bool clear = false;
	int verbs = 0;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--set") && i + 1 < argc) {
			set = argv[++i];
			verbs++;
		} else if (!strcmp(argv[i], "--free") && i + 1 < argc) {
			free_name = argv[++i];
			verbs++;
		} else if (!strcmp(argv[i], "--clear")) {
			clear = true;
			verbs++;
		} else if (argv[i][0] == '-' || dir) {
			cli_error("unknown argument '%s' for class roster", argv[i]);
			return CLI_USAGE;
		} else {
			dir = argv[i];
		}
	}
	if (!dir || verbs > 1) {
		cli_error("usage: lambda-tutor class roster DIR [--set FILE | --clear | --free "
			  "NAME]");
		return CLI_USAGE;
	}
	if (!path_is_dir(dir)) {
		cli_error("no class in '%s': it is not a directory", dir);
		return CLI_USAGE;
	}
	struct error err;
	error_clear(&err);
	size_t n = 0;
	if (set) {
		if (!names_roster_set(dir, set, &n, &err)) {
			cli_print_error(&err);
			return CLI_USAGE;
		}
		printf("roster of %s: %zu name%s from %s; only they may join\n", dir, n,
		       n == 1 ? "" : "s", set);
		return CLI_OK;
	}
	if (clear) {
		char *path = path_join(dir, NAMES_ROSTER);
		int rc = unlink(path) == 0 || errno == ENOENT ? CLI_OK : CLI_USAGE;
		if (rc != CLI_OK)
			cli_error("cannot remove '%s': %s", path, strerror(errno));
		else
			printf("no roster in %s: any name may join, first come\n", dir);
		free(path);
		return rc;
	}
	if (free_name) {
		if (!names_free(dir, free_name, &err)) {
			cli_print_error(&err);
			return CLI_USAGE;
		}
		printf("freed '%s': their old token is refused; they join again with\n"
		       "  lambda-tutor join URL CODE --learner %s\n"
		       "and their records so far move to %s/%s/ as they do\n",
		       free_name, free_name, dir, NAMES_FREED);
		return CLI_OK;
	}
	return roster_show(dir);
}

int cmd_class_run(const struct cli_opts *opts, int argc, char **argv)
{
	const char *dir = NULL, *group = NULL, *seal = NULL;
	if (argc >= 2 && strcmp(argv[1], "serve") == 0)
		return class_serve(opts, argc, argv);
	if (argc >= 2 && strcmp(argv[1], "roster") == 0)
		return class_roster(argc, argv);
	if (argc < 2 || strcmp(argv[1], "init") != 0) {
		cli_error("class needs a verb: class init DIR --trainer-group G, class serve DIR, "
			  "or class roster DIR");
		return CLI_USAGE;
	}
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--trainer-group") && i + 1 < argc) {
			group = argv[++i];
		} else if (!strcmp(argv[i], "--seal-group") && i + 1 < argc) {
			seal = argv[++i];
		} else if (argv[i][0] == '-') {
			cli_error("unknown option '%s' for class init", argv[i]);
			return CLI_USAGE;
		} else if (!dir) {
			dir = argv[i];
		} else {
			cli_error("class init takes one directory");
			return CLI_USAGE;
		}
	}
	if (!dir || !group) {
		cli_error("usage: lambda-tutor class init DIR --trainer-group G [--seal-group S]");
		return CLI_USAGE;
	}
	return class_init(dir, group, seal);
}
