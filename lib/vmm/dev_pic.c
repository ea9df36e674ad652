/*
 * The two 8259 interrupt controllers of a PC (ports 0x20/0x21 and
 * 0xA0/0xA1, ELCR at 0x4D0/0x4D1), cascaded on the master's line 2: the
 * initialization sequence, masks, edge- and level-triggered requests
 * (ELCR), priorities (line 0 first), specific and non-specific EOI,
 * reading IRR or ISR. Devices reach it through irq.c.
 */
#include <errno.h>
#include "vmm_internal.h"

/* The highest-priority line requested and not masked, or -1. */
static int highest(const struct vmm_pic_chip *c)
{
	uint8_t pending = c->irr & ~c->imr;

	for (int line = 0; line < 8; line++) {
		if (c->isr & (1u << line))
			return -1;            /* a line of higher priority is in service */
		if (pending & (1u << line))
			return line;
	}
	return -1;
}

static void cascade(struct vmm *vmm)
{
	struct vmm_pic_chip *master = &vmm->pic.chip[0];

	if (highest(&vmm->pic.chip[1]) >= 0)
		master->irr |= 1u << 2;
	else
		master->irr &= ~(1u << 2);
}

void vmm_pic_edge(struct vmm *vmm, unsigned irq)
{
	if (irq >= 16)
		return;
	vmm->pic.chip[irq / 8].irr |= 1u << (irq % 8);
	cascade(vmm);
}

/* Level-triggered lines (ELCR) request while high; edge-triggered ones on the rising edge. */
void vmm_pic_level(struct vmm *vmm, unsigned irq, int level)
{
	struct vmm_pic_chip *c;
	uint8_t bit;

	if (irq >= 16)
		return;
	c = &vmm->pic.chip[irq / 8];
	bit = (uint8_t)(1u << (irq % 8));
	if (level && !(c->lines & bit))
		c->irr |= bit;
	else if (!level && (c->elcr & bit))
		c->irr &= (uint8_t)~bit;
	c->lines = level ? c->lines | bit : c->lines & (uint8_t)~bit;
	cascade(vmm);
}

/* The name devices have always used: every controller, through irq.c. */
void vmm_pic_raise(struct vmm *vmm, unsigned irq)
{
	vmm_irq_raise(vmm, irq);
}

int vmm_pic_pending(struct vmm *vmm)
{
	return highest(&vmm->pic.chip[0]) >= 0;
}

int vmm_pic_ack(struct vmm *vmm)
{
	struct vmm_pic_chip *master = &vmm->pic.chip[0], *slave = &vmm->pic.chip[1];
	int line = highest(master), vector;

	if (line < 0)
		return -1;
	master->irr &= ~(1u << line);
	if (!master->auto_eoi)
		master->isr |= 1u << line;
	if (line != 2)
		return master->vector_base + line;
	line = highest(slave);
	if (line < 0)
		return master->vector_base + 7;   /* spurious */
	slave->irr &= ~(1u << line);
	if (!slave->auto_eoi)
		slave->isr |= 1u << line;
	vector = slave->vector_base + line;
	cascade(vmm);
	return vector;
}

static void chip_write(struct vmm *vmm, struct vmm_pic_chip *c, unsigned reg, uint8_t value)
{
	if (reg == 0 && (value & 0x10)) {            /* ICW1: start initialization */
		c->icw_step = 2;
		c->icw4_needed = value & 1;
		c->imr = c->isr = c->irr = 0;
		c->read_isr = 0;
		return;
	}
	if (reg == 0) {
		if ((value & 0x18) == 0x08) {           /* OCW3 */
			if (value & 2)
				c->read_isr = value & 1;
			return;
		}
		if ((value & 0xe0) == 0x20) {           /* non-specific EOI: the highest in service */
			for (int line = 0; line < 8; line++) {
				if (c->isr & (1u << line)) {
					c->isr &= ~(1u << line);
					break;
				}
			}
		} else if ((value & 0xe0) == 0x60) {    /* specific EOI */
			c->isr &= ~(1u << (value & 7));
		}
		c->irr |= c->lines & c->elcr;           /* a level line still high asks again */
		cascade(vmm);
		return;
	}
	switch (c->icw_step) {
	case 2:
		c->vector_base = value & 0xf8;
		c->icw_step = 3;
		return;
	case 3:                                     /* cascade wiring: fixed on a PC */
		c->icw_step = c->icw4_needed ? 4 : 0;
		return;
	case 4:
		c->auto_eoi = (value >> 1) & 1;
		c->icw_step = 0;
		return;
	default:                                    /* OCW1: the mask */
		c->imr = value;
		cascade(vmm);
	}
}

static void pic_write(struct vmm *vmm, void *dev, uint16_t port, unsigned size, uint32_t value)
{
	struct vmm_pic_chip *c = dev;

	chip_write(vmm, c, port - c->io_base, (uint8_t)value);
}

static void pic_read(struct vmm *vmm, void *dev, uint16_t port, unsigned size, uint32_t *value)
{
	struct vmm_pic_chip *c = dev;

	*value = (port - c->io_base) ? c->imr : c->read_isr ? c->isr : c->irr;
}

static void elcr_write(struct vmm *vmm, void *dev, uint16_t port, unsigned size, uint32_t value)
{
	((struct vmm_pic_chip *)dev)->elcr = (uint8_t)value;
}

static void elcr_read(struct vmm *vmm, void *dev, uint16_t port, unsigned size, uint32_t *value)
{
	*value = ((struct vmm_pic_chip *)dev)->elcr;
}

int vmm_pic_chip_init(struct vmm *vmm, unsigned index, uint16_t io_base, uint16_t elcr)
{
	struct vmm_pic_chip *c = &vmm->pic.chip[index];
	struct vmm_port_handler h = { io_base, 2, pic_read, pic_write, c };
	struct vmm_port_handler e = { elcr, 1, elcr_read, elcr_write, c };
	int err;

	if (index > 1)
		return -EINVAL;                      /* a PC has two: master, and slave on line 2 */
	c->io_base = io_base;
	c->vector_base = index ? 0x70 : 0x08;
	c->imr = 0xff;
	err = vmm_port_register(vmm, &h);
	return err || !elcr ? err : vmm_port_register(vmm, &e);
}

int vmm_pic_init(struct vmm *vmm)
{
	int err = vmm_pic_chip_init(vmm, 0, 0x20, 0x4d0);

	return err ? err : vmm_pic_chip_init(vmm, 1, 0xa0, 0x4d1);
}
