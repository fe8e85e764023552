; fpu_os.asm - what an OS does with the x87/SSE unit.
; Lazy FPU switching: the "scheduler" sets CR0.TS (MP=1, EM=0, CR4.OSFXSR) on
; every switch between tasks A and B (FXSAVE areas, x87 + SSE), C (an FNSAVE
; area, x87 only) and an idle task. The #NM handler does CLTS, saves the
; owner's state (FXSAVE or FNSAVE), restores the new task's (FXRSTOR or FRSTOR),
; records the owner and returns: the faulting instruction runs again. After
; every resumption a task finds its x87 stack, control, status and tag words,
; MXCSR and XMM registers exactly as it left them; #NM comes once per switch,
; on the first x87/SSE/MMX instruction (also WAIT with MP=1), with its
; address saved; the idle task causes none; a switch back to the task that
; still owns the FPU needs no save or restore.
; x87 error reporting: with CR0.NE an unmasked exception is #MF before the
; next waiting instruction, with no IRQ13; without CR0.NE, FERR# raises IRQ13
; through the slave 8259A, and the handler writes port 0xF0 (clears the IRQ13
; latch), FNCLEX and EOIs both PICs. FNCLEX alone does not re-arm IRQ13: a
; handler that skips the port 0xF0 write gets no interrupt for the next error.
; QEMU 7.2 (see the %ifdef QEMU parts): it reports a pending x87 exception
; only at WAIT/FWAIT, pops the stack of an FDIVP with an unmasked exception,
; delivers no 8259A interrupt to this ROM (and aborts if it could deliver
; IRQ13), and keeps IGNNE# after a port 0xF0 write until FLDENV/FRSTOR/FXRSTOR.
%include "lib/base.inc"
%include "lib/pm.inc"

CR0_MP  equ 0x02
CR0_EM  equ 0x04
CR0_TS  equ 0x08
CR0_NE  equ 0x20

RAM     equ 0x10000
AREA_A  equ RAM+0x0000          ; task A's FXSAVE area (512 bytes, 16-byte aligned)
AREA_B  equ RAM+0x0200          ; task B's FXSAVE area
AREA_C  equ RAM+0x0400          ; task C's FNSAVE area (108 bytes)
EXP_A   equ RAM+0x0600          ; FXSAVE of the state each task left: what it must find
EXP_B   equ RAM+0x0800
EXP_C   equ RAM+0x0A00
DUMP    equ RAM+0x0C00          ; FXSAVE of the state a task finds
TMPL    equ RAM+0x0E00          ; a new task's state (FNINIT, MXCSR 0x1F80, XMM zero)
VAR     equ RAM+0x1000
cur_task      equ VAR+0x00
fpu_owner     equ VAR+0x04      ; task whose state is in the FPU (0: none)
nm_count      equ VAR+0x08
nm_eip        equ VAR+0x0C      ; saved EIP of the last #NM
save_count    equ VAR+0x10
restore_count equ VAR+0x14
nm_expect     equ VAR+0x18
diff_off      equ VAR+0x1C      ; first differing dword of two images (-1: none)
irq13_count   equ VAR+0x20
irq13_eip     equ VAR+0x24
irq13_sw      equ VAR+0x28      ; the status word the IRQ13 handler found
irq13_no_f0   equ VAR+0x2C      ; nonzero: the IRQ13 handler skips port 0xF0
TMP           equ VAR+0x40      ; scratch
RAM_END       equ VAR+0x80

TASK_A    equ 1
TASK_B    equ 2
TASK_C    equ 3
TASK_IDLE equ 4

; SWITCH task: the scheduler's context switch.
%macro SWITCH 1
        mov eax, %1
        call switch_to
%endmacro

; FIRST_FP insn: a task's first x87/SSE/MMX instruction after a switch. It
; must raise exactly one #NM, with its own address saved, and then run.
%macro FIRST_FP 1+
        mov ebx, [nm_count]
        inc ebx
        mov [nm_expect], ebx
%%insn: %1
        CHK [nm_count], [nm_expect]
        CHK [nm_eip], %%insn
%endmacro

; NO_MORE_NM: nothing after the first instruction trapped.
%macro NO_MORE_NM 0
        CHK [nm_count], [nm_expect]
