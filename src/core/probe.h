/*
 * probe.h: the start-up check of every core the configuration names (README "Operations").
 *
 * Each distinct core URL, API key and CA file is asked once: GET /apiversion (reachable, the
 * API key, CDI 5.4), then GET /recipe/jwt/jwks (a call the core always guards with the API
 * key). Each problem gets one warn or error line that names its fix; nothing is refused and
 * start-up goes on: a core that is down at start may be up when the first request comes. The
 * probe opens its own connections with short timeouts and closes them before it returns, so
 * nothing of it reaches the children's connection pools.
 */
#ifndef ST_CORE_PROBE_H
#define ST_CORE_PROBE_H

#include "httpd.h"

/* Checks the cores of s and its virtual hosts; returns the number of problems logged. */
int st_core_probe(apr_pool_t *ptemp, server_rec *s);

#endif
