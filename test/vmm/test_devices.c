/*
 * lib/vmm's device models without KVM: the PIC's initialization, masking,
 * priorities and EOI; the PIT's programming and counting; the RTC's BCD
 * time; the UART's registers and its receive interrupt; the reset line.
 * Then a million random port accesses of random sizes must leave the VMM
 * standing. TAP output.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "vmm_internal.h"
#include "../unit/tap.h"
#include "exits.h"

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static char output[4096];
static size_t output_len;

static void collect(void *priv, const char *data, size_t len)
{
	if (output_len + len < sizeof(output)) {
		memcpy(output + output_len, data, len);
		output_len += len;
	}
}

static struct vmm *new_vmm(void)
{
	struct vmm *vmm = calloc(1, sizeof(*vmm));

	vmm->kvm = vmm->vm = -1;
	vmm_vcpu_prepare(vmm, 1);
	vmm->input_fd = -1;
	vmm->pit.timerfd = -1;
	vmm->output = collect;
	vmm->run_size = 4096;
	if (vmm_pic_init(vmm) || vmm_pit_init(vmm) || vmm_rtc_init(vmm) || vmm_serial_init(vmm) ||
	    vmm_kbc_init(vmm))
		abort();
	return vmm;
}

static void test_pic(void)
{
	struct vmm *vmm = new_vmm();

	/* the usual remap: ICW1..ICW4 on both, vectors 0x20 and 0x28 */
	io(vmm, 1, 0x20, 1, 0x11); io(vmm, 1, 0x21, 1, 0x20); io(vmm, 1, 0x21, 1, 0x04); io(vmm, 1, 0x21, 1, 0x01);
	io(vmm, 1, 0xa0, 1, 0x11); io(vmm, 1, 0xa1, 1, 0x28); io(vmm, 1, 0xa1, 1, 0x02); io(vmm, 1, 0xa1, 1, 0x01);
	io(vmm, 1, 0x21, 1, 0xfe);                  /* only IRQ 0 */
	io(vmm, 1, 0xa1, 1, 0xff);
	ok(io(vmm, 0, 0x21, 1, 0) == 0xfe, "PIC: the mask reads back");
	vmm_pic_raise(vmm, 1);
	ok(!vmm_pic_pending(vmm), "PIC: a masked line is not delivered");
	vmm_pic_raise(vmm, 0);
	ok(vmm_pic_pending(vmm) && vmm_pic_ack(vmm) == 0x20, "PIC: IRQ 0 arrives as vector 0x20");
	vmm_pic_raise(vmm, 0);
	ok(!vmm_pic_pending(vmm), "PIC: no second IRQ 0 while the first is in service");
	io(vmm, 1, 0x20, 1, 0x20);                  /* EOI */
	ok(vmm_pic_pending(vmm) && vmm_pic_ack(vmm) == 0x20, "PIC: after EOI the next one comes");
	io(vmm, 1, 0x20, 1, 0x20);
	io(vmm, 1, 0x21, 1, 0xfb);                  /* the cascade line open */
	io(vmm, 1, 0xa1, 1, 0xfe);                  /* IRQ 8 */
	vmm_pic_raise(vmm, 8);
	ok(vmm_pic_pending(vmm) && vmm_pic_ack(vmm) == 0x28, "PIC: IRQ 8 through the cascade is vector 0x28");
	io(vmm, 1, 0x20, 1, 0x0b);                  /* OCW3: read ISR */
	ok(io(vmm, 0, 0x20, 1, 0) == 0x04, "PIC: the master's ISR shows the cascade in service");
	free(vmm);
}

