/*
 * The dummy test component (after Genode's app/dummy): its config is a list
 * of actions run in order. dummy.c reads the config and runs the actions;
 * the actions that keep state live in their own modules.
 */
#ifndef TEST_INIT_DUMMY_H
#define TEST_INIT_DUMMY_H

#include <stddef.h>
#include <stdint.h>
#include <arbor/env.h>
#include <sandbox/xml.h>

#define DUMMY_PAGE 4096u

/* How an action ends: go on with the next one, or pause until dummy_resume(). */
enum dummy_step {
	DUMMY_NEXT,
	DUMMY_WAIT,
};

/* ---- dummy.c ---- */

/* Continue the paused action list (from the entrypoint). */
void dummy_resume(void);

/* A size the way Genode prints Number_of_bytes: "2M", "12K" or "4097". */
const char *dummy_size_text(uint64_t bytes, char *buf, size_t size);

/* ---- dummy_sleep.c ---- */

/* <sleep [ms]/>: DUMMY_WAIT until the timer fires (default 100 ms). */
enum dummy_step dummy_sleep(struct arbor_env *env, const struct xml_node *node);
/* <sleep_forever/>: block the entrypoint; never returns. */
__attribute__((noreturn)) void dummy_sleep_forever(void);

/* ---- dummy_log_service.c ---- */

/* <log_service [verbose] [delay_close_ms]/>: serve LOG (announce once). */
void dummy_log_service_start(struct arbor_env *env, const struct xml_node *node);

/* ---- dummy_log_connections.c ---- */

/* <create_log_connections count [ram_upgrade]/>: replaces earlier ones. */
void dummy_log_connections_create(struct arbor_env *env, const struct xml_node *node);
/* <destroy_log_connections/>: close them and check the quota came back. */
void dummy_log_connections_destroy(struct arbor_env *env);

/* ---- dummy_consume.c ---- */

/* <consume_ram amount/>: DUMMY_WAIT while the parent is asked for more. */
enum dummy_step dummy_consume_ram(struct arbor_env *env, uint64_t amount);
/* <consume_caps amount/>: the same for capabilities. */
enum dummy_step dummy_consume_caps(struct arbor_env *env, uint64_t amount);
/* <handle_yield_requests/>: give back consumed quota when the parent asks. */
int dummy_consume_handle_yield(struct arbor_env *env);

#endif
