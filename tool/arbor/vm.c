/*
 * arbor vm: boot a guest in the user-level VMM (lib/vmm), stand-alone:
 * the guest's serial port and virtio console on stdout (and stdin), its
 * disks raw image files (--disk), exit status 0 when the
 * guest resets or powers off, 1 with the reason when it cannot be loaded
 * or the VMM fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <termios.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arbor/args.h>
#include <vmm/vmm.h>
#include "arbor.h"

#define MODULES_MAX 32
#define DISKS_MAX   (VMM_VIRTIO_SLOTS - 1)     /* the virtio console takes a slot */

/* The terminal as it was, restored whenever arbor vm ends. */
static struct termios saved_tty;
static int tty_raw;

static void restore_tty(void)
{
	if (tty_raw)
		tcsetattr(0, TCSAFLUSH, &saved_tty);
	tty_raw = 0;
}

static void restore_and_die(int sig)
{
	restore_tty();
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * An interactive terminal goes raw, so that the guest sees every key as
 * typed; Ctrl-C still ends arbor vm (ISIG stays on), and the terminal is
 * restored on every way out.
 */
static void raw_terminal(void)
{
	struct termios raw;

	if (!isatty(0) || tcgetattr(0, &saved_tty))
		return;
	raw = saved_tty;
	cfmakeraw(&raw);
	raw.c_lflag |= ISIG;
	raw.c_oflag |= OPOST | ONLCR;      /* the guest's "\n" still starts a new line */
	if (tcsetattr(0, TCSAFLUSH, &raw))
		return;
	tty_raw = 1;
	atexit(restore_tty);
	signal(SIGINT, restore_and_die);
	signal(SIGTERM, restore_and_die);
	signal(SIGHUP, restore_and_die);
}

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: arbor vm --kernel FILE [--initrd FILE[ ARGS][,FILE[ ARGS]]...] [--append TEXT]\n"
	        "                [--mem SIZE] [--cpus N] [--config MACHINE.xml] [--disk IMG[,ro]]...\n"
	        "\n"
	        "Boot FILE (a Linux bzImage, a Multiboot or a PVH kernel, told apart by their\n"
	        "headers) in Arbor's user-level VMM on KVM, the guest's serial port on stdin and\n"
	        "stdout. For Multiboot and PVH, --initrd lists the boot modules, each with its own\n"
	        "string, as QEMU's -initrd does; for Linux it is the initrd. --config reads\n"
	        "Vancouver's <machine>: <mem start end> ranges and the device models in order\n"
	        "(nullio pic pit scp kbc rtc serial ioapic lapic vcpu virtio_console virtio_block);\n"
	        "it replaces --mem; one vCPU per <vcpu/>. --cpus N gives the guest N vCPUs (1 to %d,\n"
	        "replacing the <vcpu/> count): vCPU 0 boots, the others wait for INIT and STARTUP\n"
	        "IPIs, and the MP table and the ACPI MADT list them all (more than one needs a\n"
	        "<lapic>). Each --disk is a virtio block device backed by the raw image IMG (,ro: the\n"
	        "guest cannot write it). A virtio console shares stdin and stdout with the serial\n"
	        "port. arbor vm appends virtio_mmio.device= for each to a Linux command line (for\n"
	        "kernels with CONFIG_VIRTIO_MMIO_CMDLINE_DEVICES) and, on a machine with an IOAPIC\n"
	        "as the default one, names them in ACPI tables (LNRO0005: Debian's kernels).\n"
	        "Exit status: 0 when the guest resets or powers off, 1 when it cannot be loaded or\n"
	        "the VMM fails, 2 for usage errors, 3 for an invalid machine description.\n",
	        VMM_VCPUS_MAX);
}

/* A host file mapped read-only as a boot image; its name is the path. */
static int map_image(const char *what, const char *path, struct vmm_image *image)
{
	const char *why = NULL;
	struct stat st;
	void *data;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*image = (struct vmm_image){ path, NULL, 0 };
	if (fd < 0 || fstat(fd, &st) < 0)
		why = strerror(errno);
	else if (!S_ISREG(st.st_mode))
		why = "not a regular file";
	else if (st.st_size == 0)
		why = "empty";
	else if ((data = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0)) == MAP_FAILED)
		why = strerror(errno);
	if (fd >= 0)
		close(fd);
	if (why) {
		fprintf(stderr, "arbor vm: cannot read the %s %s: %s\n", what, path, why);
		return -1;
	}
	image->data = data;
	image->size = (size_t)st.st_size;
	return 0;
}

static void unmap_image(struct vmm_image *image)
{
	if (image->data)
		munmap((void *)image->data, image->size);
	image->data = NULL;
}

/* --cpus: a decimal number of vCPUs, 1 to VMM_VCPUS_MAX. */
static int parse_cpus(const char *arg, unsigned *cpus)
{
	char *end;
	unsigned long n;

	if (*arg < '0' || *arg > '9')
		return -1;
	errno = 0;
	n = strtoul(arg, &end, 10);
	if (errno || *end || n < 1 || n > VMM_VCPUS_MAX)
		return -1;
	*cpus = (unsigned)n;
	return 0;
}

