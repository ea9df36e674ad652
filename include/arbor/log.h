/*
 * Logging through the LOG session. A line appears as "[label] text";
 * warnings and errors carry Genode's "Warning: " and "Error: " prefixes.
 * Without a LOG session the text goes to stderr, which core also logs.
 */
#ifndef ARBOR_LOG_H
#define ARBOR_LOG_H

__attribute__((format(printf, 1, 2))) void arbor_log(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void arbor_warning(const char *fmt, ...);
__attribute__((format(printf, 1, 2))) void arbor_error(const char *fmt, ...);

/* Write text (may hold several lines) through the LOG session as it is. */
void arbor_log_write(const char *text, unsigned len);



/*
 * Route all log text through fn instead of the LOG session (core and host
 * tools, which have no parent). fn receives whole formatted text.
 */
typedef void (*arbor_log_backend_fn)(const char *text, unsigned len);
void arbor_log_set_backend(arbor_log_backend_fn fn);
#endif
