/*
 * cookie.c: Cookie header lookup (npm cookie@0.7.2 parse + express JSON cookies + the SDK's
 * duplicate-name count) and Set-Cookie serialisation (cookie@0.7.2 serialize).
 */
#include <string.h>
#include <strings.h>

#include "apr_strings.h"
#include "token/b64.h"
#include "token/cookie.h"
#include "token/json_util.h"

/* cookie.parse trims only space and tab around names and values. */
static int sp_tab(char c)
{
    return c == ' ' || c == '\t';
}

/* The SDK's duplicate count uses JS trim() on header text (Node reads headers as latin1). */
static int js_ws_latin1(unsigned char c)
{
    return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0xa0;
}

/*
 * Does piece [s, e) count as an occurrence of name for getCookieNamesFromRequestHeaderAllowingDuplicates?
 * *scratch (allocated on first use, room for the whole header) is shared by all pieces so
 * decoding never allocates per piece.
 */
static int piece_names(apr_pool_t *p, const char *s, const char *e, const char *name, apr_size_t nlen,
                       char **scratch, apr_size_t scratch_len)
{
    const char *eq;
    apr_size_t klen, dlen;

    while (s < e && js_ws_latin1((unsigned char)*s))
        s++;
    while (e > s && js_ws_latin1((unsigned char)e[-1]))
        e--;
    eq = memchr(s, '=', (size_t)(e - s));
    klen = (apr_size_t)((eq ? eq : e) - s);
    /* decodeURIComponent never lengthens, so a shorter raw name cannot match. */
    if (klen < nlen)
        return 0;
    if (memchr(s, '%', klen)) {
        if (!*scratch)
            *scratch = apr_palloc(p, scratch_len);
        if (st_uri_decode_buf(s, klen, *scratch, &dlen))
            return dlen == nlen && memcmp(*scratch, name, nlen) == 0;
    }
    return klen == nlen && memcmp(s, name, nlen) == 0;
}

/* express's JSONCookie: "j:" + JSON whose value is truthy replaces the string. Only a string
 * result is usable as a token; anything else is left raw (and will fail to parse as one). */
static const char *json_cookie(apr_pool_t *p, const char *v)
{
    json_t *j;

    if (strncmp(v, "j:", 2) != 0)
        return v;
    j = st_json_parse(p, v + 2, strlen(v + 2), JSON_DECODE_ANY);
    if (json_is_string(j) && json_string_length(j) > 0 && !memchr(json_string_value(j), 0, json_string_length(j)))
        return json_string_value(j);
    return v;
}

/* The value of the pair [eq + 1, e) as cookie.parse + tryDecode returns it. */
static const char *parse_value(apr_pool_t *p, const char *vs, const char *ve)
{
    apr_size_t vlen;
    char *raw, *dec;

    while (vs < ve && sp_tab(*vs))
        vs++;
    while (ve > vs && sp_tab(ve[-1]))
        ve--;
    if (ve > vs && *vs == '"' && ve[-1] == '"') {
        /* A lone '"' makes JS slice(start + 1, end - 1) return "". */
        if (ve - vs == 1)
            return "";
        vs++;
        ve--;
    }
    vlen = (apr_size_t)(ve - vs);
    if (memchr(vs, '%', vlen) == NULL)   /* the usual token: the header's own bytes if they end it */
        return *ve == '\0' ? vs : apr_pstrmemdup(p, vs, vlen);
    raw = apr_pstrmemdup(p, vs, vlen);
    dec = apr_palloc(p, vlen + 1);
    return st_uri_decode_buf(raw, vlen, dec, NULL) ? dec : raw;
}

