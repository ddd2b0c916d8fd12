/*
 * json_scan.c: one-pass JSON validator and top-level member index (json_scan.h). It accepts
 * exactly what jansson 2.14's json_loadb does as st_json_parse calls it (load.c, utf.c):
 *   - whitespace SP HT LF CR; an object or array at the top; nothing but whitespace after it;
 *   - strings: strict UTF-8 (no overlong forms, surrogates, > U+10FFFF), no bytes 00-1F, the
 *     short escapes and \uXXXX, a high surrogate escape only directly before a low one;
 *     \u0000 never in keys, in values only with ST_JS_ALLOW_NUL (JSON_ALLOW_NUL);
 *   - numbers -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?; a literal without . e E is an
 *     integer when it fits int64 (strtoll). One that does not fails jansson with a numeric
 *     overflow and st_json_parse re-reads the text with JSON_DECODE_INT_AS_REAL: then every
 *     number of the text is a real (strtod; -0 becomes -0.0). strtod overflow (+-HUGE_VAL with
 *     ERANGE) is refused in both passes, underflow (1e-400 -> 0 or subnormal) accepted;
 *   - literals are a maximal run of ASCII letters equal to true, false or null;
 *   - jansson "ungets" the byte after a number or literal; if it is NUL, its one-character
 *     buffer then looks empty and the NUL is lost, so "[1\0]" parses. Kept;
 *   - duplicate keys (decoded bytes) are refused in every object;
 *   - depth counts every value being parsed, scalars too, from 1 at the top; > 2048 refused.
 * The text is copied twice into one pool block: the first copy stays as is (raw spans), in the
 * second strings are decoded in place (never longer than their source) and NUL-terminated. A
 * NUL sentinel after it bounds every inner loop (and 7 more bytes cover 8-byte reads).
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "token/json_scan.h"

#define MAX_DEPTH 2048   /* jansson's JSON_PARSER_MAX_DEPTH */

/* Bytes a string can hold as they are: printable ASCII except '"' and '\\'. */
static const unsigned char plain[256] = {
    [0x20 ... 0x21] = 1, [0x23 ... 0x5b] = 1, [0x5d ... 0x7f] = 1,
};

/* 1 if the 8 bytes at s are all plain (word at a time: a byte < 0x20, equal to '"' or '\\',
 * or >= 0x80 sets its high bit in one of the terms; borrows only follow a byte that did). */
#define ONES 0x0101010101010101ULL
static inline int plain8(const unsigned char *s)
{
    uint64_t x;
    memcpy(&x, s, 8);
    return !(((x - ONES * 0x20) | ((x ^ ONES * '"') - ONES) | ((x ^ ONES * '\\') - ONES) | x)
             & (ONES * 0x80));
}

#define IS_DIGIT(c) ((unsigned)((c) - '0') < 10u)
#define IS_WS(c) ((c) == ' ' || (c) == '\n' || (c) == '\r' || (c) == '\t')
#define SKIP_WS(b, i) do { while ((b)[i] <= ' ' && IS_WS((b)[i])) (i)++; } while (0)

typedef struct { const char *s; apr_size_t n; } js_key;

/* Length of the valid UTF-8 sequence at s (lead byte >= 0x80), 0 if invalid: no overlong
 * forms (E0 A0, F0 90 at least), surrogates (ED 9F at most) or > U+10FFFF (F4 8F at most).
 * Each read follows a continuation byte, so the NUL sentinel bounds them. */
static int utf8_len(const unsigned char *s)
{
    unsigned c = s[0], lo = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : 0x80;
    unsigned hi = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;
    int k = c < 0xc2 ? 0 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : c < 0xf5 ? 4 : 0, j;

    if (!k || s[1] < lo || s[1] > hi)
        return 0;
    for (j = 2; j < k; j++)
        if (s[j] < 0x80 || s[j] > 0xbf)
            return 0;
    return k;
}

