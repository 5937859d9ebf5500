/*
 * libcurl through dlopen(), resolved once.
 */
#include "check/curl_lazy.h"

#include <dlfcn.h>
#include <pthread.h>
#include <string.h>

static struct curl_api api;
static char load_error[256];
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* dlsym() returns an object pointer; copy it into the function pointer the way POSIX allows. */
static int resolve(void *lib, const char *name, void *slot, size_t size)
{
	void *p = dlsym(lib, name);
	if (!p) {
		snprintf(load_error, sizeof(load_error), "cannot load libcurl: no symbol %s", name);
		return 0;
	}
	memcpy(slot, &p, size);
	return 1;
}

#define RESOLVE(lib, field, name) resolve(lib, name, &api.field, sizeof(api.field))

static void load(void)
{
	void *lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		lib = dlopen("libcurl.so", RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		const char *why = dlerror();
		snprintf(load_error, sizeof(load_error),
			 "cannot load libcurl: %s (install libcurl4)", why ? why : "not found");
		return;
	}
	int ok = RESOLVE(lib, global_init, "curl_global_init") &&
		 RESOLVE(lib, easy_init, "curl_easy_init") &&
		 RESOLVE(lib, easy_cleanup, "curl_easy_cleanup") &&
		 RESOLVE(lib, easy_reset, "curl_easy_reset") &&
		 RESOLVE(lib, easy_setopt, "curl_easy_setopt") &&
		 RESOLVE(lib, easy_perform, "curl_easy_perform") &&
		 RESOLVE(lib, easy_getinfo, "curl_easy_getinfo") &&
		 RESOLVE(lib, easy_strerror, "curl_easy_strerror") &&
		 RESOLVE(lib, easy_escape, "curl_easy_escape") && RESOLVE(lib, free, "curl_free") &&
		 RESOLVE(lib, slist_append, "curl_slist_append") &&
		 RESOLVE(lib, slist_free_all, "curl_slist_free_all");
	if (!ok || api.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		if (ok)
			snprintf(load_error, sizeof(load_error), "cannot initialise libcurl");
		memset(&api, 0, sizeof(api));
		dlclose(lib);
	}
}

const struct curl_api *curl_api_get(struct error *err)
{
	pthread_once(&once, load);
	if (!api.easy_init) {
		error_set(err, "%s", load_error);
		return NULL;
	}
	return &api;
}
