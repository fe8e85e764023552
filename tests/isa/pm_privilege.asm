; pm_privilege.asm - privilege transitions: ring 0 -> 3 via IRET and RETF
; (data segment registers nulled), ring 3 -> 0 via a call gate with
; parameter copying and via INT n through a DPL3 interrupt gate (stack
; switch from TSS.SS0:ESP0, pushed frame), gate DPL checks, SYSENTER/SYSEXIT,
; #GP for privileged instructions in ring 3, IOPL-sensitive instructions,
; the TSS I/O permission bitmap, PUSHF/POPF rules for IF and IOPL.
; Runs with -cpu pentium3 (SEP is present).
%include "lib/base.inc"
%include "lib/pm.inc"

SEL_CG3     equ 0x48        ; call gate, DPL3, 2 dword parameters -> gate_fn
SEL_CG0     equ 0x50        ; call gate, DPL0
SEL_SE_CS   equ 0x58        ; SYSENTER_CS: 58 code0, 60 data0, 68 code3, 70 data3
VEC_U       equ 0x40        ; DPL3 interrupt gate
VEC_K       equ 0x41        ; DPL0 interrupt gate
REC         equ 0x6000      ; records written by the ring-0 handlers
SE_STACK    equ 0x87000     ; SYSENTER_ESP

TEXT16
rm_main:
        jmp enter_pm

TEXT32
pm_main:
        GATE GDT_BASE+SEL_CG3, SEL_CODE32, gate_fn, GT_CALL32|ACC_DPL3, 2
        GATE GDT_BASE+SEL_CG0, SEL_CODE32, gate_fn, GT_CALL32, 2
        DESC SEL_SE_CS, 0, 0xFFFFF, ACC_CODE, DF_G|DF_DB
        DESC SEL_SE_CS+8, 0, 0xFFFFF, ACC_DATA, DF_G|DF_DB
        DESC SEL_SE_CS+16, 0, 0xFFFFF, ACC_CODE|ACC_DPL3, DF_G|DF_DB
        DESC SEL_SE_CS+24, 0, 0xFFFFF, ACC_DATA|ACC_DPL3, DF_G|DF_DB
        IDT_GATE VEC_U, int_u_handler, GT_INT32|ACC_DPL3
        IDT_GATE VEC_K, int_u_handler, GT_INT32

        GROUP "iret-to-ring3"
        mov ax, SEL_DATA32              ; DPL0 data in FS/GS: IRET nulls them
        mov fs, ax
        mov gs, ax
        push dword 0                    ; (RING0_VEC returns with RET 8)
        push dword 0
        call .go3a
        jmp .done3a
.go3a:  mov [v_ring0_esp], esp
        push dword SEL_UDATA32
        push dword PM_STACK3
        push dword 2
        push dword SEL_UCODE32
        push dword .r3a
        iretd
.r3a:   ; ring 3 now; DS/ES are still SEL_DATA32 (DPL0) -> nulled as well
        mov ax, ds
        mov bx, fs
        shl ebx, 16
        mov bx, gs
        mov cx, cs
        mov dx, ss
        mov esi, esp
        push dword SEL_UDATA32
        pop ds
        push dword SEL_UDATA32
        pop es
        CHK eax, 0, 0xFFFF
        CHK ebx, 0
        CHK ecx, SEL_UCODE32, 0xFFFF
        CHK edx, SEL_UDATA32, 0xFFFF
        CHK esi, PM_STACK3
        int RING0_VEC
.done3a:

        GROUP "retf-to-ring3"
        mov ax, SEL_UDATA32             ; DPL3 data survives the return
        mov fs, ax
        mov ax, SEL_DATA32
        mov gs, ax
        push dword 0
        push dword 0
        call .go3b
        jmp .done3b
.go3b:  mov [v_ring0_esp], esp
        push dword SEL_UDATA32
        push dword PM_STACK3 - 0x10
        push dword SEL_UCODE32
        push dword .r3b
        retf
.r3b:   mov ax, fs
        mov bx, gs
        mov ecx, esp
        push dword SEL_UDATA32
        pop ds
        CHK eax, SEL_UDATA32, 0xFFFF
        CHK ebx, 0, 0xFFFF
        CHK ecx, PM_STACK3 - 0x10
        int RING0_VEC