%endmacro

; SAME_STATE actual, expected, entries: compare two FXSAVE images (the first
; `entries` fields of cmp_table). Clobbers ECX, ESI, EDI.
%macro SAME_STATE 3
        mov edi, %1
        mov esi, %2
        mov ecx, %3
        call cmp_fx
        CHK [diff_off], -1
%endmacro

; CHECK_STATE expected, entries: the live state must be the expected image.
%macro CHECK_STATE 2
        fxsave [DUMP]
        SAME_STATE DUMP, %1, %2
%endmacro

; X87_ERROR: an unmasked zero-divide, pending (ES set) for the next waiting
; instruction.
%macro X87_ERROR 0
        fninit
        fldcw [cw_ze_unmasked]
        fld1
        fldz
        fdivp st1, st0
%endmacro

; QEMU_CLEAR_IGNNE: QEMU 7.2 keeps its IGNNE# flag (set by the port 0xF0
; write) until FLDENV/FRSTOR/FXRSTOR load a status word without ES; FNCLEX
; and FNINIT leave it, and while it is set an x87 error raises no FERR#. On a
; PC, FNCLEX deasserts FERR# and with it IGNNE#. The QEMU build reloads a
; clean state so that the next error is reported again.
%macro QEMU_CLEAR_IGNNE 0
%ifdef QEMU
        fxrstor [TMPL]
%endif
%endmacro

TEXT16
rm_main:
        jmp enter_pm

