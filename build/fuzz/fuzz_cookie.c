/*
 * fuzz_cookie.c: the Cookie request header and Set-Cookie values.
 *   - st_cookie_get for the session cookie names and one fuzzed name, with the duplicate
 *     count (occurrences), and the same value when the count is not asked for;
 *     st_uri_decode_component of the header;
 *   - st_cookie_serialize of fuzzed name/value/domain/path/expires/flags/SameSite, and when it
 *     accepts them, st_cookie_get reading the value back from the line it wrote.
 * Input: <flags:1> <expires:8, big-endian, microseconds> then '\0'-separated
 *   <Cookie header> <name> <value> <domain> <path> <SameSite>
 */
#include "fuzz_common.h"

#include "token/b64.h"
#include "token/cookie.h"

static const char *const names[] = {
    "sAccessToken", "sRefreshToken", "sFrontToken", "sIdRefreshToken", "sAntiCsrf", "st-access-token"
};

static size_t count_char(const char *s, char c)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == c;
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool_begin();
    fuzz_in in = { data, size };
    int flags = fuzz_u8(&in);
    apr_time_t expires = (apr_time_t)fuzz_u64(&in);
    size_t header_len, value_len;
    const char *header = fuzz_field(p, &in, &header_len);
    const char *name = fuzz_field(p, &in, NULL);
    const char *value = fuzz_field(p, &in, &value_len);
    const char *domain = fuzz_field(p, &in, NULL);
    const char *path = fuzz_field(p, &in, NULL);
    const char *same_site = fuzz_field(p, &in, NULL);
    const char *v, *dec, *line;
    size_t i, pieces = count_char(header, ';') + 1;
    int occ;

    for (i = 0; i <= sizeof(names) / sizeof(names[0]); i++) {
        const char *n = i < sizeof(names) / sizeof(names[0]) ? names[i] : name;
        occ = -1;
        v = st_cookie_get(p, header, n, &occ);
        FUZZ_CHECK(occ >= 0 && (size_t)occ <= pieces);
        FUZZ_CHECK(!*n ? v == NULL && occ == 0 : 1);
        FUZZ_CHECK(v == NULL || strlen(v) <= strlen(header));
        /* without the count (which is then skipped) the same value */
        dec = st_cookie_get(p, header, n, NULL);
        FUZZ_CHECK(v == NULL ? dec == NULL : dec != NULL && strcmp(dec, v) == 0);
    }
    FUZZ_CHECK(st_cookie_get(p, NULL, "sAccessToken", &occ) == NULL && occ == 0);

    dec = st_uri_decode_component(p, header);
    FUZZ_CHECK(dec != NULL && strlen(dec) <= strlen(header));

    line = st_cookie_serialize(p, name, (flags & 8) ? NULL : value, (flags & 16) ? NULL : domain,
                               (flags & 32) ? NULL : path, expires, flags & 1, flags & 2,
                               (flags & 64) ? NULL : same_site);
    if (line != NULL) {
        size_t nl = strlen(name);
        FUZZ_CHECK(nl > 0 && strncmp(line, name, nl) == 0 && line[nl] == '=');
        FUZZ_CHECK(strchr(line, '\r') == NULL && strchr(line, '\n') == NULL);
        /* what the browser sends back is what was set (a "j:" value is express's JSON cookie) */
        if (!(flags & 8) && fuzz_utf8_valid(value, value_len) && strncmp(value, "j:", 2) != 0) {
            v = st_cookie_get(p, line, name, NULL);
            FUZZ_CHECK(v != NULL && strcmp(v, value) == 0);
        }
    }
    fuzz_pool_end(p);
    return 0;
}
