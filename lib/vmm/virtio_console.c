/*
 * A virtio console (device ID 3) with one port and no features: queue 1
 * (transmitq) carries guest output to the VMM's output function, the same
 * as the serial port's; queue 0 (receiveq) carries input_fd's bytes to the
 * guest. Input has one reader: while the guest's driver has the receive
 * queue running, the console takes it and the 16550 sees none; before that
 * (a boot loader, an early console, a kernel without the driver) and after
 * a reset the 16550 reads it as before.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "virtio.h"

#define QUEUE_RX 0
#define QUEUE_TX 1
#define QUEUE_SIZE 64
#define OUTPUT_MAX  65536u         /* a chain's bytes written out; the rest is dropped */
#define INPUT_CHUNK 4096u

static void emit(struct vmm *vmm, const uint8_t *data, size_t len)
{
	if (vmm->output)
		vmm->output(vmm->output_priv, (const char *)data, len);
	else if (fwrite(data, 1, len, stdout) == len)
		fflush(stdout);
}

static int transmit(struct vmm *vmm, struct vmm_virtio *dev)
{
	struct vmm_virtq_chain c;
	int used = 0, r;

	vmm_serial_flush(vmm);                    /* what the 16550 holds came first */
	while ((r = vmm_virtqueue_pop(vmm, &dev->queue[QUEUE_TX], &c)) > 0) {
		size_t left = OUTPUT_MAX;
		for (unsigned i = 0; i < c.nread && left; i++) {
			size_t n = c.bufs[i].len < left ? c.bufs[i].len : left;
			if (n)
				emit(vmm, c.bufs[i].data, n);
			left -= n;
		}
		if (vmm_virtqueue_push(vmm, &dev->queue[QUEUE_TX], c.head, 0))
			return -EPROTO;
		used = 1;
	}
	if (used)
		vmm_virtio_used(vmm, dev, QUEUE_TX);
	return r;
}

/* Bytes waiting on input_fd into the guest's receive buffers, one chain per read. */
static int receive(struct vmm *vmm, struct vmm_virtio *dev)
{
	struct vmm_virtqueue *q = &dev->queue[QUEUE_RX];
	struct pollfd pfd = { .fd = vmm->input_fd, .events = POLLIN };
	uint8_t buf[INPUT_CHUNK];
	struct vmm_virtq_chain c;
	int used = 0, r = 0;

	while (vmm->input_fd >= 0 && poll(&pfd, 1, 0) > 0) {
		ssize_t n;
		r = vmm_virtqueue_pop(vmm, q, &c);
		if (r <= 0)
			break;
		if (!c.write_len) {
			r = -EPROTO;                  /* a receive buffer the device cannot write */
			break;
		}
		n = read(vmm->input_fd, buf, c.write_len < sizeof(buf) ? c.write_len : sizeof(buf));
		if (n <= 0) {
			vmm_virtqueue_unpop(q);
			if (n == 0 || (errno != EINTR && errno != EAGAIN))
				vmm->input_fd = -1;       /* end of input: the line stays quiet */
			break;
		}
		vmm_virtqueue_scatter(&c, 0, buf, (size_t)n);
		if (vmm_virtqueue_push(vmm, q, c.head, (uint32_t)n)) {
			r = -EPROTO;
			break;
		}
		used = 1;
	}
	if (used)
		vmm_virtio_used(vmm, dev, QUEUE_RX);
	return r < 0 ? r : 0;
}

static int console_notify(struct vmm *vmm, struct vmm_virtio *dev, unsigned queue)
{
	return queue == QUEUE_TX ? transmit(vmm, dev) : receive(vmm, dev);
}

int vmm_virtio_console_takes_input(struct vmm *vmm)
{
	return vmm->console && vmm_virtio_running(vmm->console, QUEUE_RX);
}

int vmm_virtio_console_wants_input(struct vmm *vmm)
{
	return vmm_virtio_console_takes_input(vmm) &&
	       vmm_virtqueue_has_avail(vmm, &vmm->console->queue[QUEUE_RX]);
}

void vmm_virtio_console_poll_input(struct vmm *vmm)
{
	if (vmm_virtio_console_takes_input(vmm) && receive(vmm, vmm->console) < 0)
		vmm_virtio_needs_reset(vmm, vmm->console);
}

static void console_free(struct vmm_virtio *dev)
{
	free(dev);
}

static const struct vmm_virtio_ops console_ops = {
	.device_id = VIRTIO_ID_CONSOLE,
	.nqueues = 2,
	.notify = console_notify,
	.free = console_free,
};

int vmm_virtio_console_init(struct vmm *vmm, uint64_t base, uint8_t irq)
{
	struct vmm_virtio *dev = calloc(1, sizeof(*dev));
	int err;

	if (!dev)
		return -ENOMEM;
	dev->ops = &console_ops;
	dev->base = base;
	dev->irq = irq;
	dev->queue_max = QUEUE_SIZE;
	dev->config_size = 12;                    /* cols, rows, max_nr_ports, emerg_wr: all 0 */
	err = vmm_virtio_add(vmm, dev);
	if (err) {
		free(dev);
		return err;
	}
	if (!vmm->console)
		vmm->console = dev;
	return 0;
}
