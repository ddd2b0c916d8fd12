/*
 * jwt_copy.h: a parsed access token copied into one malloc'd block, so it can outlive the
 * request that parsed it (the verification cache keeps verified tokens this way) and be lent
 * read-only to later requests. Pure: libc and the st_jwt layout.
 */
#ifndef ST_JWT_COPY_H
#define ST_JWT_COPY_H

#include "token/jwt.h"

/* A deep copy of jwt in one block (every string, the decoded signature and both member
 * arrays); free it with st_jwt_copy_free. Its pool and payload_tree are NULL: a borrower works
 * on a shallow copy of the struct with its own pool (st_jwt_borrow). signing_input and
 * signature_b64 point into the token's copy (so signing_input is not NUL-terminated: it is
 * read by its length). *size (if not NULL) gets the block's size. NULL when out of memory. */
st_jwt *st_jwt_copy_flat(const st_jwt *jwt, apr_size_t *size);
void st_jwt_copy_free(st_jwt *flat);

/* A request's view of a flat copy: the struct in p, every pointer still into the block (which
 * must outlive p's use of it), payload_tree built in p on first use. */
st_jwt *st_jwt_borrow(apr_pool_t *p, const st_jwt *flat);

#endif
