; The default guest that ships with vmi86: a 64 KiB BIOS ROM that greets on the debug console
; (port 0xE9) from real mode, switches to 32-bit protected mode, greets again and exits through
; port 0xF4 with code 0 (process exit status 1, as QEMU's isa-debug-exit reports it).
        bits 16
        org 0
start:
        cli
        xor ax, ax
        mov ss, ax
        mov sp, 0x7000
        mov ax, cs
        mov ds, ax
        mov al, 0x11                    ; POST code: real mode reached
        out 0x80, al
        mov si, msg_real
        call print16
        ; Copy the GDT to RAM (the CPU sets accessed bits) and enter protected mode.
        xor ax, ax
        mov es, ax
        mov si, gdt
        mov di, 0x1000
        mov cx, gdt_end - gdt
        rep movsb
        lgdt [gdt_ptr]
        mov eax, cr0
        or al, 1
        mov cr0, eax
        jmp dword 0x08:pm_entry + 0xF0000
        bits 32
pm_entry:
        mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov esp, 0x7000
        mov al, 0x22                    ; POST code: protected mode reached
        out 0x80, al
        mov esi, msg_prot + 0xF0000
.next:  lodsb
        test al, al
        jz .done
        out 0xE9, al
        jmp .next
.done:  xor al, al
        out 0xF4, al
        hlt
        bits 16
print16:
        lodsb
        test al, al
        jz .ret
        out 0xE9, al
        jmp print16
.ret:   ret

msg_real: db "Hello from vmi86: real mode", 10, 0
msg_prot: db "Hello from vmi86: 32-bit protected mode", 10, 0
        align 8
gdt:    dq 0
        dq 0x00CF9B000000FFFF   ; 0x08: flat 32-bit code
        dq 0x00CF93000000FFFF   ; 0x10: flat data
gdt_end:
gdt_ptr: dw gdt_end - gdt - 1
        dd 0x1000

        times 0xFFF0 - ($ - $$) db 0xFF
reset:  jmp 0xF000:start
        times 0x10000 - ($ - $$) db 0xFF
