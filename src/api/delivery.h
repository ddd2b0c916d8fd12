/*
 * delivery.h: messages to users: password-reset and email verification links, delivered off
 * the request path; passwordless sign-in links and codes, delivered on it (below).
 *
 * supertokens-node's default posts them to a SuperTokens cloud service, which we cannot do;
 * instead a message goes to the error log at notice level with its secret hidden
 * (SuperTokensPasswordResetDelivery / SuperTokensEmailVerificationDelivery log, the default),
 * in full (log-full), or to the program named by SuperTokensPasswordResetCommand /
 * SuperTokensEmailVerificationCommand, which reads "<recipient>\n<link>\n" on its standard
 * input (never on its command line) and is killed after ST_DELIVERY_COMMAND_TIMEOUT.
 *
 * Why off the request: a request that waited for the program (up to 10 s) tied up an httpd
 * worker per call, and its answer time told whether the account existed. So a request only
 * queues the message and answers at once; everything account-dependent (the core lookups,
 * the token, the program) runs on a delivery thread.
 *
 * Per httpd child process: a FIFO of at most ST_DELIVERY_QUEUE_MAX messages, consumed by at
 * most ST_DELIVERY_THREADS threads (started when first needed, joined when the process
 * exits: queued messages still start for ST_DELIVERY_STOP_GRACE, later ones are dropped and
 * logged, a running program finishes or meets its deadline). A full queue drops the message (error log); it never blocks the request. The same
 * recipient (trimmed, case-insensitive) for the same kind on the same virtual host gets at
 * most one message per ST_DELIVERY_REPEAT_WINDOW per process; at most ST_DELIVERY_REPEAT_MAX
 * recipients are remembered (a hash each, not the address), further ones are dropped until
 * entries expire. Each message owns its own pool (never a request's).
 *
 * Passwordless sign-in messages are different: supertokens-node sends them before it answers
 * and a sending failure is its answer (500), and nothing about them depends on whether the
 * account exists (a code is made for any address). So st_delivery_send_now runs the program
 * (SuperTokensPasswordlessEmailCommand / SuperTokensPasswordlessSMSCommand, reading
 * "<recipient>\n<link>\n<code>\n<code lifetime in s>\n", an empty line for what the flow does
 * not send) or writes the log line (SuperTokensPasswordlessDelivery) on the request's thread,
 * bounded by the same ST_DELIVERY_COMMAND_TIMEOUT, and says whether it worked. Their repeat limit
 * is ST_DELIVERY_PASSWORDLESS_MAX messages per recipient per window (a resend is normal there),
 * checked with st_delivery_reserve before the core makes the code.
 */
#ifndef ST_DELIVERY_H
#define ST_DELIVERY_H

#include "httpd.h"

#define ST_DELIVERY_QUEUE_MAX        64
#define ST_DELIVERY_THREADS          2
#define ST_DELIVERY_REPEAT_WINDOW    apr_time_from_sec(60)
#define ST_DELIVERY_REPEAT_MAX       1024
#define ST_DELIVERY_COMMAND_TIMEOUT  apr_time_from_sec(10)
#define ST_DELIVERY_STOP_GRACE       apr_time_from_sec(2)
#define ST_DELIVERY_PASSWORDLESS_MAX 5

typedef enum {
    ST_DELIVERY_PASSWORD_RESET,
    ST_DELIVERY_EMAIL_VERIFICATION,
    ST_DELIVERY_PASSWORDLESS,        /* a sign-in link and/or code by email */
    ST_DELIVERY_PASSWORDLESS_SMS     /* the same by text message */
} st_delivery_kind;

typedef enum {
    ST_DELIVERY_QUEUED,
    ST_DELIVERY_REPEAT,         /* one was queued for this recipient within the window */
    ST_DELIVERY_DROPPED         /* queue full, too many recipients, or the process is stopping */
} st_delivery_result;

/* One message. Every field lives in pool, which the delivery thread destroys when done. */
typedef struct st_delivery {
    apr_pool_t *pool;
    server_rec *server;
    st_delivery_kind kind;
    const char *tenant;
    const char *recipient;      /* the email address (or phone number) */
    const char *link;           /* the link or code to deliver; NULL until prepared */
    const char *secret;         /* the part of link that the log mode hides (token, code) */
    const char *code;           /* passwordless: the code to type, or NULL */
    long lifetime;              /* passwordless: seconds the link and code are valid */
} st_delivery;

/*
 * Runs on a delivery thread before the message goes out: completes d (d->link, d->secret),
 * typically with calls to the core (st_core_* with d->pool and d->server; log with
 * ap_log_error). Returns 0 when there is nothing to send (no such account, core failure).
 */
typedef int (*st_delivery_prepare_fn)(st_delivery *d);

/* child_init: sets up this process's queue; its threads start with the first message. */
apr_status_t st_delivery_child_init(apr_pool_t *pchild, server_rec *s);

/*
 * Queue a message for recipient. link and secret may be NULL when prepare fills them in;
 * prepare may be NULL when link is given. Strings are copied. Never blocks on delivery;
 * logs a repeat (info) or a drop (error) itself.
 */
st_delivery_result st_delivery_submit(server_rec *s, st_delivery_kind kind, const char *tenant,
                                      const char *recipient, const char *link, const char *secret,
                                      st_delivery_prepare_fn prepare);

/*
 * Passwordless: 1 when one more message may go to recipient now (fewer than
 * ST_DELIVERY_PASSWORDLESS_MAX in the window), and counts it; 0 (logged) when not.
 */
int st_delivery_reserve(server_rec *s, st_delivery_kind kind, const char *recipient);

/*
 * Passwordless: deliver d (kind, recipient, link and secret, code, lifetime; pool: the
 * request's) now, on this thread. 1 when the log line was written or the program exited with
 * status 0; 0 when it could not start, failed or was killed at the deadline (each logged).
 */
int st_delivery_send_now(st_delivery *d);

#endif
