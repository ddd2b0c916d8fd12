/*
 * delivery.c: the per-process delivery queue and its threads, the repeat limit, and the two
 * ways a message goes out: a program or the error log (see delivery.h).
 *
 * Locking: one mutex per process guards the queue, the repeat table, the thread list and
 * every allocation from the queue's pool (item pools are created under it). The queue's pool
 * has its own allocator with a mutex, so a delivery thread may destroy an item's pool while a
 * request thread creates another one.
 */
#include "api/delivery.h"
#include "config/config.h"

#include "http_log.h"
#include "apr_strings.h"
#include "apr_lib.h"
#include "apr_thread_proc.h"
#include "apr_thread_mutex.h"
#include "apr_thread_cond.h"

#include <string.h>
#include <openssl/evp.h>

APLOG_USE_MODULE(supertokens);

/* bytes of SHA-256 kept per remembered recipient: no collisions anyone could aim for */
#define ST_RECENT_KEY_LEN 16

typedef struct {
    const char *what;           /* names the message in log lines */
    const char *log_hint;       /* appended to the log-mode line */
    const char *command;        /* the directive naming its program, in log lines */
} st_kind_info;

static const st_kind_info st_kinds[] = {
    [ST_DELIVERY_PASSWORD_RESET] = { "password reset link",
        " (SuperTokensPasswordResetDelivery log-full shows the token; "
        "SuperTokensPasswordResetCommand delivers it)", "SuperTokensPasswordResetCommand" },
    [ST_DELIVERY_EMAIL_VERIFICATION] = { "email verification link",
        " (SuperTokensEmailVerificationDelivery log-full shows the token; "
        "SuperTokensEmailVerificationCommand delivers it)", "SuperTokensEmailVerificationCommand" },
    [ST_DELIVERY_PASSWORDLESS] = { "sign-in email", " (SuperTokensPasswordlessDelivery log-full shows them; "
        "SuperTokensPasswordlessEmailCommand delivers them)", "SuperTokensPasswordlessEmailCommand" },
    [ST_DELIVERY_PASSWORDLESS_SMS] = { "sign-in text message", " (SuperTokensPasswordlessDelivery log-full shows "
        "them; SuperTokensPasswordlessSMSCommand delivers them)", "SuperTokensPasswordlessSMSCommand" },
};

typedef struct {
    st_delivery msg;
    st_delivery_prepare_fn prepare;
} st_item;

typedef struct {
    unsigned char key[ST_RECENT_KEY_LEN];
    apr_time_t at;
} st_recent;

typedef struct {
    apr_pool_t *pool;
    apr_thread_mutex_t *mutex;
    apr_thread_cond_t *wake;
    server_rec *main_server;
    int stopping;
    apr_time_t drain_until;                     /* when stopping: start no item after this */
    int idle;                                   /* threads waiting for an item */
    int nthreads;
    apr_thread_t *threads[ST_DELIVERY_THREADS];
    st_item *items[ST_DELIVERY_QUEUE_MAX];      /* FIFO ring */
    int head, count;
    st_recent recent[ST_DELIVERY_REPEAT_MAX];   /* ring in time order */
    int recent_head, recent_count;
} st_queue;

static st_queue *st_the_queue;

static const char *kind_what(st_delivery_kind kind)
{
    return st_kinds[kind].what;
}

/* ------------------------------------------------------------------------------------------
 * The repeat limit: recipients seen in the last ST_DELIVERY_REPEAT_WINDOW, as hashes of
 * (virtual host, kind, trimmed lower-cased recipient).
 */

