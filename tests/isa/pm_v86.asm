; pm_v86.asm - virtual-8086 mode: entry via IRET with EFLAGS.VM=1, real-mode
; style segmentation inside, PUSHF image (VM/RF hidden), privileged
; instructions -> #GP, INT n with IOPL=3 through a DPL3 IDT gate (V86 frame
; with ES/DS/FS/GS, data segment registers zeroed in the handler), and with
; IOPL<3 the IOPL-sensitive instructions (CLI/STI/PUSHF/POPF/INT n/IRET)
; trap to a #GP monitor, INT3 checks the gate DPL, I/O uses the TSS bitmap,
; HLT returns to the monitor.
%include "lib/base.inc"
%include "lib/pm.inc"

VEC_V   equ 0x40            ; DPL3 interrupt gate used from V86
REC     equ 0x6000          ; records from ring-0 handlers
LOG     equ 0x6100          ; monitor log: opcode bytes
ELOG    equ 0x6180          ; monitor log: error codes (dwords)
V86_SP  equ 0x7000

; RUN_V86 target16, eflags: IRET into V86 at F000:target16 with SS:SP =
; 0:V86_SP and DS/ES/FS/GS = 0. Comes back after `int RING0_VEC` (IOPL 3)
; or HLT under the IOPL-0 monitor below.
%macro RUN_V86 2
        push dword %2
        push dword %1
        call run_v86
%endmacro

TEXT16
rm_main:
        jmp enter_pm

; ---- V86 code (CS = F000, same code as real mode) -------------------------
v86_iopl3:
        GROUP "v86-inside"
        pushfd
        pop eax
        CHK eax, 0x3002, FL_VM|FL_RF|FL_IOPL|2    ; VM and RF not visible
        mov ax, cs
        CHK eax, 0xF000, 0xFFFF
        mov ax, 0x1234                  ; segment = selector * 16
        mov ds, ax
        mov word [0x10], 0xBEEF         ; linear 0x12350
        mov ax, 0xFFFF                  ; no descriptor checks
        mov es, ax
        xor ax, ax
        mov es, ax
        smsw ax                         ; not privileged
        CHK eax, 1, 1
        EXPECT_EXC 13, .e1
        mov eax, cr0                    ; CPL 3
.e1:    CHKEXC 13, 0
        EXPECT_EXC 13, .e2
        hlt
.e2:    CHKEXC 13, 0
        EXPECT_EXC 13, .e3
        lgdt [0x6200]
.e3:    CHKEXC 13, 0
        mov ebx, 0
        mov ax, 0x2345
        mov fs, ax
        mov ax, 0x3456
        mov gs, ax
        int VEC_V                       ; IOPL 3: through the IDT
.ret_int:
        CHK ebx, 0x4040
        mov ax, ds                      ; restored by the IRET to V86
        CHK eax, 0x1234, 0xFFFF
        mov ax, fs
        CHK eax, 0x2345, 0xFFFF
        mov ax, sp
        CHK eax, V86_SP, 0xFFFF
        cli                             ; IOPL 3: allowed
        pushf
        popf
        mov dword [ss:REC+0x40], 0x5A5A5A5A
        int RING0_VEC

v86_iopl0:
        cli                             ; each of these traps to the monitor
        sti
        pushf
        popf
        o32 pushf
        int 0x21
        iret
        int3                            ; not IOPL-sensitive: gate DPL 0 -> #GP
        in al, 0xE9                     ; I/O bitmap allows 0xE9 (no trap)
        out 0x80, al                    ; denied in the bitmap
        mov dx, 0x1111
        hlt                             ; back to the monitor

