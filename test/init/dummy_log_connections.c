/*
 * The dummy's own LOG connections, opened and closed in bulk, labelled
 * "log-0", "log-1", ... After closing them it compares its PD's quota with
 * what it was before they were opened: every donation (and upgrade) must
 * have come back exactly, through every parent on the way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <arbor/connection.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/pd.h>
#include <session/log.h>
#include "dummy.h"

#define LOG_CONNECTIONS_MAX 10000u

struct log_connections {
	struct arbor_connection *conns;
	unsigned count;
	struct arbor_pd_quota before;    /* the PD's quota before the first was opened */
};

static struct log_connections set;

static void log_quota(const char *when, const struct arbor_pd_quota *q)
{
	char used[32], quota[32];

	arbor_log("quota %s: ram used %s of %s, caps used %llu of %llu", when,
	          dummy_size_text(q->ram_used, used, sizeof(used)),
	          dummy_size_text(q->ram_quota, quota, sizeof(quota)),
	          (unsigned long long)q->cap_used, (unsigned long long)q->cap_quota);
}

void dummy_log_connections_create(struct arbor_env *env, const struct xml_node *node)
{
	struct arbor_pd_quota open;
	uint64_t count, upgrade;
	int err;

	/* Genode's dummy replaces the connections of an earlier action */
	dummy_log_connections_destroy(env);
	if (xml_attr_u64(node, "count", 0, &count) || count > LOG_CONNECTIONS_MAX ||
	    xml_attr_u64(node, "ram_upgrade", 0, &upgrade)) {
		arbor_error("<create_log_connections>: count must be 0..%u, ram_upgrade a size",
		            LOG_CONNECTIONS_MAX);
		return;
	}
	arbor_log("going to create %llu LOG connections", (unsigned long long)count);
	set.conns = calloc(count ? count : 1, sizeof(*set.conns));
	if (!set.conns) {
		arbor_error("no memory for %llu connections", (unsigned long long)count);
		return;
	}
	arbor_pd_quota(arbor_env_pd(env), &set.before);
	log_quota("before opening", &set.before);
	for (unsigned i = 0; i < count; i++) {
		char label[32];

		snprintf(label, sizeof(label), "log-%u", i);
		err = arbor_connection_open(env, &set.conns[i], ARBOR_LOG_SERVICE, label,
		                            ARBOR_LOG_SESSION_RAM, ARBOR_LOG_SESSION_CAPS, NULL);
		if (err) {
			arbor_error("LOG connection %s: %s", label, arbor_strerror(err));
			break;
		}
		set.count++;
		if (upgrade) {
			arbor_log("upgrade connection %u", i);
			err = arbor_connection_upgrade(env, &set.conns[i], upgrade, 0);
			if (err)
				arbor_error("upgrade of LOG connection %s: %s", label, arbor_strerror(err));
		}
	}
	if (set.count == count)
		arbor_log("created all LOG connections");
	else
		arbor_log("created %u of %llu LOG connections", set.count, (unsigned long long)count);
	/* the donations are out of the PD while the sessions are open */
	if (!arbor_pd_quota(arbor_env_pd(env), &open))
		log_quota("with the connections open", &open);
}

void dummy_log_connections_destroy(struct arbor_env *env)
{
	struct arbor_pd_quota after;

	if (!set.conns)
		return;
	for (unsigned i = 0; i < set.count; i++)
		arbor_connection_close(env, &set.conns[i]);
	free(set.conns);
	set.conns = NULL;
	set.count = 0;
	arbor_log("destroyed all LOG connections");
	arbor_pd_quota(arbor_env_pd(env), &after);
	log_quota("after closing", &after);
	if (after.ram_quota == set.before.ram_quota && after.ram_used == set.before.ram_used &&
	    after.cap_quota == set.before.cap_quota && after.cap_used == set.before.cap_used)
		arbor_log("quota is exactly what it was before opening");
	else
		arbor_error("quota differs from before opening: ram %+lld, caps %+lld available",
		            (long long)((after.ram_quota - after.ram_used) -
		                        (set.before.ram_quota - set.before.ram_used)),
		            (long long)((after.cap_quota - after.cap_used) -
		                        (set.before.cap_quota - set.before.cap_used)));
}
