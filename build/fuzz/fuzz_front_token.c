/*
 * fuzz_front_token.c: the front-token header built from an access-token payload.
 * The payload is any JSON value (a v3+ payload is an object; a v2 token's userData can be
 * anything), parsed with st_json_parse; st_front_token_build then serialises it like
 * JSON.stringify and base64-encodes {uid, ate, up}. Checked: the header decodes back to JSON
 * whose uid/ate/up are what was given, and st_json_dump is stable under a re-parse.
 * Input: <ate:8, big-endian ms> <flags:1> <user id> '\0' <payload JSON>
 *   flags bit 0: no user id (NULL), bit 1: no payload (NULL).
 */
#include "fuzz_common.h"

#include "token/b64.h"
#include "token/front_token.h"
#include "token/json_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool_begin();
    fuzz_in in = { data, size };
    apr_int64_t ate = (apr_int64_t)fuzz_u64(&in);
    int flags = fuzz_u8(&in);
    size_t uid_len;
    const char *uid = fuzz_field(p, &in, &uid_len);
    json_t *payload = st_json_parse(p, (const char *)in.d, in.n, JSON_DECODE_ANY);
    const char *ft, *dump = NULL;
    const unsigned char *raw;
    apr_size_t raw_len;
    json_t *back;

    if (flags & 1)
        uid = NULL;
    if ((flags & 2) || payload == NULL)
        payload = NULL;
    if (payload) {
        json_t *again;
        dump = st_json_dump(p, payload);
        FUZZ_CHECK(dump != NULL);
        /* JSON.stringify(JSON.parse(JSON.stringify(x))) === JSON.stringify(x) */
        again = st_json_parse(p, dump, strlen(dump), JSON_DECODE_ANY);
        FUZZ_CHECK(again != NULL);
        FUZZ_CHECK(strcmp(st_json_dump(p, again), dump) == 0);
    }

    ft = st_front_token_build(p, uid, ate, payload);
    FUZZ_CHECK(ft != NULL);
    raw = st_b64_decode(p, ft, strlen(ft), &raw_len);
    FUZZ_CHECK(raw != NULL && strlen((const char *)raw) == raw_len);
    FUZZ_CHECK(strcmp(st_b64_encode(p, raw, raw_len), ft) == 0);
    back = st_json_parse(p, (const char *)raw, raw_len, 0);
    /* a user id that is not UTF-8 cannot come from a parsed JWT; the JSON is then invalid */
    if (uid == NULL || fuzz_utf8_valid(uid, uid_len)) {
        double v = 0;
        FUZZ_CHECK(back != NULL && json_is_object(back));
        FUZZ_CHECK(uid ? st_json_string(back, "uid") && strcmp(st_json_string(back, "uid"), uid) == 0
                       : !st_json_has(back, "uid"));
        FUZZ_CHECK(st_json_number(back, "ate", &v) && v == (double)ate);
        FUZZ_CHECK(payload ? st_json_has(back, "up") && strcmp(st_json_dump(p, json_object_get(back, "up")), dump) == 0
                           : !st_json_has(back, "up"));
        FUZZ_CHECK(json_object_size(back) == (size_t)(!!uid + 1 + !!payload));
    }
    fuzz_pool_end(p);
    return 0;
}
