/*
 * The AWS Parameters and Secrets Lambda Extension's local endpoint, for an environment whose
 * function has AWS's extension layer (paramsecrets.c says what it serves and how it caches).
 */
#ifndef CLOUD_LAMBDA_PARAMSECRETS_H
#define CLOUD_LAMBDA_PARAMSECRETS_H

#include <stdbool.h>

#include "core/error.h"

struct cloud;
struct lfunc;
struct lambda_paramsecrets;

/* Whether fn's Layers include AWS's Parameters and Secrets Lambda Extension. */
bool lambda_paramsecrets_wanted(const struct lfunc *fn);
/*
 * Serve the extension for an environment of fn whose session is access_key and token (its
 * AWS_SESSION_TOKEN, which requests must carry): on 127.0.0.1:2773, or the port fn's
 * PARAMETERS_SECRETS_EXTENSION_HTTP_PORT names, shared with the other environments there;
 * on a free port when another program holds that one. NULL with err set when it cannot
 * listen at all. Stop with lambda_paramsecrets_stop().
 */
struct lambda_paramsecrets *lambda_paramsecrets_start(struct cloud *c, const struct lfunc *fn,
						      const char *access_key, const char *token,
						      struct error *err);
int lambda_paramsecrets_port(const struct lambda_paramsecrets *ps);
/* The port ps listens on when it is not the one the function expects, else 0. */
int lambda_paramsecrets_moved(const struct lambda_paramsecrets *ps);
/* Stop serving and free ps (NULL is ignored). */
void lambda_paramsecrets_stop(struct lambda_paramsecrets *ps);

#endif
