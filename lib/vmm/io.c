/*
 * The port-I/O bus: KVM reports a guest's IN/OUT (possibly a string
 * instruction with several repetitions) in the run structure; each access
 * goes to the device whose port range holds it. Ports nobody claims read
 * as all ones and ignore writes, as on a PC.
 */
#include <errno.h>
#include <string.h>
#include "vmm_internal.h"

int vmm_port_register(struct vmm *vmm, const struct vmm_port_handler *h)
{
	if (vmm->nports == VMM_PORT_HANDLERS)
		return -ENOSPC;
	vmm->ports[vmm->nports++] = *h;
	return 0;
}

static struct vmm_port_handler *handler(struct vmm *vmm, uint16_t port)
{
	for (unsigned i = 0; i < vmm->nports; i++)
		if (port >= vmm->ports[i].base && port - vmm->ports[i].base < vmm->ports[i].count)
			return &vmm->ports[i];
	return NULL;
}

void vmm_port_access(struct vmm *vmm, struct kvm_run *run)
{
	struct vmm_port_handler *h = handler(vmm, run->io.port);
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	unsigned size = run->io.size;

	/* KVM keeps the data inside the page it mapped; still, a guest decides the count */
	if ((size != 1 && size != 2 && size != 4) ||
	    run->io.data_offset + (uint64_t)size * run->io.count > vmm->run_size) {
		vmm_fail(vmm, "malformed port access reported by KVM");
		return;
	}
	for (uint32_t i = 0; i < run->io.count; i++, data += size) {
		uint32_t value = 0xffffffffu;
		if (run->io.direction == KVM_EXIT_IO_OUT) {
			memcpy(&value, data, size);
			if (h && h->write)
				h->write(vmm, h->dev, run->io.port, size, value);
		} else {
			if (h && h->read)
				h->read(vmm, h->dev, run->io.port, size, &value);
			memcpy(data, &value, size);
		}
	}
}
