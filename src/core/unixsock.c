/*
 * Naming and connecting Unix sockets.
 */
#include "core/unixsock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

bool unixsock_address(const char *path, struct sockaddr_un *addr, int *dir_fd)
{
	memset(addr, 0, sizeof(*addr));
	addr->sun_family = AF_UNIX;
	*dir_fd = -1;
	if (strlen(path) < sizeof(addr->sun_path)) {
		memcpy(addr->sun_path, path, strlen(path) + 1);
		return true;
	}
	const char *slash = strrchr(path, '/');
	if (!slash) {
		errno = ENAMETOOLONG;
		return false;
	}
	size_t dl = (size_t)(slash - path);
	char *dir = malloc(dl + 2);
	if (!dir)
		abort();
	memcpy(dir, dl ? path : "/", dl ? dl : 1);
	dir[dl ? dl : 1] = '\0';
	int fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	if (fd < 0)
		return false;
	int n = snprintf(addr->sun_path, sizeof(addr->sun_path), "/proc/self/fd/%d/%s", fd,
			 slash + 1);
	if (n < 0 || (size_t)n >= sizeof(addr->sun_path)) {
		close(fd);
		errno = ENAMETOOLONG;
		return false;
	}
	*dir_fd = fd;
	return true;
}

int unixsock_connect(const char *path)
{
	struct sockaddr_un addr;
	int dfd;
	if (!unixsock_address(path, &addr, &dfd))
		return -1;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int rc = fd >= 0 ? connect(fd, (struct sockaddr *)&addr, sizeof(addr)) : -1;
	int saved = errno;
	if (dfd >= 0)
		close(dfd);
	if (rc != 0) {
		if (fd >= 0)
			close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}