/* "IMG" or "IMG,ro": a raw image for a virtio block device (optarg is ours to cut). */
static int add_disk(char *arg, struct vmm_disk *disks, unsigned *n)
{
	char *comma = strrchr(arg, ',');
	int read_only = comma && !strcmp(comma, ",ro");

	if (*n == DISKS_MAX)
		return -1;
	if (read_only)
		*comma = '\0';
	disks[(*n)++] = (struct vmm_disk){ .path = arg, .read_only = read_only };
	return 0;
}

/* "path args,path args": each entry's first word is the file, the whole entry its string. */
static int split_modules(char *list, struct vmm_module *mods, unsigned *n, char **strings)
{
	for (char *entry = strtok(list, ","); entry; entry = strtok(NULL, ",")) {
		char *space;
		if (*n == MODULES_MAX)
			return -1;
		strings[*n] = strdup(entry);
		space = strchr(entry, ' ');
		if (space)
			*space = '\0';
		mods[*n].image.name = entry;
		mods[*n].cmdline = strings[*n];
		(*n)++;
	}
	return 0;
}

int vm_main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "append", required_argument, NULL, 'a' },
		{ "mem",    required_argument, NULL, 'm' },
		{ "cpus",   required_argument, NULL, 'c' },
		{ "disk",   required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'C' },
		{ "help",   no_argument,       NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct vmm_module mods[MODULES_MAX];
	char *strings[MODULES_MAX], why[512], *cmdline = NULL;
	struct vmm_config cfg = { .mem = 256u << 20, .kvm_fd = -1, .input_fd = -1 };
	const char *kernel = NULL;
	struct vmm *vmm;
	struct vmm_machine machine;
	const char *config = NULL;
	struct vmm_disk disks[DISKS_MAX];
	unsigned nmods = 0, ndisks = 0;
	int opt, status;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (opt) {
		case 'k': kernel = optarg; break;
		case 'i':
			if (split_modules(optarg, mods, &nmods, strings)) {
				fprintf(stderr, "arbor vm: at most %d boot modules\n", MODULES_MAX);
				return ARBOR_EXIT_USAGE;
			}
			break;
		case 'a': cmdline = optarg; break;
		case 'm':
			if (arbor_parse_size(optarg, &cfg.mem)) {
				fprintf(stderr, "arbor vm: invalid --mem '%s'\n", optarg);
				return ARBOR_EXIT_USAGE;
			}
			break;
		case 'c':
			if (parse_cpus(optarg, &cfg.cpus)) {
				fprintf(stderr, "arbor vm: invalid --cpus '%s': 1 to %d vCPUs\n", optarg,
				        VMM_VCPUS_MAX);
				return ARBOR_EXIT_USAGE;
			}
			break;
		case 'd':
			if (add_disk(optarg, disks, &ndisks)) {
				fprintf(stderr, "arbor vm: at most %d disks\n", DISKS_MAX);
				return ARBOR_EXIT_USAGE;
			}
			break;
		case 'C':
			config = optarg;
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return ARBOR_EXIT_USAGE;
		}
	}
	if (!kernel || optind != argc) {
		usage(stderr);
		return ARBOR_EXIT_USAGE;
	}
	cfg.cmdline = cmdline;
	if (config) {
		/* Vancouver's <machine>: the devices in order and the guest's memory */
		char *text;
		size_t len;
		int err = arbor_read_file(config, &text, &len);
		if (err) {
			fprintf(stderr, "arbor vm: cannot read %s: %s\n", config, strerror(-err));
			return ARBOR_EXIT_FAILURE;
		}
		err = vmm_machine_parse(text, len, config, &machine, why, sizeof(why));
		free(text);
		if (err) {
			fprintf(stderr, "%s\n", why);
			return ARBOR_EXIT_INVALID;
		}
		if (machine.not_modelled[0])
			fprintf(stderr, "arbor vm: not modelled yet, left out: %s\n", machine.not_modelled);
		cfg.machine = &machine;
	}
	if (map_image("kernel", kernel, &cfg.kernel))
		return ARBOR_EXIT_FAILURE;
	for (unsigned i = 0; i < nmods; i++)
		if (map_image(i || !vmm_kernel_is_linux(&cfg.kernel) ? "module" : "initrd",
		              mods[i].image.name, &mods[i].image))
			return ARBOR_EXIT_FAILURE;
	cfg.modules = mods;
	cfg.nmodules = nmods;
	cfg.disks = disks;
	cfg.ndisks = ndisks;
	cfg.input_fd = 0;                  /* the guest's serial input is our stdin */
	raw_terminal();
	if (vmm_new(&cfg, &vmm, why, sizeof(why))) {
		fprintf(stderr, "arbor vm: %s\n", why);
		return ARBOR_EXIT_FAILURE;
	}
	switch (vmm_run(vmm)) {
	case VMM_END_RESET:
	case VMM_END_POWEROFF:
		status = 0;
		break;
	default:
		fprintf(stderr, "arbor vm: %s\n", vmm_error(vmm));
		status = ARBOR_EXIT_FAILURE;
	}
	vmm_free(vmm);
	restore_tty();
	for (unsigned i = 0; i < nmods; i++) {
		unmap_image(&mods[i].image);
		free(strings[i]);
	}
	unmap_image(&cfg.kernel);
	return status;
}
