/*
 * domain.h: origins and cookie domains as supertokens-node normalises them, and the
 * same-site decision behind the SameSite/anti-CSRF defaults (protocol.md §1.4, §1.7).
 * Pure functions over APR; used at config time only.
 */
#ifndef ST_DOMAIN_H
#define ST_DOMAIN_H

#include "apr_pools.h"
#include "apr_tables.h"

/* Where the public suffix list lives (Debian package "publicsuffix"). */
#define ST_PSL_FILE "/usr/share/publicsuffix/public_suffix_list.dat"

/* "HTTPS://Api.Example.com:443/x" -> "https://api.example.com"; "localhost:3000" ->
 * "http://localhost:3000"; "example.com" -> "https://example.com". Error text or NULL. */
const char *st_origin_normalise(apr_pool_t *p, const char *in, const char **out);

/* ".Example.COM" -> ".example.com"; ".localhost" -> "localhost". Error text or NULL; a result
 * is always a Domain value st_cookie_serialize accepts (LDH labels, no IPv6 literal). */
const char *st_cookie_domain_normalise(apr_pool_t *p, const char *in, const char **out);

/* 1 when port_str is a decimal port from 1 to 65535. */
int st_port_valid(const char *port_str);

/* 1 when the host of an origin (or a bare host) is localhost* or an IP literal. */
int st_domain_is_local(const char *origin_or_host);

/* The registrable domain (eTLD+1, private suffixes included) used for same-site decisions;
 * "localhost" for localhost and IPs. NULL when the host is itself a public suffix. */
const char *st_registrable_domain(apr_pool_t *p, const char *host, const char *psl_file);

/* 1 when two normalised origins share scheme and registrable domain (SameSite Lax default). */
int st_domains_same_site(const char *origin_a, const char *origin_b);

/* 1 when the domain of email (after its last '@') is in domains (const char *, lower case),
 * compared case-insensitively: "example.com" is that domain only, ".example.com" that domain
 * and every subdomain (as a cookie Domain). 0 without an '@' or an empty domain. */
int st_email_domain_listed(const apr_array_header_t *domains, const char *email);

#endif
