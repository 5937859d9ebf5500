/*
 * The class server's HTTP (libmicrohttpd): the requests of class/wire.h, answered from the
 * records of class/hub.h. Its own program, lambda-tutor-class, so the tutor never loads an
 * HTTP server.
 */
#ifndef CLASSD_CLASSD_H
#define CLASSD_CLASSD_H

#include <stdbool.h>

#include "class/hub.h"
#include "classd/cert.h"
#include "core/error.h"

struct classd;

/*
 * Serve hub on host:port (port 0: any free one; *bound_port gets it), over TLS with tls's
 * certificate unless tls is NULL. Threads of its own; returns at once. NULL and err when the
 * address cannot be listened on.
 */
struct classd *classd_start(struct hub *hub, const char *host, int port, const struct cert *tls,
			    int *bound_port, struct error *err);
/*
 * Serve hub on a Unix socket at path (mode 0666) for learners on the same host: each is the
 * user the kernel says is at the other end (SO_PEERCRED), never a name they send, and needs no
 * token. NULL and err when the socket cannot be made.
 */
struct classd *classd_start_unix(struct hub *hub, const char *path, struct error *err);
/* Stop serving (requests under way finish first). No-op on NULL. */
void classd_stop(struct classd *d);

#endif