static void recent_key(const server_rec *s, st_delivery_kind kind, const char *recipient,
                       unsigned char *key)
{
    unsigned char md[EVP_MAX_MD_SIZE], buf[128];
    const char *end;
    apr_size_t n = 0;
    unsigned int md_len = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();

    memset(md, 0, sizeof(md));
    while (apr_isspace(*recipient))
        recipient++;
    for (end = recipient + strlen(recipient); end > recipient && apr_isspace(end[-1]); end--)
        ;
    if (ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1) {
        EVP_DigestUpdate(ctx, &s, sizeof(s));
        EVP_DigestUpdate(ctx, &kind, sizeof(kind));
        for (; recipient < end; recipient++) {
            buf[n++] = (unsigned char)apr_tolower(*recipient);
            if (n == sizeof(buf) || recipient + 1 == end) {
                EVP_DigestUpdate(ctx, buf, n);
                n = 0;
            }
        }
        EVP_DigestFinal_ex(ctx, md, &md_len);
    }
    EVP_MD_CTX_free(ctx);
    memcpy(key, md, ST_RECENT_KEY_LEN);
}

static void recent_expire(st_queue *q, apr_time_t now)
{
    while (q->recent_count) {
        apr_time_t at = q->recent[q->recent_head].at;
        /* a clock that went back expires entries rather than keeping them forever */
        if (now >= at && now - at < ST_DELIVERY_REPEAT_WINDOW)
            break;
        q->recent_head = (q->recent_head + 1) % ST_DELIVERY_REPEAT_MAX;
        q->recent_count--;
    }
}

/* How many times key was seen in the window. */
static int recent_find(const st_queue *q, const unsigned char *key)
{
    int i, n = 0;
    for (i = 0; i < q->recent_count; i++) {
        const st_recent *e = &q->recent[(q->recent_head + i) % ST_DELIVERY_REPEAT_MAX];
        if (memcmp(e->key, key, ST_RECENT_KEY_LEN) == 0)
            n++;
    }
    return n;
}

static void recent_add(st_queue *q, const unsigned char *key, apr_time_t now)
{
    st_recent *e = &q->recent[(q->recent_head + q->recent_count) % ST_DELIVERY_REPEAT_MAX];
    memcpy(e->key, key, ST_RECENT_KEY_LEN);
    e->at = now;
    q->recent_count++;
}

/* ------------------------------------------------------------------------------------------
 * Going out: the program, or the error log.
 */

/* Wait for the program until the deadline, then kill it. 1 when it exited with status 0. */
static int wait_command(const st_delivery *d, apr_proc_t *proc, const char *command)
{
    apr_time_t deadline = apr_time_now() + ST_DELIVERY_COMMAND_TIMEOUT;
    apr_exit_why_e why;
    int code = 0;
    apr_status_t rv;

    while ((rv = apr_proc_wait(proc, &code, &why, APR_NOWAIT)) != APR_CHILD_DONE) {
        if (rv != APR_CHILD_NOTDONE) {
            ap_log_error(APLOG_MARK, APLOG_ERR, rv, d->server, APLOGNO(10300)
                         "%s: cannot wait for %s", st_kinds[d->kind].command, command);
            apr_proc_kill(proc, SIGKILL);
            return 0;
        }
        if (apr_time_now() > deadline) {
            apr_proc_kill(proc, SIGKILL);
            apr_proc_wait(proc, &code, &why, APR_WAIT);
            ap_log_error(APLOG_MARK, APLOG_ERR, 0, d->server, APLOGNO(10081)
                         "%s: %s did not finish in time: killed after %d s (%s for %s)",
                         st_kinds[d->kind].command, command, (int)apr_time_sec(ST_DELIVERY_COMMAND_TIMEOUT),
                         kind_what(d->kind), ap_escape_logitem(d->pool, d->recipient));
            return 0;
        }
        apr_sleep(apr_time_from_msec(20));
    }
    if (why != APR_PROC_EXIT || code != 0) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, d->server, APLOGNO(10082)
                     "%s: %s failed (%s %d) (%s for %s)", st_kinds[d->kind].command, command,
                     why == APR_PROC_EXIT ? "status" : "signal", code, kind_what(d->kind),
                     ap_escape_logitem(d->pool, d->recipient));
        return 0;
    }
    return 1;
}

