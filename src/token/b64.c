/*
 * b64.c: base64 (standard and URL-safe) and JavaScript URI-component encoding/decoding.
 * Table-driven and single-pass; no OpenSSL BIOs, because JWT parts need the URL-safe alphabet
 * and optional padding that OpenSSL's decoder does not accept.
 */
#include <stdint.h>
#include <string.h>

#include "apr_strings.h"
#include "token/b64.h"

static const char b64_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* 0x40 | sextet for every byte of either alphabet (+/ and -_), 0 for any other byte: the 0x40
 * bit lets the decoder validate a whole input with one AND per character. */
#define S(v) (0x40 | (v))
static const unsigned char b64_sextet[256] = {
    ['A'] = S(0), ['B'] = S(1), ['C'] = S(2), ['D'] = S(3), ['E'] = S(4), ['F'] = S(5),
    ['G'] = S(6), ['H'] = S(7), ['I'] = S(8), ['J'] = S(9), ['K'] = S(10), ['L'] = S(11),
    ['M'] = S(12), ['N'] = S(13), ['O'] = S(14), ['P'] = S(15), ['Q'] = S(16), ['R'] = S(17),
    ['S'] = S(18), ['T'] = S(19), ['U'] = S(20), ['V'] = S(21), ['W'] = S(22), ['X'] = S(23),
    ['Y'] = S(24), ['Z'] = S(25), ['a'] = S(26), ['b'] = S(27), ['c'] = S(28), ['d'] = S(29),
    ['e'] = S(30), ['f'] = S(31), ['g'] = S(32), ['h'] = S(33), ['i'] = S(34), ['j'] = S(35),
    ['k'] = S(36), ['l'] = S(37), ['m'] = S(38), ['n'] = S(39), ['o'] = S(40), ['p'] = S(41),
    ['q'] = S(42), ['r'] = S(43), ['s'] = S(44), ['t'] = S(45), ['u'] = S(46), ['v'] = S(47),
    ['w'] = S(48), ['x'] = S(49), ['y'] = S(50), ['z'] = S(51), ['0'] = S(52), ['1'] = S(53),
    ['2'] = S(54), ['3'] = S(55), ['4'] = S(56), ['5'] = S(57), ['6'] = S(58), ['7'] = S(59),
    ['8'] = S(60), ['9'] = S(61), ['+'] = S(62), ['-'] = S(62), ['/'] = S(63), ['_'] = S(63),
};
#undef S

/* Decode and validate in one pass, four characters at a time: this runs for every JWT part of
 * every protected request. Invalid characters are noticed at the end (the AND loses 0x40). */
unsigned char *st_b64_decode(apr_pool_t *p, const char *in, apr_size_t in_len, apr_size_t *out_len)
{
    apr_size_t pad = 0, data_len, rem, olen, i;
    const unsigned char *u = (const unsigned char *)in;
    unsigned char *out, *o, all = 0x40;
    uint32_t v;

    if (!in && in_len)
        return NULL;
    while (pad < in_len && pad < 3 && in[in_len - 1 - pad] == '=')
        pad++;
    data_len = in_len - pad;
    rem = data_len % 4;
    /* 4k+1 characters carry 6 bits of a byte: not an encoding of anything. Padding may only
     * complete the last quantum (and is optional, as Node accepts it missing). */
    if (rem == 1 || pad > (4 - rem) % 4)
        return NULL;
    olen = data_len / 4 * 3 + (rem ? rem - 1 : 0);
    o = out = apr_palloc(p, olen + 1);
    for (i = 0; i + 4 <= data_len; i += 4, o += 3) {
        unsigned char a = b64_sextet[u[i]], b = b64_sextet[u[i + 1]],
                      c = b64_sextet[u[i + 2]], d = b64_sextet[u[i + 3]];
        all &= a & b & c & d;
        v = ((uint32_t)(a & 63) << 18) | ((uint32_t)(b & 63) << 12) | ((uint32_t)(c & 63) << 6) | (d & 63);
        o[0] = (unsigned char)(v >> 16);
        o[1] = (unsigned char)(v >> 8);
        o[2] = (unsigned char)v;
    }
    if (rem >= 2) {
        unsigned char a = b64_sextet[u[i]], b = b64_sextet[u[i + 1]];
        unsigned char c = rem == 3 ? b64_sextet[u[i + 2]] : 0x40;
        all &= a & b & c;
        v = ((uint32_t)(a & 63) << 18) | ((uint32_t)(b & 63) << 12) | ((uint32_t)(c & 63) << 6);
        *o++ = (unsigned char)(v >> 16);
        if (rem == 3)
            *o++ = (unsigned char)(v >> 8);
    }
    if (!(all & 0x40))
        return NULL;
    *o = '\0';
    if (out_len)
        *out_len = (apr_size_t)(o - out);
    return out;
}

