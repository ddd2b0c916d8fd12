/*
 * status.h: the SuperTokens section of mod_status's server-status page (HTML, and the
 * "Name: value" lines of ?auto), from the counters of core/stats.h, summed over every
 * process of the server.
 */
#ifndef ST_REQUEST_STATUS_H
#define ST_REQUEST_STATUS_H

/* register_hooks: adds the section when mod_status is loaded (an optional hook). */
void st_status_register(void);

#endif
