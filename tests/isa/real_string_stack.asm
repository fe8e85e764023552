; real_string_stack.asm - real mode: string instructions (REP/REPE/REPNE,
; both directions, 16- and 32-bit address size), stack (PUSH/POP forms,
; PUSHA/POPA, PUSHF/POPF, ENTER/LEAVE with nesting), near/far CALL/RET/JMP,
; INT n/INT3/INTO/IRET through the IVT, LOOP/LOOPcc/JCXZ/JECXZ, Jcc/SETcc/
; CMOVcc for every condition, XLAT, LAHF/SAHF, CBW/CWDE/CWD/CDQ, MOVZX/MOVSX,
; BT/BTS/BTR/BTC (incl. register bit offsets outside the operand), BSF/BSR,
; BSWAP, XADD, CMPXCHG, CMPXCHG8B, XCHG, LEA, LDS/LES/LFS/LGS/LSS, and the
; A20 gate (port 0x92: addresses wrap at 1 MiB when it is off).
%define TEXT32_AT 0xE000
%include "lib/base.inc"

BUF     equ 0x6000          ; scratch RAM (DS=0 unless noted)

; CC1 cc, idx: record SETcc, CMOVcc, Jcc short and Jcc near for the
; current flags into four 16-byte arrays at BUF+0x100/0x110/0x120/0x130.
%macro CC1 2
        set%1 byte [BUF+0x100+%2]
        mov eax, 0
        mov ebx, 1
        cmov%1 eax, ebx
        mov [BUF+0x110+%2], al
        mov byte [BUF+0x120+%2], 0
        j%1 short %%t
        jmp short %%n
%%t:    mov byte [BUF+0x120+%2], 1
%%n:    mov byte [BUF+0x130+%2], 0
        j%1 near %%t2
        jmp short %%n2
%%t2:   mov byte [BUF+0x130+%2], 1
%%n2:
%endmacro

; CCROW flags, want0..want3: expected 0/1 bytes for o,no,b,ae,e,ne,be,a,
; s,ns,p,np,l,ge,le,g under `flags`.
%macro CCROW 5
        push dword (%1) | 2
        popfd
        CC1 o, 0
        CC1 no, 1
        CC1 b, 2
        CC1 ae, 3
        CC1 e, 4
        CC1 ne, 5
        CC1 be, 6
        CC1 a, 7
        CC1 s, 8
        CC1 ns, 9
        CC1 p, 10
        CC1 np, 11
        CC1 l, 12
        CC1 ge, 13
        CC1 le, 14
        CC1 g, 15
        CHKF FL_ARITH, %1           ; none of the above changed flags
%assign k 0
%rep 4
        CHK [BUF+0x100+k*16], %2    ; setcc
        CHK [BUF+0x104+k*16], %3
        CHK [BUF+0x108+k*16], %4
        CHK [BUF+0x10C+k*16], %5
%assign k k+1
%endrep
%endmacro

