/*
 * A small XML reader for S3's request documents: elements, text and the five predefined
 * entities; attributes, comments and the declaration are skipped. Enough for
 * NotificationConfiguration, CompleteMultipartUpload and Delete, and strict enough to refuse
 * what is not well-formed.
 */
#ifndef CLOUD_S3_XML_H
#define CLOUD_S3_XML_H

#include <stddef.h>

struct cJSON;

/*
 * Parse doc into {"n":NAME,"t":TEXT,"c":[children]} (the root element). NULL when the
 * document is not well-formed. Caller deletes.
 */
struct cJSON *s3_xml_parse(const char *doc, size_t len);
/* The first child element named name, or NULL. Borrowed. */
const struct cJSON *s3_xml_child(const struct cJSON *el, const char *name);
/* An element's text ("" when none). Borrowed. */
const char *s3_xml_text(const struct cJSON *el);
/* The element's name. Borrowed. */
const char *s3_xml_name(const struct cJSON *el);

#endif