static char *encode_with(apr_pool_t *p, const unsigned char *in, apr_size_t len,
                         const char *alphabet, int padded)
{
    char *out = apr_palloc(p, (len + 2) / 3 * 4 + 1), *o = out;
    apr_size_t i;

    for (i = 0; i + 2 < len; i += 3) {
        *o++ = alphabet[in[i] >> 2];
        *o++ = alphabet[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
        *o++ = alphabet[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)];
        *o++ = alphabet[in[i + 2] & 63];
    }
    if (len - i == 1) {
        *o++ = alphabet[in[i] >> 2];
        *o++ = alphabet[(in[i] & 3) << 4];
        if (padded) {
            *o++ = '=';
            *o++ = '=';
        }
    } else if (len - i == 2) {
        *o++ = alphabet[in[i] >> 2];
        *o++ = alphabet[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
        *o++ = alphabet[(in[i + 1] & 15) << 2];
        if (padded)
            *o++ = '=';
    }
    *o = '\0';
    return out;
}

char *st_b64_encode(apr_pool_t *p, const unsigned char *in, apr_size_t len)
{
    return encode_with(p, in, len, b64_std, 1);
}

char *st_b64url_encode(apr_pool_t *p, const unsigned char *in, apr_size_t len)
{
    return encode_with(p, in, len, b64_url, 0);
}

/* ---- URI components ------------------------------------------------------------------ */

static int uri_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.' || c == '!' || c == '~' || c == '*' ||
           c == '\'' || c == '(' || c == ')';
}

char *st_uri_encode_component(apr_pool_t *p, const char *in)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *s = (const unsigned char *)in;
    apr_size_t n = 0, i;
    char *out, *o;

    if (!in)
        return NULL;
    for (i = 0; s[i]; i++)
        n += uri_unreserved(s[i]) ? 1 : 3;
    out = o = apr_palloc(p, n + 1);
    for (i = 0; s[i]; i++) {
        if (uri_unreserved(s[i])) {
            *o++ = (char)s[i];
        } else {
            *o++ = '%';
            *o++ = hex[s[i] >> 4];
            *o++ = hex[s[i] & 15];
        }
    }
    *o = '\0';
    return out;
}

static int hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* The byte encoded by "%XX" at in[k], or -1. */
static int pct_byte(const char *in, apr_size_t len, apr_size_t k)
{
    int hi, lo;
    if (k + 2 >= len || in[k] != '%')   /* need in[k+1] and in[k+2] */
        return -1;
    hi = hex_value((unsigned char)in[k + 1]);
    lo = hex_value((unsigned char)in[k + 2]);
    return hi < 0 || lo < 0 ? -1 : (hi << 4) | lo;
}

int st_uri_decode_buf(const char *in, apr_size_t len, char *out, apr_size_t *out_len)
{
    apr_size_t k = 0, o = 0;

    while (k < len) {
        int b, n, j;
        unsigned long cp;
        unsigned char oct[4];

        if (in[k] != '%') {
            out[o++] = in[k++];
            continue;
        }
        if ((b = pct_byte(in, len, k)) < 0)
            return 0;
        k += 3;
        if (b == 0)
            return 0;
        if (b < 0x80) {
            out[o++] = (char)b;
            continue;
        }
        /* ECMA-262 Decode: the lead byte fixes the sequence length; each continuation byte
         * must itself be a %XX escape of the form 10xxxxxx. */
        if ((b & 0xe0) == 0xc0) n = 2;
        else if ((b & 0xf0) == 0xe0) n = 3;
        else if ((b & 0xf8) == 0xf0) n = 4;
        else return 0;
        oct[0] = (unsigned char)b;
        cp = (unsigned long)b & (0xff >> (n + 1));
        for (j = 1; j < n; j++) {
            int c = pct_byte(in, len, k);
            if (c < 0 || (c & 0xc0) != 0x80)
                return 0;
            k += 3;
            oct[j] = (unsigned char)c;
            cp = (cp << 6) | (unsigned long)(c & 0x3f);
        }
        if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
            (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
            return 0;
        for (j = 0; j < n; j++)
            out[o++] = (char)oct[j];
    }
    out[o] = '\0';
    if (out_len)
        *out_len = o;
    return 1;
}

const char *st_uri_decode_component(apr_pool_t *p, const char *in)
{
    apr_size_t len;
    char *out;

    if (!in || !strchr(in, '%'))
        return in;
    len = strlen(in);
    out = apr_palloc(p, len + 1);
    return st_uri_decode_buf(in, len, out, NULL) ? out : in;
}
