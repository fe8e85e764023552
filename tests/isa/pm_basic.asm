; pm_basic.asm - 32-bit protected mode basics: segment register loads and
; their faults (#GP/#NP/#SS with selector error codes), limit checks,
; expand-down segments, descriptor accessed bit, LDT, a 16-bit code segment,
; far CALL/JMP/RET, LAR/LSL/VERR/VERW/ARPL, SGDT/SIDT/SLDT/STR/SMSW/LMSW,
; CPUID, RDTSC, RDMSR/WRMSR (SYSENTER MSRs), #UD (UD2, bad LOCK), the
; 15-byte instruction limit, INVD/WBINVD.
%include "lib/base.inc"
%include "lib/pm.inc"

SEL_SMALL   equ 0x48    ; data, base 0x20000, limit 0xFFF (bytes)
SEL_XONLY   equ 0x50    ; execute-only code
SEL_RONLY   equ 0x58    ; read-only data
SEL_NP      equ 0x60    ; not-present data
SEL_EXPD32  equ 0x68    ; expand-down, B=1, base 0x20000, limit 0xFFF
SEL_EXPD16  equ 0x70    ; expand-down, B=0, base 0x20000, limit 0xFFF
SEL_RCODE   equ 0x78    ; readable code, flat
SEL_G4K     equ 0x80    ; data, G=1, limit 0 (=> 0xFFF)
SEL_LDT     equ 0x88    ; LDT at 0x6000
SEL_CGATE   equ 0x90    ; call gate (for LAR/LSL)
SEL_STK     equ 0x98    ; data, base 0, limit 0x9FFFF (stack segment)
SEL_DPL3D   equ 0xA0    ; data, DPL3, flat
LDT_BASE    equ 0x6000

TEXT16
rm_main:
        jmp enter_pm

; 16-bit protected-mode code (CS = SEL_CODE16, base 0xF0000)
code16_fn:
        mov ax, 0x1616                  ; no prefix: 16-bit operand
        mov ebx, 0x12345678             ; 66h prefix needed here
        o32 retf                        ; called from 32-bit code
code16_jmp:
        mov cx, 0x1600
        jmp dword SEL_CODE32:pm_back16

TEXT32
pm_main:
        DESC SEL_SMALL, 0x20000, 0xFFF, ACC_DATA, DF_DB
        DESC SEL_XONLY, 0, 0xFFFFF, 0x98, DF_G|DF_DB
        DESC SEL_RONLY, 0, 0xFFFFF, 0x90, DF_G|DF_DB
        DESC SEL_NP, 0, 0xFFFFF, 0x12, DF_G|DF_DB
        DESC SEL_EXPD32, 0x20000, 0xFFF, 0x96, DF_DB
        DESC SEL_EXPD16, 0x20000, 0xFFF, 0x96, 0
        DESC SEL_RCODE, 0, 0xFFFFF, ACC_CODE, DF_G|DF_DB
        DESC SEL_G4K, 0x20000, 0, ACC_DATA, DF_G|DF_DB
        DESC SEL_LDT, LDT_BASE, 0x17, 0x82, 0
        GATE GDT_BASE+SEL_CGATE, SEL_CODE32, pm_main, GT_CALL32
        DESC SEL_STK, 0, 0x9FFFF, ACC_DATA, DF_DB
        DESC SEL_DPL3D, 0, 0xFFFFF, ACC_DATA|ACC_DPL3, DF_G|DF_DB
        ; LDT: entry 1 = data base 0x30000 limit 0xFFFF, entry 2 not present
        mov dword [LDT_BASE], 0
        mov dword [LDT_BASE+4], 0
        mov edi, LDT_BASE+8
        mov eax, 0x30000
        mov ebx, 0xFFFF
        mov cx, ACC_DATA
        call make_desc
        mov dword [LDT_BASE+16], 0x0000FFFF
        mov dword [LDT_BASE+20], 0x00CF1200

        GROUP "seg-load-ok"
        mov ax, SEL_SMALL
        mov es, ax
        mov dword [0x20010], 0xCAFE0001
        CHK [es:0x10], 0xCAFE0001
        ; the CPU sets the accessed bit in the (RAM) descriptor
        CHK [GDT_BASE+SEL_SMALL+4], 0x93 << 8, 0xFF00
        mov ax, SEL_RCODE               ; readable code is OK in a data reg
        mov fs, ax
        CHK [fs:0x20010], 0xCAFE0001
        mov ax, SEL_DPL3D               ; DPL3 data at CPL0
        mov gs, ax
        CHK [gs:0x20010], 0xCAFE0001
        xor ax, ax                      ; null is OK in DS/ES/FS/GS
        mov gs, ax
        mov ax, 0x0C                    ; LDT entry 1, TI=1
        mov bx, SEL_LDT
        lldt bx
        mov gs, ax
        mov dword [0x30020], 0xCAFE0002
        CHK [gs:0x20], 0xCAFE0002
        sldt eax
        CHK eax, SEL_LDT, 0xFFFF

        GROUP "seg-load-fault"
        mov ax, 0x0200                  ; beyond the GDT limit (0x1FF)
        EXPECT_EXC 13, .r1
        mov es, ax
.r1:    CHKEXC 13, 0x0200
        mov ax, SEL_XONLY
        EXPECT_EXC 13, .r2
        mov es, ax
.r2:    CHKEXC 13, SEL_XONLY
        mov ax, SEL_NP
        EXPECT_EXC 11, .r3
        mov es, ax
.r3:    CHKEXC 11, SEL_NP
        mov ax, SEL_NP
        EXPECT_EXC 12, .r4
        mov ss, ax                      ; not-present stack: #SS(sel)
.r4:    CHKEXC 12, SEL_NP
        mov ax, SEL_RONLY
        EXPECT_EXC 13, .r5
        mov ss, ax                      ; SS must be writable
.r5:    CHKEXC 13, SEL_RONLY
        mov ax, SEL_RCODE
        EXPECT_EXC 13, .r6
        mov ss, ax
.r6:    CHKEXC 13, SEL_RCODE
        xor ax, ax
        EXPECT_EXC 13, .r7
        mov ss, ax                      ; null SS
.r7:    CHKEXC 13, 0
        mov ax, SEL_DATA32|3            ; RPL3 > DPL0
        EXPECT_EXC 13, .r8
        mov es, ax
.r8:    CHKEXC 13, SEL_DATA32
        mov ax, SEL_DATA32|1            ; SS: RPL must equal CPL
        EXPECT_EXC 13, .r9
        mov ss, ax
.r9:    CHKEXC 13, SEL_DATA32
        mov ax, SEL_TSS                 ; system descriptor
        EXPECT_EXC 13, .r10
        mov fs, ax
.r10:   CHKEXC 13, SEL_TSS
        mov ax, 0x14                    ; LDT entry 2 is not present
        EXPECT_EXC 11, .r11
        mov fs, ax
.r11:   CHKEXC 11, 0x14
        mov ax, 0x1C                    ; beyond the LDT limit
        EXPECT_EXC 13, .r12
        mov fs, ax
.r12:   CHKEXC 13, 0x1C
        EXPECT_EXC 13, .r14
        jmp SEL_DATA32:.r14             ; CS must be code
.r14:   CHKEXC 13, SEL_DATA32
%ifndef QEMU
        ; QEMU (TCG) does not check null selectors, code-segment readability
        ; or data-segment writability on memory accesses.
        xor ax, ax                      ; using a null ES faults
        mov es, ax
        EXPECT_EXC 13, .r13
        mov eax, [es:0]
.r13:   CHKEXC 13, 0
        EXPECT_EXC 13, .r15             ; execute-only: no reads through CS
        jmp SEL_XONLY:.x1
.x1:    mov eax, [cs:0x500]
        jmp SEL_CODE32:.r15
.r15:   CHKEXC 13, 0
        jmp SEL_CODE32:.r16             ; (handler resumed with CS=XONLY)
.r16:   mov ax, SEL_RONLY
        mov es, ax
        EXPECT_EXC 13, .r17
        mov dword [es:0x6000], 1        ; write to read-only data
.r17:   CHKEXC 13, 0
%endif
        mov ax, SEL_DATA32
        mov es, ax

        GROUP "limits"
        mov ax, SEL_SMALL
        mov es, ax
        mov byte [es:0xFFF], 0x5A       ; last byte is inside
        CHK [0x20FFC], 0x5A000000, 0xFF000000
%ifndef QEMU
        ; QEMU (TCG) does not check segment limits on memory accesses: the
        ; faulting accesses below are only checked on vmi86.
        EXPECT_EXC 13, .l1
        mov eax, [es:0xFFE]             ; spans the limit
.l1:    CHKEXC 13, 0
        EXPECT_EXC 13, .l2
        mov [es:0x1000], al
.l2:    CHKEXC 13, 0
%endif
        mov ax, SEL_G4K                 ; G=1: limit 0 means offsets 0..0xFFF
        mov es, ax
        mov eax, [es:0xFFC]
%ifndef QEMU
        EXPECT_EXC 13, .l3
        mov eax, [es:0xFFD]
.l3:    CHKEXC 13, 0
%endif
        ; expand-down, B=1: valid offsets are limit+1 .. 0xFFFFFFFF
        mov ax, SEL_EXPD32
        mov es, ax
        mov dword [0x21000], 0xCAFE0003
        CHK [es:0x1000], 0xCAFE0003
        mov eax, [es:0x10000]           ; fine with B=1
%ifndef QEMU
        EXPECT_EXC 13, .l4
        mov eax, [es:0xFFF]
.l4:    CHKEXC 13, 0
        EXPECT_EXC 13, .l5
        mov eax, [es:0x800]
.l5:    CHKEXC 13, 0
%endif
        ; expand-down, B=0: upper bound is 0xFFFF
        mov ax, SEL_EXPD16
        mov es, ax
        CHK [es:0x1000], 0xCAFE0003
        mov eax, [es:0xFFFC]
%ifndef QEMU
        EXPECT_EXC 13, .l6
        mov eax, [es:0xFFFE]
.l6:    CHKEXC 13, 0
        ; stack segment limit: SS-relative access beyond it is #SS(0)
        mov ax, SEL_STK
        mov ss, ax
        mov ebp, 0xA0000
        EXPECT_EXC 12, .l7
        mov eax, [ebp]
.l7:    CHKEXC 12, 0
        mov eax, [ebp-4]
        EXPECT_EXC 12, .l8
        mov eax, [ss:0x9FFFE]
.l8:    CHKEXC 12, 0
%endif
        mov ax, SEL_DATA32
        mov ss, ax
        mov es, ax

        GROUP "code16"
        mov eax, 0xAAAA0000
        mov ebx, 0
        call SEL_CODE16:code16_fn       ; 32-bit far call into a 16-bit segment
        CHK eax, 0xAAAA1616
        CHK ebx, 0x12345678
        mov ecx, 0xCCCC0000
        jmp SEL_CODE16:code16_jmp
pm_back16:
        CHK ecx, 0xCCCC1600
        mov eax, esp
        CHK eax, PM_STACK

        GROUP "far-call"
        call SEL_CODE32:far32_fn
.fr1:   CHK ebx, .fr1                   ; pushed EIP
        CHK ecx, SEL_CODE32             ; pushed CS (dword slot)
        mov dword [0x6100], far32_fn
        mov dword [0x6104], SEL_CODE32
        call far [0x6100]               ; m16:32
.fr2:   CHK ebx, .fr2
        push dword 0x11111111
        push dword 0x22222222
        call SEL_CODE32:far32_ret8
        mov eax, esp
        CHK eax, PM_STACK
        mov dword [0x6108], .fr3
        mov dword [0x610C], SEL_CODE32
        jmp far [0x6108]
        FAIL_NOW "jmp far [mem]"
.fr3:   mov ax, SEL_RCODE               ; another code selector
        mov word [0x6110+4], SEL_RCODE
        mov dword [0x6110], .fr4
        jmp far [0x6110]
.fr4:   mov eax, 0
        mov ax, cs
        CHK eax, SEL_RCODE
        jmp SEL_CODE32:.fr5
.fr5:

        GROUP "lar-lsl"
        mov eax, 0
        lar eax, [.sel_code32]
        CHKF FL_ZF, FL_ZF
        ; (limit 19:16 reads as 0). The accessed bit is set on real CPUs
        ; because CS was loaded; QEMU does not set it on CS loads.
        CHK eax, 0x00C09A00, 0xFFFFFEFF
        mov bx, SEL_CODE16
        lar ecx, bx
        CHK ecx, 0x00009A00, 0xFFFFFEFF
%ifndef QEMU
        CHK eax, 0x00C09B00
        CHK ecx, 0x00009B00
%endif
        mov bx, SEL_TSS
        lar ecx, bx
        CHK ecx, 0x00008B00             ; busy TSS
        mov bx, SEL_CGATE
        lar ecx, bx
        CHKF FL_ZF, FL_ZF
        CHK ecx, 0x00008C00
        mov ecx, 0x12345678
        xor bx, bx
        lar ecx, bx                     ; null: ZF=0, dest unchanged
        CHKF FL_ZF, 0
        CHK ecx, 0x12345678
        mov bx, 0x0200
        lar ecx, bx
        CHKF FL_ZF, 0
        mov bx, SEL_DATA32|3            ; RPL3 > DPL0
        lar ecx, bx
        CHKF FL_ZF, 0
        mov bx, SEL_DATA32
        lsl ecx, bx
        CHKF FL_ZF, FL_ZF
        CHK ecx, 0xFFFFFFFF
        mov bx, SEL_SMALL
        lsl ecx, bx
        CHK ecx, 0x00000FFF
        mov bx, SEL_G4K
        lsl ecx, bx
        CHK ecx, 0x00000FFF
        mov bx, SEL_TSS
        lsl ecx, bx
        CHK ecx, TSS_LIMIT
        mov bx, SEL_LDT
        lsl ecx, bx
        CHK ecx, 0x17
        mov bx, SEL_CGATE               ; gates have no limit
        lsl ecx, bx
        CHKF FL_ZF, 0

        GROUP "verr-verw-arpl"
        mov bx, SEL_RCODE
        verr bx
        CHKF FL_ZF, FL_ZF
        verw bx
        CHKF FL_ZF, 0
        mov bx, SEL_XONLY
        verr bx
        CHKF FL_ZF, 0
        mov bx, SEL_RONLY
        verr bx
        CHKF FL_ZF, FL_ZF
        verw bx
        CHKF FL_ZF, 0
        mov bx, SEL_DATA32
        verw bx
        CHKF FL_ZF, FL_ZF
        mov bx, SEL_DATA32|3
        verw bx
        CHKF FL_ZF, 0
        mov bx, SEL_NP                  ; not present is fine for VERR
        verr bx
        CHKF FL_ZF, FL_ZF
        xor bx, bx
        verr bx
        CHKF FL_ZF, 0
        mov eax, 0xFFFF0010
        mov ebx, 0x00000003
        arpl ax, bx
        CHKF FL_ZF, FL_ZF
        CHK eax, 0xFFFF0013
        mov ebx, 0x00000002
        arpl ax, bx
        CHKF FL_ZF, 0
        CHK eax, 0xFFFF0013

        GROUP "sys-regs"
        sgdt [0x6200]
        CHK [0x6200], (GDT_BASE << 16) | (GDT_ENTRIES*8-1)
        CHK [0x6204], GDT_BASE >> 16, 0xFFFF
        sidt [0x6208]
        CHK [0x6208], (IDT_BASE << 16) | 0x7FF
        CHK [0x620C], IDT_BASE >> 16, 0xFFFF
        str eax
        CHK eax, SEL_TSS, 0xFFFF
        mov eax, 0
        smsw eax
        CHK eax, 0x11, 0x1F             ; PE=1, ET=1, MP/EM/TS=0
        mov ax, 0x0008
        lmsw ax                         ; sets TS, cannot clear PE
        mov eax, cr0
        CHK eax, 0x19, 0x1F
        clts
        mov eax, cr0
        CHK eax, 0x11, 0x1F
        xor ax, ax
        lldt ax
        sldt eax
        CHK eax, 0, 0xFFFF

        GROUP "cpuid"
        pushfd                          ; EFLAGS.ID toggles
        pop eax
        mov ebx, eax
        xor eax, FL_ID
        push eax
        popfd
        pushfd
        pop eax
        xor eax, ebx
        CHK eax, FL_ID, FL_ID
        push ebx
        popfd
        mov eax, 0
        cpuid
        cmp eax, 1
        setae al
        CHK eax, 1, 0xFF                ; leaf 1 exists
        mov [0x6300], ebx
        mov [0x6304], edx
        mov [0x6308], ecx
        mov esi, 0x6300
        mov ecx, 12
        mov edx, 0
.vend:  lodsb
        cmp al, 0x20
        jb .bad
        cmp al, 0x7E
        jbe .good
.bad:   inc edx
.good:  loop .vend
        CHK edx, 0                      ; count of non-printable vendor chars
        mov eax, 1
        cpuid
        ; PSE(3) TSC(4) MSR(5) CX8(8) SEP(11) PGE(13) CMOV(15)
        CHK edx, 0xA938, 0xA938

        GROUP "tsc-msr"
        rdtsc
        mov esi, eax
        mov edi, edx
        mov ecx, 100
.spin:  loop .spin
        rdtsc
        sub eax, esi
        sbb edx, edi                    ; second - first > 0 (64-bit)
        mov ecx, 0
        jc .tsc_bad
        or eax, edx
        jz .tsc_bad
        inc ecx
.tsc_bad:
        CHK ecx, 1
        mov ecx, 0x174                  ; IA32_SYSENTER_CS
        mov eax, 0x0000ABC8
        mov edx, 0
        wrmsr
        mov ecx, 0x175                  ; IA32_SYSENTER_ESP
        mov eax, 0x12345678
        wrmsr
        mov ecx, 0x176                  ; IA32_SYSENTER_EIP
        mov eax, 0x87654321
        wrmsr
        mov ecx, 0x174
        mov eax, -1
        mov edx, -1
        rdmsr
        CHK eax, 0x0000ABC8
        CHK edx, 0
        mov ecx, 0x175
        rdmsr
        CHK eax, 0x12345678
        mov ecx, 0x176
        rdmsr
        CHK eax, 0x87654321
        ; (RDMSR of an unimplemented MSR should be #GP(0) on real CPUs, but
        ; QEMU 7.2 returns 0 without a fault: not checked.)

        GROUP "ud-lock-len"
        EXPECT_EXC 6, .u1
.ud:    ud2
.u1:    CHKEXC 6, 0
        CHK [v_exc_ip], .ud             ; fault: EIP of the UD2
        EXPECT_EXC 6, .u2
        db 0xF0                         ; lock add eax, ebx: no memory operand
        add eax, ebx
.u2:    CHKEXC 6
%ifndef QEMU
        ; QEMU ignores LOCK on MOV
        EXPECT_EXC 6, .u3
        db 0xF0                         ; lock mov [mem], eax: not lockable
        mov [0x6400], eax
.u3:    CHKEXC 6
%endif
        mov dword [0x6400], 5
        lock add dword [0x6400], 2      ; lockable: fine
        CHK [0x6400], 7
        ; 15 bytes is the longest legal instruction, 16 raises #GP(0)
        mov eax, 0
        times 14 db 0x3E
        inc eax                         ; 14 prefixes + 1 byte
        CHK eax, 1
        EXPECT_EXC 13, .u4
.long:  times 15 db 0x3E
        nop
.u4:    CHKEXC 13, 0
        CHK [v_exc_ip], .long
        invd
        wbinvd
%ifdef QEMU
        CHK [v_exc_count], 13 + 3
%else
        CHK [v_exc_count], 16 + 8 + 4
%endif

        ; An interrupt pending when STI sets IF is taken after exactly one more instruction
        ; (STI's shadow), not later: the 8259A (vectors 0x40-0x47) gets IRQ0 from a PIT one-shot.
        GROUP "sti-shadow"
        IDT_GATE 0x40, .irq0
        mov al, 0x11                    ; ICW1: edge, cascade, ICW4
        out 0x20, al
        mov al, 0x40                    ; ICW2: vector base
        out 0x21, al
        mov al, 0x04                    ; ICW3: slave on IRQ2
        out 0x21, al
        mov al, 0x01                    ; ICW4: 8086 mode
        out 0x21, al
        mov al, 0xFE                    ; only IRQ0
        out 0x21, al
        mov al, 0x30                    ; PIT channel 0, lobyte/hibyte, mode 0 (one-shot)
        out 0x43, al
        mov al, 20
        out 0x40, al
        xor al, al
        out 0x40, al
        mov ecx, 1000000
.irr:   mov al, 0x0A                    ; OCW3: read the IRR
        out 0x20, al
        in al, 0x20
        test al, 1
        jnz .pending
        loop .irr
.pending:
        mov dword [0x21000], 0
        sti
        mov ebx, [0x21000]              ; in the shadow: before the interrupt
        mov edx, [0x21000]              ; after it
        cli
        CHK ebx, 0
%ifndef QEMU
        ; QEMU (TCG) takes an interrupt raised while IF was 0 only when it next leaves its
        ; chained translated code, which this sequence never does.
        CHK edx, 1
%endif
        mov al, 0xFF
        out 0x21, al

        FINISH

.irq0:  inc dword [0x21000]
        push eax
        mov al, 0x20                    ; non-specific EOI
        out 0x20, al
        pop eax
        iretd

.sel_code32: dw SEL_CODE32

far32_fn:
        mov ebx, [esp]
        mov ecx, [esp+4]
        retf
far32_ret8:
        retf 8
