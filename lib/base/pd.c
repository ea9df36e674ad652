/* Client side of the PD and ROM sessions: one RPC per operation. */
#include <string.h>
#include <arbor/error.h>
#include <arbor/pd.h>
#include <arbor/rpc.h>
#include <session/rom.h>
#include "internal.h"

/* Call and copy a reply payload of exactly size bytes. */
static int call_for_data(struct arbor_cap *obj, uint32_t op, struct arbor_cap *const caps[],
                         unsigned ncaps, void *out, size_t size)
{
	struct arbor_msg reply;
	int err = arbor_rpc_call(obj, op, NULL, 0, caps, ncaps, &reply);

	if (err >= 0 && out) {
		if (reply.size != size)
			err = ARBOR_E_BAD_MESSAGE;
		else
			memcpy(out, reply.payload, size);
	}
	arbor_msg_release(&reply);
	return err < 0 ? err : 0;
}

int arbor_pd_ref_account(struct arbor_cap *pd, struct arbor_cap *ref)
{
	return call_for_data(pd, ARBOR_PD_REF_ACCOUNT, &ref, 1, NULL, 0);
}

int arbor_pd_transfer_quota(struct arbor_cap *from, struct arbor_cap *to, uint64_t ram, uint64_t caps)
{
	struct arbor_pd_transfer_args a = { .ram = ram, .caps = caps };
	struct arbor_msg reply;
	int err = arbor_rpc_call(from, ARBOR_PD_TRANSFER_QUOTA, &a, sizeof(a), &to, 1, &reply);

	arbor_msg_release(&reply);
	return err < 0 ? err : 0;
}

int arbor_pd_alloc_ram(struct arbor_cap *pd, size_t size, struct arbor_cap **ds)
{
	struct arbor_pd_alloc_args a = { .size = size };
	return rpc_call_for_cap(pd, ARBOR_PD_ALLOC_RAM, &a, sizeof(a), NULL, 0, ds);
}

int arbor_pd_free_ram(struct arbor_cap *pd, struct arbor_cap *ds)
{
	return call_for_data(pd, ARBOR_PD_FREE_RAM, &ds, 1, NULL, 0);
}

int arbor_pd_quota(struct arbor_cap *pd, struct arbor_pd_quota *q)
{
	memset(q, 0, sizeof(*q));
	return call_for_data(pd, ARBOR_PD_QUOTA, NULL, 0, q, sizeof(*q));
}

int arbor_pd_read_only(struct arbor_cap *pd, struct arbor_cap *ds, struct arbor_cap **ro)
{
	return rpc_call_for_cap(pd, ARBOR_PD_READ_ONLY, NULL, 0, &ds, 1, ro);
}

int arbor_pd_start(struct arbor_cap *pd, struct arbor_cap *binary, struct arbor_cap *parent,
                   struct arbor_cap *cpu, struct arbor_cap *exit_sigh, const char *const *argv)
{
	char buf[ARBOR_PD_ARGV_MAX];
	size_t len = 0;
	struct arbor_cap *caps[4] = { binary, parent, cpu, exit_sigh };
	struct arbor_msg reply;
	int err;

	for (unsigned i = 0; argv && argv[i]; i++) {
		size_t n = strlen(argv[i]) + 1;
		if (len + n > sizeof(buf))
			return ARBOR_E_TOO_LARGE;
		memcpy(buf + len, argv[i], n);
		len += n;
	}
	err = arbor_rpc_call(pd, ARBOR_PD_START, buf, len, caps, 4, &reply);
	arbor_msg_release(&reply);
	return err < 0 ? err : 0;
}

int arbor_pd_exit_sigh(struct arbor_cap *pd, struct arbor_cap *sigh)
{
	return call_for_data(pd, ARBOR_PD_EXIT_SIGH, &sigh, 1, NULL, 0);
}

int arbor_pd_exit_state(struct arbor_cap *pd, struct arbor_pd_exit_state *st)
{
	memset(st, 0, sizeof(*st));
	return call_for_data(pd, ARBOR_PD_EXIT_STATE, NULL, 0, st, sizeof(*st));
}

int arbor_rom_dataspace(struct arbor_cap *rom, struct arbor_cap **ds)
{
	return rpc_call_for_cap(rom, ARBOR_ROM_DATASPACE, NULL, 0, NULL, 0, ds);
}
