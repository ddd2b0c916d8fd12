/*
 * b64.c: base64 (standard and URL-safe) and JavaScript URI-component encoding/decoding.
 * Table-driven and single-pass; no OpenSSL BIOs, because JWT parts need the URL-safe alphabet
 * and optional padding that OpenSSL's decoder does not accept.
 */
#include <string.h>

#include "apr_strings.h"
#include "b64.h"

static const char b64_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* Sextet value of each byte in either alphabet (+/ and -_); 0 for bytes in neither, which
 * b64_valid tells apart from 'A'. */
static const unsigned char b64_sextet[256] = {
    ['A'] = 0, ['B'] = 1, ['C'] = 2, ['D'] = 3, ['E'] = 4, ['F'] = 5, ['G'] = 6, ['H'] = 7,
    ['I'] = 8, ['J'] = 9, ['K'] = 10, ['L'] = 11, ['M'] = 12, ['N'] = 13, ['O'] = 14, ['P'] = 15,
    ['Q'] = 16, ['R'] = 17, ['S'] = 18, ['T'] = 19, ['U'] = 20, ['V'] = 21, ['W'] = 22, ['X'] = 23,
    ['Y'] = 24, ['Z'] = 25, ['a'] = 26, ['b'] = 27, ['c'] = 28, ['d'] = 29, ['e'] = 30, ['f'] = 31,
    ['g'] = 32, ['h'] = 33, ['i'] = 34, ['j'] = 35, ['k'] = 36, ['l'] = 37, ['m'] = 38, ['n'] = 39,
    ['o'] = 40, ['p'] = 41, ['q'] = 42, ['r'] = 43, ['s'] = 44, ['t'] = 45, ['u'] = 46, ['v'] = 47,
    ['w'] = 48, ['x'] = 49, ['y'] = 50, ['z'] = 51, ['0'] = 52, ['1'] = 53, ['2'] = 54, ['3'] = 55,
    ['4'] = 56, ['5'] = 57, ['6'] = 58, ['7'] = 59, ['8'] = 60, ['9'] = 61,
    ['+'] = 62, ['-'] = 62, ['/'] = 63, ['_'] = 63,
};

static int b64_valid(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
        || c == '+' || c == '-' || c == '/' || c == '_';
}

/* Validate, then decode four characters at a time: this runs for every JWT part of every
 * protected request. */
unsigned char *st_b64_decode(apr_pool_t *p, const char *in, apr_size_t in_len, apr_size_t *out_len)
{
    apr_size_t pad = 0, data_len, rem, olen, i, o = 0;
    const unsigned char *u = (const unsigned char *)in;
    unsigned char *out;
    unsigned long v;

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
    for (i = 0; i < data_len; i++)
        if (!b64_valid(u[i]))
            return NULL;
    olen = data_len / 4 * 3 + (rem ? rem - 1 : 0);
    out = apr_palloc(p, olen + 1);
    for (i = 0; i + 4 <= data_len; i += 4) {
        v = ((unsigned long)b64_sextet[u[i]] << 18) | ((unsigned long)b64_sextet[u[i + 1]] << 12)
            | ((unsigned long)b64_sextet[u[i + 2]] << 6) | b64_sextet[u[i + 3]];
        out[o++] = (unsigned char)(v >> 16);
        out[o++] = (unsigned char)(v >> 8);
        out[o++] = (unsigned char)v;
    }
    if (rem >= 2) {
        v = ((unsigned long)b64_sextet[u[i]] << 18) | ((unsigned long)b64_sextet[u[i + 1]] << 12);
        if (rem == 3)
            v |= (unsigned long)b64_sextet[u[i + 2]] << 6;
        out[o++] = (unsigned char)(v >> 16);
        if (rem == 3)
            out[o++] = (unsigned char)(v >> 8);
    }
    out[o] = '\0';
    if (out_len)
        *out_len = o;
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
