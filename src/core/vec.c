/*
 * Pointer vectors.
 */
#include "core/vec.h"

#include <stdlib.h>

#include "core/xalloc.h"

void vec_push(struct vec *v, void *item)
{
	if (v->len == v->alloc) {
		v->alloc = v->alloc ? v->alloc * 2 : 8;
		v->items = xreallocarray(v->items, v->alloc, sizeof(*v->items));
	}
	v->items[v->len++] = item;
}

void *vec_pop(struct vec *v)
{
	return v->len ? v->items[--v->len] : NULL;
}

void vec_release(struct vec *v)
{
	free(v->items);
	v->items = NULL;
	v->len = v->alloc = 0;
}

void vec_release_with(struct vec *v, void (*free_item)(void *))
{
	for (size_t i = 0; i < v->len; i++)
		free_item(v->items[i]);
	vec_release(v);
}
