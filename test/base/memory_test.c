/*
 * Dataspace and ROM rights, and the CPU session's thread list:
 *  - a RAM dataspace is writeable by its owner and sealed against resizing;
 *  - its read-only capability maps, but never writeable (neither at attach
 *    nor by mprotect), and the fd cannot be written either;
 *  - the binary's ROM dataspace is write-sealed for everyone;
 *  - the CPU session lists the component's threads.
 */
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <arbor/dataspace.h>
#include <arbor/env.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/pd.h>
#include <arbor/rpc.h>
#include <session/cpu.h>

static int failures;

static void check(int cond, const char *what)
{
	arbor_log("%s %s", cond ? "ok:" : "FAILED:", what);
	failures += !cond;
}

static void *sleeper(void *arg)
{
	pause();
	return NULL;
}

static void dataspaces(struct arbor_env *env)
{
	struct arbor_cap *pd = arbor_env_pd(env), *ds, *ro, *rom_ds;
	void *rw, *r;
	size_t size, rsize;

	if (arbor_pd_alloc_ram(pd, 8192, &ds) || arbor_ds_attach(ds, ARBOR_DS_WRITE, &rw, &size)) {
		check(0, "allocate and attach a dataspace");
		return;
	}
	strcpy(rw, "shared");
	check(arbor_ds_writeable(ds), "the owner's capability is writeable");
	check(ftruncate(arbor_cap_fd(ds), 1 << 20) < 0, "a dataspace cannot grow (sealed)");
	check(ftruncate(arbor_cap_fd(ds), 0) < 0, "a dataspace cannot shrink (sealed)");

	if (arbor_pd_read_only(pd, ds, &ro)) {
		check(0, "obtain a read-only capability");
		return;
	}
	check(!arbor_ds_writeable(ro), "the read-only capability says so");
	check(arbor_ds_attach(ro, ARBOR_DS_WRITE, &r, &rsize) == -EACCES, "it cannot be attached writeable");
	check(arbor_ds_attach(ro, ARBOR_DS_READ, &r, &rsize) == 0 && !strcmp(r, "shared"),
	      "it can be attached read-only and shows the content");
	check(mprotect(r, rsize, PROT_READ | PROT_WRITE) < 0, "mprotect cannot make it writeable");
	check(pwrite(arbor_cap_fd(ro), "x", 1, 0) < 0, "its fd cannot be written");
	check(arbor_pd_free_ram(pd, ds) == 0, "the owner frees the dataspace");
	arbor_cap_unref(ro);
	arbor_cap_unref(ds);

	if (arbor_rom_dataspace(arbor_env_rom(env), &rom_ds)) {
		check(0, "obtain the binary's ROM dataspace");
		return;
	}
	check(!arbor_ds_writeable(rom_ds), "the ROM dataspace is not writeable");
	check(arbor_ds_attach(rom_ds, ARBOR_DS_WRITE, &r, &rsize) == -EACCES, "a ROM cannot be attached writeable");
	check(arbor_ds_attach(rom_ds, ARBOR_DS_READ, &r, &rsize) == 0 && !memcmp(r, "\177ELF", 4),
	      "a ROM can be read: the binary starts with the ELF magic");
	arbor_cap_unref(rom_ds);
}

static void threads(struct arbor_env *env)
{
	struct arbor_cpu_threads t;
	struct arbor_msg reply;
	pthread_t th[2];
	int err;

	pthread_create(&th[0], NULL, sleeper, NULL);
	pthread_create(&th[1], NULL, sleeper, NULL);
	err = arbor_rpc_call(arbor_env_cpu(env), ARBOR_CPU_THREADS, NULL, 0, NULL, 0, &reply);
	memcpy(&t, reply.payload, sizeof(t));
	arbor_msg_release(&reply);
	arbor_log("CPU session lists %u threads, main thread %d", err ? 0 : t.count, err ? 0 : t.tid[0]);
	check(!err && t.count == 3, "the CPU session lists the main thread and both new ones");
}

void component_construct(struct arbor_env *env)
{
	dataspaces(env);
	threads(env);
	arbor_log("memory test %s", failures ? "failed" : "passed");
	arbor_exit(env, failures ? 1 : 0);
}