TEXT16
rm_main:
        xor ax, ax
        mov ds, ax
        mov es, ax

        GROUP "movs"
        mov dword [BUF], 0x44332211
        mov dword [BUF+4], 0x88776655
        mov esi, 0xABCD0000 + BUF
        mov edi, 0x12340000 + BUF + 0x20
        mov ecx, 0x55550005
        cld
        rep movsb
        ; a16: only SI/DI/CX are used and updated
        CHK esi, 0xABCD0000 + BUF + 5
        CHK edi, 0x12340000 + BUF + 0x25
        CHK ecx, 0x55550000
        CHK [BUF+0x20], 0x44332211
        CHK [BUF+0x24], 0x00000055
        ; backwards, words: copy BUF+0..7 to BUF+0x40..0x47 from the top
        mov si, BUF+6
        mov di, BUF+0x46
        mov cx, 4
        std
        rep movsw
        cld
        CHK esi, 0xABCD0000 + BUF - 2
        CHK [BUF+0x40], 0x44332211
        CHK [BUF+0x44], 0x88776655
        ; a32: ESI/EDI/ECX
        mov esi, BUF
        mov edi, BUF+0x60
        mov ecx, 2
        a32 rep movsd
        CHK esi, BUF+8
        CHK edi, BUF+0x68
        CHK ecx, 0
        CHK [BUF+0x64], 0x88776655
        ; segment override applies to the source; ES:DI is fixed
        mov ax, BUF >> 4
        mov fs, ax
        mov si, 4
        mov di, BUF+0x74
        fs movsd                        ; source FS:SI = BUF+4
        CHK [BUF+0x74], 0x88776655
        ; SI wraps at 64 KiB with a 16-bit address size
        mov esi, 0xABCDFFFF
        mov di, BUF+0x80
        movsb
        CHK esi, 0xABCD0000
        mov esi, 0

        GROUP "stos-lods"
        mov eax, 0xA1B2C3D4
        mov di, BUF+0x200
        mov cx, 3
        rep stosd
        CHK [BUF+0x208], 0xA1B2C3D4
        CHK edi, BUF + 0x20C
        std
        mov al, 0x5A
        stosb                            ; at BUF+0x20C, DI -> 0x20B
        cld
        CHK edi, BUF + 0x20B
        CHK [BUF+0x20C], 0x0000005A
        mov si, BUF+0x209
        lodsw
        CHK eax, 0xA1B2B2C3
        CHK esi, BUF+0x20B
        std
        lodsb                           ; [0x20B] = 0xA1
        cld
        CHK eax, 0xA1B2B2A1
        mov ecx, 0                      ; REP with CX=0 does nothing
        mov di, BUF+0x200
        rep stosb
        CHK [BUF+0x200], 0xA1B2C3D4
        CHK edi, BUF + 0x200
        mov edi, 0

        GROUP "cmps-scas"
        mov dword [BUF+0x300], 0x04030201
        mov dword [BUF+0x304], 0x08070605
        mov dword [BUF+0x310], 0x04030201
        mov dword [BUF+0x314], 0x08077705
        mov si, BUF+0x300
        mov di, BUF+0x310
        mov cx, 8
        repe cmpsb                      ; stops after comparing the 6th byte
        CHK ecx, 2
        CHK esi, BUF+0x306
        CHK edi, BUF+0x316
        CHKF FL_ARITH, FL_CF|FL_AF|FL_SF   ; 0x06 - 0x77
        mov si, BUF+0x300
        mov di, BUF+0x310
        mov cx, 2
        repe cmpsw                      ; all equal: runs out
        CHK ecx, 0
        CHKF FL_ZF|FL_CF, FL_ZF
        mov di, BUF+0x300
        mov al, 0x05
        mov cx, 8
        repne scasb
        CHK ecx, 3
        CHK edi, BUF+0x305
        CHKF FL_ZF, FL_ZF
        mov di, BUF+0x300
        mov al, 0x99
        mov cx, 8
        repne scasb                     ; not found
        CHK ecx, 0
        CHKF FL_ZF, 0
        std
        mov di, BUF+0x300
        mov eax, 0x04030201
        scasd
        cld
        CHKF FL_ZF, FL_ZF
        CHK edi, BUF+0x2FC
        mov di, BUF+0x300               ; REPNE with CX=0: flags untouched
        mov cx, 0
        stc
        repne scasb
        CHKF FL_CF|FL_ZF, FL_CF|FL_ZF
        ; a32 REPE CMPSD uses ECX
        mov esi, BUF+0x300
        mov edi, BUF+0x310
        mov ecx, 0x00010002              ; CX alone would be 2
        a32 repe cmpsd
        CHK ecx, 0x00010000
        CHKF FL_ZF, 0
        xor esi, esi
        xor edi, edi

        GROUP "push-pop"
        mov bp, sp
        push sp                         ; 286+: pushes SP before the decrement
        pop ax
        CHK eax, RM_STACK, 0xFFFF
        push byte -2                    ; 6A: sign-extended to 16 bits
        pop bx
        CHK ebx, 0x0000FFFE
        push dword 0x12345678
        pop ecx
        CHK ecx, 0x12345678
        mov word [BUF+0x400], 0xBEEF
        push word [BUF+0x400]
        pop word [BUF+0x402]
        CHK [BUF+0x400], 0xBEEFBEEF
        mov ax, 0x1234
        mov fs, ax
        push fs
        pop gs
        mov ax, gs
        CHK eax, 0x00001234, 0xFFFF
        push cs
        pop dx
        CHK edx, 0x0000F000
        o32 push es                     ; 32-bit push of a segment register
        pop ecx
        CHK ecx, 0, 0xFFFF              ; low word is ES (upper not defined)
        movzx eax, sp
        CHK eax, RM_STACK

        GROUP "pusha-popa"
        mov eax, 0xA0A0AAAA
        mov ecx, 0xC0C0CCCC
        mov edx, 0xD0D0DDDD
        mov ebx, 0xB0B0BBBB
        mov ebp, 0xB1B1B1B1
        mov esi, 0x51515151
        mov edi, 0xD1D1D1D1
        pusha
        mov bp, sp
        CHK [bp+0], 0x51515151 & 0xFFFF0000 | 0xD1D1 ; DI, SI
        CHK [bp+4], (RM_STACK << 16) | 0xB1B1          ; BP, SP
        CHK [bp+8], 0xDDDDBBBB                         ; BX, DX
        CHK [bp+12], 0xAAAACCCC                        ; CX, AX
        mov word [bp+6], 0x1111         ; popped SP value is discarded
        xor eax, eax
        xor ecx, ecx
        mov ebx, 0x77770000
        popa
        CHK eax, 0x0000AAAA
        CHK ecx, 0x0000CCCC
        CHK ebx, 0x7777BBBB
        CHK esi, 0x51515151
        movzx eax, sp
        CHK eax, RM_STACK
        mov eax, 0xA0A0AAAA
        pushad
        mov bp, sp
        CHK [bp+12], RM_STACK           ; ESP before PUSHAD
        CHK [bp+28], 0xA0A0AAAA
        mov dword [bp+28], 0x12345678
        popad
        CHK eax, 0x12345678
        movzx eax, sp
        CHK eax, RM_STACK

        GROUP "pushf-popf"
        ; real mode: IOPL and NT are writable, bit 1 reads 1, bits 3/5/15 read 0
        push word 0xFCFF                ; everything except TF and IF
        popf
        pushf
        pop ax
        CHK eax, 0x7CD7, 0xFFFF
        ; POPFD: AC and ID writable; VM and RF are not changed by POPF
        push dword 0x00370CD5
        popfd
        pushfd
        pop eax
        CHK eax, 0x00240CD7
        push dword 2
        popfd
        pushfd
        pop eax
        CHK eax, 0x00000002

        GROUP "enter-leave"
        mov [ss:BUF+0x500], sp
        xor ebp, ebp
        mov sp, 0x7800
        mov bp, 0x7000
        mov word [ss:0x6FFE], 0x1234    ; display entry of the outer frame
        enter 8, 0
        movzx eax, sp
        CHK eax, 0x77F6
        CHK ebp, 0x77FE
        CHK [ss:0x77FE], 0x7000, 0xFFFF
        leave
        movzx eax, sp
        CHK eax, 0x7800
        CHK ebp, 0x7000
        enter 4, 2                      ; push bp; push [bp-2]; push frame
        movzx eax, sp
        CHK eax, 0x77F6
        CHK ebp, 0x77FE
        CHK [ss:0x77FA], 0x123477FE     ; copied display (77FC) : frame ptr (77FA)
        CHK [ss:0x77FE], 0x7000, 0xFFFF
        leave
        enter 0, 3                      ; copies [bp-2] and [bp-4]
        movzx eax, sp
        CHK eax, 0x7800 - 2 - 4 - 2
        CHK ebp, 0x77FE
        CHK [ss:0x77F8], 0x12340000 | 0x77FE, 0xFFFF   ; frame ptr at 77F8
        leave
        mov sp, [ss:BUF+0x500]
        xor ebp, ebp

        GROUP "call-ret"
        xor eax, eax
        xor ebx, ebx
        call near_fn