static void test_pit(void)
{
	struct vmm *vmm = new_vmm();
	uint16_t a, b;

	io(vmm, 1, 0x43, 1, 0x34);                  /* channel 0, lobyte/hibyte, mode 2 */
	io(vmm, 1, 0x40, 1, 0x00);
	io(vmm, 1, 0x40, 1, 0x00);                  /* 65536 */
	/*
	 * Two latched reads 2 ms apart; the count between them must match the
	 * time that passed between them, whatever the machine's load made of
	 * the sleep: bounded by the clock read before and after each latch.
	 */
	uint64_t a0 = now_us(), a1, b0, b1;
	io(vmm, 1, 0x43, 1, 0x00);                  /* latch */
	a1 = now_us();
	a = (uint16_t)(io(vmm, 0, 0x40, 1, 0) | io(vmm, 0, 0x40, 1, 0) << 8);
	usleep(2000);
	b0 = now_us();
	io(vmm, 1, 0x43, 1, 0x00);
	b1 = now_us();
	b = (uint16_t)(io(vmm, 0, 0x40, 1, 0) | io(vmm, 0, 0x40, 1, 0) << 8);
	uint64_t lo = (b0 - a1) * 1193182 / 1000000, hi = (b1 - a0) * 1193182 / 1000000 + 2;
	ok(b1 - a0 > 50000 ||                       /* the counter wraps every 55 ms: no verdict */
	   ((uint16_t)(a - b) >= lo && (uint16_t)(a - b) <= hi),
	   "PIT: channel 0 counts down at 1.19 MHz (the ticks between two latches match the time)");
	io(vmm, 1, 0x43, 1, 0x34);
	io(vmm, 1, 0x40, 1, 0xa9);
	io(vmm, 1, 0x40, 1, 0x04);                  /* 1193: 1 kHz */
	usleep(20000);
	vmm_pit_poll(vmm);
	ok(vmm->pic.chip[0].irr & 1, "PIT: channel 0 raises IRQ 0");
	io(vmm, 1, 0x61, 1, 0x00);
	io(vmm, 1, 0x43, 1, 0xb0);                  /* channel 2, mode 0 */
	io(vmm, 1, 0x42, 1, 0x00);
	io(vmm, 1, 0x42, 1, 0xc0);                  /* 0xc000 ticks: 41 ms, long for a loaded machine */
	io(vmm, 1, 0x61, 1, 0x01);                  /* gate on */
	ok(!(io(vmm, 0, 0x61, 1, 0) & 0x20), "PIT: channel 2's output is low while it counts");
	usleep(60000);
	ok(io(vmm, 0, 0x61, 1, 0) & 0x20, "PIT: channel 2's output goes high at the end");
	vmm_pit_fini(vmm);
	free(vmm);
}

static int bcd(int v) { return ((v >> 4) * 10) + (v & 15); }

static void test_rtc_serial_kbc(void)
{
	struct vmm *vmm = new_vmm();
	time_t t = time(NULL);
	struct tm tm;
	int min, year;

	gmtime_r(&t, &tm);
	io(vmm, 1, 0x70, 1, 0x02);
	min = bcd((int)io(vmm, 0, 0x71, 1, 0));
	io(vmm, 1, 0x70, 1, 0x09);
	year = bcd((int)io(vmm, 0, 0x71, 1, 0));
	ok(year == tm.tm_year % 100 && (min == tm.tm_min || min == (tm.tm_min + 1) % 60),
	   "RTC: the time registers hold the host's UTC time in BCD");
	io(vmm, 1, 0x70, 1, 0x0a);
	ok(!(io(vmm, 0, 0x71, 1, 0) & 0x80), "RTC: no update in progress");

	ok(io(vmm, 0, 0x3fd, 1, 0) & 0x20, "UART: the transmitter is empty");
	io(vmm, 1, 0x3fb, 1, 0x80);                 /* DLAB */
	io(vmm, 1, 0x3f8, 1, 0x01);
	io(vmm, 1, 0x3fb, 1, 0x03);
	for (const char *p = "hi\n"; *p; p++)
		io(vmm, 1, 0x3f8, 1, (uint8_t)*p);
	ok(output_len == 3 && !memcmp(output, "hi\n", 3), "UART: a line of output arrives whole");
	io(vmm, 1, 0x3fb, 1, 0x80);
	ok(io(vmm, 0, 0x3f8, 1, 0) == 0x01, "UART: the divisor latch reads back");
	io(vmm, 1, 0x3fb, 1, 0x03);

	io(vmm, 1, 0x64, 1, 0xfe);
	ok(vmm->end == VMM_END_RESET, "KBC: command 0xFE resets the machine");
	free(vmm);
}

