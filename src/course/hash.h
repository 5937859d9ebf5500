/*
 * Content hashes: the SHA-256 of a page's bytes, in hex, is what a learner's record is tagged
 * with, so that a record always says which version of the content it was made on.
 */
#ifndef COURSE_HASH_H
#define COURSE_HASH_H

#include <stddef.h>

#define HASH_SHA256_HEX_LEN 64

/* Write the lower-case hex SHA-256 of data and a NUL into out (65 bytes). */
void hash_sha256_hex(const void *data, size_t len, char out[HASH_SHA256_HEX_LEN + 1]);

#endif
