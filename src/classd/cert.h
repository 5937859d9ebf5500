/*
 * The class server's own TLS certificate: self-signed, made the first time the class is served
 * over TLS and kept in the class folder (tls/cert.pem, tls/key.pem 0600), so a restarted server
 * keeps the fingerprint learners pinned. Learners check the server by that fingerprint (the
 * SHA-256 of the certificate), which the trainer hands out with the class code.
 */
#ifndef CLASSD_CERT_H
#define CLASSD_CERT_H

#include <stdbool.h>

#include "core/error.h"

/* "AB:CD:...": 32 bytes as 95 characters and a NUL. */
#define CERT_FINGERPRINT_LEN 96

struct cert {
	char *cert_pem, *key_pem;
	char fingerprint[CERT_FINGERPRINT_LEN];
};

/*
 * The class's certificate in dir, made (ECDSA P-256, valid a year) when there is none. False
 * and err when it cannot be read or made. Caller releases with cert_release().
 */
bool cert_ensure(const char *dir, struct cert *out, struct error *err);
void cert_release(struct cert *c);

#endif
