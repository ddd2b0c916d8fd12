/*
 * fuzz_passwordless_body.c: request bodies of the Passwordless API. The first byte's two low
 * bits are the contact method (email, phone, both; 0 reads as email); the rest is the body,
 * parsed as api/router.c st_api_read_json does (empty = {}), then read with the module's own
 * st_pl_read_create, st_pl_read_resend and st_pl_read_consume (src/api/passwordless_input.c).
 * Invariants: every refusal has a message; what is accepted is what the core calls and the
 * message need (one contact, valid by the SDK's rules, strings, base64 Java would decode); the
 * magic link and the core bodies can be built from it. Input: <contact:1> body.
 */
#include "fuzz_common.h"

#include "api/form.h"
#include "api/passwordless_input.h"
#include "token/b64.h"
#include "token/json_util.h"

#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_setup();
    if (!st_form_init())
        abort();
    return 0;
}

static void refused(st_pl_input in, const char *message)
{
    if (in == ST_PL_INPUT_BAD || in == ST_PL_INPUT_GENERAL_ERROR)
        FUZZ_CHECK(message != NULL && *message != '\0');
}

/* A value the module would send to the core and put in a query or a link. */
static void usable(apr_pool_t *p, const char *name, const char *value)
{
    json_t *body = json_pack("{s:s}", name, value);
    FUZZ_CHECK(body != NULL);
    st_json_pool_own(p, body);
    FUZZ_CHECK(st_json_dump(p, body) != NULL);
    FUZZ_CHECK(st_uri_encode_component(p, value) != NULL);
}

/* st_pl_base64_java_valid accepts only well-formed base64 of its alphabet. */
static void java_base64(apr_pool_t *p, const char *s, int url)
{
    apr_size_t n;
    FUZZ_CHECK(st_pl_base64_java_valid(s, url));
    FUZZ_CHECK(st_b64_decode(p, s, strlen(s), &n) != NULL);
    FUZZ_CHECK(strpbrk(s, url ? "+/" : "-_") == NULL);
}

static void read_create(apr_pool_t *p, const json_t *body, int contact)
{
    const char *email, *phone, *message;
    st_pl_input in = st_pl_read_create(p, body, contact & 1, (contact & 2) != 0, &email, &phone, &message);
    if (in != ST_PL_INPUT_OK) {
        FUZZ_CHECK(in != ST_PL_INPUT_RESTART);
        refused(in, message);
        return;
    }
    FUZZ_CHECK((email == NULL) != (phone == NULL));
    if (email) {
        FUZZ_CHECK(contact & 1);
        FUZZ_CHECK(st_validate_email(email) == NULL);
        usable(p, "email", email);
    }
    else {
        FUZZ_CHECK(contact & 2);
        FUZZ_CHECK(st_pl_validate_phone(phone) == NULL && phone[0] == '+' && strlen(phone) <= 16);
        usable(p, "phoneNumber", phone);
    }
}

static void read_resend(apr_pool_t *p, const json_t *body)
{
    const char *device, *pre, *message;
    st_pl_input in = st_pl_read_resend(p, body, &device, &pre, &message);
    if (in != ST_PL_INPUT_OK) {
        FUZZ_CHECK(in != ST_PL_INPUT_GENERAL_ERROR);
        refused(in, message);
        return;
    }
    java_base64(p, device, 0);
    usable(p, "deviceId", device);
    usable(p, "preAuthSessionId", pre);
}

static void read_consume(apr_pool_t *p, const json_t *body)
{
    const char *message, *link;
    st_pl_code code;
    st_pl_input in = st_pl_read_consume(p, body, &code, &message);
    if (in != ST_PL_INPUT_OK) {
        FUZZ_CHECK(in != ST_PL_INPUT_GENERAL_ERROR);
        refused(in, message);
        return;
    }
    usable(p, "preAuthSessionId", code.pre_auth_session_id);
    if (code.link_code) {
        FUZZ_CHECK(code.device_id == NULL && code.user_input_code == NULL);
        java_base64(p, code.link_code, 1);
        link = st_pl_magic_link(p, "https://example.com", "/auth", code.pre_auth_session_id, "public", code.link_code);
        FUZZ_CHECK(link != NULL && strchr(link, '#') != NULL && strpbrk(link, " \r\n\"<>") == NULL);
    }
    else {
        FUZZ_CHECK(code.device_id != NULL && code.user_input_code != NULL);
        java_base64(p, code.device_id, 0);
        usable(p, "userInputCode", code.user_input_code);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool_begin();
    int contact = size > 0 ? (data[0] & 3) : 1;
    json_t *body;

    if (contact == 0)
        contact = 1;
    if (size <= 1) {
        body = json_object();
        st_json_pool_own(p, body);
    }
    else
        body = st_json_parse(p, (const char *)data + 1, size - 1, 0);
    if (body != NULL) {
        read_create(p, body, contact);
        read_resend(p, body);
        read_consume(p, body);
    }
    /* the phone rule on the raw bytes */
    if (size > 1) {
        const char *raw = fuzz_cstr(p, data + 1, size - 1);
        if (st_pl_validate_phone(raw) == NULL)
            FUZZ_CHECK(raw[0] == '+' && strspn(raw + 1, "0123456789") == strlen(raw) - 1);
        if (st_pl_base64_java_valid(raw, size & 1))
            java_base64(p, raw, size & 1);
    }
    fuzz_pool_end(p);
    return 0;
}