.done3b:

        GROUP "call-gate"
        RUN_RING3 user_callgate
        CHK ebx, 0xC0DE0001
        CHK [REC+0], user_callgate.cg_ret ; EIP
        CHK [REC+4], SEL_UCODE32        ; CS
        CHK [REC+8], 0x22222222         ; parameters, copied in order
        CHK [REC+12], 0x11111111
        CHK [REC+16], PM_STACK3 - 8     ; caller ESP (after its pushes)
        CHK [REC+20], SEL_UDATA32       ; caller SS
        CHK [REC+24], PM_STACK0 - 24    ; ring-0 ESP from the TSS
        CHK [REC+28], SEL_CODE32        ; CPL 0 in the gate target
        CHK [REC+32], SEL_DATA32        ; SS from TSS.SS0

        GROUP "int-gate"
        mov dword [REC+32], 0
        RUN_RING3 user_int
        CHK ebx, 0xC0DE0002
        CHK [REC+0], user_int.int_ret    ; EIP after the INT instruction
        CHK [REC+4], SEL_UCODE32
        CHK [REC+8], 0x00000002|FL_CF, 0xFFFFF7FF ; EFLAGS as in ring 3
        CHK [REC+12], PM_STACK3
        CHK [REC+16], SEL_UDATA32
        CHK [REC+20], PM_STACK0 - 20
        CHK [REC+24], 0                 ; handler ran with IF=0 (int gate)

        GROUP "sysenter"
        mov ecx, 0x174
        xor edx, edx
        mov eax, SEL_SE_CS
        wrmsr
        mov ecx, 0x175
        mov eax, SE_STACK
        wrmsr
        mov ecx, 0x176
        mov eax, sysenter_entry
        wrmsr
        RUN_RING3 user_sysenter
        CHK ebx, 0xC0DE0004
        CHK [REC+0], SEL_SE_CS          ; CS in the SYSENTER target
        CHK [REC+4], SEL_SE_CS+8        ; SS
        CHK [REC+8], SE_STACK           ; ESP
        CHK [REC+12], 0, FL_IF|FL_VM    ; IF and VM cleared
        CHK [REC+16], SEL_SE_CS+16+3    ; CS after SYSEXIT
        CHK [REC+20], SEL_SE_CS+24+3    ; SS after SYSEXIT
        CHK [REC+24], PM_STACK3 - 0x40  ; ESP = ECX
        ; SYSENTER with SYSENTER_CS = 0 is #GP(0)
        mov ecx, 0x174
        xor eax, eax
        xor edx, edx
        wrmsr
        RUN_RING3 user_sysenter_gp
        CHK ebx, 0xC0DE0005

        GROUP "priv-insns"
        mov eax, cr4                    ; CR4.TSD: RDTSC is ring 0 only
        or eax, 4
        mov cr4, eax
        RUN_RING3 user_priv
        mov eax, cr4
        and eax, ~4
        mov cr4, eax
        CHK ebx, 0xC0DE0006
        CHK [v_exc_count], 4 + 15 + 3   ; earlier groups: 4

        GROUP "io-bitmap"
        or byte [TSS_BASE+TSS_IOMAP+0x80/8], 1      ; deny port 0x80
        RUN_RING3 user_io
        CHK ebx, 0xC0DE0007
        RUN_RING3 user_io_iopl3, 0x3002             ; IOPL 3: bitmap ignored
        CHK ebx, 0xC0DE0008
        and byte [TSS_BASE+TSS_IOMAP+0x80/8], ~1

        GROUP "pushf-popf"
        ; ring 0: POPF changes IOPL and IF
        pushfd
        push dword 0x3202
        popfd
        pushfd
        pop eax
        popfd
        CHK eax, 0x3202, 0x3202
        RUN_RING3 user_popf_iopl0
        CHK ebx, 0xC0DE0009
        RUN_RING3 user_popf_iopl3, 0x3002
        CHK ebx, 0xC0DE000A
        cli

        FINISH

; --- ring-0 handlers -----------------------------------------------------
gate_fn:                                ; via call gate from ring 3
        push ds
        push ss
        pop ds
        mov eax, [esp+4]
        mov [REC+0], eax
        mov eax, [esp+8]
        mov [REC+4], eax
        mov eax, [esp+12]
        mov [REC+8], eax
        mov eax, [esp+16]
        mov [REC+12], eax
        mov eax, [esp+20]
        mov [REC+16], eax
        mov eax, [esp+24]
        mov [REC+20], eax
        lea eax, [esp+4]
        mov [REC+24], eax
        mov eax, 0
        mov ax, cs
        mov [REC+28], eax
        mov ax, ss
        mov [REC+32], eax
        pop ds
        retf 8                          ; pops the parameters on both stacks

int_u_handler:
        push ds
        push ss
        pop ds
        mov eax, [esp+4]
        mov [REC+0], eax
        mov eax, [esp+8]
        mov [REC+4], eax
        mov eax, [esp+12]
        mov [REC+8], eax
        mov eax, [esp+16]
        mov [REC+12], eax
        mov eax, [esp+20]
        mov [REC+16], eax
        lea eax, [esp+4]
        mov [REC+20], eax
        pushfd
        pop eax
        and eax, FL_IF
        mov [REC+24], eax
        pop ds
        iretd

sysenter_entry:
        mov eax, 0
        mov ax, cs
        mov [ss:REC+0], eax
        mov ax, ss
        mov [ss:REC+4], eax
        mov [ss:REC+8], esp
        pushfd
        pop eax
        mov [ss:REC+12], eax
        sysexit                         ; to EDX with ESP = ECX

; --- ring-3 code ----------------------------------------------------------
user_callgate:
        push dword 0x11111111
        push dword 0x22222222
        call SEL_CG3:0x12345678         ; offset is ignored for a gate
