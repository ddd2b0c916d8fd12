/*
 * fuzz_common.c: APR set-up and the ASan-visible pool allocator (see fuzz_common.h).
 */
#define _GNU_SOURCE 1
#include <dlfcn.h>
#include <stdarg.h>

#include "fuzz_common.h"

apr_pool_t *fuzz_global_pool;

static void *(*real_palloc)(apr_pool_t *, apr_size_t);
static int in_shim;

static apr_status_t free_cleanup(void *m)
{
    free(m);
    return APR_SUCCESS;
}

static void *shim_alloc(apr_pool_t *p, apr_size_t n)
{
    void *m;

    if (!real_palloc)
        real_palloc = (void *(*)(apr_pool_t *, apr_size_t))dlsym(RTLD_NEXT, "apr_palloc");
    if (in_shim || p == NULL)
        return real_palloc(p, n);
    m = malloc(n ? n : 1);
    if (!m)
        abort();
    in_shim = 1;        /* the cleanup record itself comes from the real pool allocator */
    apr_pool_cleanup_register(p, m, free_cleanup, apr_pool_cleanup_null);
    in_shim = 0;
    return m;
}

/* Interposes libapr's apr_palloc for the module code and for libapr's own callers
 * (apr_pstrdup, apr_pstrcat, apr_array_make, apr_table_make, apr_uri_parse, ...). */
void *apr_palloc(apr_pool_t *p, apr_size_t n)
{
    return shim_alloc(p, n);
}

/* apr_psprintf writes straight into pool blocks; the module only uses C formats with it. */
char *apr_pvsprintf(apr_pool_t *p, const char *fmt, va_list ap)
{
    va_list ap2;
    int n;
    char *out;

    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        abort();
    out = shim_alloc(p, (apr_size_t)n + 1);
    vsnprintf(out, (size_t)n + 1, fmt, ap);
    return out;
}

char *apr_psprintf(apr_pool_t *p, const char *fmt, ...)
{
    va_list ap;
    char *out;

    va_start(ap, fmt);
    out = apr_pvsprintf(p, fmt, ap);
    va_end(ap);
    return out;
}

/* At exit, before LeakSanitizer's final check: fixtures made in the global pool are released
 * (pool memory is not scanned by LSan, so they would otherwise be reported as leaks). */
static void fuzz_teardown(void)
{
    if (fuzz_global_pool)
        apr_pool_destroy(fuzz_global_pool);
    fuzz_global_pool = NULL;
    apr_terminate();
}

void fuzz_setup(void)
{
    static int done;

    if (done)
        return;
    done = 1;
    if (apr_initialize() != APR_SUCCESS || apr_pool_create(&fuzz_global_pool, NULL) != APR_SUCCESS)
        abort();
    atexit(fuzz_teardown);
}

apr_pool_t *fuzz_pool_begin(void)
{
    apr_pool_t *p = NULL;

    fuzz_setup();
    if (apr_pool_create(&p, NULL) != APR_SUCCESS)
        abort();
    return p;
}

void fuzz_pool_end(apr_pool_t *p)
{
    apr_pool_destroy(p);
}

int fuzz_utf8_valid(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;

    while (i < n) {
        unsigned char c = s[i];
        unsigned long cp;
        int len, k;

        if (c == 0)
            return 0;
        if (c < 0x80) {
            i++;
            continue;
        }
        if ((c & 0xe0) == 0xc0) { len = 2; cp = c & 0x1f; }
        else if ((c & 0xf0) == 0xe0) { len = 3; cp = c & 0x0f; }
        else if ((c & 0xf8) == 0xf0) { len = 4; cp = c & 0x07; }
        else return 0;
        if (i + (size_t)len > n)
            return 0;
        for (k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)
            || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
            return 0;
        i += (size_t)len;
    }
    return 1;
}
