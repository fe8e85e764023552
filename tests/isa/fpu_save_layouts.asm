; fpu_save_layouts.asm - the x87 environment and state images: FNSTENV in its
; 16- and 32-bit forms in real mode (linear instruction/operand pointers with
; FOP) and protected mode (offset + selector, FOP beside FCS), FNSAVE/FRSTOR
; (registers after the environment, FNSAVE reinitialises the FPU), FNSTENV
; masking every exception, and FXSAVE/FXRSTOR (abridged tag word, FOP, FIP,
; FCS, FDP, FDS, MXCSR, registers at 32 + 16*i, #GP for a misaligned area).
; The last instruction recorded is an FADD with a memory operand at a known
; address. QEMU 7.2 differs from the SDM (checks in %ifndef QEMU): it stores
; no FOP, leaves the exceptions unmasked after FNSTENV, and stores zero
; FIP/FCS/FDP/FDS in the FXSAVE image.
%include "lib/base.inc"
%include "lib/pm.inc"

BUF     equ 0x10000             ; real mode: DS = 0x1000 points here
ONE_F   equ 0x20                ; 1.0f at BUF+0x20

TEXT16
rm_main:
        GROUP "real-mode-fstenv"
        mov eax, cr0
        and eax, ~0x0C                  ; EM=0, TS=0
        mov cr0, eax
        mov ax, BUF >> 4
        mov ds, ax
        mov dword [ONE_F], 0x3F800000
        fninit
        fld1
        fldpi
.ins:   fadd dword [ONE_F]              ; D8 06 20 00: FOP 0x006, operand at 0x10020
        fnstenv [0x100]                 ; 16-bit real-mode layout (14 bytes)
        movzx eax, word [0x100]
        CHK eax, 0x037F
        movzx eax, word [0x102]
        CHK eax, 0x3000, 0x3800         ; TOP = 6
        movzx eax, word [0x104]
        CHK eax, 0x0FFF                 ; R6, R7 valid, the rest empty
%ifndef QEMU
        movzx eax, word [0x106]
        CHK eax, .ins                   ; FIP 15..0 (linear 0xF0000 + .ins)
        movzx eax, word [0x108]
        CHK eax, 0xF006                 ; FIP 19..16 | FOP
        movzx eax, word [0x10A]
        CHK eax, 0x0020                 ; FDP 15..0
        movzx eax, word [0x10C]
        CHK eax, 0x1000                 ; FDP 19..16
%endif
        o32 fnstenv [0x200]             ; 32-bit real-mode layout (28 bytes)
        CHK [0x200], 0x037F, 0xFFFF
        CHK [0x204], 0x3000, 0x3800
        CHK [0x208], 0x0FFF, 0xFFFF
%ifndef QEMU
        CHK [0x20C], .ins               ; FIP 15..0
        CHK [0x210], 0x0000F006         ; FIP 31..16 << 12 | FOP
        CHK [0x214], 0x0020             ; FDP 15..0
        CHK [0x218], 0x00001000         ; FDP 31..16 << 12
%endif

        GROUP "real-mode-fsave-frstor"
        fnstcw [0x180]
        movzx eax, word [0x180]
        CHK eax, 0x037F                 ; FNSTENV masked all (they were)
        fnsave [0x300]                  ; 16-bit: environment, then ST0..ST7
        CHK [0x300 + 14], 0x10B4611A    ; ST0 = pi + 1 = 4.14159...
        CHK [0x300 + 18], 0x8487ED51
        movzx eax, word [0x300 + 22]
        CHK eax, 0x4001
        movzx eax, word [0x300 + 32]
        CHK eax, 0x3FFF                 ; ST1 = 1.0
        fnstsw ax
        CHK eax, 0, 0x3800              ; FNSAVE reinitialised: TOP = 0
        fnstenv [0x180]
        movzx eax, word [0x184]
        CHK eax, 0xFFFF                 ; all empty
        frstor [0x300]
        fnstsw ax
        CHK eax, 0x3000, 0x3800
        fld1
        fadd st0, st0                   ; 2.0
        fcomp st1                       ; 2 < 4.14: C0
        fnstsw ax
        CHK eax, 0x0100, 0x4500
        fninit
        xor ax, ax
        mov ds, ax
        jmp enter_pm

TEXT32
pm_main:
        GROUP "pm-fstenv"
        mov dword [BUF + ONE_F], 0x3F800000
        fninit
        fld1
        fldpi
.pins:  fadd dword [BUF + ONE_F]        ; D8 05 disp32: FOP 0x005
        fnstenv [BUF + 0x400]           ; 32-bit protected-mode layout
        CHK [BUF + 0x400], 0x037F, 0xFFFF
        CHK [BUF + 0x404], 0x3000, 0x3800
        CHK [BUF + 0x408], 0x0FFF, 0xFFFF
        CHK [BUF + 0x40C], .pins        ; FIP offset
        CHK [BUF + 0x410], SEL_CODE32, 0xFFFF
%ifndef QEMU
        CHK [BUF + 0x410], 0x0005 << 16, 0x07FF0000 ; FOP
%endif
        CHK [BUF + 0x414], BUF + ONE_F  ; FDP offset
        CHK [BUF + 0x418], SEL_DATA32, 0xFFFF
        o16 fnstenv [BUF + 0x500]       ; 16-bit protected-mode layout
        movzx eax, word [BUF + 0x506]
        mov ecx, .pins
        movzx ecx, cx
        CHK eax, ecx                    ; FIP 15..0
        movzx eax, word [BUF + 0x508]
        CHK eax, SEL_CODE32
        movzx eax, word [BUF + 0x50A]
        CHK eax, (BUF + ONE_F) & 0xFFFF
        movzx eax, word [BUF + 0x50C]
        CHK eax, SEL_DATA32

        GROUP "fnstenv-masks"
        fnstcw [BUF + 0x580]
        and word [BUF + 0x580], ~0x04   ; unmask ZE
        fldcw [BUF + 0x580]
        fnstenv [BUF + 0x400]
        CHK [BUF + 0x400], 0x037B, 0xFFFF ; the image has the unmasked ZE
%ifndef QEMU
        fnstcw [BUF + 0x580]
        movzx eax, word [BUF + 0x580]
        CHK eax, 0x037F                 ; afterwards all are masked
%endif

        GROUP "fxsave"
        mov eax, cr4
        or eax, 0x200                   ; CR4.OSFXSR: the image includes MXCSR
        mov cr4, eax
        fninit
        fld1
        fldpi
.fins:  fadd dword [BUF + ONE_F]
        fxsave [BUF + 0x600]
        CHK [BUF + 0x600], 0x037F, 0xFFFF       ; FCW
        CHK [BUF + 0x600], 0x30000000, 0x38000000 ; FSW: TOP = 6
        CHK [BUF + 0x604], 0xC0, 0xFF           ; abridged tag: R6, R7
%ifndef QEMU
        CHK [BUF + 0x604], 0x0005 << 16, 0x07FF0000 ; FOP
        CHK [BUF + 0x608], .fins                ; FIP
        CHK [BUF + 0x60C], SEL_CODE32, 0xFFFF   ; FCS
        CHK [BUF + 0x610], BUF + ONE_F          ; FDP
        CHK [BUF + 0x614], SEL_DATA32, 0xFFFF   ; FDS
%endif
        CHK [BUF + 0x618], 0x1F80               ; MXCSR
        CHK [BUF + 0x620], 0x10B4611A           ; ST0 = pi + 1
        CHK [BUF + 0x624], 0x8487ED51
        CHK [BUF + 0x628], 0x4001, 0xFFFF
        CHK [BUF + 0x638], 0x3FFF, 0xFFFF       ; ST1 = 1.0
        mov word [BUF + 0x600], 0x027F          ; FCW with 53-bit precision
        fninit
        fxrstor [BUF + 0x600]
        fnstcw [BUF + 0x580]
        movzx eax, word [BUF + 0x580]
        CHK eax, 0x027F
        fnstsw ax
        CHK eax, 0x3000, 0x3800
        EXPECT_EXC 13, .gp
        fxsave [BUF + 0x608]                    ; not 16-byte aligned
.gp:    CHKEXC 13, 0
        fninit
        FINISH
