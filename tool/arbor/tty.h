/*
 * The terminal relay of `arbor run` and `arbor attach`: the person's
 * terminal (stdin/stdout) on one side, a Host_terminal stream on the other
 * (session/host_terminal.h). While relaying, the terminal is raw (output
 * processing kept, so that log lines between look right) and Ctrl-] is the
 * tool's own key. The terminal is restored when the relay stops and at any
 * exit the process can catch.
 */
#ifndef TOOL_ARBOR_TTY_H
#define TOOL_ARBOR_TTY_H

#include <poll.h>
#include <stddef.h>

#define TTY_ESCAPE 0x1d                 /* Ctrl-] */
#define TTY_RELAY_POLLFDS 3

enum tty_relay_state {
	TTY_RELAY_ON,                       /* go on */
	TTY_RELAY_ENDED,                    /* the stream ended (or broke the protocol): detached */
	TTY_RELAY_ESCAPE,                   /* Ctrl-] typed, or the terminal went away */
};

/*
 * Relay stream (taken) for the session label: raw mode, a hint on stderr
 * ("Ctrl-] " escape_does), the window size sent. Returns 0, or a negative
 * errno when stdin is no terminal (stream closed then).
 */
int tty_relay_start(int stream, const char *label, const char *escape_does);

/* Non-zero while relaying. */
int tty_relay_active(void);

/* The fds to poll while relaying, into pfd[TTY_RELAY_POLLFDS]; returns how many. */
unsigned tty_relay_pollfds(struct pollfd *pfd);

/* Act on what poll() found on those fds. Returns an enum tty_relay_state. */
int tty_relay_handle(const struct pollfd *pfd, unsigned n);

/* Stop relaying: the stream closed, the terminal restored; say: tell the person so. */
void tty_relay_stop(int say);

/* Restore the terminal now; async-signal-safe (for signal handlers). */
void tty_restore(void);

/*
 * Receive a control message from core (session/host_terminal.h): its type,
 * its text (NUL-terminated, control characters replaced) and the fd it
 * carried (-1: none; more than one, or one where none belongs, is closed
 * and the message refused). Returns 0, 1 at end of stream, or a negative
 * errno (-EAGAIN: none yet, -EPROTO: malformed).
 */
int tty_ctl_recv(int sock, char *type, char *text, size_t size, int *fd);

#endif
