/*
 * Reading order: the pages of each module in turn.
 */
#include "tui/nav.h"

#include "course/course.h"

bool nav_step(const struct course *course, long *m, long *p, int dir)
{
	long mm = *m, pp = *p + (dir > 0 ? 1 : -1);
	while (mm >= 0 && (size_t)mm < course->n_modules) {
		long n = (long)course->modules[mm].n_pages;
		if (pp >= 0 && pp < n) {
			*m = mm;
			*p = pp;
			return true;
		}
		mm += dir > 0 ? 1 : -1;
		if (mm < 0 || (size_t)mm >= course->n_modules)
			break;
		pp = dir > 0 ? 0 : (long)course->modules[mm].n_pages - 1;
	}
	return false;
}
