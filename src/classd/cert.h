/*
 * The class server's own TLS certificate: self-signed, made the first time the class is served
 * over TLS and kept in the class folder (tls/cert.pem, tls/key.pem 0600). Learners check the
 * server by the fingerprint of its public key (or of the certificate, which `join` accepts
 * too), which the trainer hands out with the class code; `join` pins the key, so certificates
 * issued again for the same key (rotation) keep every learner's pin.
 */
#ifndef CLASSD_CERT_H
#define CLASSD_CERT_H

#include <stdbool.h>

#include "core/error.h"

/* "AB:CD:...": 32 bytes as 95 characters and a NUL. */
#define CERT_FINGERPRINT_LEN 96

/* A certificate this close to its end is issued again at the server's start. */
#define CERT_RENEW_DAYS 30

struct cert {
	char *cert_pem, *key_pem;
	char fingerprint[CERT_FINGERPRINT_LEN]; /* SHA-256 of the certificate */
	char key_pin[CERT_FINGERPRINT_LEN]; /* SHA-256 of its public key (SubjectPublicKeyInfo) */
	bool renewed;                       /* issued again for the key kept */
};

/*
 * The class's certificate in dir, made (ECDSA P-256, valid a year) when there is none. The key
 * is kept for good: a certificate that is missing, within CERT_RENEW_DAYS of its end, or
 * renewed on request is issued again for the same key, so the key pin learners keep (`join`
 * pins the key) holds across the rotation. False and err when it cannot be read or made.
 * Caller releases with cert_release().
 */
bool cert_ensure(const char *dir, bool renew, struct cert *out, struct error *err);
void cert_release(struct cert *c);

#endif
