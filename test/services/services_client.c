/*
 * Client of the services scenario: exercises the Timer (accuracy of
 * trigger_once, replacement, periodic ticks, the minimum period, the
 * clock) and Report/ROM (a report read back through a ROM session with
 * update signals, read-only content, a ROM session without policy). Logs
 * its figures; exits with the number of failed checks.
 */
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <arbor/connection.h>
#include <arbor/dataspace.h>
#include <arbor/env.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/pd.h>
#include <arbor/rpc.h>
#include <report/report_client.h>
#include <session/rom.h>
#include <timer/timer_client.h>

#define ROUNDS 20

static struct arbor_env *env;
static unsigned checks, failures;

__attribute__((format(printf, 2, 3))) static int check(int cond, const char *fmt, ...)
{
	char text[256];
	va_list ap;

	checks++;
	if (cond)
		return 1;
	failures++;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	arbor_error("FAIL: %s", text);
	return 0;
}

/* A signal context of our own that this thread polls (the entrypoint is not running). */
static struct arbor_cap *context_new(void)
{
	struct arbor_cap *cap = NULL;
	int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	if (fd < 0 || arbor_cap_from_fd(fd, ARBOR_CAP_SIGNAL, &cap)) {
		arbor_error("no signal context");
		arbor_exit(env, 100);
	}
	return cap;
}

/* Submissions that arrived within timeout_ms (0 if none did). */
static uint64_t wait_signal(struct arbor_cap *context, int timeout_ms)
{
	struct pollfd pfd = { .fd = arbor_cap_fd(context), .events = POLLIN };
	uint64_t count;

	if (poll(&pfd, 1, timeout_ms) <= 0)
		return 0;
	return read(pfd.fd, &count, sizeof(count)) == sizeof(count) ? count : 0;
}