.ret1:  CHK eax, 1
        CHK ebx, .ret1                  ; near_fn returns its return address in BX
        push word 0x1111
        push word 0x2222
        call ret4_fn                    ; RET 4 drops both words
        CHK eax, 0x00001111
        movzx eax, sp
        CHK eax, RM_STACK
        call 0xF000:far_fn
.ret2:  CHK ebx, .ret2
        CHK ecx, 0xF000
        mov word [BUF+0x600], far_fn
        mov word [BUF+0x602], 0xF000
        call far [BUF+0x600]
.ret3:  CHK ebx, .ret3
        mov dx, near_fn
        xor eax, eax
        call dx
        CHK eax, 1
        mov word [BUF+0x604], near_fn
        call [BUF+0x604]
        CHK eax, 2
        push word 0x5555
        call 0xF000:retf2_fn
        movzx eax, sp
        CHK eax, RM_STACK
        mov word [BUF+0x606], .j1
        jmp [BUF+0x606]
        FAIL_NOW "jmp [mem]"
.j1:    mov word [BUF+0x608], .j2
        mov word [BUF+0x60A], 0xF000
        jmp far [BUF+0x608]
        FAIL_NOW "jmp far [mem]"
.j2:    mov bx, .j3
        jmp bx
        FAIL_NOW "jmp reg"
