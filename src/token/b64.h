/*
 * b64.h: the three text encodings of the protocol (protocol.md §7): base64 in both alphabets,
 * and the URI component percent-encoding that cookie values use.
 */
#ifndef ST_B64_H
#define ST_B64_H

#include "apr_pools.h"

/*
 * Decode base64 like Node's Buffer.from(s, "base64") does for well-formed input: both
 * alphabets ("+/" and "-_", even mixed) and optional '=' padding (at most what the length
 * needs) are accepted. Unlike Node it is strict about everything else: any other character,
 * '=' before the end, or a length that no encoding can produce (4k+1 data characters) gives
 * NULL. The output is NUL-terminated (not counted in *out_len); empty input gives "".
 */
unsigned char *st_b64_decode(apr_pool_t *p, const char *in, apr_size_t in_len, apr_size_t *out_len);

/* Standard alphabet with '=' padding (Node's toString("base64")): front-token, v1/v2 JWTs. */
char *st_b64_encode(apr_pool_t *p, const unsigned char *in, apr_size_t len);

/* URL-safe alphabet without padding (RFC 7515 base64url): v3+ JWT parts, JWK n/e. */
char *st_b64url_encode(apr_pool_t *p, const unsigned char *in, apr_size_t len);

/*
 * JavaScript encodeURIComponent over the UTF-8 bytes of in: A-Z a-z 0-9 - _ . ! ~ * ' ( )
 * stay, every other byte becomes %XX with upper-case hex. NULL in gives NULL.
 */
char *st_uri_encode_component(apr_pool_t *p, const char *in);

/*
 * JavaScript decodeURIComponent on len bytes into out (which must hold len + 1 bytes):
 * %XX sequences become bytes, multi-byte sequences must be complete, well-formed UTF-8
 * (no overlongs, surrogates or values above U+10FFFF), as V8 requires. A decoded NUL byte
 * is treated as invalid too, because C strings cannot carry it. Returns 1 and sets *out_len
 * on success, 0 if the input would make decodeURIComponent throw (or decodes to NUL).
 */
int st_uri_decode_buf(const char *in, apr_size_t len, char *out, apr_size_t *out_len);

/*
 * Like the npm cookie package's decode: decodeURIComponent(in) when in contains '%', and the
 * input itself (unchanged) when it does not or when decoding would throw.
 */
const char *st_uri_decode_component(apr_pool_t *p, const char *in);

#endif
