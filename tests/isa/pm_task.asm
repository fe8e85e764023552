; pm_task.asm - hardware task switches with 32-bit TSSs: JMP to a TSS
; descriptor (busy bits, no back link, CR0.TS set, state saved/loaded),
; CALL through a task gate (NT, back link, old task stays busy) and IRET
; with NT=1 back to it, an exception (#GP) delivered through a task gate in
; the IDT (error code pushed on the new task's stack), and the faults of a
; JMP to a busy TSS (#GP) and to a TSS with a too small limit (#TS).
%include "lib/base.inc"
%include "lib/pm.inc"

SEL_TSSB    equ 0x48
SEL_TSSC    equ 0x50
SEL_TGATE   equ 0x58        ; task gate -> TSS C
SEL_TSSD    equ 0x60        ; #GP handler task
SEL_TSSE    equ 0x68        ; limit 0x50: too small
TSSB        equ 0x7000
TSSC        equ 0x7100
TSSD        equ 0x7200
TSSE        equ 0x7300
REC         equ 0x6000

; TSS field offsets
T_LINK  equ 0x00
T_CR3   equ 0x1C
T_EIP   equ 0x20
T_EFL   equ 0x24
T_EAX   equ 0x28
T_ESP   equ 0x38
T_ESI   equ 0x40
T_EDI   equ 0x44
T_ES    equ 0x48

; type byte of a TSS descriptor in the GDT
%define TYPE(sel) byte [GDT_BASE+(sel)+5]

TEXT16
rm_main:
        jmp enter_pm

TEXT32
pm_main:
        mov edi, TSSB
        mov eax, task_b
        mov ebx, 0x7F000
        call init_tss
        mov dword [TSSB+T_EAX], 0xB0B0B0B0
        mov edi, TSSC
        mov eax, task_c
        mov ebx, 0x7E000
        call init_tss
        mov edi, TSSD
        mov eax, task_d
        mov ebx, 0x7D000
        call init_tss
        mov edi, TSSE
        mov eax, task_b
        mov ebx, 0x7C000
        call init_tss
        DESC SEL_TSSB, TSSB, 0x67, 0x89, 0
        DESC SEL_TSSC, TSSC, 0x67, 0x89, 0
        GATE GDT_BASE+SEL_TGATE, SEL_TSSC, 0, GT_TASK
        DESC SEL_TSSD, TSSD, 0x67, 0x89, 0
        DESC SEL_TSSE, TSSE, 0x50, 0x89, 0

        GROUP "jmp-tss"
        mov esi, 0x12345678
        clts
        jmp SEL_TSSB:0                  ; offset ignored
.back_b:
        ; resumed from TSS A with the registers saved at the JMP
        CHK esi, 0x12345678
        mov eax, cr0
        CHK eax, 8, 8                   ; TS set by the switch back
        clts
        str eax
        CHK eax, SEL_TSS, 0xFFFF
        CHK [REC+0], SEL_TSSB           ; TR in task B
        CHK [REC+4], 0xB0B0B0B0         ; EAX loaded from TSS B
        CHK [REC+8], 0, FL_NT           ; JMP: no nesting
        CHK [REC+12], 8, 8              ; CR0.TS in task B
        CHK [REC+16], 0x89              ; A not busy after the JMP away
        CHK [REC+20], 0x8B              ; B busy
        CHK [REC+24], 0x7F000           ; ESP from TSS B
        CHK [TSSB+T_LINK], 0, 0xFFFF    ; no back link for JMP
        CHK [TSSB+T_ESI], 0x5555        ; B's state saved in TSS B
        CHK [TSSB+T_EIP], task_b.after_jmp
        CHK [TSS_BASE+T_EIP], pm_main.back_b    ; A's saved EIP
        CHK [TSS_BASE+T_ESI], 0x12345678
        movzx eax, TYPE(SEL_TSS)
        CHK eax, 0x8B
        movzx eax, TYPE(SEL_TSSB)
        CHK eax, 0x89

        GROUP "call-task-gate"
        mov edi, 0xA0A0A0A0
        call SEL_TGATE:0
        CHK edi, 0xA0A0A0A0             ; A's registers restored
        clts
        CHK [REC+0], FL_NT, FL_NT       ; NT set in the called task
        CHK [REC+4], SEL_TSS            ; back link
        CHK [REC+8], 0x8B               ; A still busy
        CHK [REC+12], 0x8B              ; C busy
        movzx eax, TYPE(SEL_TSSC)       ; IRET cleared C's busy bit
        CHK eax, 0x89
        pushfd
        pop eax
        CHK eax, 0, FL_NT               ; A's NT is clear
        CHK [TSSC+T_EDI], 0xC0C0C0C0    ; C's state saved by the IRET
        ; the second call resumes C after its IRET
        call SEL_TGATE:0
        CHK [REC+16], 2                 ; C's loop count

        GROUP "exception-task-gate"
        GATE IDT_BASE+13*8, SEL_TSSD, 0, GT_TASK
        mov ax, 0x0200                  ; beyond the GDT limit: #GP(0x200)
.fault: mov es, ax
        FAIL_NOW "no #GP"
.resume:
        clts
        IDT_RESTORE 13
        CHK [REC+0], 0x0200             ; error code on task D's stack
        CHK [REC+4], SEL_TSS            ; back link
        CHK [REC+8], pm_main.fault      ; A's saved EIP: the faulting insn
        CHK [REC+12], FL_NT, FL_NT
        movzx eax, TYPE(SEL_TSSD)
        CHK eax, 0x89
        mov eax, es
        CHK eax, SEL_DATA32, 0xFFFF     ; ES unchanged by the failed load

        GROUP "task-faults"
        EXPECT_EXC 13, .f1
        jmp SEL_TSS:0                   ; A is busy
.f1:    CHKEXC 13, SEL_TSS
        EXPECT_EXC 13, .f2
        call SEL_TSS:0
.f2:    CHKEXC 13, SEL_TSS
        EXPECT_EXC 10, .f3
.jmpe:  jmp SEL_TSSE:0                  ; TSS limit < 0x67
.f3:    CHKEXC 10, SEL_TSSE
        CHK [v_exc_ip], pm_main.jmpe    ; fault in the old task
        str eax
        CHK eax, SEL_TSS, 0xFFFF
        movzx eax, TYPE(SEL_TSSE)
        CHK eax, 0x89

        FINISH

; init_tss: EDI = TSS, EAX = EIP, EBX = ESP. Flat ring-0 segments.
init_tss:
        push eax
        push edi
        mov ecx, 0x68 / 4
        xor eax, eax
        rep stosd
        pop edi
        pop eax
        mov [edi+T_EIP], eax
        mov [edi+T_ESP], ebx
        mov dword [edi+T_EFL], 2
        mov eax, cr3
        mov [edi+T_CR3], eax
        mov dword [edi+0x48], SEL_DATA32        ; ES
        mov dword [edi+0x4C], SEL_CODE32        ; CS
        mov dword [edi+0x50], SEL_DATA32        ; SS
        mov dword [edi+0x54], SEL_DATA32        ; DS
        mov dword [edi+0x58], SEL_DATA32        ; FS
        mov dword [edi+0x5C], SEL_DATA32        ; GS
        mov word [edi+0x66], 0x68               ; no I/O bitmap
        ret

task_b:
        str ebx
        movzx ebx, bx
        mov [REC+0], ebx
        mov [REC+4], eax
        pushfd
        pop ebx
        mov [REC+8], ebx
        mov ebx, cr0
        mov [REC+12], ebx
        movzx ebx, TYPE(SEL_TSS)
        mov [REC+16], ebx
        movzx ebx, TYPE(SEL_TSSB)
        mov [REC+20], ebx
        mov [REC+24], esp
        mov esi, 0x5555
        jmp SEL_TSS:0
.after_jmp:
        FAIL_NOW "task B resumed"
        FINISH

task_c:
        mov dword [REC+16], 0
.loop:  inc dword [REC+16]
        pushfd
        pop eax
        mov [REC+0], eax
        movzx eax, word [TSSC+T_LINK]
        mov [REC+4], eax
        movzx eax, TYPE(SEL_TSS)
        mov [REC+8], eax
        movzx eax, TYPE(SEL_TSSC)
        mov [REC+12], eax
        mov edi, 0xC0C0C0C0
        iretd                           ; NT=1: back to the caller task
        jmp .loop

task_d:                                 ; #GP handler task
        pop eax                         ; error code
        mov [REC+0], eax
        movzx eax, word [TSSD+T_LINK]
        mov [REC+4], eax
        mov eax, [TSS_BASE+T_EIP]
        mov [REC+8], eax
        pushfd
        pop eax
        mov [REC+12], eax
        mov dword [TSS_BASE+T_EIP], pm_main.resume
        iretd
        jmp task_d
