/*
 * SHA-256, SHA-1 (FIPS 180-4), MD5 (RFC 1321), HMAC (RFC 2104) and CRC-32/CRC-32C, small and
 * portable.
 * Content hashes, name-based UUIDs, the digests AWS puts in events and SigV4 signatures need
 * nothing more, and linking libcrypto for them
 * cost every start of the tutor some 4 ms of dynamic loading (the cloud keeps libcrypto for
 * what it serves). SHA-1 is here only for UUID version 5 (RFC 9562) and MD5 only because AWS's
 * formats carry it: neither is an integrity check.
 */
#ifndef CORE_DIGEST_H
#define CORE_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN     32
#define SHA256_HEX_LEN 64
#define SHA1_LEN       20
#define MD5_LEN        16

struct sha256 {
	uint32_t h[8];
	uint64_t len; /* bytes hashed so far */
	unsigned char block[64];
	size_t used; /* bytes waiting in block */
};

struct sha1 {
	uint32_t h[5];
	uint64_t len;
	unsigned char block[64];
	size_t used;
};

struct md5 {
	uint32_t h[4];
	uint64_t len;
	unsigned char block[64];
	size_t used;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, unsigned char out[SHA256_LEN]);
/* The digest of data in one call. */
void sha256(const void *data, size_t len, unsigned char out[SHA256_LEN]);
/* The lower-case hex digest of data and a NUL (65 bytes). */
void sha256_hex(const void *data, size_t len, char out[SHA256_HEX_LEN + 1]);

void sha1_init(struct sha1 *s);
void sha1_update(struct sha1 *s, const void *data, size_t len);
void sha1_final(struct sha1 *s, unsigned char out[SHA1_LEN]);
void sha1(const void *data, size_t len, unsigned char out[SHA1_LEN]);

/*
 * HMAC-SHA256 (RFC 2104). A key's state can be kept and reused: hmac_sha256_init() once,
 * then for each message copy the struct, update and final (SigV4 signs many strings with one
 * derived key, and this saves the two key blocks every time).
 */
struct hmac_sha256 {
	struct sha256 inner, outer;
};

void hmac_sha256_init(struct hmac_sha256 *h, const void *key, size_t key_len);
void hmac_sha256_update(struct hmac_sha256 *h, const void *data, size_t len);
void hmac_sha256_final(struct hmac_sha256 *h, unsigned char out[SHA256_LEN]);
/* The HMAC of data under key at once (SigV4's keys, the seal on class records). */
void hmac_sha256(const void *key, size_t key_len, const void *data, size_t len,
		 unsigned char out[SHA256_LEN]);
/* HMAC-SHA1 (RFC 2104), for S3's Signature Version 2 (presigned URLs older SDKs still make). */
void hmac_sha1(const void *key, size_t key_len, const void *data, size_t len,
	       unsigned char out[SHA1_LEN]);
/* Lower-case hex of n bytes into out (2n + 1 bytes). */
void digest_hex(const unsigned char *md, size_t n, char *out);

void md5_init(struct md5 *s);
void md5_update(struct md5 *s, const void *data, size_t len);
void md5_final(struct md5 *s, unsigned char out[MD5_LEN]);
void md5(const void *data, size_t len, unsigned char out[MD5_LEN]);
/* The lower-case hex digest of data and a NUL (33 bytes). */
void md5_hex(const void *data, size_t len, char out[2 * MD5_LEN + 1]);

/*
 * CRC-32 (zlib's, ISO-HDLC) and CRC-32C (Castagnoli), reflected, as S3's additional checksums
 * use them: start from 0 and feed the data in pieces, each call returning the CRC so far.
 */
uint32_t crc32_update(uint32_t crc, const void *data, size_t len);
uint32_t crc32c_update(uint32_t crc, const void *data, size_t len);

#endif
