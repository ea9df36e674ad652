/*
 * ticker: an example client of the Timer service. It asks for a periodic
 * signal, logs each tick with the time the timer says has passed, and
 * exits after <config ticks period_ms>.
 */
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/rom.h>
#include <arbor/signal.h>
#include <sandbox/xml.h>
#include <timer/timer_client.h>

static struct {
	struct arbor_env *env;
	struct timer_connection timer;
	struct arbor_signal_handler tick;
	uint64_t ticks, seen, period_ms;
} ticker = { .ticks = 5, .period_ms = 200 };

/* The <config ticks period_ms> attributes, if there is a config. */
static void read_config(struct arbor_env *env)
{
	struct arbor_rom rom;
	struct xml_node *config;

	if (arbor_rom_open(env, &rom, "config", NULL))
		return;
	if (!xml_parse(rom.text, rom.len, "config", &config, NULL)) {
		xml_attr_u64(config, "ticks", ticker.ticks, &ticker.ticks);
		xml_attr_u64(config, "period_ms", ticker.period_ms, &ticker.period_ms);
		xml_free(config);
	}
	arbor_rom_close(&rom);
}

static void tick(struct arbor_signal_handler *sh, uint64_t count)
{
	uint64_t ms = 0;

	timer_elapsed_ms(&ticker.timer, &ms);
	ticker.seen += count;
	arbor_log("tick %llu at %llu ms", (unsigned long long)ticker.seen, (unsigned long long)ms);
	if (ticker.seen >= ticker.ticks) {
		timer_trigger_periodic(&ticker.timer, 0);
		arbor_exit(ticker.env, 0);
	}
}

void component_construct(struct arbor_env *env)
{
	int err;

	ticker.env = env;
	read_config(env);
	if ((err = timer_connection_open(env, &ticker.timer, "")) ||
	    (err = arbor_signal_handler_init(&ticker.tick, env->ep, tick)) ||
	    (err = timer_sigh(&ticker.timer, arbor_signal_handler_cap(&ticker.tick))) ||
	    (err = timer_trigger_periodic(&ticker.timer, ticker.period_ms * 1000))) {
		arbor_error("ticker: no timer: %s", arbor_strerror(err));
		arbor_exit(env, 1);
	}
	arbor_log("ticking %llu times every %llu ms", (unsigned long long)ticker.ticks,
	          (unsigned long long)ticker.period_ms);
}
