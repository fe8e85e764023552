; vmi-guest: a paravirtual multiboot test kernel for vmi86's VMI ROM (VMI.md). It probes for the
; ROM exactly as Linux does (physical 0xC0000-0xDFFFF in 2 KiB steps, read through the kernel
; mapping at 0xC0000000, so linear != physical), calls Init, resolves every call it uses through
; GetRelocationInfo, rewrites its own call sites with `call rel32` as Linux's paravirt patching
; does, and checks each call's effect against the native instruction's, printing PASS/FAIL per
; call on port 0xE9 and exiting through port 0xF4 (0: all pass). Without a ROM (or with one Linux
; would reject) it runs its native code paths and checks those. The command-line word "workload"
; selects the paravirtual benchmark loop instead (bench/vmi_bench.sh).
        bits 32
%include "vmi_guest.inc"

MB_FLAGS equ (1 << 1)
        section .multiboot progbits alloc
        align 4
        dd 0x1BADB002
        dd MB_FLAGS
        dd -(0x1BADB002 + MB_FLAGS)

; The table of patchable sites: address, call number, length (Linux's .parainstructions).
        section .pvsites progbits alloc
pvsites_start:

        section .text
        global _start
_start:
        cli
        mov esp, stack_top
        mov [mb_info], ebx
        mov esi, msg_start
        call print
        call parse_cmdline
        call setup_gdt
        call setup_idt
        call setup_paging
        call pic_probe
        call vmi_probe
        call vmi_activate
        call setup_tss
        cmp byte [workload_mode], 0
        jne workload
        call run_checks
        ; summary
        cmp dword [failures], 0
        jne .failed
        mov esi, msg_pass
        call print
        xor al, al
        out 0xF4, al
        cli
        hlt
.failed:
        mov esi, msg_failed
        call print
        mov eax, [failures]
        call print_dec
        call newline
        mov al, 1
        out 0xF4, al
        cli
        hlt

%include "vmi_guest_setup.inc"
%include "vmi_guest_vmi.inc"
%include "vmi_guest_native.inc"
%include "vmi_guest_checks.inc"
%include "vmi_guest_workload.inc"
%include "vmi_guest_lib.inc"

        section .pvsites
pvsites_end:

        section .rodata
msg_start:  db "vmi-guest: start", 10, 0
msg_pass:   db "PASS", 10, 0
msg_failed: db "FAIL checks failed: ", 0

        section .bss
        alignb 16
        resb 16384
stack_top:
mb_info: resd 1
workload_mode: resb 1
