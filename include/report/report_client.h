/*
 * The Report session's client library (lib/report): open a session with a
 * buffer, publish reports through it, close it. Calls block until the
 * server answered.
 */
#ifndef REPORT_REPORT_CLIENT_H
#define REPORT_REPORT_CLIENT_H

#include <stddef.h>
#include <arbor/connection.h>
#include <arbor/env.h>
#include <session/report.h>

struct report_connection {
	struct arbor_env *env;
	struct arbor_connection conn;
	size_t buffer_size;            /* what the session was opened with */
	char *buffer;                  /* the shared buffer, mapped writeable */
	size_t mapped;                 /* its mapping's length */
};

/*
 * Open a Report session labeled label (the report's name, prefixed by
 * every parent) with a buffer of buffer_size bytes (1 ..
 * ARBOR_REPORT_BUFFER_MAX), donating ARBOR_REPORT_SESSION_RAM(buffer_size),
 * and map the buffer. Returns 0, ARBOR_E_INVALID (buffer_size out of
 * range), an error of arbor_connection_open() (ARBOR_E_DENIED: no route,
 * or the server refused the size), of the DATASPACE call, or of mapping it.
 */
int report_connection_open(struct arbor_env *env, struct report_connection *r,
                           const char *label, size_t buffer_size);

/*
 * Publish len bytes of text (borrowed) as the report: copied into the
 * buffer, then submitted. Returns 0, ARBOR_E_TOO_LARGE (len above the
 * buffer size), or the SUBMIT call's error.
 */
int report_submit(struct report_connection *r, const void *text, size_t len);

/* Unmap the buffer and close the session; its donation returns. */
void report_connection_close(struct report_connection *r);

#endif
