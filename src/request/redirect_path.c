/*
 * redirect_path.c: the redirectToPath check (redirect_path.h). The raw value and its
 * once-decoded form must both pass, because one side (the browser, an application, a proxy)
 * may decode what the other did not.
 */
#include "request/redirect_path.h"

#include "apr_strings.h"
#include "apr_lib.h"

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* s[0..n) with every %XX decoded once, NUL-terminated (a decoded NUL is kept as a byte, and
 * refused by the caller through the length). NULL when an escape is not %XX. */
static char *decode_once(apr_pool_t *p, const char *s, apr_size_t n, apr_size_t *out_len)
{
    char *out = apr_palloc(p, n + 1);
    apr_size_t i, j = 0;
    for (i = 0; i < n; i++) {
        if (s[i] == '%') {
            int hi, lo;
            if (i + 2 >= n)
                return NULL;
            hi = hex_value(s[i + 1]);
            lo = hi < 0 ? -1 : hex_value(s[i + 2]);
            if (hi < 0 || lo < 0)
                return NULL;
            out[j++] = (char)(hi * 16 + lo);
            i += 2;
        }
        else
            out[j++] = s[i];
    }
    out[j] = '\0';
    *out_len = j;
    return out;
}

/* A "." or ".." segment in the path part of s[0..n) (s[0] is '/'; the path ends at the first
 * '?' or '#'). */
static int has_dot_segment(const char *s, apr_size_t n)
{
    apr_size_t i = 0, start, len;
    while (i < n && s[i] == '/') {
        start = ++i;
        while (i < n && s[i] != '/' && s[i] != '?' && s[i] != '#')
            i++;
        len = i - start;
        if ((len == 1 && s[start] == '.') || (len == 2 && s[start] == '.' && s[start + 1] == '.'))
            return 1;
    }
    return 0;
}

/* The rules both forms share; raw adds "printable ASCII, no space". */
static int shape_ok(const char *s, apr_size_t n, int raw)
{
    apr_size_t i;
    if (n == 0 || s[0] != '/' || (n > 1 && (s[1] == '/' || s[1] == '\\')))
        return 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f || c == '\\' || (raw && (c == ' ' || c > 0x7e)))
            return 0;
    }
    return !has_dot_segment(s, n);
}

int st_redirect_path_ok(apr_pool_t *p, const char *value)
{
    apr_size_t n, dn;
    const char *decoded;
    if (value == NULL || (n = strlen(value)) > ST_REDIRECT_PATH_MAX || !shape_ok(value, n, 1))
        return 0;
    if ((decoded = decode_once(p, value, n, &dn)) == NULL)
        return 0;
    return shape_ok(decoded, dn, 0);
}

const char *st_redirect_path(apr_pool_t *p, const char *value, const char *fallback)
{
    return st_redirect_path_ok(p, value) ? value : fallback;
}
