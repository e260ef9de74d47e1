/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one allocation wrapper. A test sets mem_fail_after(n) to make the
 * (n+1)th allocation fail and checks for a clean ALPHAFS_ERR_NOMEM.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static atomic_long fail_after = -1;
static atomic_ulong alloc_count;

void mem_fail_after(long n)
{
	atomic_store(&fail_after, n);
}

unsigned long mem_alloc_count(void)
{
	return atomic_load(&alloc_count);
}

/* True when this allocation must fail. Decrements the budget atomically so
 * concurrent allocations cannot both take the last one. */
static bool must_fail(void)
{
	long n = atomic_load(&fail_after);

	while (n >= 0) {
		if (n == 0)
			return true;
		if (atomic_compare_exchange_weak(&fail_after, &n, n - 1))
			return false;
	}
	return false;
}

void *mem_alloc(size_t size)
{
	if (must_fail())
		return NULL;
	atomic_fetch_add(&alloc_count, 1);
	return malloc(size ? size : 1);
}

void *mem_calloc(size_t n, size_t size)
{
	if (must_fail())
		return NULL;
	atomic_fetch_add(&alloc_count, 1);
	if (n == 0 || size == 0)
		return calloc(1, 1);
	return calloc(n, size);
}

void *mem_realloc(void *p, size_t size)
{
	if (must_fail())
		return NULL;
	atomic_fetch_add(&alloc_count, 1);
	return realloc(p, size ? size : 1);
}

char *mem_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = mem_alloc(n);

	if (d)
		memcpy(d, s, n);
	return d;
}

void mem_free(void *p)
{
	free(p);
}