const char *st_cookie_get(apr_pool_t *p, const char *header, const char *name, int *occurrences)
{
    const char *found = NULL, *s, *end;
    apr_size_t hlen, nlen;
    char *scratch = NULL;
    int count = 0;

    if (occurrences)
        *occurrences = 0;
    if (!header || !name || !*name)
        return NULL;
    hlen = strlen(header);
    nlen = strlen(name);
    end = header + hlen;

    for (s = header;; ) {
        const char *e = memchr(s, ';', (size_t)(end - s));
        const char *eq;

        if (!e)
            e = end;
        /* the count decodes every piece's name: only when asked for (a lookup of a cookie that
         * is seldom sent, on every request, then costs one pass of memchr over the header) */
        if (occurrences && piece_names(p, s, e, name, nlen, &scratch, hlen + 1) && count < 0x7fffffff)
            count++;
        /* cookie.parse: a piece without '=' is skipped; otherwise the key is trimmed. */
        if (!found && (eq = memchr(s, '=', (size_t)(e - s))) != NULL) {
            const char *ks = s, *ke = eq;
            while (ks < ke && sp_tab(*ks))
                ks++;
            while (ke > ks && sp_tab(ke[-1]))
                ke--;
            if ((apr_size_t)(ke - ks) == nlen && memcmp(ks, name, nlen) == 0)
                found = json_cookie(p, parse_value(p, eq + 1, e));
        }
        if (e == end)
            break;
        s = e + 1;
    }
    if (occurrences)
        *occurrences = count;
    return found;
}

/* ---- serialise --------------------------------------------------------------------------- */

/* RFC 7230 tchar, cookie's cookieNameRegExp. */
static int valid_name(const char *s)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              strchr("!#$%&'*+-.^_`|~", c)))
            return 0;
    }
    return 1;
}

/* cookie's domainValueRegExp: optional leading '.', then LDH labels of 1..63 characters
 * that neither start nor end with '-', separated by single dots. */
int st_cookie_domain_valid(const char *s)
{
    if (*s == '.')
        s++;
    for (;;) {
        const char *l = s;
        while ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '-')
            s++;
        if (s == l || s - l > 63 || *l == '-' || s[-1] == '-')
            return 0;
        if (*s == '\0')
            return 1;
        if (*s != '.')
            return 0;
        s++;
    }
}

/* cookie's pathValueRegExp: 0x20-0x3A and 0x3D-0x7E (no controls, ';' or '<'). */
static int valid_path(const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c > 0x7e || c == ';' || c == '<')
            return 0;
    }
    return 1;
}

#define ST_JS_DATE_MAX_USEC APR_INT64_C(8640000000000000000)

/* Date.prototype.toUTCString, e.g. "Thu, 01 Jan 1970 00:00:00 GMT". */
static char *imf_fixdate(apr_pool_t *p, apr_time_t t)
{
    static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
    static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    apr_time_exp_t tm;
    apr_time_t secs;

    /* A Date holds at most +-8.64e15 ms; clamping there also keeps the floor below from
     * overflowing (found by build/fuzz/fuzz_cookie with expires near APR_INT64_MIN). */
    if (t > ST_JS_DATE_MAX_USEC)
        t = ST_JS_DATE_MAX_USEC;
    else if (t < -ST_JS_DATE_MAX_USEC)
        t = -ST_JS_DATE_MAX_USEC;
    secs = t / APR_USEC_PER_SEC;
    if (t < 0 && t % APR_USEC_PER_SEC)
        secs--;                 /* floor, as new Date(ms) does for the seconds field */
    apr_time_exp_gmt(&tm, apr_time_from_sec(secs));
    return apr_psprintf(p, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday,
                        months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

char *st_cookie_serialize(apr_pool_t *p, const char *name, const char *raw_value,
                          const char *domain, const char *path, apr_time_t expires,
                          int http_only, int secure, const char *same_site)
{
    const char *ss = NULL;
    char *out;

    if (!valid_name(name))
        return NULL;
    if (domain && *domain && !st_cookie_domain_valid(domain))
        return NULL;
    if (path && *path && !valid_path(path))
        return NULL;
    if (same_site && *same_site) {
        if (!strcasecmp(same_site, "lax"))
            ss = "Lax";
        else if (!strcasecmp(same_site, "strict"))
            ss = "Strict";
        else if (!strcasecmp(same_site, "none"))
            ss = "None";
        else
            return NULL;
    }
    out = apr_pstrcat(p, name, "=", st_uri_encode_component(p, raw_value ? raw_value : ""), NULL);
    if (domain && *domain)
        out = apr_pstrcat(p, out, "; Domain=", domain, NULL);
    if (path && *path)
        out = apr_pstrcat(p, out, "; Path=", path, NULL);
    out = apr_pstrcat(p, out, "; Expires=", imf_fixdate(p, expires),
                      http_only ? "; HttpOnly" : "", secure ? "; Secure" : "",
                      ss ? "; SameSite=" : "", ss ? ss : "", NULL);
    return out;
}
