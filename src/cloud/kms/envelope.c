/*
 * AES-256-GCM sealing with a data key (envelope.h).
 */
#include "cloud/kms/envelope.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

bool envelope_seal(const unsigned char key[32], const void *in, size_t n, unsigned char *out)
{
	int len = 0;
	if (n > (size_t)0x7fffffff || RAND_bytes(out, ENVELOPE_NONCE_LEN) != 1)
		return false;
	EVP_CIPHER_CTX *e = EVP_CIPHER_CTX_new();
	unsigned char *ct = out + ENVELOPE_NONCE_LEN;
	bool ok = e && EVP_EncryptInit_ex(e, EVP_aes_256_gcm(), NULL, key, out) == 1 &&
		  (n == 0 || EVP_EncryptUpdate(e, ct, &len, in, (int)n) == 1) &&
		  EVP_EncryptFinal_ex(e, ct + (n ? len : 0), &len) == 1 &&
		  EVP_CIPHER_CTX_ctrl(e, EVP_CTRL_GCM_GET_TAG, ENVELOPE_TAG_LEN, ct + n) == 1;
	EVP_CIPHER_CTX_free(e);
	return ok;
}

bool envelope_open(const unsigned char key[32], const unsigned char *in, size_t n,
		   unsigned char *out, size_t *out_len)
{
	if (n < ENVELOPE_NONCE_LEN + ENVELOPE_TAG_LEN)
		return false;
	size_t m = n - ENVELOPE_NONCE_LEN - ENVELOPE_TAG_LEN;
	if (m > (size_t)0x7fffffff)
		return false;
	int len = 0;
	EVP_CIPHER_CTX *e = EVP_CIPHER_CTX_new();
	const unsigned char *ct = in + ENVELOPE_NONCE_LEN;
	bool ok = e && EVP_DecryptInit_ex(e, EVP_aes_256_gcm(), NULL, key, in) == 1 &&
		  (m == 0 || EVP_DecryptUpdate(e, out, &len, ct, (int)m) == 1) &&
		  EVP_CIPHER_CTX_ctrl(e, EVP_CTRL_GCM_SET_TAG, ENVELOPE_TAG_LEN,
				      (void *)(ct + m)) == 1 &&
		  EVP_DecryptFinal_ex(e, out + (m ? len : 0), &len) == 1;
	EVP_CIPHER_CTX_free(e);
	*out_len = m;
	return ok;
}

void envelope_wipe(void *p, size_t n)
{
	OPENSSL_cleanse(p, n);
}