static int is_passwordless(st_delivery_kind kind)
{
    return kind == ST_DELIVERY_PASSWORDLESS || kind == ST_DELIVERY_PASSWORDLESS_SMS;
}

/* What the program reads: "<recipient>\n<link>\n", and for passwordless "<code>\n<lifetime>\n"
 * after it (an empty line for a link or code the flow does not send). */
static const char *command_input(const st_delivery *d)
{
    if (!is_passwordless(d->kind))
        return apr_pstrcat(d->pool, d->recipient, "\n", d->link, "\n", NULL);
    return apr_psprintf(d->pool, "%s\n%s\n%s\n%ld\n", d->recipient, d->link ? d->link : "",
                        d->code ? d->code : "", d->lifetime);
}

/* 1 when the program took the message (exit status 0). */
static int run_command(const st_delivery *d, const char *command)
{
    apr_procattr_t *attr;
    apr_proc_t proc;
    const char *argv[2] = { command, NULL };
    const char *input = command_input(d);
    apr_status_t rv;

    if ((rv = apr_procattr_create(&attr, d->pool)) != APR_SUCCESS
        || (rv = apr_procattr_io_set(attr, APR_FULL_BLOCK, APR_NO_PIPE, APR_NO_PIPE)) != APR_SUCCESS
        || (rv = apr_procattr_cmdtype_set(attr, APR_PROGRAM)) != APR_SUCCESS
        || (rv = apr_procattr_error_check_set(attr, 1)) != APR_SUCCESS
        || (rv = apr_proc_create(&proc, command, argv, NULL, attr, d->pool)) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_ERR, rv, d->server, APLOGNO(10080)
                     "%s: could not start %s", st_kinds[d->kind].command, command);
        return 0;
    }
    /* a program that exits without reading gets EPIPE here (httpd ignores SIGPIPE) */
    apr_file_write_full(proc.in, input, strlen(input), NULL);
    apr_file_close(proc.in);
    if (!wait_command(d, &proc, command))
        return 0;
    ap_log_error(APLOG_MARK, APLOG_INFO, 0, d->server, APLOGNO(10083)
                 "%s for %s handed to %s", kind_what(d->kind),
                 ap_escape_logitem(d->pool, d->recipient), command);
    return 1;
}

/* d->link with every copy of d->secret replaced by "<N characters hidden>"; the whole link
 * is hidden when the secret is unknown or not found, so nothing secret is ever logged. */
static const char *masked_link(const st_delivery *d)
{
    const char *secret = d->secret, *rest = d->link, *at;
    const char *hidden;
    char *out = "";
    apr_size_t len;

    if (secret == NULL || (len = strlen(secret)) == 0 || strstr(rest, secret) == NULL)
        return "<link hidden>";
    hidden = apr_psprintf(d->pool, "<%" APR_SIZE_T_FMT " characters hidden>", len);
    while ((at = strstr(rest, secret)) != NULL) {
        out = apr_pstrcat(d->pool, out, apr_pstrmemdup(d->pool, rest, (apr_size_t)(at - rest)),
                          hidden, NULL);
        rest = at + len;
    }
    return apr_pstrcat(d->pool, out, rest, NULL);
}

static void log_message(const st_delivery *d, int full)
{
    if (full) {
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, d->server, APLOGNO(10084)
                     "%s for %s: %s", kind_what(d->kind), ap_escape_logitem(d->pool, d->recipient),
                     ap_escape_logitem(d->pool, d->link));
        return;
    }
    ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, d->server, APLOGNO(10085)
                 "%s for %s: %s%s", kind_what(d->kind), ap_escape_logitem(d->pool, d->recipient),
                 ap_escape_logitem(d->pool, masked_link(d)), st_kinds[d->kind].log_hint);
}

/* A passwordless message in the log: its link (link code hidden) and code (hidden), or both in
 * full with SuperTokensPasswordlessDelivery log-full. */
