/*
 * flat_block.h: filling one malloc'd block by a walk that runs twice, once to measure (no block
 * yet: every call only counts) and once to copy, so the block is exactly the size it needs.
 * For what outlives a request in one free(): the verification cache's token copies
 * (jwt_copy.c) and the variables a cached token publishes (request/claims.c). Pure: libc.
 */
#ifndef ST_FLAT_BLOCK_H
#define ST_FLAT_BLOCK_H

#include "apr.h"

typedef struct {
    char *base;          /* NULL while measuring */
    apr_size_t used;     /* bytes taken so far (the block's size, after the measuring walk) */
} st_flat;

/* n bytes aligned to `align` (a power of two); NULL while measuring. */
void *st_flat_take(st_flat *f, apr_size_t n, apr_size_t align);
/* n bytes of src and a NUL after them; NULL stays NULL (and while measuring). */
const char *st_flat_dup_bytes(st_flat *f, const void *src, apr_size_t n);
const char *st_flat_dup_str(st_flat *f, const char *s);

#endif
