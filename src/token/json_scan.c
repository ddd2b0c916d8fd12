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

/* The scanner between two steps. It holds no array itself (they are st_js_scan_object's
 * locals), so once the steps are inlined the compiler can keep its fields in registers. */
typedef struct {
    apr_pool_t *p;
    unsigned char *b;          /* the decoding copy of the text, NUL sentinel at b[len] */
    const char *orig;          /* the raw copy (members' raw spans) */
    apr_size_t len;
    apr_size_t i;              /* the next byte */
    int flags;
    int top_obj;               /* the top level is an object */
    int depth;                 /* open containers */
    unsigned char *kind;       /* 1: object, 0: array, per open container (MAX_DEPTH) */
    st_js_member *mloc, *mem;  /* members of the top-level object: mloc (32) until it grows */
    int nmem, capm;
    st_js_member *cur;         /* the member whose value is being read */
    apr_size_t mstart;         /* where cur's value begins */
    js_key *kloc, *keys;       /* keys of every open object, a marker before each object's
                                * keys: kloc (64) until it grows */
    int nkeys, capk, kbase;    /* kbase: the innermost open object's first key */
    int int_ovf;               /* an integer literal does not fit int64 (see scan_number) */
    const char *err;
} js_scanner;

/* What the scanner does next. Each step is a static function called from one place only,
 * st_js_scan_object's loop, so the compiler inlines every one (scan_string, the hot loop,
 * included). */
typedef enum {
    JS_VALUE,        /* b[i] starts a value (whitespace skipped) */
    JS_KEY,          /* b[i] should open a key of the innermost object */
    JS_STRING,       /* b[i] opens a string value */
    JS_CLOSE,        /* the container kind[depth - 1] just closed */
    JS_VALUE_END,    /* a string or container value ended at b[i] */
    JS_TOKEN_END,    /* a number or literal ended at b[i] (jansson's lost NUL applies) */
    JS_DONE,         /* the top-level value ended with nothing after it */
    JS_FAIL          /* err says why */
} js_step;

static inline js_step fail(js_scanner *sc, const char *err)
{
    sc->err = err;
    return JS_FAIL;
}

static inline void key_push(js_scanner *sc, const char *s, apr_size_t n)
{
    if (sc->nkeys == sc->capk)
        sc->keys = grow(sc->p, sc->keys, &sc->capk, sizeof(*sc->keys));
    sc->keys[sc->nkeys].s = s;
    sc->keys[sc->nkeys++].n = n;
}

/* The two copies of the text, the first byte of the top-level value and what it opens.
 * sc comes with its arrays (kind, mloc, kloc) set and every other field 0. */
static const char *scanner_init(js_scanner *sc, apr_pool_t *p, const char *text, apr_size_t len,
                                int flags)
{
    unsigned char *b;

    if (!text)
        return "no input";
    if (len > ((apr_size_t)-1) / 2 - 9)
        return "input too long";
    b = apr_palloc(p, 2 * len + 9);         /* raw copy first: an overread of b leaves the block */
    memcpy(b, text, len);
    b[len] = '\0';
    sc->orig = (const char *)b;
    b += len + 1;
    memcpy(b, text, len);
    memset(b + len, 0, 8);                  /* the sentinel, and room for plain8 */

    sc->p = p;
    sc->b = b;
    sc->len = len;
    sc->flags = flags;
    sc->mem = sc->mloc;
    sc->capm = 32;
    sc->keys = sc->kloc;
    sc->capk = 64;
    SKIP_WS(b, sc->i);
    if (b[sc->i] != '{' && b[sc->i] != '[')
        return sc->i >= len ? "empty input" : "not an object or array";
    sc->top_obj = b[sc->i] == '{';
    return NULL;
}

/* An object's keys must differ, and are dropped when it closes. */
static inline js_step container_close(js_scanner *sc)
{
    if (sc->kind[--sc->depth]) {
        if (has_duplicate(sc->p, sc->keys + sc->kbase, sc->nkeys - sc->kbase))
            return fail(sc, "duplicate key");
        sc->nkeys = sc->kbase - 1;
        sc->kbase = (int)sc->keys[sc->nkeys].n;
    }
    return JS_VALUE_END;
}

