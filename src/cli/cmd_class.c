/*
 * lambda-tutor class init DIR --trainer-group G: prepare a class directory on a shared host.
 *
 * Mode 3773 (rwxrws-wt): the trainer's group G has the directory; learners, who are not in G,
 * may create their own file and open it by name, but cannot list the directory (no read bit);
 * setgid gives every new file the group G, and the sticky bit keeps learners from deleting or
 * renaming each other's files. Learner files are created 0640, so only their owner writes
 * them, G reads them, and nobody else can open them.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "class/pace.h"
#include "cli/commands.h"
#include "core/path.h"
#include "core/xalloc.h"
#include "store/store.h"

#define CLASS_DIR_MODE 03773

static int class_init(const char *dir, const char *group)
{
	struct group *gr = getgrnam(group);
	if (!gr) {
		cli_error("no such group '%s'; create it first (groupadd %s)", group, group);
		return CLI_USAGE;
	}
	struct stat st;
	bool existed = stat(dir, &st) == 0;
	if (existed && !S_ISDIR(st.st_mode)) {
		cli_error("cannot make a class in '%s': it is not a directory", dir);
		return CLI_USAGE;
	}
	if (!existed && mkdir(dir, 0700) != 0) {
		cli_error("cannot create '%s': %s", dir, strerror(errno));
		return CLI_USAGE;
	}
	printf("%s %s\n", existed ? "using" : "created", dir);
	if (chown(dir, (uid_t)-1, gr->gr_gid) != 0) {
		cli_error("cannot give '%s' to group '%s': %s (be root or a member of it)", dir,
			  group, strerror(errno));
		return CLI_USAGE;
	}
	printf("group %s (gid %u): the trainer's group, which reads every learner's file\n", group,
	       (unsigned)gr->gr_gid);
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
	if (!path_is_file(path)) {
		/* Created now, owned by the trainer: in a sticky folder no learner can replace it.
		 */
		if (!pace_read(dir, &p, &err) || !pace_write(dir, &p, &err)) {
			cli_print_error(&err);
			free(path);
			return CLI_USAGE;
		}
		if (chown(path, (uid_t)-1, gr->gr_gid) != 0 && errno != EPERM) {
			cli_error("cannot give '%s' to group '%s': %s", path, group,
				  strerror(errno));
			free(path);
			return CLI_USAGE;
		}
		printf("wrote %s (0644): the pace and messages the learners' tutors read\n", path);
	}
	free(path);
	printf("learners run: lambda-tutor --class %s\n", dir);
	printf("the trainer runs: lambda-tutor trainer %s\n", dir);
	return CLI_OK;
}

int cmd_class_run(const struct cli_opts *opts, int argc, char **argv)
{
	const char *dir = NULL, *group = NULL;
	if (argc < 2 || strcmp(argv[1], "init") != 0) {
		cli_error("class needs a verb: class init DIR --trainer-group G");
		return CLI_USAGE;
	}
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--trainer-group") && i + 1 < argc) {
			group = argv[++i];
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
		cli_error("usage: lambda-tutor class init DIR --trainer-group G");
		return CLI_USAGE;
	}
	return class_init(dir, group);
}
