/*
 * Envelope encryption with a data key, as a service that keeps values larger than KMS's
 * 4,096 bytes does (Secrets Manager): KMS's GenerateDataKey gives the 256-bit key, and the
 * value is sealed here with AES-256-GCM. OpenSSL stays inside cloud/kms.
 */
#ifndef LT_CLOUD_KMS_ENVELOPE_H
#define LT_CLOUD_KMS_ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>

#define ENVELOPE_NONCE_LEN 12
#define ENVELOPE_TAG_LEN   16
/* The bytes envelope_seal() writes for n bytes of value. */
#define ENVELOPE_SEALED_LEN(n) ((n) + ENVELOPE_NONCE_LEN + ENVELOPE_TAG_LEN)

/* AES-256-GCM of n bytes of in with key into out (ENVELOPE_SEALED_LEN(n) bytes): a fresh
 * random nonce, the ciphertext, the tag. */
bool envelope_seal(const unsigned char key[32], const void *in, size_t n, unsigned char *out);
/* The inverse: n bytes of sealed in into out (at least n bytes), its length in *out_len;
 * false when the box is short or its tag does not match (forged, or another key). */
bool envelope_open(const unsigned char key[32], const unsigned char *in, size_t n,
		   unsigned char *out, size_t *out_len);
/* Wipe n bytes of secret material (a data key) so that the compiler keeps the wipe. */
void envelope_wipe(void *p, size_t n);

#endif