.j3:    jmp 0xF000:.j4
        FAIL_NOW "jmp ptr16:16"
.j4:

        GROUP "int-iret"
        mov word [ss:0x40*4], int40
        mov word [ss:0x40*4+2], 0xF000
        push word FL_CF|FL_ZF|FL_DF|2
        popf
        int 0x40
.ri:    cld
        CHK eax, 0x4040
        CHK [ss:BUF+0x700], .ri, 0xFFFF                 ; pushed IP
        CHK [ss:BUF+0x702], 0xF000, 0xFFFF              ; pushed CS
        CHK [ss:BUF+0x704], FL_CF|FL_ZF|FL_DF|2, 0xFFFF ; pushed FLAGS
        CHK [ss:BUF+0x706], FL_CF|FL_ZF|FL_DF|2, 0xFFFF ; FLAGS in handler
        CHKF FL_CF|FL_ZF|FL_SF, FL_SF   ; handler replaced the pushed flags
        EXPECT_EXC 3, .r3
        int3                            ; trap: saved IP is the next instruction
.r3:    CHKEXC 3
        CHK [ss:v_exc_ip], .r3
        EXPECT_EXC 3, .r3b
        int 3                           ; CD 03 form
.r3b:   CHK [ss:v_exc_ip], .r3b
        mov al, 0x7F
        add al, 1                       ; OF=1
        EXPECT_EXC 4, .r4
        into
.r4:    CHKEXC 4
        CHK [ss:v_exc_ip], .r4
        add al, 1                       ; OF=0: INTO does nothing
        into
        CHK [ss:v_exc_count], 3

        GROUP "loop"
        mov ecx, 0xABCD0005
        xor eax, eax
.l1:    inc eax
        loop .l1                        ; a16: uses CX only
        CHK eax, 5
        CHK ecx, 0xABCD0000
        mov ecx, 0x00010002
        xor eax, eax
.l2:    inc eax
        loop .l2, ecx                   ; a32: uses ECX
        CHK eax, 0x00010002
        mov dword [BUF+0x800], 0x00000000
        mov dword [BUF+0x804], 0x00070000
        mov esi, BUF+0x800
        mov cx, 8
.l3:    lodsb
        cmp al, 0
        loope .l3                       ; stop at the first non-zero byte
        CHK ecx, 1
        CHK esi, BUF+0x807
        mov si, BUF+0x804
        mov cx, 8
.l4:    lodsb
        cmp al, 0
        loopne .l4                      ; stop at the first zero byte
        CHK esi, BUF+0x805
        CHK ecx, 7
        mov ecx, 0x00010000             ; CX=0, ECX!=0
        jcxz .jc1
        FAIL_NOW "jcxz"
.jc1:   jecxz .jc2
        jmp .jc3
.jc2:   FAIL_NOW "jecxz"
.jc3:   mov ecx, 0
        jecxz .jc4
        FAIL_NOW "jecxz 0"
.jc4:   mov cx, 1
        mov eax, 0
        loop .jc5                       ; CX becomes 0: falls through
        mov eax, 1
.jc5:   CHK eax, 1

        GROUP "cc"
        CCROW 0, 0x01000100, 0x01000100, 0x01000100, 0x01000100
        CCROW FL_CF, 0x00010100, 0x00010100, 0x01000100, 0x01000100
        CCROW FL_ZF, 0x01000100, 0x00010001, 0x01000100, 0x00010100
        CCROW FL_SF, 0x01000100, 0x01000100, 0x01000001, 0x00010001
        CCROW FL_OF, 0x01000001, 0x01000100, 0x01000100, 0x00010001
        CCROW FL_SF|FL_OF, 0x01000001, 0x01000100, 0x01000001, 0x01000100
        CCROW FL_CF|FL_ZF, 0x00010100, 0x00010001, 0x01000100, 0x00010100
        CCROW FL_PF, 0x01000100, 0x01000100, 0x00010100, 0x01000100
        CCROW FL_ZF|FL_SF, 0x01000100, 0x00010001, 0x01000001, 0x00010001
        CCROW FL_ZF|FL_OF, 0x01000001, 0x00010001, 0x01000100, 0x00010001
        ; CMOV with a false condition still does not write (32-bit: upper kept)
        mov ecx, 0x12345678
        mov edx, 0
        clc
        cmovc ecx, edx
        CHK ecx, 0x12345678
        mov dword [BUF+0x140], 0xCAFEBABE
        stc
        cmovc cx, [BUF+0x140]
        CHK ecx, 0x1234BABE

        GROUP "xlat-lahf"
        mov bx, 0
