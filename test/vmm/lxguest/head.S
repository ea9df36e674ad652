/*
 * The part loaded at 1 MiB: the 32-bit entry at +0 (code32_start), the 64-bit entry at +0x200
 * (XLF_KERNEL_64), and the real-mode path's way from protected mode into the 64-bit entry.
 */
#include "lxtest.h"

	.file "head.S"

#define COM1 0x3F8
#define UART_LSR_THRE 0x20
#define KBC_CMD 0x64
#define KBC_CMD_PULSE_RESET 0xFE
#define STACK_SIZE 16384
#define CR0_PG 0x80000000
#define CR4_PAE 0x20
#define MSR_EFER 0xC0000080
#define EFER_LME 0x100
#define PTE_PRESENT_RW 0x03
#define PDE_2M_PRESENT_RW 0x83
#define TRAMP_PD_ENTRIES 512		/* one GiB in 2 MiB pages */

	.macro uart_out reg, value
	movw $COM1 + \reg, %dx
	movb $\value, %al
	outb %al, %dx
	.endm

	/* The linker puts this first, at the load address. */
	.section .head, "ax"
	.code32
	.globl startup_32
startup_32:
	/*
	 * The 32-bit protocol's entry (%esi = boot_params, flat 0x10/0x18 segments). Only said
	 * hello to: the checks run at the 64-bit entry, which this file's other paths reach.
	 */
	cli
	cld
	uart_out 1, 0x00			/* IER: no interrupts */
	uart_out 3, 0x80			/* LCR: DLAB, for the divisor */
	uart_out 0, 0x01			/* divisor 1: 115200 baud */
	uart_out 1, 0x00
	uart_out 3, 0x03			/* LCR: 8N1 */
	uart_out 2, 0x07			/* FCR: FIFOs on and cleared */
	uart_out 4, 0x03			/* MCR: DTR, RTS */
	movl $msg_32bit, %esi
1:	movb (%esi), %cl
	testb %cl, %cl
	jz 3f
	movw $COM1 + 5, %dx		/* LSR; a missing UART reads 0xFF, THRE set */
	movl $100000, %ebx		/* but a stuck one must not hang us */
2:	inb %dx, %al
	testb $UART_LSR_THRE, %al
	jnz 4f
	decl %ebx
	jnz 2b
4:	movw $COM1, %dx
	movb %cl, %al
	outb %al, %dx
	incl %esi
	jmp 1b
3:	movb $KBC_CMD_PULSE_RESET, %al
	outb %al, $KBC_CMD
	/* No IDT: the #UD escalates to a triple fault where no keyboard controller resets us. */
	lidt no_idt
	ud2

	.org 0x200
	.code64
	.globl startup_64
startup_64:
	/*
	 * The 64-bit protocol's entry: %rsi = boot_params, CS = 0x10, DS = ES = SS = 0x18,
	 * interrupts off, us identity-mapped; %rsp is undefined. Record the state before changing
	 * any of it, so C can check what the loader did.
	 */
	movq %rsi, %r15
	xorl %eax, %eax
	movw %ss, %ax
	shlq $16, %rax
	movw %es, %ax
	shlq $16, %rax
	movw %ds, %ax
	shlq $16, %rax
	movw %cs, %ax
	movq %rax, %r14
	leaq stack_top(%rip), %rsp
	pushfq
	popq %r13
	cli
	cld

	/* The loader loads only the file; .bss is ours to clear (the stack too: nothing on it). */
	leaq __bss_start(%rip), %rdi
	leaq __bss_end(%rip), %rcx
	subq %rdi, %rcx
	shrq $3, %rcx
	xorl %eax, %eax
	rep stosq

	movq %r15, %rdi
	movq %r14, %rsi
	movq %r13, %rdx
	call lxtest_main
5:	hlt
	jmp 5b

	.text
	.code32
	.globl lxtest_rm_pm32
lxtest_rm_pm32:
	/*
	 * Reached from header.S in protected mode with %esi = boot_params. Plays a minimal 64-bit
	 * loader: identity-maps the first GiB (us, boot_params, the command line), long mode, the
	 * protocol's selectors.
	 */
	movw $LXTEST_BOOT_DS, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw %ax, %fs
	movw %ax, %gs

	movl $tramp_pml4, %edi
	movl $3 * 4096 / 4, %ecx
	xorl %eax, %eax
	rep stosl
	movl $tramp_pdpt + PTE_PRESENT_RW, tramp_pml4
	movl $tramp_pd + PTE_PRESENT_RW, tramp_pdpt
	movl $tramp_pd, %edi
	movl $PDE_2M_PRESENT_RW, %eax
	movl $TRAMP_PD_ENTRIES, %ecx
1:	movl %eax, (%edi)
	addl $0x200000, %eax
	addl $8, %edi
	decl %ecx
	jnz 1b

	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $tramp_pml4, %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	wrmsr
	movl %cr0, %eax
	orl $CR0_PG, %eax
	movl %eax, %cr0
	ljmp $LXTEST_BOOT_CS, $tramp_64

	.code64
tramp_64:
	/* Upper register halves are undefined after compatibility mode; boot_params is < 1 MiB. */
	movl %esi, %esi
	jmp startup_64

	.section .rodata
msg_32bit:
	.asciz "lxtest: 32-bit entry (not checked)\n"

	/* Protocol 2.15's kernel_info; its offset is from the start of this part, as in Linux. */
	.balign 4
	.globl kernel_info
kernel_info:
	.ascii "LToP"				/* header */
	.long kernel_info_end - kernel_info	/* size */
	.long kernel_info_end - kernel_info	/* size_total: no variable-length data */
	.long 0					/* setup_type_max: we read no setup_data */
kernel_info_end:

	.data
	.balign 8
	/* Accessed bits preset: the CPU would otherwise write them when a selector is loaded. */
	.globl lxtest_gdt
lxtest_gdt:
	.quad 0
	.quad 0x00CF9B000000FFFF	/* 0x08: flat 32-bit code, only on the way from real mode */
	.quad 0x00AF9B000000FFFF	/* 0x10: __BOOT_CS, flat 64-bit code */
	.quad 0x00CF93000000FFFF	/* 0x18: __BOOT_DS, flat data */
lxtest_gdt_end:
	.globl lxtest_gdt_limit
	.set lxtest_gdt_limit, lxtest_gdt_end - lxtest_gdt - 1

	.balign 8
no_idt:
	.word 0
	.quad 0

	.bss
	.balign 16
	.skip STACK_SIZE
stack_top:

	/* Outside .bss: startup_64 clears that while these tables may still be the live ones. */
	.section .tramp, "aw", @nobits
	.balign 4096
tramp_pml4:
	.skip 4096
tramp_pdpt:
	.skip 4096
tramp_pd:
	.skip 4096

	.section .note.GNU-stack, "", @progbits
