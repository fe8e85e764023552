; real_alu.asm - real mode integer ALU: ADD/ADC/SUB/SBB/CMP/AND/OR/XOR/TEST/
; INC/DEC/NEG/NOT in 8 (low/high), 16 and 32-bit (66h) forms, register,
; immediate and memory operands, all 16-bit ModRM addressing forms (incl.
; 64 KiB offset wrap and the SS default for BP), some 32-bit (67h) SIB forms,
; and segment override prefixes.
; Expected results/flags follow the SDM (AF is undefined for logic ops and
; is not compared; INC/DEC leave CF alone; NOT changes no flag).
%include "lib/base.inc"

; ALU {insn}, dreg, dinit, sreg, sinit, flags_in, dwant, flags_want, flag_mask
; Loads both registers and EFLAGS, runs insn, checks the destination register
; (whole 32 bits, so untouched bytes are checked too) and the flags.
%macro ALU 9
        mov %2, %3
        mov %4, %5
        push dword (%6) | 2
        popfd
        %1
        CHK %2, %7
        CHKF %9, %8
%endmacro

; MEMRD {insn}, want: EAX=0, run insn (e.g. add ax, [bx+si]), check EAX
%macro MEMRD 2
        xor eax, eax
        %1
        CHK eax, %2
%endmacro