static void log_passwordless(const st_delivery *d, int full)
{
    const char *link = d->link == NULL ? "(none)" : full ? d->link : masked_link(d);
    const char *code = d->code == NULL ? "(none)" : full ? d->code
                     : apr_psprintf(d->pool, "<%" APR_SIZE_T_FMT " characters hidden>", strlen(d->code));
    if (full)
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, d->server, APLOGNO(10653)
                     "%s for %s: link %s, code %s", kind_what(d->kind), ap_escape_logitem(d->pool, d->recipient),
                     ap_escape_logitem(d->pool, link), ap_escape_logitem(d->pool, code));
    else
        ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, d->server, APLOGNO(10654)
                     "%s for %s: link %s, code %s%s", kind_what(d->kind), ap_escape_logitem(d->pool, d->recipient),
                     ap_escape_logitem(d->pool, link), code, st_kinds[d->kind].log_hint);
}

/* Each kind goes to its program, or to the error log. 1 when it went out. */
static int send_message(const st_delivery *d)
{
    const st_server_conf *sc = st_server_conf_get(d->server);
    const char *command = NULL;
    int full = 0;

    if (d->kind == ST_DELIVERY_PASSWORD_RESET) {
        command = sc->reset_command;
        full = sc->reset_delivery == ST_RESET_LOG_FULL;
    }
    else if (d->kind == ST_DELIVERY_EMAIL_VERIFICATION) {
        command = sc->ev_command;
        full = sc->ev_delivery == ST_RESET_LOG_FULL;
    }
    else {
        command = d->kind == ST_DELIVERY_PASSWORDLESS ? sc->pl_email_command : sc->pl_sms_command;
        full = sc->pl_delivery == ST_RESET_LOG_FULL;
    }
    if (command)
        return run_command(d, command);
    if (is_passwordless(d->kind))
        log_passwordless(d, full);
    else
        log_message(d, full);
    return 1;
}

int st_delivery_send_now(st_delivery *d)
{
    return send_message(d);
}

int st_delivery_reserve(server_rec *s, st_delivery_kind kind, const char *recipient)
{
    st_queue *q = st_the_queue;
    unsigned char key[ST_RECENT_KEY_LEN];
    apr_time_t now = apr_time_now();
    const char *why = NULL;
    char who[256];

    recent_key(s, kind, recipient, key);
    if (q) {
        apr_thread_mutex_lock(q->mutex);
        recent_expire(q, now);
        if (recent_find(q, key) >= ST_DELIVERY_PASSWORDLESS_MAX)
            why = "too many in the last minute";
        else if (q->recent_count == ST_DELIVERY_REPEAT_MAX)
            why = "too many recipients in the last minute";
        else
            recent_add(q, key, now);
        apr_thread_mutex_unlock(q->mutex);
    }
    if (why == NULL)
        return 1;
    ap_escape_errorlog_item(who, recipient, sizeof(who));
    ap_log_error(APLOG_MARK, APLOG_NOTICE, 0, s, APLOGNO(10655)
                 "%s for %s refused: %s (at most %d per %d s in this process)", kind_what(kind), who, why,
                 ST_DELIVERY_PASSWORDLESS_MAX, (int)apr_time_sec(ST_DELIVERY_REPEAT_WINDOW));
    return 0;
}

/* ------------------------------------------------------------------------------------------
 * The queue and its threads.
 */

static void *APR_THREAD_FUNC delivery_thread(apr_thread_t *thread, void *data)
{
    st_queue *q = data;
    (void)thread;

    for (;;) {
        st_item *item;
        apr_thread_mutex_lock(q->mutex);
        while (!q->stopping && q->count == 0) {
            q->idle++;
            apr_thread_cond_wait(q->wake, q->mutex);
            q->idle--;
        }
        if (q->count == 0 || (q->stopping && apr_time_now() > q->drain_until)) {
            apr_thread_mutex_unlock(q->mutex);
            return NULL;
        }
        item = q->items[q->head];
        q->head = (q->head + 1) % ST_DELIVERY_QUEUE_MAX;
        q->count--;
        apr_thread_mutex_unlock(q->mutex);

        if (item->prepare == NULL || item->prepare(&item->msg)) {
            if (item->msg.link)
                send_message(&item->msg);
        }
        apr_pool_destroy(item->msg.pool);
    }
}

