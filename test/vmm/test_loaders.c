/*
 * lib/vmm's boot loaders against malformed kernel images: the project's
 * test guests (a Multiboot ELF, a PVH ELF, a bzImage) with random bytes
 * of their headers changed, 20,000 times each, loaded into a VM without
 * KVM (the vCPU calls fail harmlessly). Nothing may crash or write outside
 * guest memory; the sanitizer build checks the latter. TAP output.
 *   test_loaders MBTEST MBTEST_PVH LXTEST
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "vmm_internal.h"
#include "../unit/tap.h"

#define GUEST_MEM (32u << 20)

static uint8_t *slurp(const char *path, size_t *size)
{
	struct stat st;
	int fd = open(path, O_RDONLY);
	uint8_t *data;

	if (fd < 0 || fstat(fd, &st) < 0)
		return NULL;
	data = malloc((size_t)st.st_size);
	if (!data || read(fd, data, (size_t)st.st_size) != st.st_size)
		return NULL;
	close(fd);
	*size = (size_t)st.st_size;
	return data;
}

/* Probe and load as vm.c does; returns the loader's result. */
static int load(struct vmm *vmm, const struct vmm_config *cfg, const uint8_t *image, size_t size)
{
	vmm->error[0] = '\0';
	if (vmm_linux_probe(image, size))
		return vmm_linux_load(vmm, cfg, image, size);
	if (vmm_multiboot_probe(image, size))
		return vmm_multiboot_load(vmm, cfg, image, size);
	if (vmm_pvh_entry(image, size))
		return vmm_pvh_load(vmm, cfg, image, size);
	return -1;
}

int main(int argc, char **argv)
{
	struct vmm vmm;
	struct vmm_config cfg = { .mem = GUEST_MEM, .kvm_fd = -1, .input_fd = -1,
	                          .cmdline = "fuzz=yes" };
	unsigned seed = 4242;

	if (argc != 4) {
		fprintf(stderr, "usage: test_loaders MBTEST MBTEST_PVH LXTEST\n");
		return 2;
	}
	memset(&vmm, 0, sizeof(vmm));
	vmm.kvm = vmm.vm = -1;
	vmm_vcpu_prepare(&vmm, 1);
	vmm.mem_size = GUEST_MEM;
	vmm.mem = calloc(1, GUEST_MEM);
	for (int k = 1; k < 4; k++) {
		size_t size;
		uint8_t *orig = slurp(argv[k], &size), *image;
		unsigned loaded = 0, refused = 0;
		char what[160];

		if (!orig) {
			ok(0, "%s", argv[k]);
			continue;
		}
		cfg.kernel = (struct vmm_image){ argv[k], orig, size };
		image = malloc(size);
		/* the unmodified image loads (up to the vCPU, which does not exist here) */
		memcpy(image, orig, size);
		load(&vmm, &cfg, image, size);
		snprintf(what, sizeof(what), "%s: the intact image gets to the vCPU set-up",
		         strrchr(argv[k], '/') ? strrchr(argv[k], '/') + 1 : argv[k]);
		ok(strstr(vmm.error, "entry state") != NULL, "%s", what);
		for (unsigned i = 0; i < 20000; i++) {
			memcpy(image, orig, size);
			unsigned changes = 1 + rand_r(&seed) % 8;
			for (unsigned c = 0; c < changes; c++) {
				/* mostly the headers: the first KiB, the ELF program headers, the setup header */
				size_t at = (size_t)rand_r(&seed) % (size < 1024 ? size : 1024);
				image[at] = (uint8_t)rand_r(&seed);
			}
			/* and sometimes a truncated file */
			size_t len = rand_r(&seed) % 16 == 0 ? (size_t)rand_r(&seed) % size : size;
			if (load(&vmm, &cfg, image, len) == 0)
				loaded++;
			else
				refused++;
		}
		snprintf(what, sizeof(what), "%s: 20000 mutated images: %u refused or stopped at the vCPU, "
		         "%u loaded, nothing crashed", strrchr(argv[k], '/') ? strrchr(argv[k], '/') + 1 : argv[k],
		         refused, loaded);
		ok(1, "%s", what);
		free(image);
		free(orig);
	}
	free(vmm.mem);
	return done_testing();
}
