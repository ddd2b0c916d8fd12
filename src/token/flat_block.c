/*
 * flat_block.c: one block filled by a measuring walk and a copying walk (see flat_block.h).
 */
#include <string.h>

#include "token/flat_block.h"

void *st_flat_take(st_flat *f, apr_size_t n, apr_size_t align)
{
    void *at;
    f->used = (f->used + align - 1) & ~(align - 1);
    at = f->base ? f->base + f->used : NULL;
    f->used += n;
    return at;
}

const char *st_flat_dup_bytes(st_flat *f, const void *src, apr_size_t n)
{
    char *d;
    if (src == NULL)
        return NULL;
    d = st_flat_take(f, n + 1, 1);
    if (d) {
        memcpy(d, src, n);
        d[n] = '\0';
    }
    return d;
}

const char *st_flat_dup_str(st_flat *f, const char *s)
{
    return s ? st_flat_dup_bytes(f, s, strlen(s)) : NULL;
}