/* b[i] is '{' or '['; at_member: it is the value of a top-level member. */
static inline js_step container_open(js_scanner *sc, int at_member)
{
    int obj = sc->b[sc->i++] == '{';

    if (at_member)
        sc->cur->type = obj ? ST_JS_OBJECT : ST_JS_ARRAY;
    sc->kind[sc->depth++] = (unsigned char)obj;
    if (obj) {
        key_push(sc, NULL, (apr_size_t)sc->kbase);  /* marker: the enclosing object's first key */
        sc->kbase = sc->nkeys;
    }
    SKIP_WS(sc->b, sc->i);
    if (sc->b[sc->i] == (obj ? '}' : ']')) {
        sc->i++;
        return JS_CLOSE;
    }
    return obj ? JS_KEY : JS_VALUE;
}

/* A string value was read: s, n bytes once decoded (kept when it is a member's). */
static inline js_step string_value(js_scanner *sc, const char *s, apr_size_t n, int has_nul)
{
    if (has_nul && !(sc->flags & ST_JS_ALLOW_NUL))
        return fail(sc, "\\u0000 in a string");
    if (sc->depth == 1 && sc->top_obj) {
        sc->cur->type = ST_JS_STRING;
        sc->cur->str = s;
        sc->cur->str_len = n;
    }
    return JS_VALUE_END;
}

/* true, false or null at b[i]. */
static inline js_step literal_value(js_scanner *sc, int at_member)
{
    static const char *const word[] = { "true", "false", "null" };
    unsigned char c = sc->b[sc->i];
    int w = c == 't' ? 0 : c == 'f' ? 1 : 2;
    apr_size_t wl = 4 + (w == 1);

    if (sc->len - sc->i < wl || memcmp(sc->b + sc->i, word[w], wl) != 0)
        return fail(sc, "invalid literal");                 /* "truex": next token fails */
    sc->i += wl;
    if (at_member)
        sc->cur->type = w == 0 ? ST_JS_TRUE : w == 1 ? ST_JS_FALSE : ST_JS_NULL;
    return JS_TOKEN_END;
}

/* A number at b[i], or the token that is not a value there. */
static inline js_step number_value(js_scanner *sc, int at_member)
{
    unsigned char c = sc->b[sc->i];
    const char *err;
    double num = 0;
    int is_int = 0;

    if (c != '-' && !IS_DIGIT(c))
        return fail(sc, sc->i >= sc->len ? "unexpected end of input" : "invalid token");
    if ((err = scan_number(sc->b, &sc->i, &num, &is_int, &sc->int_ovf)) != NULL)
        return fail(sc, err);
    if (at_member) {
        sc->cur->type = ST_JS_NUMBER;
        sc->cur->num = num;
        sc->cur->is_int = is_int;
    }
    return JS_TOKEN_END;
}

/* b[i] starts a value; at_member: it is the value of a top-level member, which keeps it. */
static inline js_step value_start(js_scanner *sc)
{
    unsigned char c = sc->b[sc->i];
    int at_member;

    if (sc->depth >= MAX_DEPTH)
        return fail(sc, "nesting too deep");
    at_member = sc->depth == 1 && sc->top_obj;
    if (c == '{' || c == '[')
        return container_open(sc, at_member);
    if (c == '"')
        return JS_STRING;
    if (c == 't' || c == 'f' || c == 'n')
        return literal_value(sc, at_member);
    return number_value(sc, at_member);
}

/* A member of the top-level object begins: its value starts at b[i]. */
static inline void member_start(js_scanner *sc, const char *key, apr_size_t key_len)
{
    if (sc->nmem == sc->capm)
        sc->mem = grow(sc->p, sc->mem, &sc->capm, sizeof(*sc->mem));
    sc->cur = &sc->mem[sc->nmem++];
    memset(sc->cur, 0, sizeof(*sc->cur));
    sc->cur->key = key;
    sc->cur->key_len = key_len;
    sc->mstart = sc->i;
}

/* A key was read (s, n bytes): then its ':' and the whitespace before the value. */
static inline js_step member_key(js_scanner *sc, const char *s, apr_size_t n, int has_nul)
{
    if (has_nul)
        return fail(sc, "\\u0000 in a key");
    key_push(sc, s, n);
    SKIP_WS(sc->b, sc->i);
    if (sc->b[sc->i] != ':')
        return fail(sc, "expected ':'");
    sc->i++;
    SKIP_WS(sc->b, sc->i);
    if (sc->depth == 1 && sc->top_obj)
        member_start(sc, s, n);
    return JS_VALUE;
}

