/*
 * A terminfo lookup that leaves nothing behind, whether it succeeds or not.
 */
#include "tui/terminfo.h"

#include <curses.h>
#include <term.h>

bool terminfo_known(int fd)
{
	int err = 0;
	if (setupterm(NULL, fd, &err) != OK)
		return false;
	del_curterm(cur_term);
	return true;
}
