/*
 * S3's aws-chunked body encoding, decoded as it arrives: "SIZE;chunk-signature=SIG\r\n DATA
 * \r\n" again and again, a final chunk of size 0, then (for the -TRAILER variants) trailing
 * headers and their signature. The data goes on to the body; each chunk's declared signature
 * and the SHA-256 of its data are kept, so that auth/ can check the chain of signatures once
 * it knows the signing key.
 */
#ifndef CLOUD_HTTP_CHUNKED_H
#define CLOUD_HTTP_CHUNKED_H

#include <stdbool.h>
#include <stddef.h>

#include "core/digest.h"
#include "core/strbuf.h"

/* One chunk as it arrived: the signature its header declared ("" when unsigned) and the
 * SHA-256 of its data. */
struct http_chunk {
	char signature[65];
	unsigned char sha256[SHA256_LEN];
};

struct chunked {
	int state;
	struct strbuf line;      /* a size line or a trailer line being read */
	unsigned long long left; /* data bytes still to come in this chunk */
	struct sha256 hash;
	struct http_chunk *chunks;
	size_t n, cap;
	struct strbuf trailer;      /* trailing header lines, each ending in '\n' */
	char trailer_signature[65]; /* x-amz-trailer-signature, "" when none */
	unsigned long long decoded; /* data bytes so far */
	bool bad;
};

typedef void (*chunked_emit_fn)(void *ctx, const char *data, size_t len);

void chunked_init(struct chunked *d);
void chunked_release(struct chunked *d);
/* Decode len more bytes of the encoded body, passing the data on to emit. */
void chunked_feed(struct chunked *d, const char *data, size_t len, chunked_emit_fn emit, void *ctx);
/* Whether the body ended where its final chunk (and trailer) said. */
bool chunked_done(const struct chunked *d);

#endif