TEXT32
pm_main:
        mov edi, RAM
        mov ecx, (RAM_END - RAM) / 4
        xor eax, eax
        rep stosd
        mov eax, cr0
        and eax, ~(CR0_EM | CR0_TS)
        or eax, CR0_MP | CR0_NE
        mov cr0, eax
        mov eax, cr4
        or eax, 0x200                   ; OSFXSR
        mov cr4, eax
        ; a new task starts from a clean state
        fninit
        ldmxcsr [mxcsr_default]
        xorps xmm0, xmm0
        xorps xmm1, xmm1
        xorps xmm2, xmm2
        xorps xmm3, xmm3
        xorps xmm4, xmm4
        xorps xmm5, xmm5
        xorps xmm6, xmm6
        xorps xmm7, xmm7
        fxsave [TMPL]
        mov esi, TMPL
        mov edi, AREA_A
        mov ecx, 128
        rep movsd
        mov esi, TMPL
        mov edi, AREA_B
        mov ecx, 128
        rep movsd
        fnsave [AREA_C]
        IDT_GATE 7, nm_handler

        ; Each task's first FP instruction loads its (clean) area; the task
        ; then builds a state of its own and snapshots it.
        GROUP "lazy-fpu-first-run"
        SWITCH TASK_A
        FIRST_FP fninit                 ; no owner yet: nothing saved
        CHK [fpu_owner], TASK_A
        CHK [save_count], 0
        CHK [restore_count], 1
        fld1
        fldz
        fdivp st1, st0                  ; +inf, the masked ZE flag set
        fld tword [a_val]
        fld qword [a_m25]               ; depth 3: -2.5, a_val, +inf
        fldcw [a_cw]
        ldmxcsr [a_mxcsr]
        movups xmm0, [a_xmm]            ; XMM4-7 stay 0
        movups xmm1, [a_xmm+16]
        movups xmm2, [a_xmm+32]
        movups xmm3, [a_xmm+48]
        fxsave [EXP_A]
        NO_MORE_NM

        SWITCH TASK_B
        FIRST_FP movups xmm0, [b_xmm]   ; SSE: A saved, B's clean area loaded
        CHK [fpu_owner], TASK_B
        CHK [save_count], 1
        CHK [restore_count], 2
        SAME_STATE AREA_A, EXP_A, CMP_ALL   ; A's whole state went to its area
        movups xmm1, [b_xmm+0x10]
        movups xmm2, [b_xmm+0x20]
        movups xmm3, [b_xmm+0x30]
        movups xmm4, [b_xmm+0x40]
        movups xmm5, [b_xmm+0x50]
        movups xmm6, [b_xmm+0x60]
        movups xmm7, [b_xmm+0x70]
        ldmxcsr [b_mxcsr]
        fld1                            ; R7
        fldz                            ; R6
        fldpi                           ; R5
        fldl2e
        fldl2t
        fldlg2
        fldln2
        fld tword [b_val]               ; R0: a full stack, TOP = 0, every tag valid
        fldcw [b_cw]
        fxam                            ; condition codes of its own
        fxsave [EXP_B]
        NO_MORE_NM

        SWITCH TASK_C
        FIRST_FP fld qword [c_v1]       ; x87: B saved, C's FNSAVE area loaded by FRSTOR
        CHK [fpu_owner], TASK_C
        CHK [save_count], 2
        CHK [restore_count], 3
        SAME_STATE AREA_B, EXP_B, CMP_ALL
        fldlg2
        fld1
        fchs
        fsqrt                           ; sqrt(-1): the default NaN, masked IE flag set
        fldcw [c_cw]
        fxsave [EXP_C]
        NO_MORE_NM

        ; Switched away and back: each task finds its own state, whoever ran
        ; in between and whichever instruction traps first.
        GROUP "lazy-fpu-resume"
        SWITCH TASK_A
        FIRST_FP fnstcw [TMP]           ; C saved with FNSAVE, A restored
        CHK [TMP], [a_cw], 0xFFFF
        CHK [save_count], 3
        CHK [restore_count], 4
        CHK [AREA_C], [c_cw], 0xFFFF    ; C's FNSAVE image: control word,
        CHK [AREA_C+8], 0x0BFF, 0xFFFF  ;   full tag word: R5 special, R6 R7 valid
        call task_a_body
        NO_MORE_NM

        SWITCH TASK_IDLE                ; uses no FP: no #NM, A keeps the FPU
        call idle_task
        CHK [fpu_owner], TASK_A

        SWITCH TASK_A
        FIRST_FP fwait                  ; WAIT with MP=1 and TS=1 traps
        CHK [save_count], 3             ; A still owned the FPU: no save, no restore
        CHK [restore_count], 4
        call task_a_body
        NO_MORE_NM

        SWITCH TASK_B
        FIRST_FP movd eax, mm5          ; MMX: MM5 is R5, B's pi
        CHK eax, 0x2168C235
        CHK [save_count], 4
        CHK [restore_count], 5
        call task_b_body
        NO_MORE_NM

        SWITCH TASK_C
        FIRST_FP fnstsw ax              ; B saved, C restored by FRSTOR
        CHK eax, 0x2801, 0x387F         ; TOP = 5, IE
        CHK [save_count], 5
        CHK [restore_count], 6
        call task_c_body
        NO_MORE_NM

        SWITCH TASK_IDLE
        call idle_task
        CHK [fpu_owner], TASK_C

        SWITCH TASK_A
        FIRST_FP movaps xmm7, xmm7      ; SSE; C's FRSTOR left B's XMM: FXRSTOR replaces them
        CHK [save_count], 6
        CHK [restore_count], 7
        call task_a_body
        NO_MORE_NM

        SWITCH TASK_B
        FIRST_FP fldcw [b_cw]           ; a waiting control instruction
        CHK [save_count], 7
        CHK [restore_count], 8
        call task_b_body
        NO_MORE_NM

        SWITCH TASK_C
        FIRST_FP fnop
        CHK [save_count], 8
        CHK [restore_count], 9
        call task_c_body
        NO_MORE_NM

        SWITCH TASK_A
        FIRST_FP fxsave [DUMP]          ; FXSAVE itself
        CHK [save_count], 9
        CHK [restore_count], 10
        call task_a_body
        NO_MORE_NM

        SWITCH TASK_B
        FIRST_FP stmxcsr [TMP]          ; SSE state instruction
        CHK [TMP], 0x5FA0
        CHK [save_count], 10
        CHK [restore_count], 11
        call task_b_body
        NO_MORE_NM

        SWITCH TASK_IDLE
        call idle_task

        GROUP "lazy-fpu-counts"
        CHK [nm_count], 12              ; one per switch to a task that used the FPU
        CHK [save_count], 10
        CHK [restore_count], 11
        CHK [fpu_owner], TASK_B
        clts
        IDT_RESTORE 7

        ; PIC pair: master vectors 0x20-0x27, slave 0x28-0x2F; only IRQ2 (the
        ; slave) and IRQ13 open.
        IDT_GATE 0x2D, irq13_handler
        mov al, 0x11                    ; ICW1: edge, cascade, ICW4
        out 0x20, al
        out 0xA0, al
        mov al, 0x20                    ; ICW2: vector bases
        out 0x21, al
        mov al, 0x28
        out 0xA1, al
        mov al, 0x04                    ; ICW3: slave on IRQ2, slave identity 2
        out 0x21, al
        mov al, 0x02
        out 0xA1, al
        mov al, 0x01                    ; ICW4: 8086 mode
        out 0x21, al
        out 0xA1, al
        mov al, 0xFB
        out 0x21, al
        mov al, 0xDF
        out 0xA1, al

        ; CR0.NE=1: #MF before the next waiting instruction (which does not
        ; run), and no FERR#/IRQ13 even with IF=1.
        GROUP "mf-native"
        X87_ERROR
        fnstsw ax                       ; non-waiting: reports nothing
        mov ebx, eax
        CHK eax, 0x0084, 0x00FF         ; ES, ZE
