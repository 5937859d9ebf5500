/*
 * The class server's self-signed certificate, made with GnuTLS (which libmicrohttpd serves
 * TLS with).
 */
#include "classd/cert.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/path.h"
#include "core/xalloc.h"

#define CERT_DAYS 365

/* PEM of a certificate or key, as a C string. */
static char *datum_str(const gnutls_datum_t *d)
{
	char *s = xmalloc(d->size + 1);
	memcpy(s, d->data, d->size);
	s[d->size] = '\0';
	return s;
}

/*
 * Make a certificate signed by its own key, as PEM: the key in out->key_pem when there is one
 * (a renewal: the same key, so the pin learners keep still holds), else a new one.
 */
static bool cert_make(struct cert *out, struct error *err)
{
	gnutls_x509_privkey_t key = NULL;
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t kpem = { 0 }, cpem = { 0 };
	unsigned char serial[16];
	time_t now = time(NULL);
	const char *cn = "lambda-tutor class server";
	int rc = gnutls_x509_privkey_init(&key);
	if (rc == 0 && out->key_pem) {
		gnutls_datum_t old = { (unsigned char *)out->key_pem,
				       (unsigned)strlen(out->key_pem) };
		rc = gnutls_x509_privkey_import(key, &old, GNUTLS_X509_FMT_PEM);
	} else if (rc == 0) {
		rc = gnutls_x509_privkey_generate(
			key, GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0);
	}
	if (rc == 0)
		rc = gnutls_x509_crt_init(&crt);
	if (rc == 0)
		rc = gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial));
	serial[0] &= 0x7f; /* a positive serial number */
	if (rc == 0)
		rc = gnutls_x509_crt_set_version(crt, 3);
	if (rc == 0)
		rc = gnutls_x509_crt_set_serial(crt, serial, sizeof(serial));
	if (rc == 0)
		rc = gnutls_x509_crt_set_activation_time(crt, now - 3600);
	if (rc == 0)
		rc = gnutls_x509_crt_set_expiration_time(crt, now + (time_t)CERT_DAYS * 86400);
	if (rc == 0)
		rc = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn,
						   (unsigned)strlen(cn));
	if (rc == 0)
		rc = gnutls_x509_crt_set_key(crt, key);
	if (rc == 0)
		rc = gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE);
	if (rc == 0)
		rc = gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0);
	if (rc == 0)
		rc = gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0);
	if (rc == 0)
		rc = gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, &kpem);
	if (rc == 0)
		rc = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &cpem);
	if (rc == 0) {
		if (out->key_pem)
			explicit_bzero(out->key_pem, strlen(out->key_pem));
		free(out->key_pem);
		free(out->cert_pem);
		out->key_pem = datum_str(&kpem);
		out->cert_pem = datum_str(&cpem);
	} else {
		error_set(err, "cannot make the class server's certificate: %s",
			  gnutls_strerror(rc));
	}
	if (kpem.data) {
		explicit_bzero(kpem.data, kpem.size);
		gnutls_free(kpem.data);
	}
	gnutls_free(cpem.data);
	if (crt)
		gnutls_x509_crt_deinit(crt);
	if (key)
		gnutls_x509_privkey_deinit(key);
	return rc == 0;
}

static void hex(const unsigned char *md, size_t len, char *out)
{
	for (size_t i = 0; i < len; i++)
		snprintf(out + 3 * i, 4, i + 1 < len ? "%02X:" : "%02X", md[i]);
}

/*
 * The SHA-256 of the certificate in PEM and of its public key, as colon-separated hex; and
 * whether it expires within CERT_RENEW_DAYS.
 */
static bool cert_fingerprint(struct cert *c, bool *due, struct error *err)
{
	gnutls_x509_crt_t crt = NULL;
	gnutls_datum_t pem = { (unsigned char *)c->cert_pem, (unsigned)strlen(c->cert_pem) };
	unsigned char md[32], kid[32];
	size_t len = sizeof(md), klen = sizeof(kid);
	int rc = gnutls_x509_crt_init(&crt);
	if (rc == 0)
		rc = gnutls_x509_crt_import(crt, &pem, GNUTLS_X509_FMT_PEM);
	if (rc == 0)
		rc = gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA256, md, &len);
	if (rc == 0)
		rc = gnutls_x509_crt_get_key_id(crt, GNUTLS_KEYID_USE_SHA256, kid, &klen);
	time_t expires = rc == 0 ? gnutls_x509_crt_get_expiration_time(crt) : 0;
	if (crt)
		gnutls_x509_crt_deinit(crt);
	if (rc != 0 || len != sizeof(md) || klen != sizeof(kid))
		return error_set(err, "cannot read the class server's certificate: %s",
				 gnutls_strerror(rc));
	hex(md, len, c->fingerprint);
	hex(kid, klen, c->key_pin);
	*due = expires < time(NULL) + (time_t)CERT_RENEW_DAYS * 86400;
	return true;
}

bool cert_ensure(const char *dir, bool renew, struct cert *out, struct error *err)
{
	memset(out, 0, sizeof(*out));
	char *tls = path_join(dir, "tls");
	char *cpath = path_join(tls, "cert.pem"), *kpath = path_join(tls, "key.pem");
	bool ok = false, due = false;
	if (path_is_file(kpath)) {
		/* The key stays: a certificate missing, expiring or renewed is issued again. */
		out->key_pem = path_read_file(kpath, 64 * 1024, NULL, err);
		out->cert_pem = out->key_pem && path_is_file(cpath)
					? path_read_file(cpath, 64 * 1024, NULL, err)
					: NULL;
		ok = out->key_pem && (out->cert_pem || !path_is_file(cpath));
		if (ok && out->cert_pem && !renew)
			ok = cert_fingerprint(out, &due, err);
		if (ok && (!out->cert_pem || renew || due)) {
			ok = cert_make(out, err) &&
			     path_write_file(cpath, out->cert_pem, strlen(out->cert_pem), 0644,
					     err);
			out->renewed = ok;
		}
	} else {
		ok = cert_make(out, err) && path_mkdirs(tls, 0700, err) &&
		     path_write_file(kpath, out->key_pem, strlen(out->key_pem), 0600, err) &&
		     path_write_file(cpath, out->cert_pem, strlen(out->cert_pem), 0644, err);
	}
	ok = ok && cert_fingerprint(out, &due, err);
	if (!ok)
		cert_release(out);
	free(tls);
	free(cpath);
	free(kpath);
	return ok;
}

void cert_release(struct cert *c)
{
	if (c->key_pem)
		explicit_bzero(c->key_pem, strlen(c->key_pem));
	free(c->key_pem);
	free(c->cert_pem);
	c->key_pem = c->cert_pem = NULL;
}
