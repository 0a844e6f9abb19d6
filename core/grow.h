/* Growing a malloc'd array in place, shared by the HTTP engine and the load
 * engine (and any core code that appends to a buffer). */
#ifndef OMNILUA_GROW_H
#define OMNILUA_GROW_H
#include <stddef.h>

/* Makes *pp (an array of elem-byte items, *cap of them) hold at least need
 * items: doubles from 16 until it does. pp is the address of the array
 * pointer (any pointer type). 0, or -1 when out of memory (*pp and *cap are
 * then unchanged). */
int grow_array(void *pp, size_t *cap, size_t need, size_t elem);

#endif