static uint64_t now_us(struct timer_connection *t)
{
	uint64_t us = 0;

	/* not counted as a check of its own: it runs thousands of times */
	if (timer_elapsed_us(t, &us))
		check(0, "elapsed_us answers");
	return us;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* ---- Timer ---- */

static void test_clock(struct timer_connection *t)
{
	uint64_t last = 0, us, ms, ms0 = 0;
	int monotonic = 1;

	for (unsigned i = 0; i < 1000; i++) {
		us = now_us(t);
		if (us < last)
			monotonic = 0;
		last = us;
	}
	check(monotonic, "elapsed_us never decreases over 1000 reads");
	check(timer_elapsed_ms(t, &ms0) == 0, "elapsed_ms answers");
	check(timer_msleep(t, 25) == 0, "msleep(25) returns");
	check(timer_elapsed_ms(t, &ms) == 0 && ms >= ms0 + 25,
	      "elapsed_ms advanced by at least 25 across msleep(25): %llu -> %llu",
	      (unsigned long long)ms0, (unsigned long long)ms);
	us = now_us(t);
	check(us / 1000 >= ms, "elapsed_ms (%llu) and elapsed_us (%llu) agree",
	      (unsigned long long)ms, (unsigned long long)us);
	arbor_log("timer: elapsed is monotonic (%llu ms since the session was created)",
	          (unsigned long long)ms);
}

static void test_trigger_once(struct timer_connection *t, struct arbor_cap *sigh)
{
	uint64_t late[ROUNDS];
	unsigned early = 0, missing = 0;

	for (unsigned i = 0; i < ROUNDS; i++) {
		uint64_t d = 2000 + 500 * i, t0 = now_us(t);
		timer_trigger_once(t, d);
		if (!wait_signal(sigh, 2000)) {
			missing++;
			late[i] = 0;
			continue;
		}
		uint64_t t1 = now_us(t);
		if (t1 < t0 + d)
			early++;
		late[i] = t1 >= t0 + d ? t1 - t0 - d : 0;
	}
	check(!missing, "every trigger_once signalled (%u missing)", missing);
	check(!early, "no timeout came early (%u did)", early);
	qsort(late, ROUNDS, sizeof(late[0]), cmp_u64);
	arbor_log("timer: trigger_once lateness over %u timeouts of 2..11.5 ms: "
	          "min %llu us, median %llu us, max %llu us", ROUNDS,
	          (unsigned long long)late[0], (unsigned long long)late[ROUNDS / 2],
	          (unsigned long long)late[ROUNDS - 1]);
	/* generous: a loaded CI host may delay a wake-up, but never by this much */
	check(late[ROUNDS / 2] < 20000, "median lateness below 20 ms");

	/* 0: at once */
	uint64_t t0 = now_us(t);
	check(timer_trigger_once(t, 0) == 0 && wait_signal(sigh, 1000) == 1,
	      "trigger_once(0) signals at once");
	arbor_log("timer: trigger_once(0) answered after %llu us",
	          (unsigned long long)(now_us(t) - t0));

	/* a new trigger replaces the pending one: one signal, the early one */
	t0 = now_us(t);
	timer_trigger_once(t, 200000);
	timer_trigger_once(t, 20000);
	uint64_t got = wait_signal(sigh, 1000), t1 = now_us(t);
	check(got == 1 && t1 - t0 >= 20000 && t1 - t0 < 200000,
	      "the replacing trigger fired after %llu us", (unsigned long long)(t1 - t0));
	check(wait_signal(sigh, 300) == 0, "the replaced trigger never fired");
	arbor_log("timer: a new trigger replaced the pending one (fired after %llu us)",
	          (unsigned long long)(t1 - t0));

	check(timer_trigger_once(t, ARBOR_TIMER_TIMEOUT_MAX_US + 1) == ARBOR_E_INVALID,
	      "a timeout above the maximum is refused");
}

/* Sum the submissions over window_us by the session's clock. */
static uint64_t count_ticks(struct timer_connection *t, struct arbor_cap *sigh, uint64_t window_us)
{
	uint64_t start = now_us(t), ticks = 0, now;

	while ((now = now_us(t)) < start + window_us)
		ticks += wait_signal(sigh, (int)((start + window_us - now) / 1000) + 1);
	return ticks;
}

static void test_periodic(struct timer_connection *t, struct arbor_cap *sigh)
{
	uint64_t ticks = 0, t0 = now_us(t), t1;

	timer_trigger_periodic(t, 10000);
	while (ticks < ROUNDS) {
		uint64_t n = wait_signal(sigh, 1000);
		if (!n)
			break;
		ticks += n;
	}
	t1 = now_us(t);
	check(ticks >= ROUNDS, "periodic ticks arrive (%llu)", (unsigned long long)ticks);
	check(t1 - t0 >= ticks * 10000 && t1 - t0 < ticks * 10000 + 250000,
	      "%llu ticks of 10 ms took %llu us", (unsigned long long)ticks,
	      (unsigned long long)(t1 - t0));
	arbor_log("timer: periodic 10 ms: %llu ticks in %llu us", (unsigned long long)ticks,
	          (unsigned long long)(t1 - t0));

	check(timer_trigger_periodic(t, 0) == 0, "trigger_periodic(0) stops");
	wait_signal(sigh, 0);
	check(count_ticks(t, sigh, 50000) == 0, "no tick after the stop");
	arbor_log("timer: periodic stopped");

	/* 100 us asks for 10000 ticks a second; the server allows 1000 */
	t0 = now_us(t);
	timer_trigger_periodic(t, 100);
	ticks = count_ticks(t, sigh, 100000);
	timer_trigger_periodic(t, 0);
	ticks += wait_signal(sigh, 0);
	t1 = now_us(t);
	check(ticks >= 50 && ticks <= (t1 - t0) / 1000,
	      "a 100 us period ticks at most every 1000 us: %llu ticks in %llu us",
	      (unsigned long long)ticks, (unsigned long long)(t1 - t0));
	arbor_log("timer: a 100 us period was raised to 1000 us: %llu ticks in %llu us",
	          (unsigned long long)ticks, (unsigned long long)(t1 - t0));
}

/* Bad requests: refused, or the offending connection closed; the session serves on. */
static void test_bad_requests(struct timer_connection *t)
{
	struct arbor_msg reply;
	uint32_t short_arg = 5;
	uint64_t us;
	int err;

	check(timer_sigh(t, t->conn.cap) == ARBOR_E_INVALID_CAP,
	      "a session cap is no signal context");
	err = arbor_rpc_call(t->conn.cap, ARBOR_TIMER_TRIGGER_ONCE, &short_arg, sizeof(short_arg),
	                     NULL, 0, &reply);
	arbor_msg_release(&reply);
	check(err == ARBOR_E_OBJECT_GONE, "a truncated trigger closes the connection (%s)",
	      arbor_strerror(err));
	err = arbor_rpc_call(t->conn.cap, ARBOR_TIMER_NOPS, NULL, 0, NULL, 0, &reply);
	arbor_msg_release(&reply);
	check(err == ARBOR_E_UNKNOWN_OPCODE, "an unknown opcode is answered as such");
	check(timer_elapsed_us(t, &us) == 0, "the session still answers afterwards");
	arbor_log("timer: bad requests refused, the session serves on");
}

static void test_timer(void)
{
	struct timer_connection t, leftover;
	struct arbor_cap *sigh = context_new();
	int err = timer_connection_open(env, &t, "");

	if (!check(!err, "Timer session opens: %s", arbor_strerror(err)))
		return;
	test_clock(&t);
	check(timer_sigh(&t, sigh) == 0, "sigh registers");
	test_trigger_once(&t, sigh);
	test_periodic(&t, sigh);
	test_bad_requests(&t);
	timer_connection_close(&t);
	arbor_cap_unref(sigh);

	/* left open and ticking on purpose: the parent's teardown must close it for us */
	if (check(timer_connection_open(env, &leftover, "leftover") == 0, "second session opens"))
		check(timer_trigger_periodic(&leftover, 1000) == 0, "leftover ticks every 1 ms");
}

/* ---- Report and ROM ---- */

static int rom_update(struct arbor_cap *rom)
{
	struct arbor_rom_update u = { 0 };
	struct arbor_msg reply;
	int err = arbor_rpc_call(rom, ARBOR_ROM_UPDATE, NULL, 0, NULL, 0, &reply);

	if (err >= 0 && reply.size == sizeof(u))
		memcpy(&u, reply.payload, sizeof(u));
	arbor_msg_release(&reply);
	return err < 0 ? err : (int)u.changed;
}

/* The ROM's text (up to the first NUL) into buf; its dataspace in *ds if asked for. */
static int rom_read(struct arbor_cap *rom, char *buf, size_t size, struct arbor_cap **keep)
{
	struct arbor_cap *ds;
	size_t mapped;
	void *addr;
	int err = arbor_rom_dataspace(rom, &ds);

	buf[0] = '\0';
	if (!err)
		err = arbor_ds_attach(ds, ARBOR_DS_READ, &addr, &mapped);
	if (err) {
		arbor_cap_unref(ds);
		return err;
	}
	snprintf(buf, size, "%.*s", (int)strnlen(addr, mapped), (const char *)addr);
	arbor_ds_detach(addr, mapped);
	if (keep)
		*keep = ds;
	else
		arbor_cap_unref(ds);
	return 0;
}

static void test_report_rom(void)
{
	const char *first = "<state value=\"1\"/>", *second = "<state value=\"2\"/>";
	struct arbor_connection rom, denied;
	struct report_connection report;
	struct arbor_cap *sigh = context_new(), *old_ds = NULL, *ro_ds = NULL;
	struct arbor_msg reply;
	char text[256];
	void *addr;
	size_t len;
	int err;

	err = arbor_connection_open(env, &rom, ARBOR_ROM_SERVICE, "state", ARBOR_ROM_SESSION_RAM,
	                            ARBOR_ROM_SESSION_CAPS, NULL);
	if (!check(!err, "ROM session 'state' opens: %s", arbor_strerror(err)))
		return;
	err = arbor_rpc_call(rom.cap, ARBOR_ROM_SIGH, NULL, 0, &sigh, 1, &reply);
	arbor_msg_release(&reply);
	check(err == 0, "ROM sigh registers");
	check(wait_signal(sigh, 1000) == 1, "a new ROM handler is signalled at once");
	check(rom_update(rom.cap) == 1, "UPDATE: changed before the first DATASPACE");
	check(rom_read(rom.cap, text, sizeof(text), NULL) == 0 && !text[0],
	      "before any report the ROM is empty ('%s')", text);
	check(rom_update(rom.cap) == 0, "UPDATE: current after DATASPACE");

	err = report_connection_open(env, &report, "state", 4096);
	if (!check(!err, "Report session 'state' opens: %s", arbor_strerror(err)))
		goto close_rom;
	check(report_submit(&report, first, strlen(first)) == 0, "first report submitted");
	check(wait_signal(sigh, 2000) == 1, "the ROM client is signalled on submission");
	check(rom_update(rom.cap) == 1, "UPDATE: changed after the submission");
	check(rom_read(rom.cap, text, sizeof(text), &old_ds) == 0 && !strcmp(text, first),
	      "ROM reads the first report: '%s'", text);
	arbor_log("ROM 'state' after the first submit: %s", text);

	check(report_submit(&report, second, strlen(second)) == 0, "second report submitted");
	check(wait_signal(sigh, 2000) == 1, "signalled again");
	check(rom_read(rom.cap, text, sizeof(text), &ro_ds) == 0 && !strcmp(text, second),
	      "ROM reads the second report: '%s'", text);
	arbor_log("ROM 'state' after the second submit: %s", text);

	/* each version is a dataspace of its own: a reader of the old one sees it intact */
	if (old_ds && !arbor_ds_attach(old_ds, ARBOR_DS_READ, &addr, &len)) {
		check(!strcmp(addr, first), "the first version's dataspace is unchanged");
		arbor_ds_detach(addr, len);
	}
	check(ro_ds && !arbor_ds_writeable(ro_ds), "the ROM dataspace is not writeable");
	check(ro_ds && arbor_ds_attach(ro_ds, ARBOR_DS_WRITE, &addr, &len) == -EACCES,
	      "mapping the ROM dataspace writeable is refused");
	arbor_cap_unref(old_ds);
	arbor_cap_unref(ro_ds);

	/* the server checks the length itself, not only the client library */
	struct arbor_report_submit_args too_long = { .length = 4097 };
	err = arbor_rpc_call(report.conn.cap, ARBOR_REPORT_SUBMIT, &too_long, sizeof(too_long),
	                     NULL, 0, &reply);
	arbor_msg_release(&reply);
	check(err == ARBOR_E_INVALID, "submit beyond buffer_size is refused (%s)",
	      arbor_strerror(err));
	check(report_submit(&report, text, 5000) == ARBOR_E_TOO_LARGE,
	      "the client library refuses a report larger than its buffer");
	err = arbor_rpc_call(report.conn.cap, ARBOR_REPORT_OBTAIN_RESPONSES, NULL, 0, NULL, 0,
	                     &reply);
	check(err == 0 && reply.size == sizeof(struct arbor_report_responses) &&
	      ((struct arbor_report_responses *)reply.payload)->length == 0,
	      "obtain_responses: report_rom never responds");
	arbor_msg_release(&reply);
	check(wait_signal(sigh, 100) == 0, "refused submissions change nothing");

	/* the report goes with its writer's donation */
	report_connection_close(&report);
	check(wait_signal(sigh, 2000) == 1, "the ROM client is signalled when the writer leaves");
	check(rom_read(rom.cap, text, sizeof(text), NULL) == 0 && !text[0],
	      "the report was withdrawn with its writer ('%s')", text);
	arbor_log("ROM 'state' after the writer left: empty");

	err = arbor_connection_open(env, &denied, ARBOR_ROM_SERVICE, "nopolicy",
	                            ARBOR_ROM_SESSION_RAM, ARBOR_ROM_SESSION_CAPS, NULL);
	check(err == ARBOR_E_DENIED, "a ROM session without policy is denied (%s)",
	      arbor_strerror(err));
	if (!err)
		arbor_connection_close(env, &denied);
	else
		arbor_log("ROM session without policy: denied");
close_rom:
	arbor_connection_close(env, &rom);
	arbor_cap_unref(sigh);
}

/* The servers check what arrives of a donation, and the arguments that decide its size. */
static void test_donations(void)
{
	struct arbor_connection c;
	int err;

	/* 2 KiB, of which our parent keeps 1 KiB: the timer asks for more, the client adds 4 KiB */
	err = arbor_connection_open(env, &c, ARBOR_TIMER_SERVICE, "small", 2048,
	                            ARBOR_TIMER_SESSION_CAPS, NULL);
	check(!err && c.ram == 2048 + 4096, "Timer: a short donation is raised once (%s, %llu)",
	      arbor_strerror(err), (unsigned long long)c.ram);
	if (!err)
		arbor_connection_close(env, &c);

	/* exactly the cost, nothing for the parent: one raise */
	err = arbor_connection_open(env, &c, ARBOR_REPORT_SERVICE, "small",
	                            ARBOR_REPORT_SESSION_COST(8192), ARBOR_REPORT_SESSION_CAPS,
	                            "buffer_size=8192");
	check(!err && c.ram == ARBOR_REPORT_SESSION_COST(8192) + 4096,
	      "Report: a short donation is raised once (%s, %llu)", arbor_strerror(err),
	      (unsigned long long)c.ram);
	if (!err)
		arbor_connection_close(env, &c);

	err = arbor_connection_open(env, &c, ARBOR_REPORT_SERVICE, "nosize",
	                            ARBOR_REPORT_SESSION_RAM(4096), ARBOR_REPORT_SESSION_CAPS, NULL);
	check(err == ARBOR_E_DENIED, "Report without buffer_size is denied (%s)",
	      arbor_strerror(err));
	err = arbor_connection_open(env, &c, ARBOR_REPORT_SERVICE, "huge",
	                            ARBOR_REPORT_SESSION_RAM(4096), ARBOR_REPORT_SESSION_CAPS,
	                            "buffer_size=1G");
	check(err == ARBOR_E_DENIED, "Report with a 1 GiB buffer is denied (%s)",
	      arbor_strerror(err));
	arbor_log("donations: short ones raised, bad buffer sizes denied");
}

void component_construct(struct arbor_env *e)
{
	env = e;
	test_timer();
	test_report_rom();
	test_donations();
	if (failures)
		arbor_error("%u of %u checks failed", failures, checks);
	else
		arbor_log("all %u checks passed", checks);
	arbor_exit(env, failures ? 1 : 0);
}
