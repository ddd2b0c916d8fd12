/*
 * fuzz_authorization.c: the Authorization request header. st_bearer_token (src/token/bearer.c, the
 * pure part of request/verify.c's st_request_bearer: case-sensitive "Bearer " prefix, trimmed
 * remainder) and then, as verify.c's parse_candidate does, st_jwt_parse of the token.
 * Input: the header value (httpd never hands a NUL inside a header value, so the value ends
 * at the first NUL).
 */
#include "fuzz_common.h"

#include "apr_lib.h"
#include "token/bearer.h"
#include "token/jwt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool_begin();
    const char *header = fuzz_cstr(p, data, size);
    const char *token = st_bearer_token(p, header);

    if (token != NULL) {
        size_t n = strlen(token);
        st_jwt *jwt = NULL;

        FUZZ_CHECK(strncmp(header, "Bearer ", 7) == 0);
        FUZZ_CHECK(n > 0 && !apr_isspace(token[0]) && !apr_isspace(token[n - 1]));
        FUZZ_CHECK(strstr(header + 7, token) != NULL);
        if (st_jwt_parse(p, token, n, &jwt) == NULL)
            FUZZ_CHECK(jwt != NULL && jwt->token_len == n);
    }
    else {
        /* refused: no prefix, or nothing but white space after it */
        const char *c = header + 7;
        if (strncmp(header, "Bearer ", 7) == 0) {
            while (*c && apr_isspace(*c))
                c++;
            FUZZ_CHECK(*c == '\0');
        }
    }
    FUZZ_CHECK(st_bearer_token(p, NULL) == NULL);
    fuzz_pool_end(p);
    return 0;
}