TEXT16
rm_main:
        GROUP "add"
        ALU {add eax, ebx}, eax, 0x12345678, ebx, 0x11111111, 0, 0x23456789, 0, FL_ARITH
        ALU {add eax, ebx}, eax, 0x7FFFFFFF, ebx, 0x00000001, 0, 0x80000000, FL_PF|FL_AF|FL_SF|FL_OF, FL_ARITH
        ALU {add eax, ebx}, eax, 0xFFFFFFFF, ebx, 0x00000001, FL_ARITH, 0x00000000, FL_CF|FL_PF|FL_AF|FL_ZF, FL_ARITH
        ALU {add eax, ebx}, eax, 0x80000000, ebx, 0x80000000, 0, 0x00000000, FL_CF|FL_PF|FL_ZF|FL_OF, FL_ARITH
        ALU {add ax, bx}, eax, 0xA5A57FFF, ebx, 0x5A5A0001, 0, 0xA5A58000, FL_PF|FL_AF|FL_SF|FL_OF, FL_ARITH
        ALU {add ax, bx}, eax, 0xA5A5FFF0, ebx, 0x5A5A0010, FL_ARITH, 0xA5A50000, FL_CF|FL_PF|FL_ZF, FL_ARITH
        ALU {add al, bl}, eax, 0xA5A5A50F, ebx, 0x5A5A5A01, 0, 0xA5A5A510, FL_AF, FL_ARITH
        ALU {add ah, bh}, eax, 0xA5A580A5, ebx, 0x5A5AFF5A, 0, 0xA5A57FA5, FL_CF|FL_OF, FL_ARITH
        ALU {add al, bl}, eax, 0xA5A5A57F, ebx, 0x5A5A5A7F, 0, 0xA5A5A5FE, FL_AF|FL_SF|FL_OF, FL_ARITH
        ALU {add eax, 0x10}, eax, 0x12345678, ebx, 0x00000010, 0, 0x12345688, FL_PF, FL_ARITH
        ALU {add ax, 0xFFFE}, eax, 0xA5A51234, ebx, 0x5A5AFFFE, 0, 0xA5A51232, FL_CF|FL_AF, FL_ARITH
        GROUP "adc"
        ALU {adc eax, ebx}, eax, 0xFFFFFFFF, ebx, 0x00000000, FL_CF, 0x00000000, FL_CF|FL_PF|FL_AF|FL_ZF, FL_ARITH
        ALU {adc eax, ebx}, eax, 0x7FFFFFFF, ebx, 0x00000000, FL_CF, 0x80000000, FL_PF|FL_AF|FL_SF|FL_OF, FL_ARITH
        ALU {adc eax, ebx}, eax, 0x12345678, ebx, 0x87654321, 0, 0x99999999, FL_PF|FL_SF, FL_ARITH
        ALU {adc ax, bx}, eax, 0xA5A5FFFF, ebx, 0x5A5AFFFF, FL_CF, 0xA5A5FFFF, FL_CF|FL_PF|FL_AF|FL_SF, FL_ARITH
        ALU {adc al, bl}, eax, 0xA5A5A50E, ebx, 0x5A5A5A01, FL_CF, 0xA5A5A510, FL_AF, FL_ARITH
        ALU {adc ah, bh}, eax, 0xA5A57FA5, ebx, 0x5A5A005A, FL_CF, 0xA5A580A5, FL_AF|FL_SF|FL_OF, FL_ARITH
        ALU {adc al, 0xFF}, eax, 0xA5A5A5FF, ebx, 0x5A5A5AFF, FL_CF, 0xA5A5A5FF, FL_CF|FL_PF|FL_AF|FL_SF, FL_ARITH
        GROUP "sub"
        ALU {sub eax, ebx}, eax, 0x00000000, ebx, 0x00000001, 0, 0xFFFFFFFF, FL_CF|FL_PF|FL_AF|FL_SF, FL_ARITH
        ALU {sub eax, ebx}, eax, 0x80000000, ebx, 0x00000001, 0, 0x7FFFFFFF, FL_PF|FL_AF|FL_OF, FL_ARITH
        ALU {sub eax, ebx}, eax, 0x12345678, ebx, 0x12345678, FL_ARITH, 0x00000000, FL_PF|FL_ZF, FL_ARITH
        ALU {sub ax, bx}, eax, 0xA5A58000, ebx, 0x5A5A0001, 0, 0xA5A57FFF, FL_PF|FL_AF|FL_OF, FL_ARITH
        ALU {sub ax, bx}, eax, 0xA5A50010, ebx, 0x5A5A0011, 0, 0xA5A5FFFF, FL_CF|FL_PF|FL_AF|FL_SF, FL_ARITH
        ALU {sub al, bl}, eax, 0xA5A5A510, ebx, 0x5A5A5A01, 0, 0xA5A5A50F, FL_PF|FL_AF, FL_ARITH
        ALU {sub ah, bh}, eax, 0xA5A57FA5, ebx, 0x5A5AFF5A, 0, 0xA5A580A5, FL_CF|FL_SF|FL_OF, FL_ARITH
        ALU {sub eax, 0x1}, eax, 0x00000100, ebx, 0x00000001, 0, 0x000000FF, FL_PF|FL_AF, FL_ARITH
        GROUP "sbb"
        ALU {sbb eax, ebx}, eax, 0x00000000, ebx, 0x00000000, FL_CF, 0xFFFFFFFF, FL_CF|FL_PF|FL_AF|FL_SF, FL_ARITH
        ALU {sbb eax, ebx}, eax, 0x80000000, ebx, 0x00000000, FL_CF, 0x7FFFFFFF, FL_PF|FL_AF|FL_OF, FL_ARITH
        ALU {sbb eax, ebx}, eax, 0x00000005, ebx, 0x00000003, FL_CF, 0x00000001, 0, FL_ARITH
        ALU {sbb ax, bx}, eax, 0xA5A50000, ebx, 0x5A5AFFFF, FL_CF, 0xA5A50000, FL_CF|FL_PF|FL_AF|FL_ZF, FL_ARITH
        ALU {sbb al, bl}, eax, 0xA5A5A510, ebx, 0x5A5A5A0F, FL_CF, 0xA5A5A500, FL_PF|FL_AF|FL_ZF, FL_ARITH
        ALU {sbb ah, bh}, eax, 0xA5A580A5, ebx, 0x5A5A7F5A, 0, 0xA5A501A5, FL_AF|FL_OF, FL_ARITH
        ALU {sbb ax, 0x34}, eax, 0xA5A51234, ebx, 0x5A5A0034, FL_CF, 0xA5A511FF, FL_PF|FL_AF, FL_ARITH
        GROUP "cmp"
        ALU {cmp eax, ebx}, eax, 0x00000001, ebx, 0x00000002, 0, 0x00000001, FL_CF|FL_PF|FL_AF|FL_SF, FL_ARITH
        ALU {cmp eax, ebx}, eax, 0x80000000, ebx, 0x7FFFFFFF, 0, 0x80000000, FL_AF|FL_OF, FL_ARITH
        ALU {cmp eax, ebx}, eax, 0x7FFFFFFF, ebx, 0x80000000, 0, 0x7FFFFFFF, FL_CF|FL_PF|FL_SF|FL_OF, FL_ARITH
        ALU {cmp ax, bx}, eax, 0xA5A55555, ebx, 0x5A5A5555, FL_ARITH, 0xA5A55555, FL_PF|FL_ZF, FL_ARITH
        ALU {cmp al, bl}, eax, 0xA5A5A500, ebx, 0x5A5A5A80, 0, 0xA5A5A500, FL_CF|FL_SF|FL_OF, FL_ARITH
        ALU {cmp ah, bh}, eax, 0xA5A520A5, ebx, 0x5A5A115A, 0, 0xA5A520A5, FL_PF|FL_AF, FL_ARITH
        ALU {cmp eax, 0x10}, eax, 0x00000010, ebx, 0x00000010, 0, 0x00000010, FL_PF|FL_ZF, FL_ARITH
        GROUP "logic"
        ALU {and eax, ebx}, eax, 0xF0F0F0F0, ebx, 0x0FF00FF0, FL_ARITH, 0x00F000F0, FL_PF, FL_ARITH & ~FL_AF
        ALU {and eax, ebx}, eax, 0x12345678, ebx, 0x87654321, 0, 0x02244220, 0, FL_ARITH & ~FL_AF
        ALU {and ax, bx}, eax, 0xA5A58001, ebx, 0x5A5AFFFF, FL_ARITH, 0xA5A58001, FL_SF, FL_ARITH & ~FL_AF
        ALU {and al, bl}, eax, 0xA5A5A5AA, ebx, 0x5A5A5A55, 0, 0xA5A5A500, FL_PF|FL_ZF, FL_ARITH & ~FL_AF
        ALU {and ah, bh}, eax, 0xA5A5F3A5, ebx, 0x5A5A8F5A, 0, 0xA5A583A5, FL_SF, FL_ARITH & ~FL_AF
        ALU {or eax, ebx}, eax, 0x80000000, ebx, 0x00000001, FL_ARITH, 0x80000001, FL_SF, FL_ARITH & ~FL_AF
        ALU {or ax, bx}, eax, 0xA5A50000, ebx, 0x5A5A0000, 0, 0xA5A50000, FL_PF|FL_ZF, FL_ARITH & ~FL_AF
        ALU {or al, bl}, eax, 0xA5A5A512, ebx, 0x5A5A5A21, 0, 0xA5A5A533, FL_PF, FL_ARITH & ~FL_AF
        ALU {or ah, bh}, eax, 0xA5A500A5, ebx, 0x5A5A035A, FL_ARITH, 0xA5A503A5, FL_PF, FL_ARITH & ~FL_AF
        ALU {xor eax, ebx}, eax, 0xDEADBEEF, ebx, 0xDEADBEEF, FL_ARITH, 0x00000000, FL_PF|FL_ZF, FL_ARITH & ~FL_AF
        ALU {xor ax, bx}, eax, 0xA5A5FF00, ebx, 0x5A5A0F0F, 0, 0xA5A5F00F, FL_PF|FL_SF, FL_ARITH & ~FL_AF
        ALU {xor al, bl}, eax, 0xA5A5A580, ebx, 0x5A5A5A01, 0, 0xA5A5A581, FL_PF|FL_SF, FL_ARITH & ~FL_AF
        ALU {test eax, ebx}, eax, 0x80000000, ebx, 0xC0000000, FL_ARITH, 0x80000000, FL_PF|FL_SF, FL_ARITH & ~FL_AF
        ALU {test ax, bx}, eax, 0xA5A500FF, ebx, 0x5A5AFF00, 0, 0xA5A500FF, FL_PF|FL_ZF, FL_ARITH & ~FL_AF
        ALU {test ah, bh}, eax, 0xA5A581A5, ebx, 0x5A5A805A, 0, 0xA5A581A5, FL_SF, FL_ARITH & ~FL_AF
        ALU {and eax, 0x80}, eax, 0xFFFFFFFF, ebx, 0x00000080, 0, 0x00000080, 0, FL_ARITH & ~FL_AF
        ALU {or ax, 0xF}, eax, 0xA5A58000, ebx, 0x5A5A000F, 0, 0xA5A5800F, FL_PF|FL_SF, FL_ARITH & ~FL_AF
        ALU {xor al, 0xFF}, eax, 0xA5A5A50F, ebx, 0x5A5A5AFF, 0, 0xA5A5A5F0, FL_PF|FL_SF, FL_ARITH & ~FL_AF
        ALU {test eax, 0x8}, eax, 0x12345678, ebx, 0x00000008, 0, 0x12345678, 0, FL_ARITH & ~FL_AF
        GROUP "incdec"
        ALU {inc eax}, eax, 0x7FFFFFFF, ebx, 0, FL_CF, 0x80000000, FL_CF|FL_PF|FL_AF|FL_SF|FL_OF, FL_ARITH
        ALU {inc eax}, eax, 0xFFFFFFFF, ebx, 0, 0, 0x00000000, FL_PF|FL_AF|FL_ZF, FL_ARITH
        ALU {inc ax}, eax, 0xA5A500FF, ebx, 0, FL_ARITH, 0xA5A50100, FL_CF|FL_PF|FL_AF, FL_ARITH
        ALU {inc al}, eax, 0xA5A5A5FF, ebx, 0, FL_CF, 0xA5A5A500, FL_CF|FL_PF|FL_AF|FL_ZF, FL_ARITH
        ALU {inc ah}, eax, 0xA5A57FA5, ebx, 0, 0, 0xA5A580A5, FL_AF|FL_SF|FL_OF, FL_ARITH
        ALU {dec eax}, eax, 0x80000000, ebx, 0, 0, 0x7FFFFFFF, FL_PF|FL_AF|FL_OF, FL_ARITH
        ALU {dec eax}, eax, 0x00000001, ebx, 0, FL_CF, 0x00000000, FL_CF|FL_PF|FL_ZF, FL_ARITH
        ALU {dec ax}, eax, 0xA5A50000, ebx, 0, 0, 0xA5A5FFFF, FL_PF|FL_AF|FL_SF, FL_ARITH
        ALU {dec al}, eax, 0xA5A5A510, ebx, 0, FL_ARITH, 0xA5A5A50F, FL_CF|FL_PF|FL_AF, FL_ARITH
        ALU {dec ah}, eax, 0xA5A500A5, ebx, 0, FL_CF, 0xA5A5FFA5, FL_CF|FL_PF|FL_AF|FL_SF, FL_ARITH
        GROUP "negnot"
        ALU {neg eax}, eax, 0x00000000, ebx, 0, FL_ARITH, 0x00000000, FL_PF|FL_ZF, FL_ARITH
        ALU {neg eax}, eax, 0x80000000, ebx, 0, 0, 0x80000000, FL_CF|FL_PF|FL_SF|FL_OF, FL_ARITH
        ALU {neg eax}, eax, 0x00000001, ebx, 0, 0, 0xFFFFFFFF, FL_CF|FL_PF|FL_AF|FL_SF, FL_ARITH
        ALU {neg ax}, eax, 0xA5A57FFF, ebx, 0, 0, 0xA5A58001, FL_CF|FL_AF|FL_SF, FL_ARITH
        ALU {neg al}, eax, 0xA5A5A510, ebx, 0, 0, 0xA5A5A5F0, FL_CF|FL_PF|FL_SF, FL_ARITH
        ALU {neg ah}, eax, 0xA5A580A5, ebx, 0, 0, 0xA5A580A5, FL_CF|FL_SF|FL_OF, FL_ARITH
        ALU {not eax}, eax, 0x12345678, ebx, 0, FL_ARITH, 0xEDCBA987, FL_ARITH, FL_ARITH
        ALU {not ax}, eax, 0xA5A5FFFF, ebx, 0, 0, 0xA5A50000, 0, FL_ARITH
        ALU {not al}, eax, 0xA5A5A50F, ebx, 0, FL_ARITH, 0xA5A5A5F0, FL_ARITH, FL_ARITH
        ALU {not ah}, eax, 0xA5A555A5, ebx, 0, 0, 0xA5A5AAA5, 0, FL_ARITH

        GROUP "encodings"
        ; 03 /r with a register operand (reg field is the destination)
        mov eax, 0x11112222
        mov ebx, 0x33334444
        db 0x03, 0xC3                   ; add ax, bx
        CHK eax, 0x11116666
        ; 82 /0 ib is an alias of 80 /0 ib outside 64-bit mode
        mov eax, 0x000000FE
        db 0x82, 0xC0, 0x03             ; add al, 3
        CHK eax, 0x00000001
        CHKF FL_ARITH, FL_CF|FL_AF
        ; 83 /0 ib: sign-extended imm8 on 32-bit operand
        mov ecx, 0x00000010
        add ecx, byte -0x20
        CHK ecx, 0xFFFFFFF0
        CHKF FL_ARITH, FL_PF|FL_SF
        ; 81 /5 iw on a non-accumulator 16-bit register
        mov edx, 0xAAAA1234
        sub dx, strict word 0x1235
        CHK edx, 0xAAAAFFFF
        CHKF FL_ARITH, FL_CF|FL_PF|FL_AF|FL_SF
        ; F6 /0 ib: test r/m8, imm8 on a high byte register
        mov eax, 0x00008100
        test ah, 0x80
        CHKF FL_ARITH & ~FL_AF, FL_SF
        ; byte registers SP/BP/SI/DI do not exist in real/16-bit: 0x88 C4 is mov ah, al
        mov eax, 0x000012AB
        db 0x88, 0xC4                   ; mov ah, al
        CHK eax, 0x0000ABAB

        ; --- memory operands -------------------------------------------
        ; Fill a 0x200-byte table at offset 0x6000 of four segments, byte i =
        ; (i & 0xFF) ^ key, key: DS=0x1000 0x00, SS=0 0x80, ES=0x2000 0x40,
        ; FS=0x3000 0xC0, GS=0x4000 0x20.
        mov ax, 0x1000
        mov ds, ax
        mov ax, 0x2000
        mov es, ax
        mov ax, 0x3000
        mov fs, ax
        mov ax, 0x4000
        mov gs, ax
        xor bx, bx
