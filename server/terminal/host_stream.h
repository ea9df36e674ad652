/*
 * The terminal server's Host_terminal session and the stream of the host
 * terminal attached to it (session/host_terminal.h): typed bytes into an
 * input buffer, window sizes, output out as messages. The stream comes
 * and goes as people attach and detach; the events say so.
 */
#ifndef TERMINAL_HOST_STREAM_H
#define TERMINAL_HOST_STREAM_H

#include <stddef.h>
#include <arbor/env.h>

struct host_stream_events {
	void (*connected)(int connected);               /* a terminal attached (1) or left (0) */
	void (*input)(void);                            /* typed bytes arrived */
	void (*size)(unsigned columns, unsigned lines); /* the window's size */
	void (*output_ready)(void);                     /* room for output again */
};

/*
 * Open the Host_terminal session (label "") and follow its attachments
 * from now on, calling ev (borrowed, lives as long as the component) on
 * the entrypoint. Returns 0 or the error of opening the session
 * (ARBOR_E_DENIED: no route) or of registering with it.
 */
int host_stream_open(struct arbor_env *env, const struct host_stream_events *ev);

/* Move up to max typed bytes to dst; returns how many (0: none). */
size_t host_stream_read(void *dst, size_t max);
/* Typed bytes waiting. */
size_t host_stream_avail(void);
/*
 * Send up to len bytes to the screen; returns how many the stream took.
 * Fewer than len: it is full, output_ready follows when it has room.
 * Without a terminal, or once it broke, the bytes are dropped (len).
 */
size_t host_stream_write(const void *src, size_t len);

/* 1 while a terminal is attached; its window (0 x 0 before it told). */
int host_stream_connected(void);
void host_stream_window(unsigned *columns, unsigned *lines);

#endif
