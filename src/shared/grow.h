/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Arrays that grow one element at a time without a realloc per element. */
#ifndef MEMTOPO_SHARED_GROW_H
#define MEMTOPO_SHARED_GROW_H

#include <stddef.h>

/*
 * Make room for element n of the array at *arrayp (a pointer to the array
 * pointer), which holds n elements of elem_size bytes. The capacity is
 * implied, the next power of two of n, so no field holds it: the array
 * must only ever grow through mt_grow (shrinking n is fine). Returns 0, or
 * -ENOMEM with the array untouched.
 *
 * Why: a realloc per element copies the whole array each time under a
 * sanitizer (ASan's realloc always moves), which made 50,000-block trees
 * take minutes; doubling is 17 reallocs for 50,000 elements.
 */
int mt_grow(void *arrayp, size_t n, size_t elem_size);

#endif
