/*
 * Deployment packages: unpacking a zip file into a function's code directory with Lambda's
 * limits, and refusing any entry (path or symlink) that would land outside that directory.
 */
#ifndef CLOUD_LAMBDA_ZIPCODE_H
#define CLOUD_LAMBDA_ZIPCODE_H

#include <stdbool.h>
#include <stddef.h>

#include "cloud/lambda/validate.h"

/*
 * True when a symlink stored at entry (a safe relative path) pointing at target resolves
 * inside the package's root.
 */
bool zipcode_link_is_safe(const char *entry, const char *target);

/*
 * Unpack zip (len bytes) into dest, an existing empty directory. Fills *unzipped with the
 * total size. On failure fills e (InvalidParameterValueException) and leaves dest partly
 * written: the caller removes it.
 */
bool zipcode_extract(const void *zip, size_t len, const char *dest, long long *unzipped,
		     struct api_err *e);

/* rm -rf of a directory we created. Never follows symlinks. */
void zipcode_remove_tree(const char *dir);

#endif