/* The UART's input by interrupt: IER, IIR and LSR as a 16550's, IRQ 4 through the PIC. */
static void test_serial_input(void)
{
	struct vmm *vmm = new_vmm();
	int fds[2];

	if (pipe(fds))
		abort();
	vmm->input_fd = fds[0];
	io(vmm, 1, 0x20, 1, 0x11);                  /* the master at vector 0x20, only IRQ 4 */
	io(vmm, 1, 0x21, 1, 0x20);
	io(vmm, 1, 0x21, 1, 0x04);
	io(vmm, 1, 0x21, 1, 0x01);
	io(vmm, 1, 0x21, 1, 0xef);
	if (write(fds[1], "ab", 2) != 2)
		abort();
	ok(io(vmm, 0, 0x3fd, 1, 0) & 0x01, "UART: a byte waiting on the input shows in LSR");
	ok(!vmm_pic_pending(vmm), "UART: no interrupt while IER leaves it off");
	ok(io(vmm, 0, 0x3fa, 1, 0) == 0x01, "UART: IIR says nothing pending");
	io(vmm, 1, 0x3f9, 1, 0x01);                 /* receive interrupt on */
	ok(vmm_pic_pending(vmm) && vmm_pic_ack(vmm) == 0x24,
	   "UART: switching the receive interrupt on with a byte held raises IRQ 4 at once");
	ok(io(vmm, 0, 0x3fa, 1, 0) == 0x04, "UART: IIR says received data");
	ok(io(vmm, 0, 0x3f8, 1, 0) == 'a', "UART: RBR holds the first byte");
	io(vmm, 1, 0x20, 1, 0x20);                  /* EOI */
	vmm_serial_poll_input(vmm);                 /* what the run loop does when the guest halts */
	ok(vmm_pic_pending(vmm) && vmm_pic_ack(vmm) == 0x24, "UART: the next byte raises IRQ 4 again");
	ok(io(vmm, 0, 0x3f8, 1, 0) == 'b', "UART: RBR holds the second byte");
	ok(!(io(vmm, 0, 0x3fd, 1, 0) & 0x01) && io(vmm, 0, 0x3fa, 1, 0) == 0x01,
	   "UART: with the input drained LSR and IIR show nothing waiting");
	io(vmm, 1, 0x20, 1, 0x20);
	close(fds[1]);
	vmm_serial_poll_input(vmm);
	ok(vmm->input_fd == -1 && !vmm_pic_pending(vmm), "UART: the end of the input raises nothing");
	close(fds[0]);
	free(vmm);
}

/* Random accesses of every size to every port: nothing may break. */
static void test_fuzz(void)
{
	struct vmm *vmm = new_vmm();
	unsigned seed = 12345;

	for (unsigned i = 0; i < 1000000; i++) {
		unsigned sizes[3] = { 1, 2, 4 };
		uint16_t port = (uint16_t)(rand_r(&seed) % 0x500);
		if (rand_r(&seed) % 4 == 0)
			port = (uint16_t)(0x20 + rand_r(&seed) % 0x80);   /* the busy ports more often */
		io(vmm, rand_r(&seed) & 1, port, sizes[rand_r(&seed) % 3], (uint32_t)rand_r(&seed));
		vmm->end = 0;
		if (vmm_pic_pending(vmm))
			vmm_pic_ack(vmm);
	}
	ok(1, "a million random port accesses leave the device models standing");

	/* a malformed report (a count running past the run page) is refused */
	static uint8_t page[4096] __attribute__((aligned(8)));
	struct kvm_run *run = (struct kvm_run *)page;
	run->io.direction = KVM_EXIT_IO_IN;
	run->io.size = 4;
	run->io.port = 0x3f8;
	run->io.count = 10000;
	run->io.data_offset = 1024;
	vmm_port_access(vmm, run);
	ok(vmm->end == VMM_END_ERROR, "a port access running past the run page is refused");
	vmm_pit_fini(vmm);
	free(vmm);
}

int main(void)
{
	test_pic();
	test_pit();
	test_rtc_serial_kbc();
	test_serial_input();
	test_fuzz();
	return done_testing();
}
