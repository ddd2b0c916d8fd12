/*
 * delivery.c: password-reset links to the log or to a program (see delivery.h).
 */
#include "api/delivery.h"
#include "config/config.h"

#include "http_log.h"
#include "apr_strings.h"
#include "apr_thread_proc.h"

APLOG_USE_MODULE(supertokens);

/* A delivery program gets this long to finish before it is killed. */
#define ST_RESET_COMMAND_TIMEOUT apr_time_from_sec(10)

static void run_command(request_rec *r, const char *command, const char *email, const char *link)
{
    apr_procattr_t *attr;
    apr_proc_t proc;
    const char *argv[2] = { command, NULL };
    const char *input = apr_pstrcat(r->pool, email, "\n", link, "\n", NULL);
    apr_size_t len = strlen(input);
    apr_time_t deadline = apr_time_now() + ST_RESET_COMMAND_TIMEOUT;
    apr_exit_why_e why;
    int code = 0;
    apr_status_t rv;

    if ((rv = apr_procattr_create(&attr, r->pool)) != APR_SUCCESS
        || (rv = apr_procattr_io_set(attr, APR_FULL_BLOCK, APR_NO_PIPE, APR_NO_PIPE)) != APR_SUCCESS
        || (rv = apr_procattr_cmdtype_set(attr, APR_PROGRAM)) != APR_SUCCESS
        || (rv = apr_procattr_error_check_set(attr, 1)) != APR_SUCCESS
        || (rv = apr_proc_create(&proc, command, argv, NULL, attr, r->pool)) != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, APLOGNO(10080)
                      "SuperTokensPasswordResetCommand: could not start %s", command);
        return;
    }
    apr_file_write_full(proc.in, input, len, NULL);
    apr_file_close(proc.in);
    while ((rv = apr_proc_wait(&proc, &code, &why, APR_NOWAIT)) != APR_CHILD_DONE) {
        if (apr_time_now() > deadline) {
            apr_proc_kill(&proc, SIGKILL);
            apr_proc_wait(&proc, &code, &why, APR_WAIT);
            ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(10081)
                          "SuperTokensPasswordResetCommand: %s did not finish in time", command);
            return;
        }
        apr_sleep(apr_time_from_msec(20));
    }
    if (why != APR_PROC_EXIT || code != 0)
        ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(10082)
                      "SuperTokensPasswordResetCommand: %s failed (status %d)", command, code);
    else
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, APLOGNO(10083)
                      "password reset link handed to %s", command);
}

void st_reset_deliver(request_rec *r, const char *email, const char *link, const char *token)
{
    const st_server_conf *sc = st_server_conf_get(r->server);
    if (sc->reset_command) {
        run_command(r, sc->reset_command, email, link);
        return;
    }
    if (sc->reset_delivery == ST_RESET_LOG_FULL) {
        ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r, APLOGNO(10084)
                      "password reset link for %s: %s", ap_escape_logitem(r->pool, email),
                      ap_escape_logitem(r->pool, link));
        return;
    }
    {
        /* the token is the secret: the default log line shows the link without it */
        char *masked = apr_pstrdup(r->pool, link), *at = strstr(masked, "token=");
        const char *encoded_len = apr_psprintf(r->pool, "<%u characters hidden>", (unsigned)strlen(token));
        if (at) {
            char *end = strchr(at, '&');
            masked = apr_pstrcat(r->pool, apr_pstrmemdup(r->pool, masked, (apr_size_t)(at - masked + 6)),
                                 encoded_len, end ? end : "", NULL);
        }
        ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r, APLOGNO(10085)
                      "password reset link for %s: %s (SuperTokensPasswordResetDelivery log-full shows "
                      "the token; SuperTokensPasswordResetCommand delivers it)",
                      ap_escape_logitem(r->pool, email), masked);
    }
}
