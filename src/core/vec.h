/*
 * A growable array of pointers. The vector never owns its items: whoever pushes them
 * frees them (vec_release_with() is a shorthand for doing so).
 */
#ifndef CORE_VEC_H
#define CORE_VEC_H

#include <stddef.h>

struct vec {
	void **items;
	size_t len, alloc;
};

#define VEC_INIT           \
	{                  \
		NULL, 0, 0 \
	}

void vec_push(struct vec *v, void *item);
/* Remove and return the last item, NULL when empty. */
void *vec_pop(struct vec *v);
/* Frees the array only. */
void vec_release(struct vec *v);
/* Calls free_item on every item, then frees the array. */
void vec_release_with(struct vec *v, void (*free_item)(void *));

#define vec_for_each(v, i) for (size_t i = 0; i < (v)->len; i++)

#endif
