/*
 * vmm: a virtual machine as an Arbor component, after Genode's Vancouver.
 * It boots the <multiboot> ROM modules of its config on the <machine> it
 * describes (config.c), with lib/vmm's device models:
 *
 * - KVM: a VM session from its parent (core in the end), whose /dev/kvm
 *   handle is good for one VM; the component never opens /dev/kvm.
 * - Guest RAM: a RAM dataspace from its own PD, paid from its quota.
 * - Boot modules: ROM sessions, mapped; the kernel is told apart by its
 *   headers (Multiboot, PVH or a Linux bzImage, whose first module is its
 *   initrd).
 * - Guest serial output: the LOG session, line by line.
 *
 * The guest runs on a thread of its own (its first vCPU; lib/vmm starts
 * one more thread for each further <vcpu/>), so the entrypoint
 * stays free for the parent's signals. The component exits with 0 when the
 * guest resets or powers off, with 1 when it cannot boot or the VMM fails.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arbor/connection.h>
#include <arbor/dataspace.h>
#include <arbor/error.h>
#include <arbor/log.h>
#include <arbor/pd.h>
#include <arbor/rom.h>
#include <arbor/rpc.h>
#include <session/vm.h>
#include "vmm.h"

static void serial_output(void *priv, const char *data, size_t len);

/* Each module's string: its name and its cmdline. */
static char module_strings[VMM_BOOT_ROMS_MAX][VMM_NAME_MAX + VMM_CMDLINE_MAX + 1];

static struct {
	struct arbor_env *env;
	struct vmm_setup setup;
	struct arbor_connection vm;
	int kvm;                            /* the VM session's /dev/kvm handle */
	void *ram;                          /* guest RAM, a dataspace of our PD */
	size_t ram_size;
	struct arbor_rom rom[VMM_BOOT_ROMS_MAX];
	struct vmm_module modules[VMM_BOOT_ROMS_MAX];
	struct vmm_config cfg;
	char line[512];                     /* guest serial output not yet logged */
	size_t line_len;
	pthread_t vcpu;
} vmm = { .kvm = -1, .cfg = { .input_fd = -1, .output = serial_output } };

/* Guest serial output: each line becomes a log line of ours. */
static void serial_output(void *priv, const char *data, size_t len)
{
	(void)priv;
	for (size_t i = 0; i < len; i++) {
		char c = data[i];
		if (c == '\r')
			continue;
		if (c != '\n' && vmm.line_len < sizeof(vmm.line))
			vmm.line[vmm.line_len++] = c;
		if (c == '\n' || vmm.line_len == sizeof(vmm.line)) {
			arbor_log("%.*s", (int)vmm.line_len, vmm.line);
			vmm.line_len = 0;
		}
	}
}

static int open_kvm(void)
{
	struct arbor_msg reply;
	struct arbor_cap *cap;
	int err = arbor_connection_open(vmm.env, &vmm.vm, ARBOR_VM_SERVICE, "",
	                                ARBOR_VM_SESSION_RAM, ARBOR_VM_SESSION_CAPS, NULL);

	if (err)
		return err;
	err = arbor_rpc_call(vmm.vm.cap, ARBOR_VM_KVM, NULL, 0, NULL, 0, &reply);
	if (err < 0)
		return err;
	cap = arbor_msg_take_cap(&reply, 0);
	arbor_msg_release(&reply);
	if (!cap || arbor_cap_kind(cap) != ARBOR_CAP_DEVICE) {
		arbor_cap_unref(cap);
		return ARBOR_E_BAD_MESSAGE;
	}
	vmm.kvm = dup(arbor_cap_fd(cap));
	arbor_cap_unref(cap);
	return vmm.kvm < 0 ? -errno : 0;
}