/* The code unit of the 4 hex digits at s, or -1 (stops at the first non-hex byte). */
static long hex4(const unsigned char *s)
{
    long v = 0;
    unsigned i, c, d;

    for (i = 0; i < 4; i++) {
        c = s[i];
        d = c - '0' < 10u ? c - '0' : (c | 0x20) - 'a' < 6u ? (c | 0x20) - 'a' + 10 : 16;
        if (d > 15)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* What the short escapes \" \\ \/ \b \f \n \r \t stand for (0: no such escape). */
static const unsigned char esc[128] = {
    ['"'] = '"', ['\\'] = '\\', ['/'] = '/', ['b'] = '\b', ['f'] = '\f', ['n'] = '\n', ['r'] = '\r',
    ['t'] = '\t',
};

/* The string whose opening quote is at b[*pi]: validated, decoded in place, NUL-terminated. */
static inline const char *scan_string(unsigned char *b, apr_size_t len, apr_size_t *pi,
                                      const char **s, apr_size_t *n, int *has_nul)
{
    apr_size_t i = *pi + 1, start = i, w = i, run;
    unsigned c;
    long cp, lo;
    int k;

    for (;;) {
        for (run = i;;) {       /* bytes that stand for themselves: plain ASCII, valid UTF-8 */
            while (plain8(b + i))
                i += 8;
            while (plain[b[i]])
                i++;
            if (b[i] < 0x80 || !(k = utf8_len(b + i)))
                break;
            i += (apr_size_t)k;
        }
        if (w != run)           /* only after an escape: w < run */
            memmove(b + w, b + run, i - run);
        w += i - run;
        if ((c = b[i]) == '"')
            break;
        if (c >= 0x80)
            return "invalid UTF-8";
        if (c != '\\')
            return i >= len ? "unterminated string" : "control character in a string";
        c = b[i + 1];
        i += 2;
        if (c < 128 && esc[c]) {
            b[w++] = esc[c];
            continue;
        }
        if (c != 'u' || (cp = hex4(b + i)) < 0)
            return "invalid escape";
        i += 4;
        if (cp >= 0xdc00 && cp <= 0xdfff)
            return "lone low surrogate";
        if (cp >= 0xd800 && cp <= 0xdbff) {
            if (b[i] != '\\' || b[i + 1] != 'u' || (lo = hex4(b + i + 2)) < 0xdc00 || lo > 0xdfff)
                return "high surrogate without a low one";
            i += 6;
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        }
        *has_nul |= cp == 0;
        k = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;     /* UTF-8 length */
        for (lo = k - 1; lo > 0; lo--, cp >>= 6)
            b[w + (apr_size_t)lo] = (unsigned char)(0x80 | (cp & 0x3f));
        b[w] = (unsigned char)(k == 1 ? cp : (0xf00 >> k) | cp);
        w += (apr_size_t)k;
    }
    b[w] = '\0';                /* w <= i: the closing quote or before */
    *s = (const char *)b + start;
    *n = w - start;
    *pi = i + 1;
    return NULL;
}

/* strtod of the literal b[start..end) as jansson's jsonp_strtod: -1 on overflow to +-inf. */
static int real_value(unsigned char *b, apr_size_t start, apr_size_t end, double *out)
{
    unsigned char save = b[end];
    double v;

    b[end] = '\0';
    errno = 0;
    v = strtod((const char *)b + start, NULL);
    b[end] = save;
    if ((v == HUGE_VAL || v == -HUGE_VAL) && errno == ERANGE)
        return -1;
    *out = v;
    return 0;
}

/* The number at b[*pi] ('-' or a digit). *is_int: an integer literal that fits int64 (then *num
 * is its value); *int_ovf is set for an integer literal that does not. */
static const char *scan_number(unsigned char *b, apr_size_t *pi, double *num, int *is_int,
                               int *int_ovf)
{
    apr_size_t i = *pi, start = i, d0;
    uint64_t u = 0;
    int neg = b[i] == '-';

    d0 = i += (apr_size_t)neg;
    if (!IS_DIGIT(b[i]) || (b[i] == '0' && IS_DIGIT(b[i + 1])))
        return "invalid number";            /* no digit after '-', or a leading zero */
    while (IS_DIGIT(b[i]))
        u = u * 10 + (b[i++] - '0');        /* wraps past 19 digits; then unused */
    *is_int = b[i] != '.' && (b[i] | 0x20) != 'e';
    if (*is_int && (i - d0 < 19 || (i - d0 == 19 && u <= (uint64_t)INT64_MAX + (uint64_t)neg))) {
        *pi = i;
        *num = (double)(neg ? (u ? (int64_t)(0 - u) : 0) : (int64_t)u);
        return NULL;
    }
    *int_ovf |= *is_int;                    /* a real after the retry, if strtod can hold it */
    *is_int = 0;
    if (b[i] == '.') {
        if (!IS_DIGIT(b[++i]))
            return "invalid number";
        while (IS_DIGIT(b[i]))
            i++;
    }
    if ((b[i] | 0x20) == 'e') {
        i += 1 + (b[i + 1] == '+' || b[i + 1] == '-');
        if (!IS_DIGIT(b[i]))
            return "invalid number";
        while (IS_DIGIT(b[i]))
            i++;
    }
    *pi = i;
    return real_value(b, start, i, num) ? "number out of range" : NULL;
}

/* 1 if two of the n keys are equal. Few keys: a 64-bit filter on length and end bytes (keys
 * are NUL-terminated, so s[0] is readable), compared only on a hit; many: a hash table. */
static int has_duplicate(apr_pool_t *p, const js_key *k, int n)
{
    unsigned *tab, mask, h;
    uint64_t seen = 0, bit;
    int i, j;

    if (n <= 24) {
        for (i = 0; i < n; i++) {
            const unsigned char *s = (const unsigned char *)k[i].s;
            bit = 1ULL << ((k[i].n * 7 + s[0] * 3 + (k[i].n ? s[k[i].n - 1] : 0)) & 63);
            if (seen & bit)
                for (j = 0; j < i; j++)
                    if (k[i].n == k[j].n && memcmp(k[i].s, k[j].s, k[i].n) == 0)
                        return 1;
            seen |= bit;
        }
        return 0;
    }
    for (mask = 64; mask < 2u * (unsigned)n; mask *= 2)
        ;
    tab = apr_pcalloc(p, mask * sizeof(*tab));   /* entries: key index + 1 */
    mask--;
    for (i = 0; i < n; i++) {
        apr_size_t x;
        for (h = 2166136261u, x = 0; x < k[i].n; x++)
            h = (h ^ (unsigned char)k[i].s[x]) * 16777619u;
        for (h &= mask; tab[h]; h = (h + 1) & mask) {
            const js_key *o = &k[tab[h] - 1];
            if (o->n == k[i].n && memcmp(o->s, k[i].s, o->n) == 0)
                return 1;
        }
        tab[h] = (unsigned)i + 1;
    }
    return 0;
}

/* Room for one more element in *arr (capacity *cap, *arr starting in a caller's local array). */
static void *grow(apr_pool_t *p, void *arr, int *cap, size_t size)
{
    void *bigger = apr_palloc(p, (size_t)*cap * 2 * size);
    memcpy(bigger, arr, (size_t)*cap * size);
    *cap *= 2;
    return bigger;
}

#define PUSH_KEY(str, len) do { \
        if (nkeys == capk) \
            keys = grow(p, keys, &capk, sizeof(*keys)); \
        keys[nkeys].s = (str); \
        keys[nkeys++].n = (len); \
    } while (0)

const char *st_js_scan_object(apr_pool_t *p, const char *text, apr_size_t len, int flags,
                              st_js_object *out)
{
    st_js_member mloc[32], *mem = mloc, *cur = NULL;
    js_key kloc[64], *keys = kloc;
    int nmem = 0, capm = 32, nkeys = 0, capk = 64, kbase = 0, depth = 0, top_obj;
    int int_ovf = 0, is_int = 0, after_token, has_nul, i_mem, in_key, obj;
    unsigned char kind[MAX_DEPTH];   /* 1: object, 0: array, per open container */
    unsigned char *b;
    const char *orig, *err, *s;
    apr_size_t i = 0, mstart = 0, n;
    double num = 0;

    out->members = NULL;
    out->n = 0;
    if (!text)
        return "no input";
    if (len > ((apr_size_t)-1) / 2 - 9)
        return "input too long";
    b = apr_palloc(p, 2 * len + 9);         /* raw copy first: an overread of b leaves the block */
    memcpy(b, text, len);
    b[len] = '\0';
    orig = (const char *)b;
    b += len + 1;
    memcpy(b, text, len);
    memset(b + len, 0, 8);                  /* the sentinel, and room for plain8 */

    SKIP_WS(b, i);
    if (b[i] != '{' && b[i] != '[')
        return i >= len ? "empty input" : "not an object or array";
    top_obj = b[i] == '{';

value:      /* b[i] starts a value (whitespace skipped) */
    if (depth >= MAX_DEPTH)
        return "nesting too deep";
    i_mem = depth == 1 && top_obj;
    after_token = 0;
    switch (b[i]) {
    case '{':
    case '[':
        obj = b[i++] == '{';
        if (i_mem)
            cur->type = obj ? ST_JS_OBJECT : ST_JS_ARRAY;
        kind[depth++] = (unsigned char)obj;
        if (obj) {
            PUSH_KEY(NULL, (apr_size_t)kbase);  /* marker: the enclosing object's first key */
            kbase = nkeys;
        }
        SKIP_WS(b, i);
        if (b[i] == (obj ? '}' : ']')) {
            i++;
            goto close;
        }
        if (obj)
            goto key;
        goto value;
    case '"':
        in_key = 0;
        goto string;
    case 't': case 'f': case 'n': {
        static const char *const word[] = { "true", "false", "null" };
        int w = b[i] == 't' ? 0 : b[i] == 'f' ? 1 : 2;
        apr_size_t wl = 4 + (w == 1);
        if (len - i < wl || memcmp(b + i, word[w], wl) != 0)   /* "truex": next token fails */
            return "invalid literal";
        i += wl;
        if (i_mem)
            cur->type = w == 0 ? ST_JS_TRUE : w == 1 ? ST_JS_FALSE : ST_JS_NULL;
        after_token = 1;
        goto value_done;
    }
    default:
        if (b[i] != '-' && !IS_DIGIT(b[i]))
            return i >= len ? "unexpected end of input" : "invalid token";
        if ((err = scan_number(b, &i, &num, &is_int, &int_ovf)) != NULL)
            return err;
        if (i_mem) {
            cur->type = ST_JS_NUMBER;
            cur->num = num;
            cur->is_int = is_int;
        }
        after_token = 1;
        goto value_done;
    }

key:        /* b[i] should open a key of the object kind[depth - 1] */
    if (b[i] != '"')
        return i >= len ? "unexpected end of input" : "expected a key";
    in_key = 1;
string:     /* one call site, so that the compiler inlines it */
    has_nul = 0;
    if ((err = scan_string(b, len, &i, &s, &n, &has_nul)) != NULL)
        return err;
    if (!in_key) {
        if (has_nul && !(flags & ST_JS_ALLOW_NUL))
            return "\\u0000 in a string";
        if (i_mem) {
            cur->type = ST_JS_STRING;
            cur->str = s;
            cur->str_len = n;
        }
        goto value_done;
    }
    if (has_nul)
        return "\\u0000 in a key";
    PUSH_KEY(s, n);
    SKIP_WS(b, i);
    if (b[i] != ':')
        return "expected ':'";
    i++;
    SKIP_WS(b, i);
    if (depth == 1 && top_obj) {
        if (nmem == capm)
            mem = grow(p, mem, &capm, sizeof(*mem));
        cur = &mem[nmem++];
        memset(cur, 0, sizeof(*cur));
        cur->key = s;
        cur->key_len = n;
        mstart = i;
    }
    goto value;

close:      /* the container kind[depth - 1] just closed */
    if (kind[--depth]) {
        if (has_duplicate(p, keys + kbase, nkeys - kbase))
            return "duplicate key";
        nkeys = kbase - 1;
        kbase = (int)keys[nkeys].n;
    }
    /* fall through */
value_done: /* a value ended at b[i]; depth containers are open */
    if (depth == 0) {
        SKIP_WS(b, i);
        if (i != len)
            return "trailing data";
        goto finish;
    }
    if (depth == 1 && top_obj) {
        cur->raw = orig + mstart;
        cur->raw_len = i - mstart;
    }
    if (after_token && b[i] == '\0' && i < len)
        i++;                    /* jansson loses a NUL it ungets (see the top) */
    after_token = 0;
    SKIP_WS(b, i);
    if (b[i] == ',') {
        i++;
        SKIP_WS(b, i);
        if (kind[depth - 1])
            goto key;
        goto value;
    }
    if (b[i] == (kind[depth - 1] ? '}' : ']')) {
        i++;
        goto close;
    }
    return i >= len ? "unexpected end of input" : "expected ',' or a closing bracket";

finish:
    if (!top_obj)
        return "not an object";
    if (int_ovf) {              /* st_json_parse's JSON_DECODE_INT_AS_REAL retry */
        int m;
        for (m = 0; m < nmem; m++)
            if (mem[m].type == ST_JS_NUMBER && mem[m].is_int) {
                apr_size_t at = (apr_size_t)(mem[m].raw - orig);
                mem[m].is_int = 0;
                (void)real_value(b, at, at + mem[m].raw_len, &mem[m].num);
            }
    }
    if (nmem && mem == mloc)
        mem = memcpy(apr_palloc(p, (apr_size_t)nmem * sizeof(*mem)), mloc, (apr_size_t)nmem * sizeof(*mem));
    out->members = nmem ? mem : NULL;
    out->n = nmem;
    return NULL;
}

const st_js_member *st_js_get(const st_js_object *o, const char *key)
{
    apr_size_t n;
    int i;

    if (!o || !key)
        return NULL;
    n = strlen(key);
    for (i = 0; i < o->n; i++)
        if (o->members[i].key_len == n && memcmp(o->members[i].key, key, n) == 0)
            return &o->members[i];
    return NULL;
}

const char *st_js_compact(apr_pool_t *p, const char *raw, apr_size_t raw_len)
{
    char *o, *w;
    apr_size_t i = 0;
    char c;

    if (!raw)
        return NULL;
    o = w = apr_palloc(p, raw_len + 1);
    while (i < raw_len) {
        c = raw[i++];
        if (c == '"') {
            *w++ = c;
            while (i < raw_len) {
                c = *w++ = raw[i++];
                if (c == '\\' && i < raw_len)
                    *w++ = raw[i++];
                else if (c == '"')
                    break;
            }
        } else if (!IS_WS(c) && c != '\0') {
            *w++ = c;
        }
    }
    *w = '\0';
    return o;
}
