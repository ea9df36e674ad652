/*
 * The bzImage's setup part: boot sector, setup header (Documentation/arch/x86/boot.rst) and a
 * real-mode entry that does what Linux's setup code does for BIOS loaders such as QEMU's
 * linuxboot ROM: build boot_params with the BIOS's e820 map, then go to long mode and the same
 * 64-bit entry a VMM uses.
 */
#include "lxtest.h"

	.file "header.S"

#define SMAP 0x534D4150		/* "SMAP", int 0x15 e820's signature */
#define BIOS_E820 0xE820
#define PORT_FAST_A20 0x92
#define CR0_PE 0x1

	/* Linked at 0: offsets are those within the setup segment, whatever its base. */
	.section .setup, "ax"
	.code16

	/* The boot sector carries nothing but the header's start: nobody boots this from a disk. */
	.org BP_HDR
hdr:
	.byte LXTEST_SETUP_SECTS	/* setup_sects */
	.word 0				/* root_flags */
	.long __syssize			/* syssize: the 1 MiB part in 16-byte units */
	.word 0				/* ram_size */
	.word 0xFFFF			/* vid_mode: "normal", as Linux ships */
	.word 0				/* root_dev */
	.word BP_BOOT_FLAG_MAGIC	/* boot_flag */
	/* 0x200: where BIOS loaders enter, and by its target the header's length. */
	.byte 0xEB, rm_entry - 1f	/* jump */
1:	.ascii "HdrS"			/* header */
	.word LXTEST_PROTOCOL		/* version */
	.long 0				/* realmode_swtch: no hook */
	.word 0x1000			/* start_sys_seg: obsolete, Linux's value */
	.word version_string - 0x200	/* kernel_version */
	.byte 0				/* type_of_loader: the loader's to write */
	.byte BP_LOADED_HIGH		/* loadflags: a bzImage, loaded at 1 MiB */
	.word 0x8000			/* setup_move_size: only for protocols < 2.02 */
	.long LXTEST_LOAD_ADDR		/* code32_start: the 32-bit entry */
	.long 0				/* ramdisk_image */
	.long 0				/* ramdisk_size */
	.long 0				/* bootsect_kludge */
	.word 0				/* heap_end_ptr: the loader's to write */
	.byte 0				/* ext_loader_ver */
	.byte 0				/* ext_loader_type */
	.long 0				/* cmd_line_ptr */
	.long LXTEST_INITRD_ADDR_MAX	/* initrd_addr_max */
	/* Not relocatable: the image is linked for 1 MiB, and needs no more than page alignment. */
	.long 0x1000			/* kernel_alignment */
	.byte 0				/* relocatable_kernel */
	.byte 12			/* min_alignment: 4 KiB as a power of two */
	/* Only the 64-bit entry: without XLF_CAN_BE_LOADED_ABOVE_4G all must stay below 4 GiB. */
	.word BP_XLF_KERNEL_64		/* xloadflags */
	.long LXTEST_CMDLINE_SIZE	/* cmdline_size */
	.long 0				/* hardware_subarch: a PC */
	.quad 0				/* hardware_subarch_data */
	.long 0				/* payload_offset: no compressed payload */
	.long 0				/* payload_length */
	.quad 0				/* setup_data */
	.quad LXTEST_LOAD_ADDR		/* pref_address */
	.long __init_size		/* init_size: image, .bss, stack and page tables */
	.long 0				/* handover_offset: no EFI */
	.long __kernel_info_offset	/* kernel_info_offset */
hdr_end:
	.if hdr_end - hdr - (BP_HDR_END - BP_HDR)
	.error "setup header is not protocol 2.15's length"
	.endif

	/*
	 * Entered at segment + 0x20:0 with DS = ES = SS = the setup segment and interrupts off
	 * (boot.rst "Running the Kernel"). CS is 0x200 bytes off our link base, so only relative
	 * jumps and DS-relative data from here on.
	 */
rm_entry:
	cli
	cld
	movw %ds, %ax
	movw %ax, %es
	movw %ax, %ss
	movw $LXTEST_RM_STACK_TOP, %sp

	/* Like Linux: a fresh boot_params holding the header as the loader left it. */
	movw $LXTEST_RM_ZEROPAGE, %di
	movw $BP_SIZE / 2, %cx
	xorw %ax, %ax
	rep stosw
	movw $BP_HDR, %si
	movw $LXTEST_RM_ZEROPAGE + BP_HDR, %di
	movw $BP_HDR_END - BP_HDR, %cx
	rep movsb

	/* The memory map only the BIOS knows, 20 bytes per entry straight into the table. */
	xorl %ebx, %ebx
	xorw %bp, %bp
	movw $LXTEST_RM_ZEROPAGE + BP_E820_TABLE, %di
2:	movl $BIOS_E820, %eax
	movl $BP_E820_ENTRY_SIZE, %ecx
	movl $SMAP, %edx
	int $0x15
	jc 3f				/* some BIOSes end the list with CF set */
	cmpl $SMAP, %eax
	jne 3f
	addw $BP_E820_ENTRY_SIZE, %di
	incw %bp
	cmpw $BP_E820_MAX, %bp
	jae 3f
	testl %ebx, %ebx
	jnz 2b
3:	movw %bp, %ax
	movb %al, LXTEST_RM_ZEROPAGE + BP_E820_ENTRIES

	/* The fast A20 gate; bit 0 of the port would reset the machine. */
	inb $PORT_FAST_A20, %al
	orb $0x02, %al
	andb $0xFE, %al
	outb %al, $PORT_FAST_A20

	/* boot_params' linear address for the 64-bit entry's %rsi. */
	xorl %esi, %esi
	movw %ds, %si
	shll $4, %esi
	addl $LXTEST_RM_ZEROPAGE, %esi

	/* The GDT lives in the 1 MiB image; only its pseudo-descriptor must be reachable here. */
	lgdtl rm_gdt_ptr
	movl %cr0, %eax
	orl $CR0_PE, %eax
	movl %eax, %cr0
	ljmpl $LXTEST_CS32, $lxtest_rm_pm32

rm_gdt_ptr:
	.word lxtest_gdt_limit
	.long lxtest_gdt

version_string:
	.asciz "lxtest (Arbor VMM test guest)"

	/* Exactly setup_sects + 1 sectors; the assembler stops us if the code outgrows them. */
	.org LXTEST_SETUP_SIZE

	.section .note.GNU-stack, "", @progbits
