/*
 * json_util.c: parsing JSON into pool-owned jansson values, and serialising them exactly as
 * JavaScript's JSON.stringify would (see json_util.h for why), plus JS's String.trim.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apr_strings.h"
#include "token/json_util.h"

/* ---- pool ownership ------------------------------------------------------------------ */

static apr_status_t json_cleanup(void *data)
{
    json_decref((json_t *)data);
    return APR_SUCCESS;
}

void st_json_pool_own(apr_pool_t *p, json_t *j)
{
    if (j)
        apr_pool_cleanup_register(p, j, json_cleanup, apr_pool_cleanup_null);
}

json_t *st_json_parse(apr_pool_t *p, const char *buf, apr_size_t len, size_t flags)
{
    json_error_t err;
    json_t *j;

    if (!buf)
        return NULL;
    flags |= JSON_REJECT_DUPLICATES;
    j = json_loadb(buf, len, flags, &err);
    if (!j && json_error_code(&err) == json_error_numeric_overflow)
        /* JSON.parse reads every number as a double; do the same rather than refuse. */
        j = json_loadb(buf, len, flags | JSON_DECODE_INT_AS_REAL, &err);
    st_json_pool_own(p, j);
    return j;
}

apr_int64_t st_js_time_ms(double v)
{
    if (!(v == v))
        return 0;
    if (v >= 8.64e15)
        return APR_INT64_C(8640000000000000);
    if (v <= -8.64e15)
        return -APR_INT64_C(8640000000000000);
    return (apr_int64_t)v;
}

/* ---- getters ------------------------------------------------------------------------- */

const char *st_json_string(const json_t *obj, const char *key)
{
    const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    return json_is_string(v) ? json_string_value(v) : NULL;
}

int st_json_number(const json_t *obj, const char *key, double *out)
{
    const json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;
    if (!json_is_number(v))
        return 0;
    if (out)
        *out = json_number_value(v);
    return 1;
}

int st_json_has(const json_t *obj, const char *key)
{
    return json_is_object(obj) && json_object_get(obj, key) != NULL;
}

/* ---- growable output buffer (malloc'd while building, copied into the pool at the end) -- */

typedef struct {
    char *buf;
    size_t len, cap;
    int failed;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        char *nb;
        while (cap < b->len + n + 1)
            cap *= 2;
        nb = realloc(b->buf, cap);
        if (!nb) {
            b->failed = 1;
            return;
        }
        b->buf = nb;
        b->cap = cap;
    }
    memcpy(b->buf + b->len, s, n);
    b->len += n;
    b->buf[b->len] = '\0';
}

static void sb_puts(sbuf *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

static char *sb_finish(apr_pool_t *p, sbuf *b)
{
    char *out = NULL;
    if (!b->failed)
        out = b->buf ? apr_pstrmemdup(p, b->buf, b->len) : apr_pstrdup(p, "");
    free(b->buf);
    return out;
}

/* ---- JSON.stringify pieces --------------------------------------------------------------- */

static void put_quoted(sbuf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t i, run = 0;

    sb_put(b, "\"", 1);
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = NULL;
        char u[7];

        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        sb_put(b, s + run, i - run);
        run = i + 1;
        switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\b': esc = "\\b"; break;
        case '\f': esc = "\\f"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        default:
            u[0] = '\\'; u[1] = 'u'; u[2] = '0'; u[3] = '0';
            u[4] = hex[c >> 4]; u[5] = hex[c & 15]; u[6] = '\0';
            esc = u;
        }
        sb_puts(b, esc);
    }
    sb_put(b, s + run, n - run);
    sb_put(b, "\"", 1);
}

/*
 * Number::toString(10) (ECMA-262 6.1.6.1.20): find the shortest digit string that reads back
 * as v, then lay it out as integer, fixed or exponent form by the spec's thresholds.
 */
