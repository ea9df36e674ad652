/* The 16550 UART at COM1: a test guest's only output, polled as it runs with interrupts off. */
#include "guest.h"
#include "io.h"

#define COM1 0x3F8
#define UART_THR 0	/* with DLAB: divisor low */
#define UART_IER 1	/* with DLAB: divisor high */
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_LCR_DLAB 0x80
#define UART_LCR_8N1 0x03
#define UART_FCR_ENABLE_CLEAR 0x07
#define UART_MCR_DTR_RTS 0x03
#define UART_LSR_THRE 0x20
/* A missing UART reads 0xFF (THRE set), so this bound only guards a stuck one. */
#define UART_POLL_MAX 100000

void serial_init(void)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, UART_LCR_DLAB);
	outb(COM1 + UART_THR, 1);	/* divisor 1: 115200 baud */
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, UART_LCR_8N1);
	outb(COM1 + UART_FCR, UART_FCR_ENABLE_CLEAR);
	outb(COM1 + UART_MCR, UART_MCR_DTR_RTS);
}

void serial_putc(char c)
{
	for (int i = 0; i < UART_POLL_MAX; i++)
		if (inb(COM1 + UART_LSR) & UART_LSR_THRE)
			break;
	outb(COM1 + UART_THR, (uint8_t)c);
}
