; Multiboot v1 kernel with the a.out kludge (header flag 16): a flat binary loaded at 1 MiB.
        bits 32
        org 0x100000
MB_FLAGS equ (1 << 1) | (1 << 16)
header:
        dd 0x1BADB002
        dd MB_FLAGS
        dd -(0x1BADB002 + MB_FLAGS)
        dd header               ; header_addr
        dd header               ; load_addr
        dd load_end             ; load_end_addr
        dd bss_end              ; bss_end_addr
        dd kernel_entry         ; entry_addr
%include "multiboot_kernel.inc"
saved_eax: dd 0
saved_ebx: dd 0
load_end:
bss_probe equ load_end
        ; BSS follows the loaded image (not in the file)
stack_bottom equ load_end + 16
stack_top equ load_end + 0x1000
bss_end equ load_end + 0x1000