static void put_js_number(sbuf *b, double v)
{
    char tmp[40], digits[20], out[48];
    int prec, k = 0, e10, n, i, o = 0;
    const char *s;

    if (isnan(v) || isinf(v)) {
        sb_puts(b, "null");
        return;
    }
    if (v == 0) {               /* also -0, which JS prints as "0" */
        sb_puts(b, "0");
        return;
    }
    for (prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, v);
        if (strtod(tmp, NULL) == v)
            break;
    }
    s = tmp;
    if (*s == '-') {
        out[o++] = '-';
        s++;
    }
    for (; *s && *s != 'e'; s++)
        if (*s >= '0' && *s <= '9')
            digits[k++] = *s;
    e10 = atoi(s + 1);
    while (k > 1 && digits[k - 1] == '0')
        k--;
    n = e10 + 1;                /* value = 0.d1d2..dk * 10^n */

    if (k <= n && n <= 21) {
        for (i = 0; i < k; i++) out[o++] = digits[i];
        for (i = 0; i < n - k; i++) out[o++] = '0';
    } else if (0 < n && n <= 21) {
        for (i = 0; i < n; i++) out[o++] = digits[i];
        out[o++] = '.';
        for (i = n; i < k; i++) out[o++] = digits[i];
    } else if (-6 < n && n <= 0) {
        out[o++] = '0';
        out[o++] = '.';
        for (i = 0; i < -n; i++) out[o++] = '0';
        for (i = 0; i < k; i++) out[o++] = digits[i];
    } else {
        out[o++] = digits[0];
        if (k > 1) {
            out[o++] = '.';
            for (i = 1; i < k; i++) out[o++] = digits[i];
        }
        o += snprintf(out + o, sizeof(out) - o, "e%c%d", n - 1 >= 0 ? '+' : '-', abs(n - 1));
    }
    sb_put(b, out, o);
}

/* V8 orders "array index" keys (canonical decimal below 2^32-1) first, ascending. */
static int array_index_key(const char *k, unsigned long long *idx)
{
    unsigned long long v = 0;
    const char *s = k;

    if (!*s || (s[0] == '0' && s[1]))
        return 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || s - k >= 10)
            return 0;
        v = v * 10 + (unsigned)(*s - '0');
    }
    if (v >= 4294967295ULL)
        return 0;
    *idx = v;
    return 1;
}

typedef struct {
    unsigned long long idx;
    const char *key;
    json_t *val;
} index_entry;

static int cmp_index(const void *a, const void *b)
{
    unsigned long long x = ((const index_entry *)a)->idx, y = ((const index_entry *)b)->idx;
    return x < y ? -1 : x > y;
}

static void put_value(sbuf *b, const json_t *j);

static void put_member(sbuf *b, int *first, const char *key, const json_t *val)
{
    if (!*first)
        sb_put(b, ",", 1);
    *first = 0;
    put_quoted(b, key, strlen(key));
    sb_put(b, ":", 1);
    put_value(b, val);
}

static void put_object(sbuf *b, const json_t *j)
{
    json_t *obj = (json_t *)j;  /* jansson's iterators take non-const pointers */
    const char *key;
    json_t *val;
    size_t n_index = 0, i;
    index_entry *idx = NULL;
    unsigned long long dummy;
    int first = 1;

    json_object_foreach(obj, key, val)
        if (array_index_key(key, &dummy))
            n_index++;
    if (n_index) {
        idx = malloc(n_index * sizeof(*idx));
        if (!idx) {
            b->failed = 1;
            return;
        }
        i = 0;
        json_object_foreach(obj, key, val)
            if (array_index_key(key, &idx[i].idx)) {
                idx[i].key = key;
                idx[i].val = val;
                i++;
            }
        qsort(idx, n_index, sizeof(*idx), cmp_index);
    }
    sb_put(b, "{", 1);
    for (i = 0; i < n_index; i++)
        put_member(b, &first, idx[i].key, idx[i].val);
    json_object_foreach(obj, key, val)
        if (!array_index_key(key, &dummy))
            put_member(b, &first, key, val);
    sb_put(b, "}", 1);
    free(idx);
}

static void put_value(sbuf *b, const json_t *j)
{
    char tmp[32];
    size_t i;

    switch (json_typeof(j)) {
    case JSON_OBJECT:
        put_object(b, j);
        break;
    case JSON_ARRAY:
        sb_put(b, "[", 1);
        for (i = 0; i < json_array_size(j); i++) {
            if (i)
                sb_put(b, ",", 1);
            put_value(b, json_array_get(j, i));
        }
        sb_put(b, "]", 1);
        break;
    case JSON_STRING:
        put_quoted(b, json_string_value(j), json_string_length(j));
        break;
    case JSON_INTEGER: {
        json_int_t v = json_integer_value(j);
        /* Beyond 2^53 JS would already have rounded the value to a double. */
        if (v > 9007199254740992LL || v < -9007199254740992LL) {
            put_js_number(b, (double)v);
        } else {
            snprintf(tmp, sizeof(tmp), "%" JSON_INTEGER_FORMAT, v);
            sb_puts(b, tmp);
        }
        break;
    }
    case JSON_REAL:
        put_js_number(b, json_real_value(j));
        break;
    case JSON_TRUE:
        sb_puts(b, "true");
        break;
    case JSON_FALSE:
        sb_puts(b, "false");
        break;
    default:
        sb_puts(b, "null");
    }
}

char *st_json_dump(apr_pool_t *p, const json_t *j)
{
    sbuf b = { NULL, 0, 0, 0 };

    if (!j)
        return NULL;
    put_value(&b, j);
    return sb_finish(p, &b);
}

char *st_json_quote(apr_pool_t *p, const char *s)
{
    sbuf b = { NULL, 0, 0, 0 };

    if (!s)
        return NULL;
    put_quoted(&b, s, strlen(s));
    return sb_finish(p, &b);
}

char *st_js_number(apr_pool_t *p, double v)
{
    sbuf b = { NULL, 0, 0, 0 };

    put_js_number(&b, v);
    return sb_finish(p, &b);
}

/* ---- String.prototype.trim ----------------------------------------------------------------- */

/* Length of the JS white space / line terminator starting at s (0 if none). */
static size_t ws_len_utf8(const unsigned char *s, size_t avail)
{
    if (avail >= 1 && ((s[0] >= 0x09 && s[0] <= 0x0d) || s[0] == 0x20))
        return 1;
    if (avail >= 2 && s[0] == 0xc2 && s[1] == 0xa0)                      /* U+00A0 */
        return 2;
    if (avail < 3)
        return 0;
    if (s[0] == 0xe1 && s[1] == 0x9a && s[2] == 0x80)                    /* U+1680 */
        return 3;
    if (s[0] == 0xe2 && s[1] == 0x80 &&
        (s[2] <= 0x8a || s[2] == 0xa8 || s[2] == 0xa9 || s[2] == 0xaf))    /* U+2000-200A, 2028, 2029, 202F */
        return s[2] >= 0x80 ? 3 : 0;
    if (s[0] == 0xe2 && s[1] == 0x81 && s[2] == 0x9f)                    /* U+205F */
        return 3;
    if (s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80)                    /* U+3000 */
        return 3;
    if (s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf)                    /* U+FEFF */
        return 3;
    return 0;
}

static int ws_latin1(unsigned char c)
{
    return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0xa0;
}

const char *st_js_trim(apr_pool_t *p, const char *s, int latin1)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t start = 0, end, n;

    if (!s)
        return NULL;
    end = strlen(s);
    if (latin1) {
        while (start < end && ws_latin1(u[start]))
            start++;
        while (end > start && ws_latin1(u[end - 1]))
            end--;
    } else {
        while (start < end && (n = ws_len_utf8(u + start, end - start)) > 0)
            start += n;
        /* Trailing: every multi-byte white space is 2 or 3 bytes long; try each length. */
        for (;;) {
            if (end > start && ws_len_utf8(u + end - 1, 1) == 1)
                end--;
            else if (end - start >= 2 && ws_len_utf8(u + end - 2, 2) == 2)
                end -= 2;
            else if (end - start >= 3 && ws_len_utf8(u + end - 3, 3) == 3)
                end -= 3;
            else
                break;
        }
    }
    if (start == 0 && end == strlen(s))
        return s;
    return apr_pstrmemdup(p, s + start, end - start);
}
