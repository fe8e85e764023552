; exceptions.asm - protected-mode exceptions that can be provoked, with
; their vectors, error codes and saved EIP (fault vs. trap): #DE, #DB
; (single step via TF, DR6.BS), #BP, #OF, #BR (BOUND), #UD, #NM (CR0.TS/EM
; with x87), #DF (#GP delivered through a not-present IDT gate), #TS (IRET
; with NT and a bad back link), #NP (INT n through a not-present gate), #SS,
; #GP, #MF (x87 error with CR0.NE), #AC (CR0.AM+EFLAGS.AC in ring 3),
; #XM (SSE with CR4.OSXMMEXCPT).
%include "lib/base.inc"
%include "lib/pm.inc"

REC     equ 0x6000
SEL_NP  equ 0x48            ; not-present writable data segment

TEXT16
rm_main:
        jmp enter_pm

TEXT32
pm_main:
        DESC SEL_NP, 0, 0xFFFFF, 0x12, DF_G|DF_DB

        GROUP "de-bp-of-br-ud"
        mov eax, 1
        xor ecx, ecx
        EXPECT_EXC 0, .r0
.de:    div ecx
.r0:    CHKEXC 0, 0
        CHK [v_exc_ip], .de             ; fault
        EXPECT_EXC 3, .r3
        int3
.r3:    CHKEXC 3, 0
        CHK [v_exc_ip], .r3             ; trap: next instruction
        mov al, 0x7F
        add al, 1
        EXPECT_EXC 4, .r4
        into
.r4:    CHKEXC 4, 0
        CHK [v_exc_ip], .r4
        mov dword [REC], 10             ; bounds [10, 20]
        mov dword [REC+4], 20
        mov eax, 20
        bound eax, [REC]                ; inside: nothing
        mov eax, 21
        EXPECT_EXC 5, .r5
.br:    bound eax, [REC]
.r5:    CHKEXC 5, 0
        CHK [v_exc_ip], .br             ; fault
        mov eax, 9
        EXPECT_EXC 5, .r5b
        bound ax, [REC]                 ; 16-bit form: words 10 and 0
.r5b:   CHKEXC 5, 0
        EXPECT_EXC 6, .r6
.ud:    ud2
.r6:    CHKEXC 6, 0
        CHK [v_exc_ip], .ud

        GROUP "db-single-step"
        IDT_GATE 1, db_handler
        mov dword [REC+0x10], 0
        xor eax, eax
        mov dr6, eax
        pushfd
        or dword [esp], FL_TF
        popfd                           ; TF=1: the trap follows the NEXT insn
        mov eax, 1
.s1:    mov eax, 2                      ; (handler clears TF)
        IDT_RESTORE 1
        CHK [REC+0x10], 1               ; exactly one #DB
        CHK [REC+0x14], .s1             ; EIP after the single-stepped insn
        CHK [REC+0x18], 0x4000, 0x4000  ; DR6.BS
        CHK [REC+0x1C], FL_TF, FL_TF    ; TF set in the pushed EFLAGS

        GROUP "nm"
        mov eax, cr0
        and eax, ~0x6                   ; EM=0, MP=0
        or eax, 0x8                     ; TS=1
        mov cr0, eax
        EXPECT_EXC 7, .n1
.fpu1:  fnop
.n1:    CHKEXC 7, 0
        CHK [v_exc_ip], .fpu1
        wait                            ; MP=0: WAIT ignores TS
        mov eax, cr0
        or eax, 0x2                     ; MP=1: WAIT faults too
        mov cr0, eax
        EXPECT_EXC 7, .n2
        wait
.n2:    CHKEXC 7, 0
        clts
        mov eax, cr0
        or eax, 0x4                     ; EM=1: x87 instructions fault
        mov cr0, eax
        EXPECT_EXC 7, .n3
        fld1
