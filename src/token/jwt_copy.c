/*
 * jwt_copy.c: flat copies of parsed access tokens (see jwt_copy.h), one block filled by the
 * same walk run twice, to measure and to copy (token/flat_block.h).
 */
#include <stdlib.h>
#include <string.h>

#include "token/jwt_copy.h"
#include "token/flat_block.h"

static void copy_object(st_flat *a, st_js_object *dst, const st_js_object *src)
{
    st_js_member *m;
    int i;

    dst->n = src->n;
    dst->members = NULL;
    if (src->n == 0 || src->members == NULL)
        return;
    m = st_flat_take(a, sizeof(*m) * (apr_size_t)src->n, sizeof(void *));
    for (i = 0; i < src->n; i++) {
        const st_js_member *s = &src->members[i];
        st_js_member tmp = *s;
        tmp.key = st_flat_dup_bytes(a, s->key, s->key_len);
        tmp.raw = st_flat_dup_bytes(a, s->raw, s->raw_len);
        tmp.str = st_flat_dup_bytes(a, s->str, s->str_len);
        if (m)
            m[i] = tmp;
    }
    dst->members = m;
}

/* Fill *dst (scratch when measuring) from src, taking every piece from a. */
static void copy_into(st_flat *a, st_jwt *dst, const st_jwt *src)
{
    *dst = *src;
    dst->pool = NULL;
    dst->payload_tree = NULL;
    dst->kid = st_flat_dup_str(a, src->kid);
    dst->token = st_flat_dup_bytes(a, src->token, src->token_len);
    dst->header_b64 = st_flat_dup_str(a, src->header_b64);
    dst->payload_b64 = st_flat_dup_str(a, src->payload_b64);
    /* "header.payload" opens the token and the signature closes it: both point into the
     * token's copy (signing_input is read by its length only) */
    dst->signing_input = dst->token;
    dst->signature_b64 = dst->token ? dst->token + src->signing_input_len + 1 : NULL;
    dst->signature = (const unsigned char *)st_flat_dup_bytes(a, src->signature, src->signature_len);
    dst->payload_json = st_flat_dup_bytes(a, src->payload_json, src->payload_json_len);
    dst->user_id = st_flat_dup_str(a, src->user_id);
    dst->recipe_user_id = st_flat_dup_str(a, src->recipe_user_id);
    dst->session_handle = st_flat_dup_str(a, src->session_handle);
    dst->refresh_token_hash1 = st_flat_dup_str(a, src->refresh_token_hash1);
    dst->parent_refresh_token_hash1 = st_flat_dup_str(a, src->parent_refresh_token_hash1);
    dst->anti_csrf_token = st_flat_dup_str(a, src->anti_csrf_token);
    dst->tenant_id = st_flat_dup_str(a, src->tenant_id);
    copy_object(a, &dst->header_claims, &src->header_claims);
    copy_object(a, &dst->claims, &src->claims);
}

st_jwt *st_jwt_copy_flat(const st_jwt *jwt, apr_size_t *size)
{
    st_flat a = { NULL, 0 };
    st_jwt scratch, *flat;

    if (jwt == NULL)
        return NULL;
    st_flat_take(&a, sizeof(st_jwt), sizeof(void *));
    copy_into(&a, &scratch, jwt);
    if ((a.base = malloc(a.used)) == NULL)
        return NULL;
    if (size)
        *size = a.used;
    a.used = 0;
    flat = st_flat_take(&a, sizeof(st_jwt), sizeof(void *));
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