TEXT32
pm_main:
        IDT_GATE VEC_V, int_v_handler, GT_INT32|ACC_DPL3

        RUN_V86 v86_iopl3, 0x3002
        GROUP "v86-iopl3"
        CHK [v_exc_count], 3
        CHK [0x12350], 0xBEEF, 0xFFFF
        CHK [REC+0x40], 0x5A5A5A5A      ; V86 code ran to the end
        ; the frame the INT pushed from V86 (handler records below)
        CHK [REC+0], v86_iopl3.ret_int  ; EIP
        CHK [REC+4], 0xF000             ; CS
        CHK [REC+8], FL_VM|0x3002, FL_VM|FL_IOPL|FL_IF|2
        CHK [REC+12], V86_SP            ; ESP
        CHK [REC+16], 0                 ; SS
        CHK [REC+20], 0                 ; ES
        CHK [REC+24], 0x1234            ; DS
        CHK [REC+28], 0x2345            ; FS
        CHK [REC+32], 0x3456            ; GS
        CHK [REC+36], 0                 ; DS in the handler: zeroed on entry
        CHK [REC+44], 0                 ; GS in the handler
        CHK [REC+48], PM_STACK0 - 36    ; ring-0 stack from the TSS

        GROUP "v86-iopl0"
        IDT_GATE 13, v86_monitor_gp
        or byte [TSS_BASE+TSS_IOMAP+0x80/8], 1  ; deny port 0x80
        mov dword [REC+56], 0
        RUN_V86 v86_iopl0, 0x0002
        and byte [TSS_BASE+TSS_IOMAP+0x80/8], ~1
        IDT_RESTORE 13
        CHK edx, 0x1111, 0xFFFF         ; registers as V86 left them
        CHK [REC+56], 10                ; traps seen by the monitor
        CHK [LOG+0], 0x9D9CFBFA         ; cli sti pushf popf
        CHK [LOG+4], 0xCCCFCD66         ; o32 pushf, int, iret, int3
        CHK [LOG+8], 0xF4E6, 0xFFFF     ; out 0x80, hlt
        CHK [ELOG+0*4], 0
        CHK [ELOG+5*4], 0
        CHK [ELOG+7*4], 3*8 + 2         ; INT3: gate DPL < CPL, IDT bit set
        CHK [ELOG+8*4], 0

        FINISH

run_v86:                        ; [esp+4] = target, [esp+8] = eflags
        mov [v_ring0_esp], esp
        push dword 0                    ; GS
        push dword 0                    ; FS
        push dword 0                    ; DS
        push dword 0                    ; ES
        push dword 0                    ; SS
        push dword V86_SP               ; ESP
        mov eax, [esp+8+24]
        or eax, FL_VM
        push eax                        ; EFLAGS
        push dword 0xF000               ; CS
        push dword [esp+4+32]           ; EIP
        iretd

int_v_handler:                  ; from V86 (IOPL 3) through a DPL3 gate
        mov eax, 0
        mov ax, ds
        mov [ss:REC+36], eax
        mov ax, gs
        mov [ss:REC+44], eax
        push ss
        pop ds
        push ss                         ; ES is null after an exit from V86 mode too
        pop es
        mov esi, esp
        mov edi, REC
        mov ecx, 9
        cld
        rep movsd                       ; EIP CS EFLAGS ESP SS ES DS FS GS
        mov [REC+48], esp
        mov ebx, 0x4040
        iretd

; A minimal V86 monitor for #GP: log the opcode and error code, skip the
; instruction; HLT ends the V86 session.
v86_monitor_gp:
        push ss
        pop ds
        mov ebx, [REC+56]
        inc dword [REC+56]
        mov eax, [esp]                  ; error code
        mov [ELOG+ebx*4], eax
        movzx eax, word [esp+8]         ; CS
        shl eax, 4
        add eax, [esp+4]                ; + IP
        movzx eax, byte [eax]
        mov [LOG+ebx], al
        cmp al, 0xF4
        je .hlt
        mov ecx, 1
        cmp al, 0xCD                    ; int imm8
        je .two
        cmp al, 0x66                    ; prefixed
        je .two
        cmp al, 0xE6                    ; out imm8, al
        jne .skip
.two:   mov ecx, 2
.skip:  add [esp+4], ecx
        add esp, 4
        iretd
.hlt:   mov esp, [v_ring0_esp]          ; leave V86 for good
        push ss
        pop es
        ret 8
