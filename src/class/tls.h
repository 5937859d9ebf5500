/*
 * The learner's side of a class server on TLS: one HTTPS exchange at a time, the server known
 * by its public key's SHA-256 fingerprint (the class's own self-signed certificate, which no
 * authority vouches for, and is issued again for the same key), not by a chain. GnuTLS is loaded
 * the first time (dlopen), so the tutor's start pays nothing for it.
 */
#ifndef CLASS_TLS_H
#define CLASS_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include "aws/client.h"
#include "core/error.h"

/* "AB:CD:...": 32 bytes as 95 characters and a NUL. */
#define TLS_FINGERPRINT_LEN 96

/*
 * method path to https://hostport with headers (NULL-terminated, "Name: value"), body of
 * body_len bytes. The fingerprint of the server's public key (SHA-256 of its
 * SubjectPublicKeyInfo) goes into seen (when not NULL). When pin is not NULL and is neither
 * that nor the certificate's SHA-256, nothing is sent: false and err. A server that
 * cannot be reached is out->status 0 (true); a cancel (client_cancel_on's flag of this thread,
 * passed as cancel) ends the exchange as unreachable. Release out with client_reply_release.
 */
bool tls_exchange(const char *hostport, const char *pin, char *seen, const char *method,
		  const char *path, const char *const *headers, const char *body, size_t body_len,
		  const volatile int *cancel, struct lambda_reply *out, struct error *err);

/*
 * A server's answer of len bytes ("HTTP/1.x NNN", headers, a body of its Content-Length, else
 * to the end) into out (status and body, NUL-terminated). False when it is not one.
 */
bool tls_parse_reply(const char *buf, size_t len, struct lambda_reply *out);

/* Whether a server at host:port completes a TLS handshake (its certificate unchecked): why
 * an http:// request found no HTTP there. */
bool tls_spoken(const char *hostport);

#endif