/* Under q->mutex: a thread for the new item unless one is idle or all are running. */
static apr_status_t ensure_thread(st_queue *q)
{
    apr_status_t rv;
    if (q->idle > 0 || q->nthreads == ST_DELIVERY_THREADS)
        return APR_SUCCESS;
    /* started from a request thread, it inherits that thread's signal mask, which the
     * programs it starts inherit in turn (as when requests ran them) */
    rv = apr_thread_create(&q->threads[q->nthreads], NULL, delivery_thread, q, q->pool);
    if (rv == APR_SUCCESS)
        q->nthreads++;
    /* with one thread running, the item still goes out, later */
    return q->nthreads > 0 ? APR_SUCCESS : rv;
}

static st_item *item_create(st_queue *q, server_rec *s, st_delivery_kind kind, const char *tenant,
                            const char *recipient, const char *link, const char *secret,
                            st_delivery_prepare_fn prepare)
{
    apr_pool_t *p;
    st_item *item;

    if (apr_pool_create(&p, q->pool) != APR_SUCCESS)
        return NULL;
    apr_pool_tag(p, "st_delivery_item");
    item = apr_pcalloc(p, sizeof(*item));
    item->msg.pool = p;
    item->msg.server = s;
    item->msg.kind = kind;
    item->msg.tenant = apr_pstrdup(p, tenant ? tenant : "public");
    item->msg.recipient = apr_pstrdup(p, recipient);
    item->msg.link = link ? apr_pstrdup(p, link) : NULL;
    item->msg.secret = secret ? apr_pstrdup(p, secret) : NULL;
    item->prepare = prepare;
    return item;
}

/* Under q->mutex: queue the item, or say why not (NULL: queued). */
static const char *enqueue(st_queue *q, server_rec *s, st_delivery_kind kind, const char *tenant,
                           const char *recipient, const char *link, const char *secret,
                           st_delivery_prepare_fn prepare, const unsigned char *key, apr_time_t now)
{
    st_item *item;

    if (q->count == ST_DELIVERY_QUEUE_MAX)
        return "the queue is full";
    if (q->recent_count == ST_DELIVERY_REPEAT_MAX)
        return "too many recipients in the last minute";
    if (ensure_thread(q) != APR_SUCCESS)
        return "no delivery thread could start";
    if ((item = item_create(q, s, kind, tenant, recipient, link, secret, prepare)) == NULL)
        return "out of memory";
    q->items[(q->head + q->count) % ST_DELIVERY_QUEUE_MAX] = item;
    q->count++;
    recent_add(q, key, now);
    apr_thread_cond_signal(q->wake);
    return NULL;
}

