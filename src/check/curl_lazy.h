/*
 * libcurl, loaded the first time the checker talks to the cloud. Linking it outright made
 * every start of the tutor load some thirty libraries (TLS, Kerberos, LDAP...) that only a
 * check needs; `lambda-tutor list` and the first frame paid for them each time.
 */
#ifndef CHECK_CURL_LAZY_H
#define CHECK_CURL_LAZY_H

#include <curl/curl.h>

#include "core/error.h"

struct curl_api {
	CURLcode (*global_init)(long flags);
	CURL *(*easy_init)(void);
	void (*easy_cleanup)(CURL *h);
	void (*easy_reset)(CURL *h);
	CURLcode (*easy_setopt)(CURL *h, CURLoption opt, ...);
	CURLcode (*easy_perform)(CURL *h);
	CURLcode (*easy_getinfo)(CURL *h, CURLINFO info, ...);
	const char *(*easy_strerror)(CURLcode code);
	char *(*easy_escape)(CURL *h, const char *s, int len);
	void (*free)(void *p);
	struct curl_slist *(*slist_append)(struct curl_slist *list, const char *s);
	void (*slist_free_all)(struct curl_slist *list);
};

/*
 * The loaded API, or NULL with err filled ("cannot load libcurl: ...") when the library is
 * missing. Loaded once per process and never unloaded; thread-safe. Borrowed.
 */
const struct curl_api *curl_api_get(struct error *err);

#endif
