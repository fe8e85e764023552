; Benchmark guest: a 64 KiB BIOS ROM that enters 32-bit protected mode with paging on (4 KiB
; pages identity-mapping the first 4 MiB), runs the workload, prints its checksum on port 0xE9 and
; exits through port 0xF4 with code 0.
%ifndef ROUNDS
%define ROUNDS 200
%endif
        bits 16
        org 0
start:  cli
        xor ax, ax
        mov es, ax
        mov ax, cs
        mov ds, ax
        mov si, gdt
        mov di, 0x1000
        mov cx, gdt_end - gdt
        rep movsb
        lgdt [gdt_ptr]
        mov eax, cr0
        or al, 1
        mov cr0, eax
        jmp dword 0x08:pm + 0xF0000
        bits 32
pm:     mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov esp, 0x80000
        ; page directory at 0x10000, one page table at 0x11000
        mov edi, 0x11000
        mov eax, 0x3                    ; present, writable
.pt:    mov [edi], eax
        add eax, 0x1000
        add edi, 4
        cmp edi, 0x12000
        jb .pt
        mov dword [0x10000], 0x11003
        mov eax, 0x10000
        mov cr3, eax
        mov eax, cr0
        or eax, 0x80000000
        mov cr0, eax
        mov edi, 0x200000
        mov ecx, ROUNDS
        mov eax, workload + 0xF0000     ; absolute: the code runs at its ROM address
        call eax
        mov ebx, eax                    ; print the checksum in hex
        mov ecx, 8
.hex:   rol ebx, 4
        mov al, bl
        and al, 0xF
        add al, '0'
        cmp al, '9'
        jbe .digit
        add al, 7
.digit: out 0xE9, al
        loop .hex
        mov al, 10
        out 0xE9, al
        xor al, al
        out 0xF4, al
        hlt

%include "workload.inc"

        align 8
gdt:    dq 0
        dq 0x00CF9B000000FFFF
        dq 0x00CF93000000FFFF
gdt_end:
gdt_ptr: dw gdt_end - gdt - 1
        dd 0x1000
        times 0xFFF0 - ($ - $$) db 0xFF
        bits 16
        jmp 0xF000:start
        times 0x10000 - ($ - $$) db 0xFF
