/* Boot headers and 32-bit entry: Multiboot v1 and PVH both land here, get our own GDT and stack, then C. */

	.file "mbtest.S"		/* else the symbol table names a random temporary object */

#define MB_HEADER_MAGIC 0x1BADB002
/* Bit 0: page-align modules; bit 1: want memory info. No bit 16: the loader must read the ELF headers. */
#define MB_HEADER_FLAGS 0x00000003
#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define PROTO_MULTIBOOT 1
#define PROTO_PVH 2
#define STACK_SIZE 16384

	/* The linker script puts this first so it sits within the 8 KiB loaders search. */
	.section .multiboot, "a"
	.balign 4
	.long MB_HEADER_MAGIC
	.long MB_HEADER_FLAGS
	.long -(MB_HEADER_MAGIC + MB_HEADER_FLAGS)

	/* PVH: QEMU (microvm too) enters the physical address in this note with %ebx = hvm_start_info. */
	.section .note.Xen, "a", @note
	.balign 4
	.long 4				/* namesz: "Xen\0" */
	.long 4				/* descsz: a 32-bit entry address */
	.long XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.long pvh_entry

	.text
	.code32
	.globl mbtest_entry
mbtest_entry:
	/* The ELF entry point, used by Multiboot: %eax = magic, %ebx = info. */
	cli
	mov %eax, %ebp
	mov $PROTO_MULTIBOOT, %edx
	jmp 1f

pvh_entry:
	/* PVH's magic lives in the start_info itself; C checks it. */
	cli
	xor %ebp, %ebp
	mov $PROTO_PVH, %edx

1:	cld
	mov %ebx, %esi
	/* Neither protocol promises a usable GDT (Multiboot says so outright), so load ours. */
	lgdt gdt_desc
	ljmp $0x08, $2f
2:	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %fs
	mov %ax, %gs
	mov %ax, %ss

	/* Before anything writes .bss, see whether the loader zero-filled p_memsz beyond p_filesz. */
	mov $__bss_start, %edi
	mov $__bss_end, %ecx
	sub %edi, %ecx
	shr $2, %ecx
	xor %eax, %eax
	repe scasl
	setne %al
	mov %eax, mbtest_bss_dirty

	/* Zero it anyway: C relies on it even when a loader did not. */
	mov $__bss_start, %edi
	mov $__bss_end, %ecx
	sub %edi, %ecx
	shr $2, %ecx
	xor %eax, %eax
	rep stosl

	mov $stack_top, %esp
	sub $4, %esp			/* the i386 ABI wants %esp 16-aligned at the call */
	push %esi
	push %ebp
	push %edx
	call mbtest_main
3:	cli
	hlt
	jmp 3b

	.data
	.balign 8
gdt:
	.quad 0
	.quad 0x00CF9B000000FFFF	/* 0x08: flat 32-bit code, accessed bit preset */
	.quad 0x00CF93000000FFFF	/* 0x10: flat data */
gdt_end:
	.balign 4
	.word 0				/* so the base below is 4-aligned */
gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt

	.globl mbtest_bss_dirty
	.balign 4
mbtest_bss_dirty:
	.long 0

	.bss
	.balign 16
	.skip STACK_SIZE
stack_top:

	.section .note.GNU-stack, "", @progbits
