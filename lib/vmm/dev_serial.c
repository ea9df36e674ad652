/*
 * A 16550 UART at COM1 (ports 0x3F8-0x3FF, IRQ 4): enough of it for
 * polling guests and for Linux's 8250 driver. Output is collected per line
 * and handed to the VMM's output function (stdout, or a LOG session when
 * the VMM is a component); input comes from an fd when one is given.
 */
#include <stdio.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include "vmm_internal.h"

enum { LSR_DR = 0x01, LSR_THRE = 0x20, LSR_TEMT = 0x40 };

static void emit(struct vmm *vmm, const char *data, size_t len)
{
	if (vmm->output)
		vmm->output(vmm->output_priv, data, len);
	else if (fwrite(data, 1, len, stdout) == len)
		fflush(stdout);
}

void vmm_serial_flush(struct vmm *vmm)
{
	struct vmm_serial *s = &vmm->serial;

	if (s->line_len)
		emit(vmm, s->line, s->line_len);
	s->line_len = 0;
}

static void transmit(struct vmm *vmm, uint8_t c)
{
	struct vmm_serial *s = &vmm->serial;

	s->line[s->line_len++] = (char)c;
	if (c == '\n' || s->line_len == sizeof(s->line))
		vmm_serial_flush(vmm);
	if (s->ier & 0x02)
		vmm_irq_raise(vmm, s->irq);           /* the transmitter is empty again at once */
}

/* A byte from the input fd, if one is waiting (never blocks the vCPU). */
static void receive(struct vmm *vmm)
{
	struct vmm_serial *s = &vmm->serial;
	struct pollfd pfd = { .fd = vmm->input_fd, .events = POLLIN };
	uint8_t c;
	ssize_t n;

	/* one reader: the virtio console's, while its driver receives */
	if (s->rx_ready || vmm->input_fd < 0 || vmm_virtio_console_takes_input(vmm) ||
	    poll(&pfd, 1, 0) <= 0)
		return;
	n = read(vmm->input_fd, &c, 1);
	if (n == 1) {
		s->rbr = c;
		s->rx_ready = 1;
		if (s->ier & 0x01)
			vmm_irq_raise(vmm, s->irq);
	} else if (n == 0) {
		vmm->input_fd = -1;                   /* end of input: the line stays quiet */
	}
}

int vmm_serial_wants_input(struct vmm *vmm)
{
	return vmm->serial.io_base && !vmm->serial.rx_ready && !vmm_virtio_console_takes_input(vmm);
}

void vmm_serial_poll_input(struct vmm *vmm)
{
	receive(vmm);
}

/*
 * A 16550 interrupts as soon as an enabled condition holds: for a byte it
 * already holds when the receive interrupt is switched on (a guest polling
 * LSR may have made it take one), for the empty transmitter when that
 * interrupt is.
 */
static void write_ier(struct vmm *vmm, uint8_t v)
{
	struct vmm_serial *s = &vmm->serial;
	uint8_t newly = (uint8_t)(v & ~s->ier);

	s->ier = v & 0x0f;
	if (((newly & 0x01) && s->rx_ready) || (newly & 0x02))
		vmm_irq_raise(vmm, s->irq);
}

static void serial_write(struct vmm *vmm, void *dev, uint16_t port, unsigned size, uint32_t value)
{
	struct vmm_serial *s = &vmm->serial;
	uint8_t v = (uint8_t)value;
	int dlab = s->lcr & 0x80;

	switch (port - s->io_base) {
	case 0: if (dlab) s->dll = v; else transmit(vmm, v); break;
	case 1: if (dlab) s->dlm = v; else write_ier(vmm, v); break;
	case 3: s->lcr = v; break;
	case 4: s->mcr = v & 0x1f; break;
	case 7: s->scr = v; break;
	default: break;                           /* FCR, LSR, MSR: nothing to keep */
	}
}

static void serial_read(struct vmm *vmm, void *dev, uint16_t port, unsigned size, uint32_t *value)
{
	struct vmm_serial *s = &vmm->serial;
	int dlab = s->lcr & 0x80;

	receive(vmm);
	switch (port - s->io_base) {
	case 0:
		if (dlab) {
			*value = s->dll;
		} else {
			*value = s->rbr;
			s->rx_ready = 0;
		}
		break;
	case 1: *value = dlab ? s->dlm : s->ier; break;
	case 2:                                   /* IIR: received data first, then THR empty */
		*value = (s->ier & 0x01) && s->rx_ready ? 0x04 : (s->ier & 0x02) ? 0x02 : 0x01;
		break;
	case 3: *value = s->lcr; break;
	case 4: *value = s->mcr; break;
	case 5: *value = LSR_THRE | LSR_TEMT | (s->rx_ready ? LSR_DR : 0); break;
	case 6: *value = (s->mcr & 0x10) ? ((s->mcr & 0x0f) << 4) : 0xb0; break;   /* loopback or CTS, DSR, DCD */
	case 7: *value = s->scr; break;
	}
}

int vmm_serial_init_at(struct vmm *vmm, uint16_t io_base, uint8_t irq)
{
	struct vmm_port_handler h = { io_base, 8, serial_read, serial_write, NULL };

	vmm->serial.io_base = io_base;
	vmm->serial.irq = irq;
	return vmm_port_register(vmm, &h);
}

int vmm_serial_init(struct vmm *vmm)
{
	return vmm_serial_init_at(vmm, 0x3f8, 4);
}