%ifndef QEMU
        ; QEMU 7.2 pops the stack of an FDIVP with an unmasked exception
        CHK eax, 0x3000, 0x3800         ; TOP = 6: the FDIVP did not pop
%endif
        sti
        EXPECT_EXC 16, .mf_r
%ifdef QEMU
        ; QEMU 7.2 reports a pending x87 exception only at WAIT/FWAIT
.mf:    fwait
%else
.mf:    fld1
%endif
.mf_r:  cli
        CHKEXC 16, 0
        CHK [v_exc_ip], .mf
        fnstsw ax
        CHK eax, ebx, 0x3800            ; TOP unchanged: FLD1 did not run
        call irq_window
        CHK [irq13_count], 0
        call slave_irr
        CHK eax, 0, 0x20
        fninit

        ; CR0.NE=0: the waiting instruction asserts FERR#, the slave 8259A
        ; latches IRQ13 while IF=0 and the handler runs once after STI.
        GROUP "ferr-irq13"
        mov eax, cr0
        and eax, ~CR0_NE
        mov cr0, eax
        X87_ERROR
        fwait                           ; no #MF: FERR#
        CHK [irq13_count], 0
        call slave_irr
        CHK eax, 0x20, 0x20             ; IRQ13 requested
        call irq_window
        CHK [irq13_count], 1
%ifndef QEMU
        CHK [irq13_eip], irq_window.open    ; right after STI's shadow
