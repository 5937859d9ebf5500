/*
 * Moving through the course in reading order, across module boundaries. Pure: it reads the
 * course's structure only.
 */
#ifndef TUI_NAV_H
#define TUI_NAV_H

#include <stdbool.h>

struct course;

/*
 * Move *m, *p (module and page indexes) to the next page (dir > 0) or the previous one
 * (dir < 0) of the same kind: a core page to the next core page, across modules; a
 * going-further page to the next going-further page of its module, then on to the next
 * module's core path (and back from the first one to its module's last core page). False,
 * and nothing changed, at either end.
 */
bool nav_step(const struct course *course, long *m, long *p, int dir);

#endif
