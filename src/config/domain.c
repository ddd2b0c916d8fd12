/*
 * domain.c: origin / cookie-domain normalisation and the registrable-domain lookup that
 * decides the SameSite default. Mirrors supertokens-node's NormalisedURLDomain,
 * normaliseSessionScopeOrThrow and getTopLevelDomainForSameSiteResolution (tldts with
 * private suffixes), reading Debian's public suffix list. Config time only.
 */
#include "config/domain.h"
#include "token/cookie.h"

#include "apr_strings.h"
#include "apr_lib.h"
#include "apr_uri.h"
#include "apr_file_io.h"

#include <arpa/inet.h>
#include <string.h>
#include <stdlib.h>

static int is_ip_literal(const char *host)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

static const char *host_of(apr_pool_t *p, const char *origin_or_host)
{
    apr_uri_t u;
    if (strstr(origin_or_host, "://") && apr_uri_parse(p, origin_or_host, &u) == APR_SUCCESS
        && u.hostname)
        return u.hostname;
    return origin_or_host;
}

int st_port_valid(const char *port_str)
{
    apr_size_t n = strlen(port_str);
    /* apr_uri_parse wraps ports into 16 bits: check the digits ourselves */
    return n > 0 && n <= 5 && strspn(port_str, "0123456789") == n && atol(port_str) >= 1
        && atol(port_str) <= 65535;
}

int st_domain_is_local(const char *origin_or_host)
{
    apr_pool_t *p;
    int r;
    if (apr_pool_create(&p, NULL) != APR_SUCCESS)
        return 0;
    {
        const char *h = host_of(p, origin_or_host);
        r = strncmp(h, "localhost", 9) == 0 || is_ip_literal(h);
    }
    apr_pool_destroy(p);
    return r;
}

static int valid_host(const char *h)
{
    if (*h == '\0')
        return 0;
    for (; *h; h++)
        if (!apr_isalnum(*h) && *h != '-' && *h != '.' && *h != ':' && *h != '_')
            return 0;
    return 1;
}

const char *st_origin_normalise(apr_pool_t *p, const char *in, const char **out)
{
    char *s = apr_pstrdup(p, in);
    apr_uri_t u;
    const char *scheme;

    apr_collapse_spaces(s, s);
    for (char *c = s; *c; c++)
        *c = apr_tolower(*c);
    if (strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0) {
        if (*s == '/' || *s == '\0')
            return "please give a domain such as https://example.com";
        if (*s == '.')
            s++;
        /* A bare host: localhost and IPs are http, anything else https (as the SDK does). */
        if (apr_uri_parse(p, apr_pstrcat(p, "http://", s, NULL), &u) != APR_SUCCESS || !u.hostname)
            return apr_psprintf(p, "'%s' is not a valid domain", in);
        scheme = (strncmp(u.hostname, "localhost", 9) == 0 || is_ip_literal(u.hostname))
            ? "http" : "https";
        s = apr_pstrcat(p, scheme, "://", s, NULL);
    }
    if (apr_uri_parse(p, s, &u) != APR_SUCCESS || u.hostname == NULL || !valid_host(u.hostname))
        return apr_psprintf(p, "'%s' is not a valid domain", in);
    if (u.query || u.fragment || u.user)
        return apr_psprintf(p, "'%s' must be an origin (scheme://host[:port])", in);
    if (u.port_str && !st_port_valid(u.port_str))
        return apr_psprintf(p, "'%s' has an invalid port", in);
    scheme = u.scheme;
    if (u.port_str && !((strcmp(scheme, "http") == 0 && u.port == 80)
                        || (strcmp(scheme, "https") == 0 && u.port == 443)))
        *out = apr_psprintf(p, "%s://%s%s%s:%u", scheme, strchr(u.hostname, ':') ? "[" : "",
                            u.hostname, strchr(u.hostname, ':') ? "]" : "", (unsigned)u.port);
    else
        *out = apr_psprintf(p, "%s://%s%s%s", scheme, strchr(u.hostname, ':') ? "[" : "",
                            u.hostname, strchr(u.hostname, ':') ? "]" : "");
    return NULL;
}

const char *st_cookie_domain_normalise(apr_pool_t *p, const char *in, const char **out)
{
    char *s = apr_pstrdup(p, in);
    int leading_dot;
    apr_uri_t u;
    const char *host;

    apr_collapse_spaces(s, s);
    for (char *c = s; *c; c++)
        *c = apr_tolower(*c);
    leading_dot = (*s == '.');
    if (leading_dot)
        s++;
    if (strncmp(s, "http://", 7) != 0 && strncmp(s, "https://", 8) != 0)
        s = apr_pstrcat(p, "http://", s, NULL);
    if (apr_uri_parse(p, s, &u) != APR_SUCCESS || u.hostname == NULL || !valid_host(u.hostname)
        || strchr(u.hostname, ';'))
        return apr_psprintf(p, "'%s' is not a valid cookie domain", in);
    host = u.hostname;
    if (strcmp(host, "localhost") != 0 && !is_ip_literal(host) && leading_dot)
        host = apr_pstrcat(p, ".", host, NULL);
    /* a value every Set-Cookie would refuse ("a_b", "a..b", ".", an IPv6 literal) is an error
     * here rather than on each request (found by build/fuzz/fuzz_domain) */
    if (!st_cookie_domain_valid(host))
        return apr_psprintf(p, "'%s' is not a valid cookie domain", in);
    *out = host;
    return NULL;
}

