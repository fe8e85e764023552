; Multiboot v1 kernel as an ELF executable (no a.out kludge): the loader uses the program headers.
        bits 32
MB_FLAGS equ (1 << 1)
        section .multiboot progbits alloc
        align 4
        dd 0x1BADB002
        dd MB_FLAGS
        dd -(0x1BADB002 + MB_FLAGS)
        section .text
        global _start
_start: jmp kernel_entry
%include "multiboot_kernel.inc"
        section .data
saved_eax: dd 0
saved_ebx: dd 0
        section .bss
bss_probe: resd 1
        resb 4096
stack_top:
