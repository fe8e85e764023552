; simd_state.asm - MMX and SSE state and availability: CPUID bits; MMn is the
; physical x87 register Rn (not ST(n)); MMX instructions set TOP = 0 and tag
; every register valid, a write sets the exponent and sign to all ones; EMMS
; empties the tags (and sets TOP = 0); MMX #UD with CR0.EM, #NM with CR0.TS,
; #MF for a pending x87 exception; SSE #UD without CR4.OSFXSR and with CR0.EM
; (before #NM), #NM with CR0.TS; #GP(0) for a misaligned 128-bit operand of
; the aligned forms (not of MOVUPS or 64-bit operands); LDMXCSR/STMXCSR and
; #GP for a reserved MXCSR bit; FXSAVE/FXRSTOR of XMM0-7 with CR4.OSFXSR and
; not without it; a few SSE2 integer instructions when CPUID has SSE2.
; QEMU 7.2 (checks in %ifndef QEMU): an MMX write leaves the exponent bits as
; they were, EMMS ignores CR0.EM, MMX instructions report no pending x87
; exception, SSE checks CR0.TS before CR0.EM, only the moves check the
; alignment of a 128-bit operand, LDMXCSR ignores reserved bits.
%include "lib/base.inc"
%include "lib/pm.inc"

REC     equ 0x6000              ; 16-byte aligned scratch
FXA     equ 0x7000              ; FXSAVE area (512 bytes, 16-byte aligned)

TEXT16
rm_main:
        jmp enter_pm

TEXT32
pm_main:
        mov eax, cr0
        and eax, ~0x0C                  ; EM = TS = 0
        or eax, 0x22                    ; MP, NE: x87 errors as #MF
        mov cr0, eax
        mov eax, cr4
        or eax, 0x200                   ; OSFXSR
        mov cr4, eax
        xor eax, eax                    ; bytes 0..127 at REC: 0, 1, 2, ...
.fill:  mov [REC+eax], al
        inc eax
        cmp eax, 128
        jb .fill

        GROUP "cpuid"
        mov eax, 1
        cpuid
        mov [REC+0x1F0], edx
        CHK edx, 0x03800000, 0x03800000 ; MMX, FXSR, SSE

        GROUP "mmx-aliasing"
        fninit
        fld1                            ; R7 = 1.0, TOP = 7
        fld1                            ; R6 = 1.0, TOP = 6
        movq [REC+0x100], mm7           ; MM7 is R7: the mantissa of 1.0
        CHK [REC+0x100], 0
        CHK [REC+0x104], 0x80000000
        fxsave [FXA]
        movzx eax, word [FXA+2]
        CHK eax, 0, 0x3800              ; TOP = 0
        movzx eax, byte [FXA+4]
        CHK eax, 0xFF                   ; every register valid
        movq mm2, [REC+0x10]            ; a write: R2 = 0x17..10, sign/exponent all ones
        fxsave [FXA]
        CHK [FXA+32+16*2], 0x13121110   ; ST(2) is R2 with TOP = 0
        CHK [FXA+32+16*2+4], 0x17161514
        CHK [FXA+32+16*7+4], 0x80000000 ; R7 still 1.0
        movzx eax, word [FXA+32+16*7+8]
        CHK eax, 0x3FFF
%ifndef QEMU
        movzx eax, word [FXA+32+16*2+8]
        CHK eax, 0xFFFF
        fnstenv [REC+0x120]
        CHK [REC+0x128], 0x0020, 0xC030 ; full tags: R2 special, R7 valid
%endif
        emms
        fxsave [FXA]
        movzx eax, byte [FXA+4]
        CHK eax, 0                      ; every register empty
        movzx eax, word [FXA+2]
        CHK eax, 0, 0x3800

        GROUP "mmx-exceptions"
        mov ebx, cr0
        or ebx, 0x04                    ; EM
        mov cr0, ebx
        EXPECT_EXC 6, .u1
.ud1:   paddb mm0, mm1
.u1:    CHKEXC 6
        CHK [v_exc_ip], .ud1
%ifndef QEMU
        EXPECT_EXC 6, .u2
        emms
.u2:    CHKEXC 6
%endif
        xor ebx, 0x0C                   ; EM off, TS on
        mov cr0, ebx
        EXPECT_EXC 7, .n1
.nm1:   paddb mm0, mm1
.n1:    CHKEXC 7
        CHK [v_exc_ip], .nm1
        clts
%ifndef QEMU
        fninit
        fnstcw [REC+0x140]
        and word [REC+0x140], ~0x04     ; unmask zero-divide
        fldcw [REC+0x140]
        fld1
        fldz
        fdivp st1, st0                  ; ZE pending
        EXPECT_EXC 16, .m1
.mf:    paddb mm0, mm1                  ; an MMX instruction reports it
.m1:    CHKEXC 16
        CHK [v_exc_ip], .mf
%endif
        fninit

        GROUP "sse-availability"
        mov eax, cr4
        and eax, ~0x200
        mov cr4, eax
        EXPECT_EXC 6, .s1
.sud:   andps xmm0, xmm1                ; no OSFXSR: #UD
.s1:    CHKEXC 6
        CHK [v_exc_ip], .sud
        EXPECT_EXC 6, .s1b
        stmxcsr [REC+0x140]
.s1b:   CHKEXC 6
        paddb mm0, mm1                  ; MMX does not need OSFXSR
        emms
        or eax, 0x200
        mov cr4, eax
        mov ebx, cr0
        or ebx, 0x08                    ; TS
        mov cr0, ebx
        EXPECT_EXC 7, .s2
.snm:   xorps xmm0, xmm0
.s2:    CHKEXC 7
        CHK [v_exc_ip], .snm
%ifndef QEMU
        or ebx, 0x04                    ; EM and TS: #UD (SDM Vol. 3 Table 13-1)
        mov cr0, ebx
        EXPECT_EXC 6, .s3
        xorps xmm0, xmm0
.s3:    CHKEXC 6
%endif
        and ebx, ~0x0C
        mov cr0, ebx

        GROUP "alignment"
        EXPECT_EXC 13, .a1
.gp1:   movaps xmm0, [REC+8]
.a1:    CHKEXC 13, 0
        CHK [v_exc_ip], .gp1
%ifndef QEMU
        EXPECT_EXC 13, .a2
        andps xmm0, [REC+4]             ; an operation, not only a move
.a2:    CHKEXC 13, 0
%endif
        EXPECT_EXC 13, .a3
        movntps [REC+0x181], xmm0
.a3:    CHKEXC 13, 0
        movups xmm0, [REC+8]            ; unaligned forms are fine
        movups [REC+0x181], xmm0
        CHK [REC+0x181], 0x0B0A0908
        CHK [REC+0x18D], 0x17161514
        movlps xmm1, [REC+0x21]         ; so are 64-bit operands
        movhps xmm1, [REC+0x31]
        movaps [REC+0x1A0], xmm1
        CHK [REC+0x1A0], 0x24232221
        CHK [REC+0x1AC], 0x38373635

        GROUP "mxcsr"
        mov dword [REC+0x140], 0x7F80   ; round toward zero, all masked
        ldmxcsr [REC+0x140]
        stmxcsr [REC+0x144]
        CHK [REC+0x144], 0x7F80
%ifndef QEMU
        ; QEMU 7.2 loads reserved MXCSR bits instead of raising #GP(0)
        mov dword [REC+0x140], 0x11F80
        EXPECT_EXC 13, .x1
.ldgp:  ldmxcsr [REC+0x140]
.x1:    CHKEXC 13, 0
        CHK [v_exc_ip], .ldgp
        stmxcsr [REC+0x144]
        CHK [REC+0x144], 0x7F80         ; unchanged
%endif
        mov dword [REC+0x140], 0x1F80
        ldmxcsr [REC+0x140]

        GROUP "fxsave-xmm"
        movups xmm5, [REC+0x40]
        fxsave [FXA]
        CHK [FXA+24], 0x1F80            ; MXCSR
        CHK [FXA+160+16*5], 0x43424140
        CHK [FXA+160+16*5+12], 0x4F4E4D4C
        mov dword [FXA+160+16*5], 0xCAFEBABE
        fxrstor [FXA]
        movups [REC+0x1C0], xmm5
        CHK [REC+0x1C0], 0xCAFEBABE
        CHK [REC+0x1C4], 0x47464544
        mov eax, cr4                    ; without OSFXSR, no XMM in the image
        and eax, ~0x200
        mov cr4, eax
        mov dword [FXA+160+16*5], 0x5A5A5A5A
        fxsave [FXA]
        CHK [FXA+160+16*5], 0x5A5A5A5A
        or eax, 0x200
        mov cr4, eax

        GROUP "sse2"
        test dword [REC+0x1F0], 1 << 26
        jz .no_sse2
        pcmpeqb xmm0, xmm0              ; all ones
        psrlq xmm0, 60                  ; 0xF in each quadword
        pshufd xmm1, xmm0, 0x4E         ; swap the quadwords
        paddq xmm1, xmm0
        movd eax, xmm1
        CHK eax, 0x1E
        movdqu xmm2, [REC]
        pslldq xmm2, 3
        pmovmskb eax, xmm2              ; no byte has its top bit
        CHK eax, 0
        movdqa [REC+0x1C0], xmm2
        CHK [REC+0x1C0], 0
        CHK [REC+0x1C3], 0x03020100
        movq2dq xmm3, mm2               ; also an MMX transition
        movq [REC+0x1D0], xmm3
        CHK [REC+0x1D0], 0x13121110
        lfence
        mfence
.no_sse2:
        test dword [REC+0x1F0], 1 << 19 ; CLFSH
        jz .no_clflush
        clflush [REC]
.no_clflush:
        sfence
        prefetchnta [REC]

        FINISH
