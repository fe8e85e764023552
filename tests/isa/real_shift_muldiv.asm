; real_shift_muldiv.asm - real mode shifts and rotates (SHL/SHR/SAR/ROL/ROR/
; RCL/RCR/SHLD/SHRD, count in imm/CL, masking to 5 bits, mod 9/17 for RCL/RCR),
; MUL/IMUL (1-, 2- and 3-operand forms), DIV/IDIV incl. #DE through the IVT,
; BCD adjust (DAA/DAS/AAA/AAS/AAM/AAD, AAM 0 -> #DE).
; Only flags the SDM defines are compared: OF only for 1-bit shifts/rotates,
; AF never for shifts, SF/ZF/PF/AF must be preserved by rotates, CF not
; compared for SHL/SHR counts >= operand size; MUL/IMUL: CF/OF only.
%include "lib/base.inc"

; SH {insn}, eax_in, edx_in, ecx_in, flags_in, eax_want, flags_want, mask
%macro SH 8
        mov eax, %2
        mov edx, %3
        mov ecx, %4
        push dword (%5) | 2
        popfd
        %1
        CHK eax, %6
        CHKF %8, %7
%endmacro

TEXT16
rm_main:
        GROUP "shl-shr-sar"
        SH {shl eax, 1}, 0x80000001, 0x00000000, 0x00000001, 0, 0x00000002, FL_CF|FL_OF, FL_CF|FL_PF|FL_ZF|FL_SF|FL_OF
        SH {shl eax, 1}, 0x40000000, 0x00000000, 0x00000001, FL_CF|FL_PF|FL_AF|FL_ZF|FL_SF|FL_OF, 0x80000000, FL_PF|FL_SF|FL_OF, FL_CF|FL_PF|FL_ZF|FL_SF|FL_OF
        SH {shl eax, cl}, 0x12345678, 0x00000000, 0x00000004, 0, 0x23456780, FL_CF|FL_OF, FL_CF|FL_PF|FL_ZF|FL_SF
        SH {shl eax, cl}, 0x12345678, 0x00000000, 0x00000024, 0, 0x23456780, FL_CF|FL_OF, FL_CF|FL_PF|FL_ZF|FL_SF
        SH {shl ax, 1}, 0xA5A58001, 0x00000000, 0x00000001, 0, 0xA5A50002, FL_CF|FL_OF, FL_CF|FL_PF|FL_ZF|FL_SF|FL_OF
        SH {shl ax, cl}, 0xA5A51234, 0x00000000, 0x0000000C, 0, 0xA5A54000, FL_CF|FL_PF|FL_OF, FL_CF|FL_PF|FL_ZF|FL_SF
        SH {shl al, 1}, 0xA5A5A581, 0x00000000, 0x00000001, 0, 0xA5A5A502, FL_CF|FL_OF, FL_CF|FL_PF|FL_ZF|FL_SF|FL_OF
        SH {shl ah, 4}, 0xA5A50FA5, 0x00000000, 0x00000004, FL_CF|FL_PF|FL_AF|FL_ZF|FL_SF|FL_OF, 0xA5A5F0A5, FL_PF|FL_SF|FL_OF, FL_CF|FL_PF|FL_ZF|FL_SF
        SH {shl al, cl}, 0xA5A5A555, 0x00000000, 0x00000000, FL_CF|FL_PF|FL_AF|FL_ZF|FL_SF|FL_OF, 0xA5A5A555, FL_CF|FL_PF|FL_AF|FL_ZF|FL_SF|FL_OF, FL_ARITH
        SH {shl al, cl}, 0xA5A5A5FF, 0x00000000, 0x00000020, 0, 0xA5A5A5FF, 0, FL_ARITH
        SH {shl al, cl}, 0xA5A5A501, 0x00000000, 0x00000009, 0, 0xA5A5A500, FL_PF|FL_ZF, FL_PF|FL_ZF|FL_SF
        SH {shr eax, 1}, 0x80000001, 0x00000000, 0x00000001, 0, 0x40000000, FL_CF|FL_PF|FL_OF, FL_CF|FL_PF|FL_ZF|FL_SF|FL_OF
        SH {shr eax, 1}, 0x00000001, 0x00000000, 0x00000001, FL_CF|FL_PF|FL_AF|FL_ZF|FL_SF|FL_OF, 0x00000000, FL_CF|FL_PF|FL_ZF, FL_CF|FL_PF|FL_ZF|FL_SF|FL_OF
        SH {shr eax, cl}, 0xF0000000, 0x00000000, 0x0000001C, 0, 0x0000000F, FL_PF|FL_OF, FL_CF|FL_PF|FL_ZF|FL_SF
        SH {shr ax, cl}, 0xA5A58000, 0x00000000, 0x0000000F, 0, 0xA5A50001, FL_OF, FL_CF|FL_PF|FL_ZF|FL_SF
        SH {shr al, 1}, 0xA5A5A581, 0x00000000, 0x00000001, 0, 0xA5A5A540, FL_CF|FL_OF, FL_CF|FL_PF|FL_ZF|FL_SF|FL_OF
        SH {shr ah, 7}, 0xA5A580A5, 0x00000000, 0x00000007, 0, 0xA5A501A5, FL_OF, FL_CF|FL_PF|FL_ZF|FL_SF
        SH {sar eax, 1}, 0x80000001, 0x00000000, 0x00000001, 0, 0xC0000000, FL_CF|FL_PF|FL_SF, FL_CF|FL_PF|FL_ZF|FL_SF|FL_OF
        SH {sar eax, cl}, 0x80000000, 0x00000000, 0x0000001F, 0, 0xFFFFFFFF, FL_PF|FL_SF, FL_CF|FL_PF|FL_ZF|FL_SF
        SH {sar eax, cl}, 0x7FFFFFFF, 0x00000000, 0x0000001E, 0, 0x00000001, FL_CF, FL_CF|FL_PF|FL_ZF|FL_SF
        SH {sar ax, cl}, 0xA5A5C000, 0x00000000, 0x0000000E, 0, 0xA5A5FFFF, FL_PF|FL_SF, FL_CF|FL_PF|FL_ZF|FL_SF
        SH {sar al, 1}, 0xA5A5A581, 0x00000000, 0x00000001, FL_CF|FL_PF|FL_AF|FL_ZF|FL_SF|FL_OF, 0xA5A5A5C0, FL_CF|FL_PF|FL_SF, FL_CF|FL_PF|FL_ZF|FL_SF|FL_OF
        SH {sar ah, 6}, 0xA5A540A5, 0x00000000, 0x00000006, 0, 0xA5A501A5, 0, FL_CF|FL_PF|FL_ZF|FL_SF
        SH {sar al, cl}, 0xA5A5A580, 0x00000000, 0x0000000A, 0, 0xA5A5A5FF, FL_CF|FL_PF|FL_SF, FL_CF|FL_PF|FL_ZF|FL_SF
        GROUP "rol-ror"
        SH {rol eax, 1}, 0x80000001, 0x00000000, 0x00000001, 0, 0x00000003, FL_CF|FL_OF, FL_ARITH
        SH {rol eax, 1}, 0x40000000, 0x00000000, 0x00000001, FL_CF|FL_PF|FL_AF|FL_ZF|FL_SF|FL_OF, 0x80000000, FL_PF|FL_AF|FL_ZF|FL_SF|FL_OF, FL_ARITH
        SH {rol eax, cl}, 0x12345678, 0x00000000, 0x00000008, FL_PF|FL_AF|FL_ZF|FL_SF|FL_OF, 0x34567812, FL_PF|FL_AF|FL_ZF|FL_SF, FL_CF|FL_PF|FL_AF|FL_ZF|FL_SF
        SH {rol ax, cl}, 0xA5A58001, 0x00000000, 0x00000004, 0, 0xA5A50018, 0, FL_CF|FL_PF|FL_AF|FL_ZF|FL_SF
        SH {rol al, 1}, 0xA5A5A581, 0x00000000, 0x00000001, FL_CF|FL_PF|FL_AF|FL_ZF|FL_SF|FL_OF, 0xA5A5A503, FL_CF|FL_PF|FL_AF|FL_ZF|FL_SF|FL_OF, FL_ARITH
        SH {rol ah, 4}, 0xA5A512A5, 0x00000000, 0x00000004, 0, 0xA5A521A5, FL_CF|FL_OF, FL_CF|FL_PF|FL_AF|FL_ZF|FL_SF
        SH {rol al, cl}, 0xA5A5A581, 0x00000000, 0x00000008, 0, 0xA5A5A581, FL_CF, FL_CF|FL_PF|FL_AF|FL_ZF|FL_SF
        SH {rol al, cl}, 0xA5A5A581, 0x00000000, 0x00000000, FL_CF|FL_PF|FL_AF|FL_ZF|FL_SF|FL_OF, 0xA5A5A581, FL_CF|FL_PF|FL_AF|FL_ZF|FL_SF|FL_OF, FL_ARITH
        SH {ror eax, 1}, 0x00000001, 0x00000000, 0x00000001, 0, 0x80000000, FL_CF|FL_OF, FL_ARITH
        SH {ror eax, 1}, 0x00000002, 0x00000000, 0x00000001, FL_CF|FL_PF|FL_AF|FL_ZF|FL_SF|FL_OF, 0x00000001, FL_PF|FL_AF|FL_ZF|FL_SF, FL_ARITH
        SH {ror eax, cl}, 0x12345678, 0x00000000, 0x0000000C, 0, 0x67812345, FL_OF, FL_CF|FL_PF|FL_AF|FL_ZF|FL_SF
        SH {ror ax, cl}, 0xA5A50001, 0x00000000, 0x00000011, 0, 0xA5A58000, FL_CF|FL_OF, FL_CF|FL_PF|FL_AF|FL_ZF|FL_SF
        SH {ror al, 1}, 0xA5A5A501, 0x00000000, 0x00000001, 0, 0xA5A5A580, FL_CF|FL_OF, FL_ARITH
        SH {ror ah, 4}, 0xA5A5F0A5, 0x00000000, 0x00000004, FL_CF|FL_PF|FL_AF|FL_ZF|FL_SF|FL_OF, 0xA5A50FA5, FL_PF|FL_AF|FL_ZF|FL_SF, FL_CF|FL_PF|FL_AF|FL_ZF|FL_SF
        GROUP "rcl-rcr"
        SH {rcl eax, 1}, 0x80000000, 0x00000000, 0x00000001, 0, 0x00000000, FL_CF|FL_OF, FL_ARITH
        SH {rcl eax, 1}, 0x00000000, 0x00000000, 0x00000001, FL_CF|FL_PF|FL_AF|FL_ZF|FL_SF|FL_OF, 0x00000001, FL_PF|FL_AF|FL_ZF|FL_SF, FL_ARITH
        SH {rcl eax, cl}, 0x12345678, 0x00000000, 0x00000005, FL_CF|FL_PF|FL_AF|FL_ZF|FL_SF|FL_OF, 0x468ACF11, FL_PF|FL_AF|FL_ZF|FL_SF, FL_CF|FL_PF|FL_AF|FL_ZF|FL_SF
        SH {rcl eax, cl}, 0x80000000, 0x00000000, 0x0000001F, 0, 0x20000000, 0, FL_CF|FL_PF|FL_AF|FL_ZF|FL_SF
        SH {rcl ax, 1}, 0xA5A58000, 0x00000000, 0x00000001, FL_CF, 0xA5A50001, FL_CF|FL_OF, FL_ARITH
        SH {rcl ax, cl}, 0xA5A51234, 0x00000000, 0x00000011, FL_CF, 0xA5A51234, FL_CF|FL_OF, FL_CF|FL_PF|FL_AF|FL_ZF|FL_SF
        SH {rcl ax, cl}, 0xA5A51234, 0x00000000, 0x00000012, 0, 0xA5A52468, 0, FL_CF|FL_PF|FL_AF|FL_ZF|FL_SF
        SH {rcl al, cl}, 0xA5A5A580, 0x00000000, 0x00000009, 0, 0xA5A5A580, FL_OF, FL_CF|FL_PF|FL_AF|FL_ZF|FL_SF
        SH {rcl al, cl}, 0xA5A5A580, 0x00000000, 0x00000002, FL_CF, 0xA5A5A503, 0, FL_CF|FL_PF|FL_AF|FL_ZF|FL_SF
        SH {rcl ah, 1}, 0xA5A540A5, 0x00000000, 0x00000001, 0, 0xA5A580A5, FL_OF, FL_ARITH
        SH {rcr eax, 1}, 0x00000001, 0x00000000, 0x00000001, 0, 0x00000000, FL_CF, FL_ARITH
        SH {rcr eax, 1}, 0x00000000, 0x00000000, 0x00000001, FL_CF|FL_PF|FL_AF|FL_ZF|FL_SF|FL_OF, 0x80000000, FL_PF|FL_AF|FL_ZF|FL_SF|FL_OF, FL_ARITH
        SH {rcr eax, cl}, 0x87654321, 0x00000000, 0x00000007, FL_CF, 0x870ECA86, 0, FL_CF|FL_PF|FL_AF|FL_ZF|FL_SF
        SH {rcr ax, cl}, 0xA5A50001, 0x00000000, 0x00000010, 0, 0xA5A50002, 0, FL_CF|FL_PF|FL_AF|FL_ZF|FL_SF
        SH {rcr ax, 1}, 0xA5A58000, 0x00000000, 0x00000001, 0, 0xA5A54000, FL_OF, FL_ARITH
        SH {rcr al, 1}, 0xA5A5A501, 0x00000000, 0x00000001, FL_CF, 0xA5A5A580, FL_CF|FL_OF, FL_ARITH
        SH {rcr al, cl}, 0xA5A5A503, 0x00000000, 0x0000000A, 0, 0xA5A5A501, FL_CF, FL_CF|FL_PF|FL_AF|FL_ZF|FL_SF
        SH {rcr ah, 3}, 0xA5A581A5, 0x00000000, 0x00000003, FL_PF|FL_AF|FL_ZF|FL_SF|FL_OF, 0xA5A550A5, FL_PF|FL_AF|FL_ZF|FL_SF|FL_OF, FL_CF|FL_PF|FL_AF|FL_ZF|FL_SF
        GROUP "shld-shrd"
        SH {shld eax, edx, 4}, 0x12345678, 0x9ABCDEF0, 0x00000004, 0, 0x23456789, FL_CF, FL_CF|FL_PF|FL_ZF|FL_SF
        SH {shld eax, edx, 1}, 0x80000000, 0x80000000, 0x00000001, 0, 0x00000001, FL_CF|FL_OF, FL_CF|FL_PF|FL_ZF|FL_SF|FL_OF
        SH {shld eax, edx, 1}, 0x40000000, 0x00000000, 0x00000001, FL_CF|FL_PF|FL_AF|FL_ZF|FL_SF|FL_OF, 0x80000000, FL_PF|FL_SF|FL_OF, FL_CF|FL_PF|FL_ZF|FL_SF|FL_OF
        SH {shld eax, edx, cl}, 0x00000001, 0xFFFFFFFF, 0x0000001F, 0, 0xFFFFFFFF, FL_PF|FL_SF|FL_OF, FL_CF|FL_PF|FL_ZF|FL_SF
        SH {shld eax, edx, cl}, 0x12345678, 0x00000000, 0x00000020, FL_CF|FL_PF|FL_AF|FL_ZF|FL_SF|FL_OF, 0x12345678, FL_CF|FL_PF|FL_AF|FL_ZF|FL_SF|FL_OF, FL_ARITH
        SH {shld ax, dx, 8}, 0xA5A51234, 0xA5A5ABCD, 0x00000008, 0, 0xA5A534AB, 0, FL_CF|FL_PF|FL_ZF|FL_SF
        SH {shld ax, dx, cl}, 0xA5A58000, 0xA5A51234, 0x00000010, 0, 0xA5A51234, FL_OF, FL_CF|FL_PF|FL_ZF|FL_SF
        SH {shrd eax, edx, 4}, 0x12345678, 0x9ABCDEF0, 0x00000004, 0, 0x01234567, FL_CF, FL_CF|FL_PF|FL_ZF|FL_SF
        SH {shrd eax, edx, 1}, 0x00000001, 0x00000001, 0x00000001, 0, 0x80000000, FL_CF|FL_PF|FL_SF|FL_OF, FL_CF|FL_PF|FL_ZF|FL_SF|FL_OF
        SH {shrd eax, edx, 1}, 0x80000000, 0x00000000, 0x00000001, FL_CF|FL_PF|FL_AF|FL_ZF|FL_SF|FL_OF, 0x40000000, FL_PF|FL_OF, FL_CF|FL_PF|FL_ZF|FL_SF|FL_OF
        SH {shrd eax, edx, cl}, 0x80000000, 0x00000000, 0x0000001F, 0, 0x00000001, FL_OF, FL_CF|FL_PF|FL_ZF|FL_SF
        SH {shrd ax, dx, cl}, 0xA5A51234, 0xA5A5ABCD, 0x00000004, 0, 0xA5A5D123, FL_SF|FL_OF, FL_CF|FL_PF|FL_ZF|FL_SF
        SH {shrd ax, dx, 1}, 0xA5A50001, 0xA5A50000, 0x00000001, 0, 0xA5A50000, FL_CF|FL_PF|FL_ZF, FL_CF|FL_PF|FL_ZF|FL_SF|FL_OF

        GROUP "shift-mem"
        ; memory destinations, D0/D1/D2/D3/C0/C1 forms
        mov bx, 0x6000
        mov dword [bx], 0x80000001
        shl dword [bx], 1
        CHK [bx], 0x00000002
        CHKF FL_CF|FL_OF, FL_CF|FL_OF
        mov cl, 4
        ror word [bx], cl               ; 0x0002 -> 0x2000
        CHK [bx], 0x00002000
        sar byte [bx+1], 5              ; 0x20 -> 0x01
        CHK [bx], 0x00000100
        CHKF FL_CF|FL_ZF|FL_SF, 0
        mov dword [bx+4], 0x0000ABCD
        mov ax, 0x1234
        shld [bx+4], ax, 4              ; 0xBCD1
        CHK [bx+4], 0x0000BCD1
        CHKF FL_CF, 0

        GROUP "mul"
        mov eax, 0x12345678
        mov ebx, 0x9ABCDEF0
        mov edx, 0x11111111
        mul ebx
        CHK eax, 0x242D2080
        CHK edx, 0x0B00EA4E
        CHKF FL_CF|FL_OF, FL_CF|FL_OF
        mov eax, 0x00010000
        mov ebx, 0x00000010
        mul ebx
        CHK eax, 0x00100000
        CHK edx, 0
        CHKF FL_CF|FL_OF, 0
        mov eax, 0xAAAA1234
        mov ebx, 0x00005678
        mov edx, 0xBBBB0000
        mul bx
        CHK eax, 0xAAAA0060
        CHK edx, 0xBBBB0626
        CHKF FL_CF|FL_OF, FL_CF|FL_OF
        mov eax, 0xAAAA11FF
        mov ebx, 0x000000FF
        mov edx, 0xBBBBBBBB
        mul bl
        CHK eax, 0xAAAAFE01
        CHK edx, 0xBBBBBBBB             ; 8-bit MUL leaves DX alone
        CHKF FL_CF|FL_OF, FL_CF|FL_OF
        mov eax, 0x00000010
        mov byte [0x6010], 0x0F
        mul byte [0x6010]
        CHK eax, 0x000000F0
        CHKF FL_CF|FL_OF, 0

        GROUP "imul"
        mov eax, 0xFFFFFFFE             ; -2 * 3
        mov ebx, 3
        imul ebx
        CHK eax, 0xFFFFFFFA
        CHK edx, 0xFFFFFFFF
        CHKF FL_CF|FL_OF, 0
        mov eax, 0x7FFFFFFF
        mov ebx, 2
        imul ebx
        CHK eax, 0xFFFFFFFE
        CHK edx, 0x00000000
        CHKF FL_CF|FL_OF, FL_CF|FL_OF
        mov eax, 0x00008000             ; -32768 * -1 = +32768: does not fit
        mov ebx, 0x0000FFFF
        mov edx, 0x12340000
        imul bx
        CHK eax, 0x00008000
        CHK edx, 0x12340000
        CHKF FL_CF|FL_OF, FL_CF|FL_OF
        mov eax, 0x00000080             ; -128 * -1
        mov ebx, 0x000000FF
        imul bl
        CHK eax, 0x00000080
        CHKF FL_CF|FL_OF, FL_CF|FL_OF
        mov eax, 0x000000F0             ; -16 * 8 = -128 fits in AL
        mov ebx, 0x00000008
        imul bl
        CHK eax, 0x0000FF80
        CHKF FL_CF|FL_OF, 0
        ; two-operand
        mov ecx, 0x00010000
        mov ebx, 0x00010000
        imul ecx, ebx
        CHK ecx, 0
        CHKF FL_CF|FL_OF, FL_CF|FL_OF
        mov ecx, 0xFFFFFFFD
        mov ebx, 7
        imul ecx, ebx
        CHK ecx, 0xFFFFFFEB
        CHKF FL_CF|FL_OF, 0
        mov ecx, 0xCCCC0100
        mov ebx, 0x0000FF00
        imul cx, bx                     ; 256 * -256 = -65536
        CHK ecx, 0xCCCC0000
        CHKF FL_CF|FL_OF, FL_CF|FL_OF
        mov dword [0x6020], 0xFFFFFFF6  ; -10
        mov esi, 0x00000005
        imul esi, [0x6020]
        CHK esi, 0xFFFFFFCE
        CHKF FL_CF|FL_OF, 0
        ; three-operand: 6B (imm8), 69 (imm16/imm32)
        mov ebx, 0x00001000
        imul edx, ebx, -5
        CHK edx, 0xFFFFB000
        CHKF FL_CF|FL_OF, 0
        mov edx, 0x77770000
        mov ebx, 0x00000004
        imul dx, bx, 0x4000
        CHK edx, 0x77770000
        CHKF FL_CF|FL_OF, FL_CF|FL_OF
        mov ebx, 0x00001000
        imul esi, ebx, 0x12345
        CHK esi, 0x12345000
        CHKF FL_CF|FL_OF, 0
        mov dword [0x6024], 0x7FFFFFFF
        imul edi, [0x6024], 100
        CHK edi, 0xFFFFFF9C
        CHKF FL_CF|FL_OF, FL_CF|FL_OF

        GROUP "div"
        mov edx, 0x00001234
        mov eax, 0x56789ABC
        mov ebx, 0x87654321
        div ebx
        CHK eax, 0x0000226B
        CHK edx, 0x4C3B29F1
        mov edx, 0xAAAA0001             ; DX:AX = 0x10000
        mov eax, 0xBBBB0000
        mov ebx, 0x00000003
        div bx
        CHK eax, 0xBBBB5555
        CHK edx, 0xAAAA0001
        mov eax, 0xCCCC0100
        mov ebx, 7
        mov edx, 0x99999999
        div bl
        CHK eax, 0xCCCC0424             ; AH=rem 4, AL=quot 36
        CHK edx, 0x99999999
        mov dword [0x6028], 10
        mov edx, 0
        mov eax, 12345
        div dword [0x6028]
        CHK eax, 1234
        CHK edx, 5

        GROUP "idiv"
        mov edx, 0xFFFFFFFF             ; -1000000007 / 10
        mov eax, 0xC46535F9
        mov ecx, 10
        idiv ecx
        CHK eax, 0xFA0A1F00             ; truncates toward zero: -100000000
        CHK edx, 0xFFFFFFF9             ; remainder has the dividend's sign: -7
        mov edx, 0x1234FFFF             ; DX:AX = -7
        mov eax, 0x5678FFF9
        mov ebx, 2
        idiv bx
        CHK eax, 0x5678FFFD
        CHK edx, 0x1234FFFF
        mov eax, 0x0000FFF9             ; -7 / -2
        mov ebx, 0x000000FE
        idiv bl
        CHK eax, 0x0000FF03
        mov eax, 100                    ; 100 / -7 = -14 rem 2
        mov ebx, 0xFFFFFFF9
        cdq
        idiv ebx
        CHK eax, 0xFFFFFFF2
        CHK edx, 2

        GROUP "div-de"
        ; #DE is a fault: IP points at the divide, registers unchanged
        mov eax, 0x00001234
        mov ebx, 0
        EXPECT_EXC 0, .r1
.d1:    div bl
.r1:    CHKEXC 0
        CHK [ss:v_exc_ip], .d1
        CHK [ss:v_exc_cs], 0xF000
        CHK eax, 0x00001234
        mov eax, 0x00001000             ; 0x1000 / 0x10 = 0x100 > 0xFF
        mov ebx, 0x10
        EXPECT_EXC 0, .r2
.d2:    div bl
.r2:    CHKEXC 0
        CHK [ss:v_exc_ip], .d2
        CHK eax, 0x00001000
        mov edx, 0x00000010             ; 0x100000 / 0x10 = 0x10000 > 0xFFFF
        mov eax, 0
        mov ebx, 0x10
        EXPECT_EXC 0, .r3
.d3:    div bx
.r3:    CHKEXC 0
        CHK [ss:v_exc_ip], .d3
        mov eax, 0x0000FF80             ; -128 / -1 = +128 > 127
        mov ebx, 0xFF
        EXPECT_EXC 0, .r4
.d4:    idiv bl
.r4:    CHKEXC 0
        CHK eax, 0x0000FF80
        mov edx, 0xFFFFFFFF             ; INT_MIN / -1
        mov eax, 0x80000000
        mov ecx, 0xFFFFFFFF
        EXPECT_EXC 0, .r5
.d5:    idiv ecx
.r5:    CHKEXC 0
        CHK [ss:v_exc_ip], .d5
        CHK eax, 0x80000000
        CHK edx, 0xFFFFFFFF
        mov dword [0x602C], 0
        EXPECT_EXC 0, .r6
.d6:    div dword [0x602C]
.r6:    CHKEXC 0
        CHK [ss:v_exc_ip], .d6
        mov eax, 0x7FFF                 ; 0x7FFF7FFF / 2 does not fit in 16 bits
        mov edx, 0x7FFF
        mov ebx, 2
        EXPECT_EXC 0, .r7
.d7:    idiv bx
.r7:    CHKEXC 0
        CHK [ss:v_exc_count], 7

        GROUP "daa-das"
        mov eax, 0x55550079
        add al, 0x35                    ; 0xAE
        daa
        CHK eax, 0x55550014
        CHKF FL_CF|FL_AF|FL_ZF|FL_SF|FL_PF, FL_CF|FL_AF|FL_PF
        mov eax, 0x55550038
        add al, 0x29                    ; 0x61, AF=1
        daa
        CHK eax, 0x55550067
        CHKF FL_CF|FL_AF|FL_ZF|FL_SF|FL_PF, FL_AF
        mov eax, 0x55550050
        add al, 0x50                    ; 0xA0
        daa
        CHK eax, 0x55550000
        CHKF FL_CF|FL_AF|FL_ZF|FL_SF|FL_PF, FL_CF|FL_ZF|FL_PF
        mov eax, 0x55550035
        sub al, 0x47                    ; 0xEE, CF=AF=1
        das
        CHK eax, 0x55550088
        CHKF FL_CF|FL_AF|FL_ZF|FL_SF|FL_PF, FL_CF|FL_AF|FL_SF|FL_PF
        mov eax, 0x55550042
        sub al, 0x13                    ; 0x2F, AF=1
        das
        CHK eax, 0x55550029
        CHKF FL_CF|FL_AF|FL_ZF|FL_SF|FL_PF, FL_AF

        GROUP "aaa-aas"
        mov eax, 0x55550009
        add al, 5
        aaa
        CHK eax, 0x55550104
        CHKF FL_CF|FL_AF, FL_CF|FL_AF
        mov eax, 0x55550108
        add al, 1
        aaa
        CHK eax, 0x55550109
        CHKF FL_CF|FL_AF, 0
        mov eax, 0x55550203
        sub al, 5                       ; 0xFE, AF=1
        aas
        CHK eax, 0x55550108
        CHKF FL_CF|FL_AF, FL_CF|FL_AF
        mov eax, 0x55550307
        sub al, 2
        aas
        CHK eax, 0x55550305
        CHKF FL_CF|FL_AF, 0

        GROUP "aam-aad"
        mov eax, 0x5555AA4F
        aam
        CHK eax, 0x55550709
        CHKF FL_ZF|FL_SF|FL_PF, FL_PF
        mov eax, 0x555500FF
        aam 16
        CHK eax, 0x55550F0F
        CHKF FL_ZF|FL_SF|FL_PF, FL_PF
        mov eax, 0x55550709
        aad
        CHK eax, 0x5555004F
        CHKF FL_ZF|FL_SF|FL_PF, 0
        mov eax, 0x55550F0F
        aad 16
        CHK eax, 0x555500FF
        CHKF FL_ZF|FL_SF|FL_PF, FL_SF|FL_PF
        mov eax, 0x55551A05
        aad
        CHK eax, 0x55550009
        CHKF FL_ZF|FL_SF|FL_PF, FL_PF
        mov eax, 0x55550A00
        aam 10
        CHK eax, 0x55550000
        CHKF FL_ZF|FL_SF|FL_PF, FL_ZF|FL_PF
        mov eax, 0x55551234
        EXPECT_EXC 0, .r8
.d8:    aam 0
.r8:    CHKEXC 0
        CHK [ss:v_exc_ip], .d8
        CHK eax, 0x55551234

        FINISH
