/*
 * libzip, loaded the first time a package is zipped or unzipped. Linked outright, it brought
 * libcrypto, libbz2 and zlib into every start of the tutor, which `lambda-tutor list` and the
 * first frame paid for each time; only a check and the console need it.
 */
#ifndef CHECK_ZIP_LAZY_H
#define CHECK_ZIP_LAZY_H

#include <zip.h>

#include "core/error.h"

/* The functions package.c calls: X(return type, name, parameter list). */
#define ZIP_LAZY_FUNCTIONS(X)                                                                  \
	X(void, zip_error_init, (zip_error_t *))                                               \
	X(void, zip_error_fini, (zip_error_t *))                                               \
	X(const char *, zip_error_strerror, (zip_error_t *))                                   \
	X(zip_source_t *, zip_source_buffer_create,                                            \
	  (const void *, zip_uint64_t, int, zip_error_t *))                                    \
	X(void, zip_source_keep, (zip_source_t *))                                             \
	X(void, zip_source_free, (zip_source_t *))                                             \
	X(int, zip_source_stat, (zip_source_t *, zip_stat_t *))                                \
	X(int, zip_source_open, (zip_source_t *))                                              \
	X(zip_int64_t, zip_source_read, (zip_source_t *, void *, zip_uint64_t))                \
	X(int, zip_source_close, (zip_source_t *))                                             \
	X(zip_source_t *, zip_source_file, (zip_t *, const char *, zip_uint64_t, zip_int64_t)) \
	X(zip_t *, zip_open_from_source, (zip_source_t *, int, zip_error_t *))                 \
	X(void, zip_discard, (zip_t *))                                                        \
	X(int, zip_close, (zip_t *))                                                           \
	X(const char *, zip_strerror, (zip_t *))                                               \
	X(zip_int64_t, zip_file_add, (zip_t *, const char *, zip_source_t *, zip_flags_t))     \
	X(int, zip_set_file_compression, (zip_t *, zip_uint64_t, zip_int32_t, zip_uint32_t))   \
	X(int, zip_file_set_external_attributes,                                               \
	  (zip_t *, zip_uint64_t, zip_flags_t, zip_uint8_t, zip_uint32_t))                     \
	X(int, zip_file_get_external_attributes,                                               \
	  (zip_t *, zip_uint64_t, zip_flags_t, zip_uint8_t *, zip_uint32_t *))                 \
	X(zip_int64_t, zip_get_num_entries, (zip_t *, zip_flags_t))                            \
	X(const char *, zip_get_name, (zip_t *, zip_uint64_t, zip_flags_t))                    \
	X(int, zip_stat_index, (zip_t *, zip_uint64_t, zip_flags_t, zip_stat_t *))             \
	X(zip_file_t *, zip_fopen_index, (zip_t *, zip_uint64_t, zip_flags_t))                 \
	X(zip_int64_t, zip_fread, (zip_file_t *, void *, zip_uint64_t))                        \
	X(int, zip_fclose, (zip_file_t *))

#define ZIP_LAZY_FIELD(ret, name, params) ret(*name) params;
struct zip_api {
	ZIP_LAZY_FUNCTIONS(ZIP_LAZY_FIELD)
};
#undef ZIP_LAZY_FIELD

/*
 * The loaded API, or NULL with err filled ("cannot load libzip: ...") when the library is
 * missing. Loaded once per process and never unloaded; thread-safe. Borrowed.
 */
const struct zip_api *zip_api_get(struct error *err);

#endif
