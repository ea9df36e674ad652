/*
 * init's engine: given a configuration in Genode's init syntax, start the
 * children, route their sessions, trade their quota and apply later
 * configurations differentially. init is a thin shell over this; a nested
 * runtime could host it the same way. Runs on the entrypoint of env.
 */
#ifndef SANDBOX_SANDBOX_H
#define SANDBOX_SANDBOX_H

#include <stddef.h>
#include <arbor/env.h>
#include <sandbox/xml.h>

struct sandbox;

struct sandbox_hooks {
	/* A child with <exit propagate="yes"/> exited with code. */
	void (*exit)(struct sandbox *sb, int code);
	/* The state changed; a report is due (see sandbox_state_report()). */
	void (*state_changed)(struct sandbox *sb);
	void *priv;
};

int sandbox_new(struct arbor_env *env, const struct sandbox_hooks *hooks, struct sandbox **out);

/* Tear every child down in order and free the engine. */
void sandbox_free(struct sandbox *sb);

/*
 * Apply the configuration document text[0..len) (file names it in
 * messages). A document that does not parse or validate is rejected as a
 * whole with "FILE:LINE:COL: error" logged, and the running system stays
 * as it is. Returns 0, ARBOR_E_INVALID, or an allocation error.
 */
int sandbox_apply_config(struct sandbox *sb, const char *text, size_t len, const char *file);

/*
 * The state report (Genode's init state, as configured by <report>) into
 * buf; returns its length, or ARBOR_E_TOO_LARGE when it does not fit.
 * 0 when the configuration asks for no report.
 */
int sandbox_state_report(struct sandbox *sb, char *buf, size_t size);

/*
 * Report the state even when the configuration has no <report>: with
 * every attribute on (ids, RAM and caps of init and its children, the
 * sessions requested and provided). `arbor run` asks the root init for
 * this, so that `arbor show` can list sessions. Returns 0 or -ENOMEM.
 */
int sandbox_report_always(struct sandbox *sb);

/* The report's buffer size and delay from <report buffer delay_ms>. */
void sandbox_report_params(struct sandbox *sb, size_t *buffer, unsigned *delay_ms);

void *sandbox_priv(struct sandbox *sb);

#endif
