/*
 * Fuzz the learner's reading of a class server's answer over TLS (class/tls.c): any bytes are
 * refused or read as a status of three digits and a body that lies inside the answer, ends in a
 * NUL and is as long as it says.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "class/tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lambda_reply r;
	if (tls_parse_reply((const char *)data, size, &r)) {
		if (r.status < 100 || r.status > 999 || !r.body || r.len > size ||
		    r.body[r.len] != '\0') {
			fprintf(stderr, "bad reply: status %ld, %zu bytes of %zu\n", r.status,
				r.len, size);
			abort();
		}
		const char *end = memmem(data, size, "\r\n\r\n", 4);
		size_t head = (size_t)(end - (const char *)data) + 4;
		if (!end || head + r.len > size || memcmp(r.body, data + head, r.len) != 0) {
			fprintf(stderr, "the body is not the bytes after the head\n");
			abort();
		}
	}
	client_reply_release(&r);
	return 0;
}
