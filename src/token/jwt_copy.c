/*
 * jwt_copy.c: flat copies of parsed access tokens (see jwt_copy.h). The same walk runs twice:
 * once to measure (no block yet), once to copy, so the block is exactly the size it needs.
 */
#include <stdlib.h>
#include <string.h>

#include "token/jwt_copy.h"

typedef struct {
    char *base;          /* NULL while measuring */
    apr_size_t used;
} arena;

static void *take(arena *a, apr_size_t n, apr_size_t align)
{
    void *at;
    a->used = (a->used + align - 1) & ~(align - 1);
    at = a->base ? a->base + a->used : NULL;
    a->used += n;
    return at;
}

/* n bytes of src and a NUL after them; NULL stays NULL. */
static const char *dup_bytes(arena *a, const void *src, apr_size_t n)
{
    char *d;
    if (src == NULL)
        return NULL;
    d = take(a, n + 1, 1);
    if (d) {
        memcpy(d, src, n);
        d[n] = '\0';
    }
    return d;
}

static const char *dup_str(arena *a, const char *s)
{
    return s ? dup_bytes(a, s, strlen(s)) : NULL;
}

static void copy_object(arena *a, st_js_object *dst, const st_js_object *src)
{
    st_js_member *m;
    int i;

    dst->n = src->n;
    dst->members = NULL;
    if (src->n == 0 || src->members == NULL)
        return;
    m = take(a, sizeof(*m) * (apr_size_t)src->n, sizeof(void *));
    for (i = 0; i < src->n; i++) {
        const st_js_member *s = &src->members[i];
        st_js_member tmp = *s;
        tmp.key = dup_bytes(a, s->key, s->key_len);
        tmp.raw = dup_bytes(a, s->raw, s->raw_len);
        tmp.str = dup_bytes(a, s->str, s->str_len);
        if (m)
            m[i] = tmp;
    }
    dst->members = m;
}

/* Fill *dst (scratch when measuring) from src, taking every piece from a. */
static void copy_into(arena *a, st_jwt *dst, const st_jwt *src)
{
    *dst = *src;
    dst->pool = NULL;
    dst->payload_tree = NULL;
    dst->kid = dup_str(a, src->kid);
    dst->token = dup_bytes(a, src->token, src->token_len);
    dst->header_b64 = dup_str(a, src->header_b64);
    dst->payload_b64 = dup_str(a, src->payload_b64);
    /* "header.payload" opens the token and the signature closes it: both point into the
     * token's copy (signing_input is read by its length only) */
    dst->signing_input = dst->token;
    dst->signature_b64 = dst->token ? dst->token + src->signing_input_len + 1 : NULL;
    dst->signature = (const unsigned char *)dup_bytes(a, src->signature, src->signature_len);
    dst->payload_json = dup_bytes(a, src->payload_json, src->payload_json_len);
    dst->user_id = dup_str(a, src->user_id);
    dst->recipe_user_id = dup_str(a, src->recipe_user_id);
    dst->session_handle = dup_str(a, src->session_handle);
    dst->refresh_token_hash1 = dup_str(a, src->refresh_token_hash1);
    dst->parent_refresh_token_hash1 = dup_str(a, src->parent_refresh_token_hash1);
    dst->anti_csrf_token = dup_str(a, src->anti_csrf_token);
    dst->tenant_id = dup_str(a, src->tenant_id);
    copy_object(a, &dst->header_claims, &src->header_claims);
    copy_object(a, &dst->claims, &src->claims);
}

st_jwt *st_jwt_copy_flat(const st_jwt *jwt, apr_size_t *size)
{
    arena a = { NULL, 0 };
    st_jwt scratch, *flat;

    if (jwt == NULL)
        return NULL;
    take(&a, sizeof(st_jwt), sizeof(void *));
    copy_into(&a, &scratch, jwt);
    if ((a.base = malloc(a.used)) == NULL)
        return NULL;
    if (size)
        *size = a.used;
    a.used = 0;
    flat = take(&a, sizeof(st_jwt), sizeof(void *));
    copy_into(&a, flat, jwt);
    return flat;
}

void st_jwt_copy_free(st_jwt *flat)
{
    free(flat);   /* the struct opens the block */
}

st_jwt *st_jwt_borrow(apr_pool_t *p, const st_jwt *flat)
{
    st_jwt *view = apr_palloc(p, sizeof(*view));
    *view = *flat;
    view->pool = p;
    view->payload_tree = NULL;
    return view;
}