.cg_ret:
        mov eax, esp
        CHK eax, PM_STACK3              ; RETF 8 released the parameters
        mov eax, cs
        CHK eax, SEL_UCODE32, 0xFFFF
        ; a DPL0 gate cannot be used from ring 3
        EXPECT_EXC 13, .g1
        call SEL_CG0:0
.g1:    CHKEXC 13, SEL_CG0
        mov ebx, 0xC0DE0001
        int RING0_VEC

user_int:
        stc
        int VEC_U
.int_ret:
        mov eax, esp
        CHK eax, PM_STACK3
        EXPECT_EXC 13, .i1
        int VEC_K                       ; gate DPL0 < CPL 3
.i1:    CHKEXC 13, VEC_K*8 + 2          ; IDT bit set in the error code
        mov ebx, 0xC0DE0002
        int RING0_VEC

user_sysenter:
        mov ecx, PM_STACK3 - 0x40
        mov edx, .back
        sysenter
        FAIL_NOW "sysenter returned to the next instruction"
.back:  mov eax, 0
        mov ax, cs
        mov [REC+16], eax
        mov ax, ss
        mov [REC+20], eax
        mov [REC+24], esp
        mov ax, SEL_UDATA32             ; back to the library's selectors
        mov ss, ax
        mov esp, PM_STACK3
        ; SYSEXIT is ring-0 only
        EXPECT_EXC 13, .s1
        sysexit
.s1:    CHKEXC 13, 0
        mov ebx, 0xC0DE0004
        int RING0_VEC

user_sysenter_gp:
        EXPECT_EXC 13, .s2
        sysenter
.s2:    CHKEXC 13, 0
        mov ebx, 0xC0DE0005
        int RING0_VEC

; each privileged instruction raises #GP(0) in ring 3
%macro GP0 1+
        EXPECT_EXC 13, %%r
        %1
%%r:    CHKEXC 13, 0
%endmacro
user_priv:
        GP0 hlt
        GP0 cli                         ; IOPL 0 < CPL 3
        GP0 sti
        GP0 mov eax, cr0
        GP0 mov cr3, eax
        GP0 mov eax, dr7
        GP0 lgdt [0x6100]
        GP0 lidt [0x6100]
        GP0 lldt ax
        GP0 ltr ax
        GP0 invlpg [0x6100]
        GP0 wbinvd
        GP0 clts
        GP0 rdmsr
        GP0 rdtsc                       ; CR4.TSD=1
        ; IN/OUT with IOPL 0 are allowed by the I/O bitmap (all ports open)
        mov dx, 0xE9
        mov al, 0
        in al, dx
        ; still fine: SGDT/SIDT/SMSW/STR are not privileged on P6
        sgdt [0x6100]
        CHK [0x6102], GDT_BASE
        smsw eax
        CHK eax, 1, 1
        ; MOV to a segment register of a DPL0 segment
        mov ax, SEL_DATA32
        EXPECT_EXC 13, .p1
        mov es, ax
.p1:    CHKEXC 13, SEL_DATA32
        mov ax, SEL_UDATA32 & ~3        ; RPL0 with DPL3 at CPL3 is fine
        mov es, ax
        EXPECT_EXC 13, .p2              ; SS RPL must equal CPL
        mov ss, ax
.p2:    CHKEXC 13, SEL_UDATA32 & ~3
        ; a far jump to ring-0 code directly
        EXPECT_EXC 13, .p3
        jmp SEL_CODE32:.p3
.p3:    CHKEXC 13, SEL_CODE32
        mov ebx, 0xC0DE0006
        int RING0_VEC

user_io:
        EXPECT_EXC 13, .o1
        out 0x80, al
.o1:    CHKEXC 13, 0
        EXPECT_EXC 13, .o2
        in al, 0x80
.o2:    CHKEXC 13, 0
        EXPECT_EXC 13, .o3
        out 0x7F, ax                    ; ports 0x7F and 0x80: second denied
.o3:    CHKEXC 13, 0
        mov dx, 0x80
        EXPECT_EXC 13, .o4
        insb
.o4:    CHKEXC 13, 0
        in al, 0x81                     ; allowed
        out 0x7E, ax                    ; 0x7E/0x7F allowed
        mov ebx, 0xC0DE0007
        int RING0_VEC

user_io_iopl3:
        out 0x80, al                    ; CPL <= IOPL: no bitmap check
        cli                             ; and CLI is allowed
        mov ebx, 0xC0DE0008
        int RING0_VEC

user_popf_iopl0:
        ; IOPL 0, CPL 3: POPF silently keeps IF and IOPL
        push dword 0x3202 | FL_CF
        popfd
        pushfd
        pop eax
        CHK eax, 0x0002 | FL_CF, 0x3203
        mov ebx, 0xC0DE0009
        int RING0_VEC

user_popf_iopl3:
        ; IOPL 3, CPL 3: IF changes, IOPL still does not
        push dword 0x0202
        popfd
        pushfd
        pop eax
        cli
        CHK eax, 0x3202, 0x3202
        mov ebx, 0xC0DE000A
        int RING0_VEC