.n3:    CHKEXC 7, 0
        and eax, ~0x6
        mov cr0, eax
        fninit
        fld1                            ; works again
        fstp st0

        GROUP "df"
        ; #GP while its own gate is not present -> #NP during delivery of a
        ; contributory exception -> #DF(0)
        and byte [IDT_BASE+13*8+5], 0x7F
        mov ax, 0x0200
        EXPECT_EXC 8, .d1
        mov es, ax
.d1:    CHKEXC 8, 0
        or byte [IDT_BASE+13*8+5], 0x80

        GROUP "ts-np-ss-gp"
        ; IRET with NT=1 returns to the back-link task: null link -> #TS(0)
        mov word [TSS_BASE], 0
        pushfd
        or dword [esp], FL_NT
        popfd
        EXPECT_EXC 10, .t1
        iretd
.t1:    pushfd
        and dword [esp], ~FL_NT
        popfd
        CHKEXC 10, 0
        ; INT n through a not-present gate: #NP(vector*8+2)
        IDT_GATE 0x50, pm_main
        and byte [IDT_BASE+0x50*8+5], 0x7F
        EXPECT_EXC 11, .t2
        int 0x50
.t2:    CHKEXC 11, 0x50*8 + 2
        mov ax, SEL_NP
        EXPECT_EXC 12, .t3
        mov ss, ax
.t3:    CHKEXC 12, SEL_NP
        EXPECT_EXC 11, .t4
        mov ds, ax
.t4:    CHKEXC 11, SEL_NP
        ; INT n beyond the IDT limit: #GP(vector*8+2)
        sidt [REC+0x20]
        mov word [REC+0x20], 0x50*8 - 1
        lidt [REC+0x20]
        EXPECT_EXC 13, .t5
        int 0x60
.t5:    mov word [REC+0x20], 256*8 - 1
        lidt [REC+0x20]
        CHKEXC 13, 0x60*8 + 2
        EXPECT_EXC 6, .t6
        mov cr1, eax                    ; reserved control register: #UD
.t6:    CHKEXC 6, 0

        GROUP "mf"
        mov eax, cr0
        or eax, 0x20                    ; CR0.NE: native x87 error reporting
        mov cr0, eax
        fninit
        fnstcw [REC+0x30]
        and word [REC+0x30], ~0x04      ; unmask zero-divide
        fldcw [REC+0x30]
        fld1
        fldz
        fdivp st1, st0                  ; sets ZE, the fault is pending
        EXPECT_EXC 16, .m1
.mf:    fwait                           ; next waiting x87 insn reports it
.m1:    CHKEXC 16, 0
        CHK [v_exc_ip], .mf
        fnstsw ax
        CHK eax, 0x04, 0x04             ; ZE
        fninit

        ; SSE (Pentium III: SSE1 instructions only). Exceptions of SSE floating point:
        ; #UD without CR4.OSFXSR; an unmasked exception is #UD without CR4.OSXMMEXCPT
        ; and #XM (19, no error code) with it; either way the destination keeps its
        ; value and MXCSR records the flags.
        GROUP "xm"
        mov dword [REC+0x44], 0x3F800000        ; 1.0f
        mov dword [REC+0x48], 0                 ; 0.0f
        mov dword [REC+0x4C], 0x7F800001        ; SNaN
        mov dword [REC+0x50], 0x3EAAAAAB        ; 1/3 (1 + 1/3 is inexact)
        mov eax, cr4
        and eax, ~0x600
        mov cr4, eax
        EXPECT_EXC 6, .u1
.ud1:   addps xmm0, xmm1                        ; no OSFXSR: #UD
.u1:    CHKEXC 6, 0
        CHK [v_exc_ip], .ud1
        EXPECT_EXC 6, .u2
        ldmxcsr [REC+0x40]
.u2:    CHKEXC 6, 0
        or eax, 0x200                           ; OSFXSR, no OSXMMEXCPT
        mov cr4, eax
        mov dword [REC+0x40], 0x1F80 & ~0x200   ; unmask ZE in MXCSR
        ldmxcsr [REC+0x40]
        movss xmm0, [REC+0x44]
        movss xmm1, [REC+0x48]
