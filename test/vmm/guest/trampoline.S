/*
 * The APs' way in (smp.c): a STARTUP IPI starts an AP in real mode at the page this code is
 * copied to (CS = 0x0800, IP = 0); it loads a flat GDT of its own, switches to 32-bit protected
 * mode, takes the stack smp.c left in smp_ap_stack, and calls smp_ap_main.
 */

	.file "trampoline.S"		/* else the symbol table names a random temporary object */

#define TRAMPOLINE 0x8000		/* page-aligned below 1 MiB: STARTUP vector 0x08 */

	.globl smp_trampoline, smp_trampoline_end, smp_trampoline_base
	.set smp_trampoline_base, TRAMPOLINE

	.text
	.code16
	.balign 16
smp_trampoline:
	cli
	cld
	/* CS's base is the copy's address: the descriptor is addressed relative to it */
	lgdtl %cs:(gdt_desc - smp_trampoline)
	mov %cr0, %eax
	or $1, %eax			/* PE */
	mov %eax, %cr0
	ljmpl $0x08, $smp_ap_entry	/* 66 EA: a 32-bit offset, into the kernel at 1 MiB */

	.balign 8
gdt:
	.quad 0
	.quad 0x00CF9B000000FFFF	/* 0x08: flat 32-bit code, as mbtest.S's */
	.quad 0x00CF93000000FFFF	/* 0x10: flat data */
gdt_desc:
	.word gdt_desc - gdt - 1
	.long TRAMPOLINE + gdt - smp_trampoline	/* the copy's GDT: it stays there */
smp_trampoline_end:

	.code32
smp_ap_entry:
	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %fs
	mov %ax, %gs
	mov %ax, %ss
	mov smp_ap_stack, %esp
	call smp_ap_main
1:	cli
	hlt
	jmp 1b

	.section .note.GNU-stack, "", @progbits