.x1:    mov al, bl
        xor al, 0x5A
        mov [BUF+0x900+bx], al
        inc bx
        cmp bx, 0x100
        jb .x1
        mov bx, BUF+0x900
        mov eax, 0x11111110
        xlatb
        CHK eax, 0x1111114A
        mov ax, (BUF+0x900) >> 4
        mov fs, ax
        mov bx, 0
        mov al, 0xFF
        fs xlatb
        CHK eax, 0x111106A5
        mov ah, 0xD5                    ; SF ZF AF PF CF
        sahf
        CHKF FL_ARITH, FL_SF|FL_ZF|FL_AF|FL_PF|FL_CF
        mov ah, 0x00
        sahf
        CHKF FL_ARITH, 0
        push word FL_OF|FL_SF|FL_CF|2
        popf
        mov eax, 0
        lahf
        CHK eax, 0x00008300

        GROUP "convert"
        mov eax, 0x12345680
        cbw
        CHK eax, 0x1234FF80
        mov eax, 0x1234807F
        cbw
        CHK eax, 0x1234007F
        mov eax, 0x12348000
        cwde
        CHK eax, 0xFFFF8000
        mov eax, 0x00008000
        mov edx, 0x55555555
        cwd
        CHK edx, 0x5555FFFF
        mov eax, 0x80000000
        cdq
        CHK edx, 0xFFFFFFFF
        mov eax, 0x7FFFFFFF
        cdq
        CHK edx, 0
        mov ebx, 0x000000F0
        movzx eax, bl
        CHK eax, 0x000000F0
        movsx eax, bl
        CHK eax, 0xFFFFFFF0
        mov eax, 0xAAAAAAAA
        movsx ax, bl
        CHK eax, 0xAAAAFFF0
        mov dword [BUF+0xA00], 0x00018000
        movzx ecx, word [BUF+0xA00]
        CHK ecx, 0x00008000
        movsx edx, word [BUF+0xA00]
        CHK edx, 0xFFFF8000
        movsx esi, byte [BUF+0xA02]
        CHK esi, 1
        mov eax, 0x00008000
        movzx eax, ah
        CHK eax, 0x00000080

        GROUP "bt"
        mov eax, 0x00000020
        push word FL_ZF|2
        popf
        bt eax, 5
        CHKF FL_CF|FL_ZF, FL_CF|FL_ZF   ; ZF unaffected
        bt eax, 37                      ; imm is taken mod 32
        CHKF FL_CF, FL_CF
        mov ecx, 36                     ; register offset mod 32 for a register
        bts eax, ecx
        CHK eax, 0x00000030
        CHKF FL_CF|FL_ZF, FL_ZF
        btr eax, ecx
        CHKF FL_CF, FL_CF
        CHK eax, 0x00000020
        mov bx, 0x0100
        btc ax, bx                      ; 16-bit: mod 16 -> bit 0
        CHK eax, 0x00000021
        ; memory operand, register offset addresses outside the operand
        mov dword [BUF+0xB00], 0
        mov dword [BUF+0xB04], 0
        mov dword [BUF+0xB08], 0
        mov dword [BUF+0xB0C], 0
        mov bx, BUF+0xB08
        mov cx, 17
        bts word [bx], cx               ; word at bx+2, bit 1
        CHK [BUF+0xB08], 0x00020000
        mov cx, -1
        bts word [bx], cx               ; word at bx-2, bit 15
        CHK [BUF+0xB04], 0x80000000
        mov ecx, 35
        bts dword [bx], ecx             ; dword at bx+4, bit 3
        CHK [BUF+0xB0C], 0x00000008
        mov ecx, -33
        bts dword [bx], ecx             ; dword at bx-8, bit 31
        CHK [BUF+0xB00], 0x80000000
        clc
        bt dword [bx], ecx
        CHKF FL_CF, FL_CF
        btr dword [bx], ecx
        CHKF FL_CF, FL_CF
        CHK [BUF+0xB00], 0
        mov ecx, 63
        btc dword [bx-8], ecx           ; dword at bx-4 = BUF+0xB04, bit 31
        CHKF FL_CF, FL_CF
        CHK [BUF+0xB04], 0
        btc dword [bx], 33              ; imm: mod 32, no address offset
        CHK [BUF+0xB08], 0x00020002
        CHKF FL_CF, 0

        GROUP "bsf-bsr-bswap"
        mov ebx, 0x00018000
        mov eax, 0xFFFFFFFF
        bsf eax, ebx
        CHK eax, 15
        CHKF FL_ZF, 0
        bsr eax, ebx
        CHK eax, 16
        mov ebx, 0
        bsf eax, ebx
        CHKF FL_ZF, FL_ZF
        bsr eax, ebx
        CHKF FL_ZF, FL_ZF
        mov eax, 0x12340000
        mov bx, 0x8000
        bsf ax, bx
        CHK eax, 0x1234000F
        mov dword [BUF+0xC00], 0x80000001
        bsr ecx, [BUF+0xC00]
        CHK ecx, 31
        mov eax, 0x12345678
        bswap eax
        CHK eax, 0x78563412
        mov edi, 0x000000FF
        bswap edi
        CHK edi, 0xFF000000

        GROUP "xadd-cmpxchg"
        mov eax, 5
        mov ebx, 3
        xadd eax, ebx
        CHK eax, 8
        CHK ebx, 5
        mov dword [BUF+0xD00], 0x000000F0
        mov cl, 0x20
        xadd [BUF+0xD00], cl
        CHK [BUF+0xD00], 0x00000010
        CHK ecx, 0xF0, 0xFF
        CHKF FL_CF|FL_ZF|FL_SF|FL_OF, FL_CF
        mov eax, 5
        mov dword [BUF+0xD04], 5
        mov ecx, 9
        cmpxchg [BUF+0xD04], ecx        ; equal: store ECX
        CHKF FL_ZF, FL_ZF
        CHK [BUF+0xD04], 9
        CHK eax, 5
        mov eax, 4
        cmpxchg [BUF+0xD04], ecx        ; differ: EAX <- dest
        CHKF FL_ZF|FL_CF|FL_SF, FL_CF|FL_SF
        CHK eax, 9
        CHK [BUF+0xD04], 9
        mov eax, 0x12340077
        mov ebx, 0x00000077
        mov edx, 0x000000AA
        cmpxchg bl, dl                  ; 8-bit, AL == BL
        CHK ebx, 0x000000AA
        CHKF FL_ZF, FL_ZF
        mov ax, 0x1111
        mov cx, 0x2222
        mov bx, 0x3333
        cmpxchg bx, cx                  ; 16-bit, differ
        CHK eax, 0x12343333
        CHK ebx, 0x00003333
        mov dword [BUF+0xD10], 0x22222222
        mov dword [BUF+0xD14], 0x11111111
        mov edx, 0x11111111
        mov eax, 0x22222222
        mov ecx, 0xCCCCCCCC
        mov ebx, 0xBBBBBBBB
        cmpxchg8b [BUF+0xD10]
        CHKF FL_ZF, FL_ZF
        CHK [BUF+0xD10], 0xBBBBBBBB
        CHK [BUF+0xD14], 0xCCCCCCCC
        mov edx, 0
        mov eax, 0
        cmpxchg8b [BUF+0xD10]
        CHKF FL_ZF, 0
        CHK eax, 0xBBBBBBBB
        CHK edx, 0xCCCCCCCC
        CHK [BUF+0xD10], 0xBBBBBBBB

        GROUP "xchg-lea"
        mov eax, 0x11111111
        mov ecx, 0x22222222
        xchg eax, ecx                   ; 91
        CHK eax, 0x22222222
        CHK ecx, 0x11111111
        mov ebx, 0x33334444
        xchg ax, bx                     ; 93 with 16-bit operands
        CHK eax, 0x22224444
        CHK ebx, 0x33332222
        xchg bl, bh
        CHK ebx, 0x33332222
        mov ebx, 0x000012AB
        xchg bl, bh
        CHK ebx, 0x0000AB12
        mov dword [BUF+0xE00], 0x55667788
        mov edx, 0x000000AA
        xchg [BUF+0xE00], dl
        CHK edx, 0x00000088
        CHK [BUF+0xE00], 0x556677AA
        mov bx, 0xFFF0
        mov si, 0x20
        mov eax, 0xFFFFFFFF
        lea ax, [bx+si+0x10]            ; 16-bit EA wraps
        CHK eax, 0xFFFF0020
        lea eax, [bx+si+0x10]           ; 16-bit EA zero-extended
        CHK eax, 0x00000020
        mov ebx, 0x12340000
        mov ecx, 0x00001000
        lea ax, [ebx+ecx*4+8]           ; 32-bit EA truncated to 16
        CHK eax, 0x00004008
        lea ecx, [ebx+ecx*4+8]
        CHK ecx, 0x12344008
        xor ebp, ebp
        lea edx, [ebp+0x80000000]
        CHK edx, 0x80000000

        GROUP "lxs"
        mov dword [BUF+0xF00], 0x56781234       ; 5678:1234
        mov dword [BUF+0xF04], 0x9ABCDEF0
        mov word [BUF+0xF08], 0x4321
        lds si, [BUF+0xF00]
        mov ax, ds
        CHK eax, 0x00005678, 0xFFFF
        CHK esi, 0x00001234
        xor ax, ax
        mov ds, ax
        les di, [BUF+0xF00]
        mov ax, es
        CHK eax, 0x00005678, 0xFFFF
        lfs ebx, [BUF+0xF04]            ; 32-bit offset: FS=0x4321
        mov ax, fs
        CHK eax, 0x00004321, 0xFFFF
        CHK ebx, 0x9ABCDEF0
        lgs cx, [BUF+0xF02]             ; GS:CX = DEF0:5678
        mov ax, gs
        CHK eax, 0x0000DEF0, 0xFFFF
        CHK ecx, 0x00005678, 0xFFFF
        mov [BUF+0xF10], sp
        mov word [BUF+0xF12], 0
        mov word [BUF+0xF0C], 0x7E00
        mov word [BUF+0xF0E], 0
        lss sp, [BUF+0xF0C]
        movzx eax, sp
        CHK eax, 0x00007E00, 0xFFFF
        lss sp, [BUF+0xF10]
        xor ax, ax
        mov es, ax

        GROUP "a20"
        ; FS=0xFFFF: FS:0x6010 is linear 0x106000
        mov ax, 0xFFFF
        mov fs, ax
        in al, 0x92
        or al, 2                        ; A20 on (bit 0 is fast reset: keep 0)
        and al, ~1
        out 0x92, al
        in al, 0x92
        CHK eax, 2, 2
        mov dword [BUF], 0x11111111
        mov dword [fs:BUF+0x10], 0x22222222
        CHK [BUF], 0x11111111
        CHK [fs:BUF+0x10], 0x22222222
        in al, 0x92
        and al, ~3                      ; A20 off: linear addresses wrap at 1 MiB
        out 0x92, al
        CHK [fs:BUF+0x10], 0x11111111
        mov dword [fs:BUF+0x10], 0x33333333
        CHK [BUF], 0x33333333
        in al, 0x92
        or al, 2
        and al, ~1
        out 0x92, al
        CHK [fs:BUF+0x10], 0x22222222
        CHK [BUF], 0x33333333

        FINISH

; --- helpers -----------------------------------------------------------
near_fn:
        inc eax
        mov bp, sp
        mov bx, [bp]
        ret
ret4_fn:
        mov bp, sp
        mov ax, [bp+4]                  ; the first pushed word
        ret 4
far_fn:
        mov bp, sp
        mov bx, [bp]
        mov cx, [bp+2]
        retf
retf2_fn:
        retf 2
int40:
        mov bp, sp
        mov ax, [bp]
        mov [ss:BUF+0x700], ax
        mov ax, [bp+2]
        mov [ss:BUF+0x702], ax
        mov ax, [bp+4]
        mov [ss:BUF+0x704], ax
        pushf
        pop ax
        mov [ss:BUF+0x706], ax
        mov word [bp+4], FL_SF|2        ; IRET restores these flags
        mov eax, 0x4040
        iret
