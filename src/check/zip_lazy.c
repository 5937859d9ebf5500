/*
 * libzip through dlopen(), resolved once.
 */
#include "check/zip_lazy.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static struct zip_api api;
static bool loaded;
static char load_error[256];
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* dlsym() returns an object pointer; copy it into the function pointer the way POSIX allows. */
static bool resolve(void *lib, const char *name, void *slot, size_t size)
{
	void *p = dlsym(lib, name);
	if (!p) {
		snprintf(load_error, sizeof(load_error), "cannot load libzip: no symbol %s", name);
		return false;
	}
	memcpy(slot, &p, size);
	return true;
}

static void load(void)
{
	void *lib = dlopen("libzip.so.4", RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		lib = dlopen("libzip.so.5", RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		lib = dlopen("libzip.so", RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		const char *why = dlerror();
		snprintf(load_error, sizeof(load_error), "cannot load libzip: %s (install libzip4)",
			 why ? why : "not found");
		return;
	}
	bool ok = true;
#define ZIP_LAZY_RESOLVE(ret, name, params) \
	ok = ok && resolve(lib, #name, &api.name, sizeof(api.name));
	ZIP_LAZY_FUNCTIONS(ZIP_LAZY_RESOLVE)
#undef ZIP_LAZY_RESOLVE
	if (!ok) {
		memset(&api, 0, sizeof(api));
		dlclose(lib);
		return;
	}
	loaded = true;
}

const struct zip_api *zip_api_get(struct error *err)
{
	pthread_once(&once, load);
	if (!loaded) {
		error_set(err, "%s", load_error);
		return NULL;
	}
	return &api;
}