/* A key (in_key) or a string value: both are read here, the one call of scan_string. */
static inline js_step string_read(js_scanner *sc, int in_key)
{
    const char *s, *err;
    apr_size_t n;
    int has_nul = 0;

    if (in_key && sc->b[sc->i] != '"')
        return fail(sc, sc->i >= sc->len ? "unexpected end of input" : "expected a key");
    if ((err = scan_string(sc->b, sc->len, &sc->i, &s, &n, &has_nul)) != NULL)
        return fail(sc, err);
    return in_key ? member_key(sc, s, n, has_nul) : string_value(sc, s, n, has_nul);
}

/* A value ended at b[i] with depth containers open: the end of the text, or ',' or a close. */
static inline js_step value_end(js_scanner *sc, int after_token)
{
    unsigned char *b = sc->b;

    if (sc->depth == 0) {
        SKIP_WS(b, sc->i);
        return sc->i == sc->len ? JS_DONE : fail(sc, "trailing data");
    }
    if (sc->depth == 1 && sc->top_obj) {
        sc->cur->raw = sc->orig + sc->mstart;
        sc->cur->raw_len = sc->i - sc->mstart;
    }
    if (after_token && b[sc->i] == '\0' && sc->i < sc->len)
        sc->i++;                /* jansson loses a NUL it ungets (see the top) */
    SKIP_WS(b, sc->i);
    if (b[sc->i] == ',') {
        sc->i++;
        SKIP_WS(b, sc->i);
        return sc->kind[sc->depth - 1] ? JS_KEY : JS_VALUE;
    }
    if (b[sc->i] == (sc->kind[sc->depth - 1] ? '}' : ']')) {
        sc->i++;
        return JS_CLOSE;
    }
    return fail(sc, sc->i >= sc->len ? "unexpected end of input"
                                     : "expected ',' or a closing bracket");
}

/* The text was valid: st_json_parse's JSON_DECODE_INT_AS_REAL retry if it needs one, then
 * the members in pool memory. */
static const char *scanner_finish(js_scanner *sc, st_js_object *out)
{
    st_js_member *mem = sc->mem;
    int m, nmem = sc->nmem;

    if (!sc->top_obj)
        return "not an object";
    if (sc->int_ovf) {
        for (m = 0; m < nmem; m++)
            if (mem[m].type == ST_JS_NUMBER && mem[m].is_int) {
                apr_size_t at = (apr_size_t)(mem[m].raw - sc->orig);
                mem[m].is_int = 0;
                (void)real_value(sc->b, at, at + mem[m].raw_len, &mem[m].num);
            }
    }
    if (nmem && mem == sc->mloc)
        mem = memcpy(apr_palloc(sc->p, (apr_size_t)nmem * sizeof(*mem)), sc->mloc,
                     (apr_size_t)nmem * sizeof(*mem));
    out->members = nmem ? mem : NULL;
    out->n = nmem;
    return NULL;
}

const char *st_js_scan_object(apr_pool_t *p, const char *text, apr_size_t len, int flags,
                              st_js_object *out)
{
    unsigned char kind[MAX_DEPTH];  /* not cleared: each byte is written before it is read */
    st_js_member mloc[32];
    js_key kloc[64];
    js_scanner sc = { .kind = kind, .mloc = mloc, .kloc = kloc };
    js_step step = JS_VALUE;
    const char *err;

    out->members = NULL;
    out->n = 0;
    if ((err = scanner_init(&sc, p, text, len, flags)) != NULL)
        return err;
    /* The steps in the order a member runs through them: its key, its value, what follows
     * the value. A string value, a nested value or a close takes another pass. */
    for (;;) {
        if (step == JS_KEY || step == JS_STRING)
            step = string_read(&sc, step == JS_KEY);
        if (step == JS_VALUE)
            step = value_start(&sc);
        if (step == JS_CLOSE)
            step = container_close(&sc);
        if (step == JS_VALUE_END || step == JS_TOKEN_END)
            step = value_end(&sc, step == JS_TOKEN_END);
        if (step == JS_DONE)
            return scanner_finish(&sc, out);
        if (step == JS_FAIL)
            return sc.err;
    }
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
