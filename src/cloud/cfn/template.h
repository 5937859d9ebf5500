/*
 * CloudFormation template text to cJSON. JSON templates (the first character that is not
 * white space is '{') go through cJSON; everything else is YAML, read with libyaml, where the
 * short-form tags become the long form CloudFormation works on (`!Ref X` is {"Ref": "X"},
 * `!GetAtt A.B` is {"Fn::GetAtt": ["A", "B"]}, `!Sub s` is {"Fn::Sub": "s"}, any other `!F`
 * is {"Fn::F": ...}). Plain YAML scalars follow YAML 1.1 as CloudFormation's own parser and
 * the AWS CLI read them: null, booleans (true/false/yes/no/on/off), integers and floats;
 * tagged and quoted scalars stay strings. Aliases are refused, as CloudFormation refuses them.
 *
 * Errors are CloudFormation's own: "Template format error: YAML not well-formed. (line 3,
 * column 5)", with 1-based line and column.
 */
#ifndef CLOUD_CFN_TEMPLATE_H
#define CLOUD_CFN_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

struct cJSON;

/* Nesting deeper than this is refused (a template is never this deep). */
#define CFN_TEMPLATE_MAX_DEPTH 64

/*
 * Parse len bytes of text. Returns the template's root (an object, or whatever the text
 * holds: the caller checks the structure), or NULL with err's message set. An empty or
 * blank text gives an empty object. Caller deletes.
 */
struct cJSON *cfn_template_parse(const char *text, size_t len, struct error *err);

/* Whether text would be read as JSON. */
bool cfn_template_is_json(const char *text, size_t len);

#endif
