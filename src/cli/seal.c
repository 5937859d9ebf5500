/*
 * Sealed classes: the class key, read while the process still has the group it was installed
 * with (setgid), then every privilege dropped before anything else runs.
 *
 * The key never leaves this process's memory: it is not printed, not put in the environment,
 * and gone at exec. A process that changed its ids is not dumpable, so the learner who runs it
 * cannot ptrace it or read its memory through /proc.
 */
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#include "class/class.h"
#include "cli/commands.h"
#include "core/path.h"
#include "core/xalloc.h"
#include "store/store.h"

static bool have_key;
static unsigned char key[STORE_SEAL_KEY_LEN];
static char *key_problem; /* why a sealed class's key could not be read */
static bool privileged;   /* started setgid or setuid */

bool cli_privileged(void)
{
	return privileged;
}

/* The class directory the command works on, if any. */
static const char *class_dir_of(const char *cmd, int argc, char **argv, const struct cli_opts *opts)
{
	if (opts->class_dir)
		return opts->class_dir;
	if (cmd && strcmp(cmd, "trainer") == 0)
		for (int i = 1; i < argc; i++) {
			if (argv[i][0] != '-')
				return argv[i];
			if (!strcmp(argv[i], "--start") || !strcmp(argv[i], "--open") ||
			    !strcmp(argv[i], "--message") || !strcmp(argv[i], "--now"))
				i++;
		}
	return NULL;
}

bool cli_class_sealed(const char *dir)
{
	struct stat st;
	char *path = path_join(dir, STORE_SEAL_KEY_FILE);
	bool sealed = lstat(path, &st) == 0;
	free(path);
	return sealed;
}

bool cli_drop_privileges(struct error *err)
{
	gid_t g = getgid();
	uid_t u = getuid();
	if (setresgid(g, g, g) != 0 || setresuid(u, u, u) != 0)
		return error_set(err,
				 "cannot drop the privileges this program was installed with: %s",
				 strerror(errno));
	/* Regaining them must fail now. */
	if ((g != getegid() || u != geteuid()) || (g != 0 && setegid(0) == 0) ||
	    (u != 0 && seteuid(0) == 0))
		return error_set(err, "the privileges this program was installed with stay");
	return true;
}

bool cli_settle_privileges(const char *cmd, int argc, char **argv, const struct cli_opts *opts,
			   struct error *err)
{
	privileged = getauxval(AT_SECURE) != 0;
	const char *dir = class_dir_of(cmd, argc, argv, opts);
	/* class init makes the key, and drops privileges itself once it has. */
	if (cmd && strcmp(cmd, "class") == 0)
		return true;
	if (dir && cli_class_sealed(dir)) {
		struct error kerr;
		char *path = path_join(dir, STORE_SEAL_KEY_FILE);
		if (store_seal_key_read(path, key, &kerr)) {
			have_key = true;
			class_seal_key(key);
		} else {
			char line[600];
			error_format(&kerr, line, sizeof(line));
			key_problem = xstrdup(line);
			class_seal_unverifiable(line);
		}
		free(path);
	}
	return cli_drop_privileges(err);
}

const unsigned char *cli_seal_key(void)
{
	return have_key ? key : NULL;
}

static char *opened_db;

const char *cli_records_opened(void)
{
	return opened_db;
}

struct store *cli_open_records(const struct cli_opts *opts, const char *db_path, struct error *err)
{
	/* In a class directory the trainer's group reads the file (class init). */
	mode_t mode = opts->class_dir ? STORE_MODE_CLASS : STORE_MODE_PRIVATE;
	bool sealed = opts->class_dir && cli_class_sealed(opts->class_dir);
	static char *learner;
	if (sealed && !have_key)
		return error_set(err,
				 "this class seals its records, and this lambda-tutor cannot read "
				 "its key (%s); it must be installed setgid to the class's seal "
				 "group",
				 key_problem ? key_problem : "no key was read"),
		       NULL;
	if (sealed && !learner) {
		/* The kernel's name for the learner, whatever --learner or $USER say. */
		struct passwd *pw = getpwuid(getuid());
		if (!pw)
			return error_set(err, "cannot tell who uid %u is", (unsigned)getuid()),
			       NULL;
		if (opts->learner && strcmp(opts->learner, pw->pw_name) != 0)
			return error_set(err,
					 "this class records you as '%s', your login name; "
					 "--learner %s is refused",
					 pw->pw_name, opts->learner),
			       NULL;
		learner = xstrdup(pw->pw_name);
	}
	struct store *s = store_open_mode(db_path, mode, err);
	if (s && !opened_db)
		opened_db = xstrdup(db_path);
	if (s && sealed && !store_seal(s, key, learner, err)) {
		store_close(s);
		return NULL;
	}
	return s;
}
