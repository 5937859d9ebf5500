/*
 * Reading order: each module's core pages in turn. A going-further page leads on to the next
 * going-further page of its module, and from the last one to the next module's core path.
 */
#include "tui/nav.h"

#include "course/course.h"

/* The first (dir > 0) or last core page of the nearest module with one from m on, that way. */
static bool core_page(const struct course *course, long m, int dir, long *om, long *op)
{
	for (; m >= 0 && (size_t)m<course->n_modules; m += dir> 0 ? 1 : -1) {
		size_t n = course->modules[m].n_core;
		if (n) {
			*om = m;
			*op = dir > 0 ? 0 : (long)n - 1;
			return true;
		}
	}
	return false;
}

bool nav_step(const struct course *course, long *m, long *p, int dir)
{
	if (*m < 0 || (size_t)*m >= course->n_modules)
		return false;
	const struct course_module *mod = &course->modules[*m];
	long q = *p + (dir > 0 ? 1 : -1);
	bool further = *p >= (long)mod->n_core;
	long lo = further ? (long)mod->n_core : 0,
	     hi = further ? (long)mod->n_pages : (long)mod->n_core;
	if (q >= lo && q < hi) {
		*p = q;
		return true;
	}
	long om, op;
	if (further && dir < 0 && mod->n_core) {
		*p = (long)mod->n_core - 1; /* back from going further to the core path's end */
		return true;
	}
	if (!core_page(course, *m + (dir > 0 ? 1 : -1), dir, &om, &op))
		return false;
	*m = om;
	*p = op;
	return true;
}
