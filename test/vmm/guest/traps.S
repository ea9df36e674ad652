/* Interrupt entry points: each pushes its vector (and a dummy error code where the CPU pushes none), then calls C. */

	.file "traps.S"		/* else the symbol table names a random temporary object */

/* Stubs sit 16 bytes apart so idt.c can compute their addresses instead of needing a table. */
#define TRAP_ENTRY_SIZE 16
#define NR_TRAP_ENTRIES 96	/* MBTEST_VECTORS */

	.text
	.code32
	.globl trap_entries
	.balign TRAP_ENTRY_SIZE
trap_entries:
	vector = 0
	.rept NR_TRAP_ENTRIES
	.balign TRAP_ENTRY_SIZE
	/* These exceptions push an error code themselves. */
	.ifeq (vector == 8) || ((vector >= 10) && (vector <= 14)) || (vector == 17) || (vector == 21) || (vector == 29) || (vector == 30)
	pushl $0
	.endif
	pushl $vector
	jmp trap_common
	vector = vector + 1
	.endr

trap_common:
	pusha
	cld
	push %esp			/* struct trap_frame * */
	call idt_trap
	add $4, %esp
	popa
	add $8, %esp			/* vector and error code */

	/*
	 * Return like iret, without iret: kvm_pvm runs guest ring 0 through KVM's instruction
	 * emulator, which handles iret only in real mode. Same privilege level and flat segments,
	 * so turn [eip][cs][eflags] into [eflags][eip][-] and popf; ret $4. An interrupt taken
	 * between popf and ret nests below this frame and returns into the ret, so nothing is lost.
	 */
	push %eax
	mov 4(%esp), %eax		/* eip */
	mov %eax, 8(%esp)
	mov 12(%esp), %eax		/* eflags */
	mov %eax, 4(%esp)
	pop %eax
	popf
	ret $4

	.section .note.GNU-stack, "", @progbits
