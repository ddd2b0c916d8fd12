/*
 * fuzz_domain.c: origins and cookie domains from the configuration (src/config/domain.c):
 * st_origin_normalise, st_cookie_domain_normalise, st_port_valid, st_domain_is_local,
 * st_registrable_domain, st_domains_same_site. Normalising a normalised value must give it
 * back unchanged, and a normalised cookie domain must be one st_cookie_serialize accepts.
 *
 * st_registrable_domain reads the whole public suffix list on every call (it runs at config
 * time), ~1.5 ms a lookup under ASan. So lookups use a reduced list made once from Debian's
 * (every wildcard and exception rule, every 16th plain rule and a few multi-label ones), which
 * exercises the same code; only with mode bit 0 set does an input also go through
 * st_domains_same_site with the full list.
 * Input: <mode:1> <first value> '\0' <second value>
 */
#include "fuzz_common.h"

#include <unistd.h>

#include "token/cookie.h"
#include "config/domain.h"

/* "/proc/self/fd/N" of an unlinked temporary file: nothing is left behind, even on a crash */
static char psl_small[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char *const keep[] = { "uk", "co.uk", "jp", "kawasaki.jp", "github.io", "com", "io",
                                        "ck", "localhost", "example", "appspot.com", NULL };
    FILE *in, *out;
    char line[512], tmp[] = "/tmp/fuzz_domain_psl.XXXXXX";
    int fd, n = 0;
    (void)argc;
    (void)argv;
    fuzz_setup();
    if ((fd = mkstemp(tmp)) < 0 || unlink(tmp) != 0 || (out = fdopen(dup(fd), "w")) == NULL
        || (in = fopen(ST_PSL_FILE, "r")) == NULL) {
        fprintf(stderr, "fuzz_domain: cannot read %s or write %s\n", ST_PSL_FILE, tmp);
        abort();
    }
    snprintf(psl_small, sizeof(psl_small), "/proc/self/fd/%d", fd);
    fputs("// reduced public suffix list for fuzzing\n", out);
    while (fgets(line, sizeof(line), in)) {
        char rule[512];
        int i, wanted = 0;
        if (sscanf(line, "%511s", rule) != 1 || !strncmp(rule, "//", 2))
            continue;
        for (i = 0; keep[i]; i++)
            wanted |= !strcmp(rule, keep[i]);
        if (wanted || rule[0] == '*' || rule[0] == '!' || n++ % 16 == 0)
            fputs(line, out);
    }
    fclose(in);
    fclose(out);
    return 0;
}

static void one(apr_pool_t *p, const char *v)
{
    const char *out = NULL, *again = NULL, *err;

    err = st_origin_normalise(p, v, &out);
    if (err == NULL) {
        FUZZ_CHECK(out && (strncmp(out, "http://", 7) == 0 || strncmp(out, "https://", 8) == 0));
        FUZZ_CHECK(st_origin_normalise(p, out, &again) == NULL && strcmp(again, out) == 0);
        (void)st_domain_is_local(out);
    }
    out = NULL;
    err = st_cookie_domain_normalise(p, v, &out);
    if (err == NULL) {
        FUZZ_CHECK(out != NULL);
        FUZZ_CHECK(st_cookie_domain_normalise(p, out, &again) == NULL && strcmp(again, out) == 0);
        /* what the configuration accepts, every Set-Cookie accepts */
        FUZZ_CHECK(st_cookie_serialize(p, "sAccessToken", "v", out, "/", 0, 1, 1, "lax") != NULL);
        (void)st_registrable_domain(p, *out == '.' ? out + 1 : out, psl_small);
    }
    (void)st_port_valid(v);
    (void)st_domain_is_local(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool_begin();
    fuzz_in in = { data, size };
    int full = fuzz_u8(&in) & 1;
    const char *a = fuzz_field(p, &in, NULL);
    const char *b = fuzz_field(p, &in, NULL);
    const char *ra = NULL, *rb = NULL;
    const char *reg;

    one(p, a);
    one(p, b);
    reg = st_registrable_domain(p, a, psl_small);
    FUZZ_CHECK(reg == NULL || !strcmp(reg, "localhost") || strlen(reg) <= strlen(a));
    (void)st_registrable_domain(p, b, NULL);   /* no list: the implicit "*" rule only */
    if (full && st_origin_normalise(p, a, &ra) == NULL && st_origin_normalise(p, b, &rb) == NULL)
        (void)st_domains_same_site(ra, rb);
    fuzz_pool_end(p);
    return 0;
}
