/*
 * Echo mode (the word "echo" on the command line): after the checks, answer each line typed
 * into COM1 with "mbtest: echo: <line>" until the line "quit" (then mbtest resets) or "halt"
 * (then it stops the APs and halts with interrupts off, as Linux's poweroff does without
 * ACPI). Bytes arrive by
 * the UART's receive interrupt (IRQ 4), so between lines the guest halts and costs its host
 * nothing.
 */
#include "io.h"
#include "mbtest.h"

#define COM1 0x3F8
#define UART_RBR 0
#define UART_IER 1
#define UART_MCR 4
#define UART_LSR 5
#define UART_IER_RX 0x01	/* received data available */
#define UART_MCR_DTR_RTS_OUT2 0x0B	/* OUT2 gates the UART's interrupt onto the ISA line */
#define UART_LSR_DR 0x01
#define PIC_MASTER_DATA 0x21
#define ECHO_IRQ 4

#define RING_SIZE 256		/* a power of two */
#define LINE_MAX 200		/* longer lines are cut here */

/* Filled by the interrupt handler, emptied by echo_run(); indices only grow. */
static volatile uint8_t ring[RING_SIZE];
static volatile uint32_t ring_head, ring_tail;

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Whether the n characters at s are word. */
static int is_word(const char *s, uint32_t n, const char *word)
{
	uint32_t i = 0;

	while (i < n && word[i] && s[i] == word[i])
		i++;
	return i == n && !word[i];
}

int echo_wanted(const char *cmdline)
{
	for (const char *p = cmdline; p && *p; ) {
		uint32_t n = 0;

		while (is_space(*p))
			p++;
		while (p[n] && !is_space(p[n]))
			n++;
		if (is_word(p, n, "echo"))
			return 1;
		p += n;
	}
	return 0;
}

/*
 * IRQ 4: move what the UART holds into the ring. When the ring is full the byte stays in the
 * UART and its interrupt is switched off; echo_run() switches it on again once it has room,
 * and a 16550 then interrupts at once for the byte it holds.
 */
void echo_irq(void)
{
	while (inb(COM1 + UART_LSR) & UART_LSR_DR) {
		if (ring_head - ring_tail == RING_SIZE) {
			outb(COM1 + UART_IER, 0);
			return;
		}
		ring[ring_head % RING_SIZE] = inb(COM1 + UART_RBR);
		ring_head++;
	}
}

/* The next byte typed, halting until one comes. */
static char next_byte(void)
{
	char c;

	cli();
	while (ring_head == ring_tail) {
		sti_hlt();
		cli();
	}
	c = (char)ring[ring_tail % RING_SIZE];
	ring_tail++;
	outb(COM1 + UART_IER, UART_IER_RX);	/* again, had the ring been full */
	sti();
	return c;
}


void echo_run(void)
{
	char line[LINE_MAX + 1];
	uint32_t len = 0;

	outb(COM1 + UART_MCR, UART_MCR_DTR_RTS_OUT2);
	outb(COM1 + UART_IER, UART_IER_RX);
	outb(PIC_MASTER_DATA, inb(PIC_MASTER_DATA) & (uint8_t)~(1u << ECHO_IRQ));
	report("echo: ready");
	for (;;) {
		char c = next_byte();

		if (c != '\n' && c != '\r') {
			if (len < LINE_MAX)
				line[len++] = c;
			continue;
		}
		if (len == 0)
			continue;		/* the "\n" of "\r\n", or an empty line */
		line[len] = '\0';
		if (is_word(line, len, "quit"))
			break;
		if (is_word(line, len, "halt")) {
			report("echo: halt");
			smp_stop();
			cli();
			for (;;)
				hlt();
		}
		report("echo: %s", line);
		len = 0;
	}
	cli();
	outb(COM1 + UART_IER, 0);
	outb(PIC_MASTER_DATA, inb(PIC_MASTER_DATA) | (uint8_t)(1u << ECHO_IRQ));
	report("echo: quit");
}