st_delivery_result st_delivery_submit(server_rec *s, st_delivery_kind kind, const char *tenant,
                                      const char *recipient, const char *link, const char *secret,
                                      st_delivery_prepare_fn prepare)
{
    st_queue *q = st_the_queue;
    unsigned char key[ST_RECENT_KEY_LEN];
    apr_time_t now = apr_time_now();
    const char *why = "delivery is not set up in this process";
    int repeat = 0, waiting = 0;
    char who[256];

    /* escaped into a buffer: no pool is at hand here (only the caller's, maybe a request's) */
    ap_escape_errorlog_item(who, recipient, sizeof(who));
    recent_key(s, kind, recipient, key);
    if (q) {
        apr_thread_mutex_lock(q->mutex);
        recent_expire(q, now);
        if (q->stopping)
            why = "this process is stopping";
        else if ((repeat = recent_find(q, key)) == 0)
            why = enqueue(q, s, kind, tenant, recipient, link, secret, prepare, key, now);
        waiting = q->count;
        apr_thread_mutex_unlock(q->mutex);
    }
    if (repeat) {
        ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, APLOGNO(10086)
                     "%s for %s: one was queued less than %d s ago in this process, not sent again",
                     kind_what(kind), who, (int)apr_time_sec(ST_DELIVERY_REPEAT_WINDOW));
        return ST_DELIVERY_REPEAT;
    }
    if (why) {
        ap_log_error(APLOG_MARK, APLOG_ERR, 0, s, APLOGNO(10087)
                     "%s for %s dropped: %s (at most %d queued, %d threads per process)",
                     kind_what(kind), who, why, ST_DELIVERY_QUEUE_MAX, ST_DELIVERY_THREADS);
        return ST_DELIVERY_DROPPED;
    }
    ap_log_error(APLOG_MARK, APLOG_DEBUG, 0, s, APLOGNO(10088)
                 "%s for %s queued (%d waiting in this process)", kind_what(kind), who, waiting);
    return ST_DELIVERY_QUEUED;
}

/* pchild pre-cleanup: runs before pchild's subpools (the core client's connection pools)
 * are destroyed, so no delivery thread ever uses them freed. No new item is accepted; the
 * threads go on with queued items for ST_DELIVERY_STOP_GRACE (a graceful restart, e.g. at log
 * rotation, should not lose the links just asked for), then the rest is dropped and logged. A
 * running program finishes or is killed at its own deadline. */
static apr_status_t queue_stop(void *data)
{
    st_queue *q = data;
    int i, dropped;

    apr_thread_mutex_lock(q->mutex);
    q->stopping = 1;
    q->drain_until = apr_time_now() + ST_DELIVERY_STOP_GRACE;
    apr_thread_cond_broadcast(q->wake);
    apr_thread_mutex_unlock(q->mutex);
    for (i = 0; i < q->nthreads; i++) {
        apr_status_t rv;
        apr_thread_join(&rv, q->threads[i]);
    }
    dropped = q->count;
    for (; q->count > 0; q->count--) {
        apr_pool_destroy(q->items[q->head]->msg.pool);
        q->head = (q->head + 1) % ST_DELIVERY_QUEUE_MAX;
    }
    if (dropped)
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, q->main_server, APLOGNO(10089)
                     "process exiting: %d queued message(s) dropped after %d s", dropped,
                     (int)apr_time_sec(ST_DELIVERY_STOP_GRACE));
    st_the_queue = NULL;
    return APR_SUCCESS;
}

apr_status_t st_delivery_child_init(apr_pool_t *pchild, server_rec *s)
{
    apr_allocator_t *alloc;
    apr_thread_mutex_t *amutex;
    apr_pool_t *p;
    st_queue *q;
    apr_status_t rv;

    if ((rv = apr_allocator_create(&alloc)) != APR_SUCCESS)
        return rv;
    if ((rv = apr_pool_create_ex(&p, pchild, NULL, alloc)) != APR_SUCCESS) {
        apr_allocator_destroy(alloc);
        return rv;
    }
    apr_allocator_owner_set(alloc, p);
    apr_pool_tag(p, "st_delivery");
    if ((rv = apr_thread_mutex_create(&amutex, APR_THREAD_MUTEX_DEFAULT, p)) != APR_SUCCESS)
        return rv;
    apr_allocator_mutex_set(alloc, amutex);

    q = apr_pcalloc(p, sizeof(*q));
    q->pool = p;
    q->main_server = s;
    if ((rv = apr_thread_mutex_create(&q->mutex, APR_THREAD_MUTEX_DEFAULT, p)) != APR_SUCCESS
        || (rv = apr_thread_cond_create(&q->wake, p)) != APR_SUCCESS)
        return rv;
    apr_pool_pre_cleanup_register(pchild, q, queue_stop);
    st_the_queue = q;
    return APR_SUCCESS;
}
