/*
 * Unix socket addresses for paths of any length: a path longer than sun_path holds (a deep
 * workspace) is named through its folder, opened O_PATH, as /proc/self/fd/N/NAME.
 */
#ifndef CORE_UNIXSOCK_H
#define CORE_UNIXSOCK_H

#include <stdbool.h>
#include <sys/un.h>

/*
 * Fill addr for path. *dir_fd is -1, or a descriptor the address goes through, to be closed
 * once the socket is bound or connected. False (errno set) when it cannot be named.
 */
bool unixsock_address(const char *path, struct sockaddr_un *addr, int *dir_fd);
/* Connect a new stream socket (close-on-exec) to path: the descriptor, or -1 with errno. */
int unixsock_connect(const char *path);

#endif