/* Number of labels in a dotted name. */
static int label_count(const char *s)
{
    int n = 1;
    for (; *s; s++)
        n += (*s == '.');
    return n;
}

/* Does a PSL rule (without '!' prefix) match the host's tail? "*" matches one label. */
static int rule_matches(const char *host, const char *rule)
{
    apr_size_t hl = strlen(host), rl = strlen(rule);
    if (rule[0] == '*' && rule[1] == '.') {
        const char *rest = rule + 1;        /* ".ck" */
        apr_size_t restl = rl - 1;
        const char *dot;
        if (hl <= restl || strcmp(host + hl - restl, rest) != 0)
            return 0;
        /* exactly one more label before rest */
        dot = host + hl - restl;
        {
            const char *start = dot;
            while (start > host && start[-1] != '.')
                start--;
            return start != dot;
        }
    }
    if (hl == rl)
        return strcmp(host, rule) == 0;
    return hl > rl && host[hl - rl - 1] == '.' && strcmp(host + hl - rl, rule) == 0;
}

const char *st_registrable_domain(apr_pool_t *p, const char *host, const char *psl_file)
{
    apr_file_t *f;
    char line[512];
    int best = 0, exception = 0;   /* labels in the public suffix */
    const char *h = apr_pstrdup(p, host);
    apr_size_t n = strlen(h);
    int hosts_labels;

    if (strncmp(h, "localhost", 9) == 0 || is_ip_literal(h))
        return "localhost";
    while (n > 0 && h[n - 1] == '.')
        ((char *)h)[--n] = '\0';
    hosts_labels = label_count(h);

    if (psl_file && apr_file_open(&f, psl_file, APR_FOPEN_READ | APR_FOPEN_BUFFERED, 0, p)
        == APR_SUCCESS) {
        while (apr_file_gets(line, sizeof(line), f) == APR_SUCCESS) {
            char *r = line, *e;
            int is_exc;
            while (apr_isspace(*r))
                r++;
            if (*r == '\0' || (r[0] == '/' && r[1] == '/'))
                continue;
            for (e = r; *e && !apr_isspace(*e); e++)
                ;
            *e = '\0';
            for (char *c = r; *c; c++)
                *c = apr_tolower(*c);
            is_exc = (*r == '!');
            if (is_exc)
                r++;
            if (!rule_matches(h, r))
                continue;
            if (is_exc) {
                /* an exception rule's suffix is the rule minus its first label */
                exception = 1;
                best = label_count(r) - 1;
                break;
            }
            if (!exception && label_count(r) > best)
                best = label_count(r);
        }
        apr_file_close(f);
    }
    if (best == 0)
        best = 1;   /* the PSL's implicit "*" rule */
    if (hosts_labels <= best)
        return NULL;
    {
        const char *start = h + strlen(h);
        int labels = 0;
        while (start > h) {
            start--;
            if (*start == '.' && ++labels == best + 1) {
                start++;
                break;
            }
        }
        return apr_pstrdup(p, start);
    }
}

int st_domains_same_site(const char *origin_a, const char *origin_b)
{
    apr_pool_t *p;
    int same = 0;
    if (apr_pool_create(&p, NULL) != APR_SUCCESS)
        return 0;
    {
        const char *sa = strstr(origin_a, "://"), *sb = strstr(origin_b, "://");
        const char *ra = st_registrable_domain(p, host_of(p, origin_a), ST_PSL_FILE);
        const char *rb = st_registrable_domain(p, host_of(p, origin_b), ST_PSL_FILE);
        if (sa && sb && (sa - origin_a) == (sb - origin_b)
            && strncmp(origin_a, origin_b, (apr_size_t)(sa - origin_a)) == 0)
            same = ra && rb && strcmp(ra, rb) == 0;
    }
    apr_pool_destroy(p);
    return same;
}

int st_email_domain_listed(const apr_array_header_t *domains, const char *email)
{
    const char *at = email ? strrchr(email, '@') : NULL, *domain;
    apr_size_t n;
    int i;

    if (at == NULL || domains == NULL || *(domain = at + 1) == '\0')
        return 0;
    n = strlen(domain);
    for (i = 0; i < domains->nelts; i++) {
        const char *entry = APR_ARRAY_IDX(domains, i, const char *);
        apr_size_t k;
        if (entry[0] != '.') {
            if (strcasecmp(domain, entry) == 0)
                return 1;
            continue;
        }
        /* ".example.com": example.com itself, or a name ending in ".example.com" */
        k = strlen(entry);
        if (strcasecmp(domain, entry + 1) == 0 || (n > k && strcasecmp(domain + n - k, entry) == 0))
            return 1;
    }
    return 0;
}
