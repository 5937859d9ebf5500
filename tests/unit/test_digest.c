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

static const char *hmac_of(const void *key, size_t key_len, const void *data, size_t len)
{
	static char out[SHA256_HEX_LEN + 1];
	unsigned char md[SHA256_LEN];
	hmac_sha256(key, key_len, data, len, md);
	digest_hex(md, SHA256_LEN, out);
	return out;
}

static const char abc448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
static const char abc896[] = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
			     "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";

/* RFC 4231's test cases 1, 2 and 6 (a key longer than a block is hashed first). */
TEST(digest__hmac_sha256_rfc4231)
{
	unsigned char md[SHA256_LEN], key[131];
	char out[SHA256_HEX_LEN + 1];
	memset(key, 0x0b, 20);
	hmac_sha256(key, 20, "Hi There", 8, md);
	hex(md, SHA256_LEN, out);
	is_str(out, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7", "case 1");
	hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, md);
	hex(md, SHA256_LEN, out);
	is_str(out, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", "case 2");
	memset(key, 0xaa, sizeof(key));
	static const char big[] = "Test Using Larger Than Block-Size Key - Hash Key First";
	hmac_sha256(key, sizeof(key), big, strlen(big), md);
	hex(md, SHA256_LEN, out);
	is_str(out, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54", "case 6");
}

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

/* RFC 4231, section 4: the seven HMAC-SHA-256 test cases. */
TEST(digest__hmac_sha256_rfc4231_vectors)
{
	unsigned char k[131], d[152];
	memset(k, 0x0b, 20);
	is_str(hmac_of(k, 20, "Hi There", 8),
	       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7", "case 1");
	is_str(hmac_of("Jefe", 4, "what do ya want for nothing?", 28),
	       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
	       "case 2: a key shorter than the output");
	memset(k, 0xaa, 20);
	memset(d, 0xdd, 50);
	is_str(hmac_of(k, 20, d, 50),
	       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
	       "case 3: combined key and data of 50 bytes");
	for (int i = 0; i < 25; i++)
		k[i] = (unsigned char)(i + 1);
	memset(d, 0xcd, 50);
	is_str(hmac_of(k, 25, d, 50),
	       "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b", "case 4");
	memset(k, 0x0c, 20);
	char trunc[33];
	snprintf(trunc, sizeof(trunc), "%s", hmac_of(k, 20, "Test With Truncation", 20));
	is_str(trunc, "a3b6167473100ee06e0c796c2955552b", "case 5: truncated to 128 bits");
	memset(k, 0xaa, 131);
	is_str(hmac_of(k, 131, "Test Using Larger Than Block-Size Key - Hash Key First", 54),
	       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
	       "case 6: a key larger than a block is hashed first");
	static const char big[] = "This is a test using a larger than block-size key and a larger "
				  "than block-size data. The key needs to be hashed before being "
				  "used by the HMAC algorithm.";
	is_str(hmac_of(k, 131, big, strlen(big)),
	       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
	       "case 7: key and data both larger than a block");
	/* A kept key state signs many messages: copies of it give the same answers. */
	struct hmac_sha256 keyed, copy;
	hmac_sha256_init(&keyed, "Jefe", 4);
	unsigned char md[SHA256_LEN];
	char hexd[SHA256_HEX_LEN + 1];
	for (int round = 0; round < 2; round++) {
		copy = keyed;
		hmac_sha256_update(&copy, "what do ya ", 11);
		hmac_sha256_update(&copy, "want for nothing?", 17);
		hmac_sha256_final(&copy, md);
		digest_hex(md, SHA256_LEN, hexd);
		is_str(hexd, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
		       round ? "a kept key state, used again" : "a kept key state, in pieces");
	}
}

/* RFC 2202, section 3: the seven HMAC-SHA1 test cases. */
TEST(digest__hmac_sha1_rfc2202_vectors)
{
	static const struct {
		unsigned char key_byte;
		size_t key_len;
		const char *data;
		size_t data_len;
		const char *want;
	} cases[] = {
		{ 0x0b, 20, "Hi There", 8, "b617318655057264e28bc0b6fb378c8ef146be00" },
		{ 0, 4, "what do ya want for nothing?", 28,
		  "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79" },
		{ 0xaa, 20, NULL, 50, "125d7342b9ac11cd91a39af48aa17b4f63f175d3" },
		{ 1, 25, NULL, 50, "4c9007f4026250c6bc8414f9bf50c86c2d7235da" },
		{ 0x0c, 20, "Test With Truncation", 20,
		  "4c1a03424b55e07fe7f27be1d58bb9324a9a5a04" },
		{ 0xaa, 80, "Test Using Larger Than Block-Size Key - Hash Key First", 54,
		  "aa4ae5e15272d00e95705637ce8a3b55ed402112" },
		{ 0xaa, 80,
		  "Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data", 73,
		  "e8e99d0f45237d786d6bbaa7965c7808bbff1a91" },
	};
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		unsigned char key[80], data[50], md[SHA1_LEN];
		char hexd[2 * SHA1_LEN + 1];
		for (size_t i = 0; i < cases[c].key_len; i++)
			key[i] = c == 1   ? (unsigned char)"Jefe"[i]
				 : c == 3 ? (unsigned char)(i + 1)
					  : cases[c].key_byte;
		const void *d = cases[c].data;
		if (!d) {
			memset(data, c == 2 ? 0xdd : 0xcd, sizeof(data));
			d = data;
		}
		hmac_sha1(key, cases[c].key_len, d, cases[c].data_len, md);
		digest_hex(md, SHA1_LEN, hexd);
		is_str(hexd, cases[c].want, "test case");
	}
}

TEST(digest__crc32_and_crc32c_check_values)
{
	/* The catalogue's check values: the CRC of "123456789". */
	is_int((long long)crc32_update(0, "123456789", 9), 0xCBF43926LL, "CRC-32");
	is_int((long long)crc32c_update(0, "123456789", 9), 0xE3069283LL, "CRC-32C");
	uint32_t a = crc32_update(0, "1234", 4), b = crc32c_update(0, "1234", 4);
	is_int((long long)crc32_update(a, "56789", 5), 0xCBF43926LL, "CRC-32 fed in pieces");
	is_int((long long)crc32c_update(b, "56789", 5), 0xE3069283LL, "CRC-32C fed in pieces");
	is_int((long long)crc32_update(0, "", 0), 0, "the CRC-32 of nothing is 0");
}

int main(void)
{
	RUN(digest__hmac_sha256_rfc4231);
	RUN(digest__crc32_and_crc32c_check_values);
	RUN(digest__sha256_standard_vectors);
	RUN(digest__sha1_standard_vectors);
	RUN(digest__md5_rfc1321_vectors);
	RUN(digest__hmac_sha256_rfc4231_vectors);
	RUN(digest__hmac_sha1_rfc2202_vectors);
#ifdef HAVE_LIBCRYPTO
	RUN(digest__agrees_with_libcrypto);
#else
	printf("# skip: no libcrypto to check the digests against (apt-get install libssl-dev)\n");
#endif
	return done();
}
