/*
 * Fuzz the content loader: ynode_parse() on one YAML document, then the course.yaml and
 * module.yaml schema checks on whatever tree comes out, and the page text checks on the raw
 * bytes. Nothing on disk is touched (dir NULL). Seeds are module.yaml-shaped.
 */
#include <stdint.h>
#include <stdlib.h>

#include "core/diag.h"
#include "core/xalloc.h"
#include "course/course.h"
#include "course/lint.h"
#include "course/ynode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diags d = DIAGS_INIT;
	struct error err;
	error_clear(&err);
	lint_page_text((const char *)data, size, "page.md", "A title", &d);
	struct ynode *doc = ynode_parse((const char *)data, size, "module.yaml", &err);
	if (doc) {
		struct course_module m = { 0 };
		course_read_module_doc(&m, doc, "module.yaml", NULL, &d);
		course_module_release(&m);
		struct course *c = xcalloc(1, sizeof(*c));
		course_read_doc(c, doc, "course.yaml", NULL, &d);
		course_free(c);
		ynode_free(doc);
	}
	diags_sort(&d);
	for (size_t i = 0; i < d.n; i++)
		free(diags_format(&d, i));
	diags_release(&d);
	return 0;
}