%endif
        CHK [irq13_sw], 0x84, 0x84      ; the handler found ES, ZE
        fnstsw ax
        CHK eax, 0, 0x80                ; and its FNCLEX cleared ES
        call pic_isr
        CHK eax, 0                      ; both EOIs done
        ; no second IRQ13: nothing is pending and x87 work goes on quietly
        call slave_irr
        CHK eax, 0, 0x20
        fwait
        fld1
        fstp st0
        call irq_window
        CHK [irq13_count], 1
        ; a new error: port 0xF0 took the line low, so FERR# gives a new edge
        QEMU_CLEAR_IGNNE
        X87_ERROR
        fwait
        call slave_irr
        CHK eax, 0x20, 0x20
        call irq_window
        CHK [irq13_count], 2

        ; A handler that does FNCLEX but not the port 0xF0 write: FERR# goes
        ; low, the IRQ13 latch stays set, and the next error brings no edge.
        GROUP "irq13-latch"
        mov byte [irq13_no_f0], 1
        QEMU_CLEAR_IGNNE
        X87_ERROR
        fwait
        call irq_window
        CHK [irq13_count], 3
        X87_ERROR
        fwait
        call slave_irr
        CHK eax, 0, 0x20                ; nothing requested
        call irq_window
        CHK [irq13_count], 3
        xor al, al                      ; port 0xF0 clears the latch; with the
        out 0xF0, al                    ; error still pending FERR# stays active
        fwait                           ; (IGNNE#): no new edge
        call slave_irr
        CHK eax, 0, 0x20
        fnclex
        mov byte [irq13_no_f0], 0
        QEMU_CLEAR_IGNNE
        X87_ERROR                       ; the next error interrupts again
        fwait
        call slave_irr
        CHK eax, 0x20, 0x20
        call irq_window
        CHK [irq13_count], 4
        fninit
        mov al, 0xFF                    ; mask both PICs again
        out 0x21, al
        out 0xA1, al

        FINISH

; ---------------------------------------------------------------------------
; The scheduler: EAX = the next task. Its FP state stays where it is; CR0.TS
; makes the task's first FP instruction trap.
switch_to:
        mov [cur_task], eax
        push eax
        mov eax, cr0
        or eax, CR0_TS
        mov cr0, eax
        pop eax
        ret

; #NM: give the FPU to the current task.
nm_handler:
        push eax
        push edx
        inc dword [nm_count]
        mov eax, [esp+8]                ; saved EIP (no error code)
        mov [nm_eip], eax
        clts
        mov eax, [fpu_owner]
        cmp eax, [cur_task]
        je .done                        ; its state is still in the FPU
        test eax, eax
        jz .load                        ; nobody's state to keep
        inc dword [save_count]
        mov edx, [task_area+eax*4]
        cmp byte [task_fnsave+eax], 0
        jne .fnsave
        fxsave [edx]
        jmp .load
.fnsave:
        fnsave [edx]
.load:  inc dword [restore_count]
        mov eax, [cur_task]
        mov edx, [task_area+eax*4]
        cmp byte [task_fnsave+eax], 0
        jne .frstor
        fxrstor [edx]
        jmp .own
.frstor:
        frstor [edx]
.own:   mov [fpu_owner], eax
.done:  pop edx
        pop eax
        iretd

; Task bodies: check the whole state, then change something and snapshot it.
task_a_body:
        CHECK_STATE EXP_A, CMP_ALL
        fnstsw ax
        CHK eax, 0x2804, 0x387F         ; TOP = 5, ZE
        fst qword [TMP]
        CHK [TMP+4], 0x40040000, 0x7FFFFFFF     ; |ST0| = 2.5
        CHK [TMP], 0
        movss [TMP], xmm0
        CHK [TMP], [a_xmm]
        stmxcsr [TMP]
        CHK [TMP], 0x3F80
        fchs
        shufps xmm1, xmm1, 0x1B
        fxsave [EXP_A]
        ret

task_b_body:
        CHECK_STATE EXP_B, CMP_ALL
        fnstcw [TMP]
        CHK [TMP], [b_cw], 0xFFFF
        fnstsw ax
        CHK eax, 0, 0x3800              ; TOP = 0
        movss [TMP], xmm5
        CHK [TMP], [b_xmm+0x50]
        stmxcsr [TMP]
        CHK [TMP], 0x5FA0
        fxch st3
        xorps xmm7, xmm6
        fxsave [EXP_B]
        ret

task_c_body:                            ; x87 only: XMM and MXCSR are not C's
        CHECK_STATE EXP_C, CMP_X87
        fnstcw [TMP]
        CHK [TMP], [c_cw], 0xFFFF
        fnstsw ax
        CHK eax, 0x2801, 0x387F         ; TOP = 5, IE
        fxch st2
        fst qword [TMP]
        fxch st2
        CHK [TMP+4], 0xC00E0000         ; ST2 = -3.75
        CHK [TMP], 0
        fxch st1
        fxsave [EXP_C]
        ret

idle_task:                              ; integer work only
        mov ebx, [nm_count]
        mov ecx, 64
        xor edx, edx
.l:     add edx, ecx
        rol edx, 3
        loop .l
        mov eax, cr0
        CHK eax, CR0_TS, CR0_TS         ; still set: nothing trapped
        CHK [nm_count], ebx
        ret

; cmp_fx: compare the FXSAVE images at EDI (actual) and ESI (expected) in the
; first ECX fields of cmp_table; [diff_off] = offset of the first difference.
cmp_fx:
        pushad
        mov dword [diff_off], -1
        mov ebp, cmp_table
.l:     mov ebx, [ebp]
        mov eax, [esi+ebx]
        xor eax, [edi+ebx]
        test eax, [ebp+4]
        jnz .bad
        add ebp, 8
        loop .l
        jmp .r
.bad:   mov [diff_off], ebx
.r:     popad
        ret

; IRQ13: what a PC OS does for FERR#.
irq13_handler:
        push eax
        inc dword [irq13_count]
        mov eax, [esp+4]
        mov [irq13_eip], eax
        fnstsw ax
        movzx eax, ax
        mov [irq13_sw], eax
        cmp byte [irq13_no_f0], 0
        jne .clex
        xor al, al
        out 0xF0, al                    ; clear the IRQ13 latch
.clex:  fnclex
        mov al, 0x20                    ; non-specific EOI: slave, then master
        out 0xA0, al
        out 0x20, al
        pop eax
        iretd

; irq_window: IF=1 for a while; a pending interrupt is taken after STI's
; shadow.
%ifndef QEMU
irq_window:
        sti
        nop
.open:  mov ecx, 100
.l:     dec ecx
        jnz .l
        cli
        ret
%else
; QEMU 7.2 delivers no 8259A interrupt to this ROM (its local APIC's LINT0 is
; masked after reset), and with LINT0 set to ExtINT it aborts on an assertion
; when FERR# raises IRQ13 (its FERR# path does not take the I/O thread lock).
; The QEMU build polls the 8259As instead (OCW3 poll: the read acknowledges
; like INTA) and calls the handler as the interrupt would.
irq_window:
        mov al, 0x0C
        out 0x20, al
        in al, 0x20
        cmp al, 0x82                    ; the slave on IR2
        jne .none
        mov al, 0x0C
        out 0xA0, al
        in al, 0xA0
        cmp al, 0x85                    ; IRQ13
        jne .none
        pushfd
        push cs
        call irq13_handler
.none:  ret
%endif

slave_irr:                              ; EAX = the slave's IRR
        mov al, 0x0A
        out 0xA0, al
        in al, 0xA0
        movzx eax, al
        ret

pic_isr:                                ; EAX = master ISR | slave ISR << 8
        mov al, 0x0B
        out 0xA0, al
        in al, 0xA0
        mov ah, al
        mov al, 0x0B
        out 0x20, al
        in al, 0x20
        movzx eax, ax
        push eax
        mov al, 0x0A                    ; back to IRR reads
        out 0x20, al
        out 0xA0, al
        pop eax
        ret

; ---------------------------------------------------------------------------
cmp_table:                              ; FXSAVE fields: offset, mask
        dd 0, 0xFFFFFFFF                ; FCW, FSW
        dd 4, 0x000000FF                ; abridged tag word
%assign i 0
%rep 8
        dd 32+16*i, 0xFFFFFFFF          ; ST(i), 80 bits
        dd 36+16*i, 0xFFFFFFFF
        dd 40+16*i, 0x0000FFFF
%assign i i+1
%endrep
CMP_X87 equ ($-cmp_table)/8
        dd 24, 0xFFFFFFFF               ; MXCSR
%assign i 0
%rep 32
        dd 160+4*i, 0xFFFFFFFF          ; XMM0-7
%assign i i+1
%endrep
CMP_ALL equ ($-cmp_table)/8

task_area:   dd 0, AREA_A, AREA_B, AREA_C, 0
task_fnsave: db 0, 0, 0, 1, 0

a_cw:    dw 0x0B7F                      ; round up, 64-bit precision
b_cw:    dw 0x067F                      ; round down, 53-bit
c_cw:    dw 0x0C7F                      ; chop, 24-bit
cw_ze_unmasked: dw 0x037B
a_mxcsr: dd 0x3F80                      ; round down
b_mxcsr: dd 0x5FA0                      ; round up, PE flag
mxcsr_default: dd 0x1F80
a_val:   dq 0xD0E0F0A0B0C0D0E1
         dw 0x4123
b_val:   dq 0x8877665544332211
         dw 0xC0FE
a_m25:   dq -2.5
c_v1:    dq -3.75
a_xmm:
%assign i 0
%rep 16
        dd 0xA0000000 + i * 0x01010101
%assign i i+1
%endrep
b_xmm:
%assign i 0
%rep 32
        dd 0xB0000000 + i * 0x00030507
%assign i i+1
%endrep