.fill:  mov al, bl
        mov [ds:bx+0x6000], al
        xor al, 0x80
        mov [ss:bx+0x6000], al
        xor al, 0x80^0x40
        mov [es:bx+0x6000], al
        xor al, 0x40^0xC0
        mov [fs:bx+0x6000], al
        xor al, 0xC0^0x20
        mov [gs:bx+0x6000], al
        inc bx
        cmp bx, 0x200
        jb .fill

        GROUP "modrm16"
        mov bx, 0x6000
        mov bp, 0x6000
        mov si, 0x0010
        mov di, 0x0020
        MEMRD {add ax, [bx+si]}, 0x1110
        MEMRD {add ax, [bx+di]}, 0x2120
        MEMRD {add ax, [bp+si]}, 0x9190         ; BP => SS
        MEMRD {add ax, [bp+di]}, 0xA1A0
        MEMRD {add ax, [bx]}, 0x0100
        MEMRD {add ax, [0x6050]}, 0x5150        ; mod=00 rm=110: disp16
        MEMRD {add ax, [bx+si+5]}, 0x1615       ; disp8
        MEMRD {add ax, [bx+di-0x10]}, 0x1110    ; negative disp8
        MEMRD {add ax, [bp+7]}, 0x8887          ; mod=01 rm=110: [bp+disp8], SS
        MEMRD {add ax, [bp+di-0x10]}, 0x9190
        MEMRD {add ax, [bx+0x0102]}, 0x0302     ; disp16
        MEMRD {add ax, [bp+si+0x0100]}, 0x9190  ; byte 0x110 ^ 0x80
        MEMRD {add al, [bx+di+1]}, 0x21
        mov si, 0x6030
        mov di, 0x6040
        MEMRD {add ax, [si]}, 0x3130
        MEMRD {add ax, [di]}, 0x4140
        MEMRD {add ax, [si+0x7F]}, 0xB0AF
        MEMRD {add eax, [di+0x100]}, 0x43424140
        ; 16-bit effective addresses wrap at 64 KiB
        mov bx, 0xFFF0
        mov si, 0x6010
        MEMRD {add ax, [bx+si]}, 0x0100
        mov bx, 0xF000
        MEMRD {add ax, [bx+0x7010]}, 0x1110
        mov bp, 0xFFFF
        MEMRD {add al, [bp+0x6001]}, 0x80

        GROUP "segovr"
        mov bx, 0x6000
        mov bp, 0x6000
        mov si, 0x0010
        MEMRD {add ax, [ds:bp+si]}, 0x1110      ; override beats the BP default
        MEMRD {add ax, [ss:bx]}, 0x8180
        MEMRD {add ax, [es:bx]}, 0x4140
        MEMRD {add ax, [fs:bx+si]}, 0xD1D0
        MEMRD {add ax, [gs:bp+si+2]}, 0x3332
        MEMRD {add eax, [cs:romconst]}, 0x13579BDF
        MEMRD {add ax, [es:0x6001]}, 0x4241
        ; the last segment prefix wins
        MEMRD {db 0x26, 0x64, 0x03, 0x07}, 0xC1C0   ; es: fs: add ax, [bx]

        GROUP "modrm32"
        ; 67h: 32-bit addressing in real mode (offsets still limited to 64K)
        mov ebx, 0x6000
        mov esi, 2
        mov ebp, 0x6000
        mov ecx, 8
        MEMRD {add eax, [ebx+esi*4+0x10]}, 0x1B1A1918
        MEMRD {add eax, [ebp+ecx*2]}, 0x93929190         ; EBP base => SS
        MEMRD {add eax, [ecx*8+0x6000]}, 0x43424140      ; no base, disp32
        MEMRD {add eax, [ebx+ecx]}, 0x0B0A0908
        MEMRD {add ax, [es:ebx+esi]}, 0x4342
        MEMRD {add eax, [ebx+ebp*2-0xC000+0x100]}, 0x03020100 ; EBP as index => DS

        GROUP "memdst"
        mov bx, 0x6300
        mov dword [bx], 0x7FFFFFFF
        add dword [bx], 1
        CHKF FL_ARITH, FL_PF|FL_AF|FL_SF|FL_OF
        CHK [bx], 0x80000000
        mov dword [bx+4], 0x00000001
        mov di, 4
        sub word [bx+di], 2
        CHKF FL_ARITH, FL_CF|FL_PF|FL_AF|FL_SF
        CHK [bx+4], 0x0000FFFF
        mov dword [bx+8], 0x11111180
        mov si, 8
        neg byte [bx+si]
        CHKF FL_ARITH, FL_CF|FL_SF|FL_OF
        CHK [bx+8], 0x11111180
        mov dword [bx+12], 0xFFFFFFFF
        stc
        adc dword [bx+12], 0
        CHKF FL_ARITH, FL_CF|FL_PF|FL_AF|FL_ZF
        CHK [bx+12], 0
        mov eax, 0x00008001
        mov dword [bx+16], 0x0000FFFF
        and [bx+16], ax
        CHKF FL_ARITH & ~FL_AF, FL_SF
        CHK [bx+16], 0x00008001
        mov dword [bx+20], 0x12345678
        stc
        sbb ax, [bx+20]                 ; 0x8001 - 0x5678 - 1
        CHK eax, 0x00002988
        CHKF FL_ARITH, FL_PF|FL_AF|FL_OF
        mov dword [bx+24], 0x000000FF
        inc byte [bx+24]
        CHKF FL_ARITH & ~FL_CF, FL_PF|FL_AF|FL_ZF
        CHK [bx+24], 0x00000000
        mov dword [bx+28], 0x00000000
        dec word [bx+28]
        CHK [bx+28], 0x0000FFFF
        not dword [bx+28]
        CHK [bx+28], 0xFFFF0000
        ; SS-relative destination via BP
        mov bp, 0x6300
        mov dword [ss:bp+0x10], 0x0000FFFF
        xor dword [bp+0x10], 0xFFFF0000
        CHKF FL_ARITH & ~FL_AF, FL_PF|FL_SF
        CHK [ss:0x6310], 0xFFFFFFFF
        CHK [ds:0x6310], 0x00008001         ; DS copy untouched (from the AND)
        ; cmp/test with memory do not write
        mov dword [bx+32], 5
        cmp dword [bx+32], 6
        CHKF FL_ARITH, FL_CF|FL_PF|FL_AF|FL_SF
        test [bx+32], al
        CHK [bx+32], 5
        ; fs: destination
        mov di, 0x6000
        or byte [fs:di+0x1FF], 0x01
        CHK [fs:0x61FC], 0x3F3E3D3C | 0x01000000

        xor ax, ax
        mov ds, ax
        FINISH

romconst: dd 0x13579BDF
