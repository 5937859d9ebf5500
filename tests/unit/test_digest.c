/*
 * Unit tests for core/digest.c: the test vectors of FIPS 180-4's examples and RFC 1321, then
 * every length around the padding boundaries and random inputs fed in random pieces, checked
 * against libcrypto's answer for the same bytes (where libssl-dev is installed: the build
 * itself needs no libcrypto).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/digest.h"
#include "harness.h"

static void hex(const unsigned char *md, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static const char *sha256_of(const void *data, size_t len)
{
	static char out[SHA256_HEX_LEN + 1];
	sha256_hex(data, len, out);
	return out;
}

static const char *sha1_of(const void *data, size_t len)
{
	static char out[2 * SHA1_LEN + 1];
	unsigned char md[SHA1_LEN];
	sha1(data, len, md);
	hex(md, SHA1_LEN, out);
	return out;
}

static const char *md5_of(const char *s)
{
	static char out[2 * MD5_LEN + 1];
	md5_hex(s, strlen(s), out);
	return out;
}

static const char abc448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
static const char abc896[] = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
			     "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

TEST(digest__sha256_standard_vectors)
{
	is_str(sha256_of("abc", 3),
	       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "'abc'");
	is_str(sha256_of("", 0), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	       "the empty message");
	is_str(sha256_of(abc448, strlen(abc448)),
	       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
	       "448 bits: the padding takes a second block");
	is_str(sha256_of(abc896, strlen(abc896)),
	       "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1", "896 bits");
	char *million = malloc(1000000);
	memset(million, 'a', 1000000);
	is_str(sha256_of(million, 1000000),
	       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", "a million 'a'");
	/* The same million, fed 7 bytes at a time through the streaming interface. */
	struct sha256 s;
	sha256_init(&s);
	for (size_t i = 0; i < 1000000; i += 7)
		sha256_update(&s, million + i, 1000000 - i < 7 ? 1000000 - i : 7);
	unsigned char md[SHA256_LEN];
	char out[SHA256_HEX_LEN + 1];
	sha256_final(&s, md);
	hex(md, SHA256_LEN, out);
	is_str(out, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
	       "a million 'a' in pieces of 7");
	free(million);
}

TEST(digest__sha1_standard_vectors)
{
	is_str(sha1_of("abc", 3), "a9993e364706816aba3e25717850c26c9cd0d89d", "'abc'");
	is_str(sha1_of("", 0), "da39a3ee5e6b4b0d3255bfef95601890afd80709", "the empty message");
	is_str(sha1_of(abc448, strlen(abc448)), "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
	       "448 bits");
	char *million = malloc(1000000);
	memset(million, 'a', 1000000);
	is_str(sha1_of(million, 1000000), "34aa973cd4c4daa4f61eeb2bdbad27316534016f",
	       "a million 'a'");
	free(million);
}

TEST(digest__md5_rfc1321_vectors)
{
	is_str(md5_of(""), "d41d8cd98f00b204e9800998ecf8427e", "''");
	is_str(md5_of("a"), "0cc175b9c0f1b6a831c399e269772661", "'a'");
	is_str(md5_of("abc"), "900150983cd24fb0d6963f7d28e17f72", "'abc'");
	is_str(md5_of("message digest"), "f96b697d7cb7938d525a2f31aaf161d0", "'message digest'");
	is_str(md5_of("abcdefghijklmnopqrstuvwxyz"), "c3fcd3d76192e4007dfb496cca67e13b",
	       "the alphabet");
	is_str(md5_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
	       "d174ab98d277d9f5a5611c2c9f419d9f", "letters and digits");
	is_str(md5_of("1234567890123456789012345678901234567890"
		      "1234567890123456789012345678901234567890"),
	       "57edf4a22be3c955ac49da2e2107b67a", "eighty digits");
}

#ifdef HAVE_LIBCRYPTO
#include <openssl/evp.h>

/* xorshift64*: the same "random" bytes on every run, so that a failure can be replayed. */
static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dull;
}

/* Our digest of data fed in random pieces, and libcrypto's, agree for each algorithm. */
static int agree(const unsigned char *data, size_t len)
{
	unsigned char ours[SHA256_LEN], theirs[EVP_MAX_MD_SIZE];
	unsigned int n;
	int bad = 0;

	struct sha256 s256;
	struct sha1 s1;
	struct md5 m5;
	sha256_init(&s256);
	sha1_init(&s1);
	md5_init(&m5);
	for (size_t i = 0; i < len;) {
		size_t k = (size_t)(next() % 150);
		if (k > len - i)
			k = len - i;
		sha256_update(&s256, data + i, k);
		sha1_update(&s1, data + i, k);
		md5_update(&m5, data + i, k);
		i += k;
	}
	sha256_final(&s256, ours);
	EVP_Digest(data, len, theirs, &n, EVP_sha256(), NULL);
	bad |= n != SHA256_LEN || memcmp(ours, theirs, SHA256_LEN) != 0;
	sha256(data, len, ours);
	bad |= memcmp(ours, theirs, SHA256_LEN) != 0;

	sha1_final(&s1, ours);
	EVP_Digest(data, len, theirs, &n, EVP_sha1(), NULL);
	bad |= (n != SHA1_LEN || memcmp(ours, theirs, SHA1_LEN) != 0) << 1;

	md5_final(&m5, ours);
	EVP_Digest(data, len, theirs, &n, EVP_md5(), NULL);
	bad |= (n != MD5_LEN || memcmp(ours, theirs, MD5_LEN) != 0) << 2;
	return bad;
}

TEST(digest__agrees_with_libcrypto)
{
	unsigned char *buf = malloc(1 << 17);
	/* Every length across the first padding boundaries (55, 56, 63, 64, 119, 120, 128). */
	int bad = 0;
	size_t first = 0;
	for (size_t len = 0; len <= 300; len++) {
		for (size_t i = 0; i < len; i++)
			buf[i] = (unsigned char)next();
		int b = agree(buf, len);
		if (b && !bad)
			first = len;
		bad |= b;
	}
	ok(!bad, "every length from 0 to 300 bytes (SHA-256 1, SHA-1 2, MD5 4: %d, first at %zu)",
	   bad, first);
	bad = 0;
	for (int round = 0; round < 200; round++) {
		size_t len = (size_t)(next() % (1 << 17));
		for (size_t i = 0; i < len; i++)
			buf[i] = (unsigned char)next();
		int b = agree(buf, len);
		if (b && !bad)
			first = len;
		bad |= b;
	}
	ok(!bad, "200 random inputs of up to 128 KiB in random pieces (%d, first at %zu)", bad,
	   first);
	free(buf);
}
#endif

int main(void)
{
	RUN(digest__sha256_standard_vectors);
	RUN(digest__sha1_standard_vectors);
	RUN(digest__md5_rfc1321_vectors);
#ifdef HAVE_LIBCRYPTO
	RUN(digest__agrees_with_libcrypto);
#else
	printf("# skip: no libcrypto to check the digests against (apt-get install libssl-dev)\n");
#endif
	return done();
}