/* The guest's RAM: up to the highest <mem> end, from our own quota. */
static int alloc_guest_ram(void)
{
	const struct vmm_machine *m = &vmm.setup.machine;
	uint64_t size = 0;
	struct arbor_cap *ds;
	int err;

	for (unsigned i = 0; i < m->nmem; i++)
		if (m->mem[i].end > size)
			size = m->mem[i].end;
	err = arbor_pd_alloc_ram(arbor_env_pd(vmm.env), (size_t)size, &ds);
	if (err)
		return err;
	err = arbor_ds_attach(ds, ARBOR_DS_WRITE, &vmm.ram, &vmm.ram_size);
	arbor_cap_unref(ds);      /* the mapping keeps the memory */
	return err;
}

/* The boot modules as ROM sessions; a module's string is its name and its cmdline. */
static int open_roms(struct vmm_config *cfg)
{
	const struct vmm_setup *s = &vmm.setup;

	for (unsigned i = 0; i < s->nrom; i++) {
		int err = arbor_rom_open(vmm.env, &vmm.rom[i], s->rom[i].name, NULL);
		if (err) {
			arbor_error("cannot open the boot module \"%s\": %s", s->rom[i].name,
			            arbor_strerror(err));
			return err;
		}
		struct vmm_image image = { s->rom[i].name, vmm.rom[i].addr, vmm.rom[i].size };
		if (i == 0) {
			cfg->kernel = image;
			cfg->cmdline = s->rom[0].cmdline[0] ? s->rom[0].cmdline : NULL;
			continue;
		}
		snprintf(module_strings[i], sizeof(module_strings[i]), "%s%s%s", s->rom[i].name,
		         s->rom[i].cmdline[0] ? " " : "", s->rom[i].cmdline);
		vmm.modules[i - 1] = (struct vmm_module){ image, module_strings[i] };
	}
	cfg->modules = vmm.modules;
	cfg->nmodules = s->nrom - 1;
	return 0;
}

/* The first vCPU's thread: KVM prefers a vCPU run by the thread that created it. */
static void *run_guest(void *arg)
{
	struct vmm *guest;
	char why[512];
	int code = 0;

	(void)arg;
	if (vmm_new(&vmm.cfg, &guest, why, sizeof(why))) {
		arbor_error("cannot boot: %s", why);
		arbor_exit(vmm.env, 1);
	}
	arbor_log("booting %s with %zu MiB of RAM", vmm.setup.rom[0].name, vmm.ram_size >> 20);
	switch (vmm_run(guest)) {
	case VMM_END_RESET:
		arbor_log("guest reset the machine");
		break;
	case VMM_END_POWEROFF:
		arbor_log("guest powered off");
		break;
	default:
		arbor_error("guest stopped: %s", vmm_error(guest));
		code = 1;
	}
	serial_output(NULL, "\n", vmm.line_len ? 1 : 0);
	vmm_free(guest);
	arbor_exit(vmm.env, code);
}

static void fail(const char *what, const char *why)
{
	arbor_error("%s: %s", what, why);
	arbor_exit(vmm.env, 1);
}

void component_construct(struct arbor_env *env)
{
	struct vmm_config *cfg = &vmm.cfg;
	struct arbor_rom config;
	char why[512];
	int err;

	vmm.env = env;
	if ((err = arbor_rom_open(env, &config, "config", NULL)))
		fail("no config", arbor_strerror(err));
	err = vmm_setup_parse(config.text, config.len, &vmm.setup, why, sizeof(why));
	arbor_rom_close(&config);
	if (err)
		fail("invalid config", why);
	if ((err = open_kvm()))
		fail("no VM session", arbor_strerror(err));
	if ((err = alloc_guest_ram()))
		fail("no RAM for the guest", arbor_strerror(err));
	if (open_roms(cfg))
		arbor_exit(env, 1);
	cfg->machine = &vmm.setup.machine;
	cfg->kvm_fd = vmm.kvm;
	cfg->guest_mem = vmm.ram;
	cfg->guest_mem_size = vmm.ram_size;
	if ((err = pthread_create(&vmm.vcpu, NULL, run_guest, NULL)))
		fail("no vCPU thread", strerror(err));
}