%ifndef QEMU
        ; QEMU 7.2 raises neither #UD nor #XM for unmasked SSE exceptions
        EXPECT_EXC 6, .u3
.ud3:   divss xmm0, xmm1
.u3:    CHKEXC 6, 0
        CHK [v_exc_ip], .ud3
        stmxcsr [REC+0x54]
        CHK [REC+0x54], 0x1D84                  ; ZE recorded
        movss [REC+0x58], xmm0
        CHK [REC+0x58], 0x3F800000              ; destination unchanged
        or eax, 0x400                           ; OSXMMEXCPT
        mov cr4, eax
        EXPECT_EXC 19, .x1
.xm:    divss xmm0, xmm1
.x1:    CHKEXC 19, 0
        CHK [v_exc_ip], .xm
        movss [REC+0x58], xmm0
        CHK [REC+0x58], 0x3F800000
        ; Packed: an unmasked invalid (SNaN) in lane 1 keeps all four lanes, and
        ; the masked precision exception of lane 0 is not reported (an unmasked
        ; pre-computation exception suppresses every post-computation flag).
        mov dword [REC+0x40], 0x1F80 & ~0x80    ; unmask IE
        ldmxcsr [REC+0x40]
        movss xmm0, [REC+0x44]
        shufps xmm0, xmm0, 0                    ; 1.0 in every lane
        movss xmm1, [REC+0x50]
        movss xmm2, [REC+0x4C]
        unpcklps xmm1, xmm2                     ; lanes: 1/3, SNaN, 0, 0
        EXPECT_EXC 19, .x2
.xm2:   addps xmm0, xmm1
.x2:    CHKEXC 19, 0
        CHK [v_exc_ip], .xm2
        stmxcsr [REC+0x54]
        CHK [REC+0x54], 0x1F01                  ; IE only, no PE
        movups [REC+0x60], xmm0
        CHK [REC+0x60], 0x3F800000
        CHK [REC+0x64], 0x3F800000
        ; The same with IE masked: the lanes are written, IE and PE set.
        mov dword [REC+0x40], 0x1F80
        ldmxcsr [REC+0x40]
        addps xmm0, xmm1
        stmxcsr [REC+0x54]
        CHK [REC+0x54], 0x1FA1
        movups [REC+0x60], xmm0
        CHK [REC+0x60], 0x3FAAAAAB              ; 1 + 1/3 rounded to nearest
        CHK [REC+0x64], 0x7FC00001              ; the SNaN quieted
        CHK [REC+0x68], 0x3F800000
%endif
        mov dword [REC+0x40], 0x1F80
        ldmxcsr [REC+0x40]
        movss xmm0, [REC+0x44]
        movss xmm1, [REC+0x48]
        divss xmm0, xmm1                        ; masked: no exception
        stmxcsr [REC+0x40]
        CHK [REC+0x40], 0x1F84                  ; ZE flag set, still masked
        movss [REC+0x58], xmm0
        CHK [REC+0x58], 0x7F800000              ; +infinity

%ifndef QEMU
        ; QEMU does not implement alignment checking (#AC)
        GROUP "ac"
        mov eax, cr0
        or eax, 0x40000                 ; CR0.AM
        mov cr0, eax
        RUN_RING3 user_ac, 0x00000002 | FL_AC
        CHK ebx, 0xC0DE00AC
%endif

        FINISH

db_handler:
        push eax
        inc dword [ss:REC+0x10]
        mov eax, [esp+4]
        mov [ss:REC+0x14], eax
        mov eax, [esp+12]
        mov [ss:REC+0x1C], eax
        mov eax, dr6
        mov [ss:REC+0x18], eax
        and dword [esp+12], ~FL_TF
        pop eax
        iretd

user_ac:
        mov eax, [REC+0x50]             ; aligned: fine
        EXPECT_EXC 17, .a1
.ac:    mov eax, [REC+0x51]             ; misaligned in ring 3 with AC=1
.a1:    CHKEXC 17, 0
        CHK [v_exc_ip], .ac
        mov ebx, 0xC0DE00AC
        int RING0_VEC
