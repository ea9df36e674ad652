/*
 * init's state report in Genode's format: per child its name, binary, id,
 * whether it is incomplete or exited, and, as <report> asks, its RAM and
 * caps, the sessions it requested and those it provides.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <arbor/error.h>
#include <arbor/pd.h>
#include "sandbox_internal.h"

struct out {
	char *buf;
	size_t size, len;
	int overflow;
};

__attribute__((format(printf, 2, 3)))
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->size - o->len)
		o->overflow = 1;
	else
		o->len += (size_t)n;
}

/* An attribute value with XML's special characters escaped. */
static void put_attr(struct out *o, const char *name, const char *value)
{
	put(o, " %s=\"", name);
	for (const char *p = value; *p; p++) {
		switch (*p) {
		case '&': put(o, "&amp;"); break;
		case '<': put(o, "&lt;"); break;
		case '>': put(o, "&gt;"); break;
		case '"': put(o, "&quot;"); break;
		default:  put(o, "%c", *p); break;
		}
	}
	put(o, "\"");
}

static int want(const struct xml_node *report, const char *attr)
{
	int v = 0;

	xml_attr_bool(report, attr, 0, &v);
	return v;
}

static void put_quota(struct out *o, const char *type, uint64_t assigned, uint64_t quota,
                      uint64_t used, uint64_t requested)
{
	put(o, "<%s assigned=\"%llu\" quota=\"%llu\" used=\"%llu\" avail=\"%llu\"", type,
	    (unsigned long long)assigned, (unsigned long long)quota, (unsigned long long)used,
	    (unsigned long long)(quota > used ? quota - used : 0));
	if (requested)
		put(o, " requested=\"%llu\"", (unsigned long long)requested);
	put(o, "/>");
}

static void put_session(struct out *o, const struct arbor_session *s, const char *label,
                        int args)
{
	put(o, "<session");
	put_attr(o, "service", s->service_name);
	put_attr(o, "label", label);
	put(o, " state=\"%s\" ram=\"%llu\" caps=\"%llu\"", arbor_session_phase_name(s),
	    (unsigned long long)s->ram, (unsigned long long)s->caps);
	if (args) {
		put(o, "><args>");
		for (const char *p = s->args; *p; p++)
			put(o, *p == '<' ? "&lt;" : *p == '&' ? "&amp;" : "%c", *p);
		put(o, "</args></session>");
	} else {
		put(o, "/>");
	}
}

static void put_child(struct out *o, const struct xml_node *report, struct sandbox_child *sc)
{
	struct arbor_child *c = sc->child;
	struct arbor_pd_quota q = { 0 };
	uint64_t req_ram, req_caps;

	put(o, "<child");
	put_attr(o, "name", sc->name);
	put_attr(o, "binary", sc->binary);
	if (sc->version[0])
		put_attr(o, "version", sc->version);
	if (want(report, "ids"))
		put(o, " id=\"%u\"", sc->id);
	if (arbor_child_incomplete(c))
		put(o, " state=\"incomplete\"");
	if (arbor_child_exited(c)) {
		const struct arbor_pd_exit_state *st = arbor_child_exit_state(c);
		put(o, " exited=\"%d\"", st->state == ARBOR_PD_EXITED ? st->code : 128 + st->signal);
	}
	if (sc->skipped_heartbeats)
		put(o, " skipped_heartbeats=\"%u\"", sc->skipped_heartbeats);
	put(o, ">");
	if (arbor_child_incomplete(c)) {
		put(o, "<incomplete");
		put_attr(o, "reason", arbor_child_incomplete(c));
		put(o, "/>");
	}
	if (arbor_child_pd(c))
		arbor_pd_quota(arbor_child_pd(c), &q);
	arbor_child_requested(c, &req_ram, &req_caps);
	if (want(report, "child_ram"))
		put_quota(o, "ram", sc->ram, q.ram_quota, q.ram_used, req_ram);
	if (want(report, "child_caps"))
		put_quota(o, "caps", sc->caps, q.cap_quota, q.cap_used, req_caps);
	if (want(report, "requested")) {
		put(o, "<requested>");
		for (unsigned i = 0; i < 4; i++)
			if (arbor_child_env_session(c, i))
				put_session(o, arbor_child_env_session(c, i), arbor_child_env_session(c, i)->label,
				            want(report, "session_args"));
		for (struct arbor_session *s = arbor_child_sessions(c); s; s = s->next_at_client)
			put_session(o, s, s->label, want(report, "session_args"));
		put(o, "</requested>");
	}
	if (want(report, "provided")) {
		int any = 0;
		for (struct arbor_service *svc = arbor_child_services(c); svc;
		     svc = arbor_child_service_next(svc)) {
			for (struct arbor_session *s = svc->sessions; s; s = s->next_at_service) {
				if (!any++)
					put(o, "<provided>");
				put_session(o, s, s->label, want(report, "session_args"));
			}
		}
		if (any)
			put(o, "</provided>");
	}
	put(o, "</child>\n");
}

int state_report_write(struct sandbox *sb, char *buf, size_t size)
{
	const struct xml_node *report = sandbox_report_node(sb);
	const char *version = xml_attr(sb->config, "version");
	struct out o = { buf, size, 0, 0 };
	struct arbor_pd_quota q = { 0 };

	put(&o, "<state");
	if (version)
		put_attr(&o, "version", version);
	put(&o, ">\n");
	if (want(report, "init_ram") || want(report, "init_caps"))
		arbor_pd_quota(arbor_env_pd(sb->env), &q);
	if (want(report, "init_ram"))
		put(&o, "<ram quota=\"%llu\" used=\"%llu\" avail=\"%llu\"/>\n",
		    (unsigned long long)q.ram_quota, (unsigned long long)q.ram_used,
		    (unsigned long long)(q.ram_quota - q.ram_used));
	if (want(report, "init_caps"))
		put(&o, "<caps quota=\"%llu\" used=\"%llu\" avail=\"%llu\"/>\n",
		    (unsigned long long)q.cap_quota, (unsigned long long)q.cap_used,
		    (unsigned long long)(q.cap_quota - q.cap_used));
	for (struct sandbox_child *sc = sb->children; sc; sc = sc->next)
		put_child(&o, report, sc);
	put(&o, "</state>");
	return o.overflow ? ARBOR_E_TOO_LARGE : (int)o.len;
}
