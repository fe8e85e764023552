; pm_paging.asm - 2-level paging: 4 KiB pages and 4 MiB (PSE) pages, #PF
; error codes (P, W/R, U/S) and CR2 for reads, writes, instruction fetches
; and user-mode accesses, accessed/dirty bits in PTEs and PDEs, CR0.WP,
; INVLPG, and global pages (CR4.PGE) vs. CR3 reloads and PGE toggles.
%include "lib/base.inc"
%include "lib/pm.inc"

PD      equ 0x100000
PT0     equ 0x101000        ; identity map of 0-4 MiB (user, writable)
PT2     equ 0x102000        ; linear 0x800000-0xBFFFFF test pages

; test pages (linear) and what PT2 maps them to
PG_RW   equ 0x800000        ; -> 0x200000 supervisor, writable
PG_NP   equ 0x801000        ; not present
PG_RO   equ 0x802000        ; -> 0x202000 supervisor, read-only
PG_URW  equ 0x803000        ; -> 0x203000 user, writable
PG_URO  equ 0x804000        ; -> 0x204000 user, read-only
PG_AD   equ 0x805000        ; -> 0x205000 supervisor, writable (A/D tests)
PG_X    equ 0x806000        ; -> 0x206000 / 0x207000 (INVLPG, PGE tests)
BIG     equ 0x400000        ; 4 MiB page -> phys 0xC00000 (supervisor)
BIGID   equ 0xC00000        ; 4 MiB page, identity (user)

P_P     equ 0x001
P_W     equ 0x002
P_U     equ 0x004
P_A     equ 0x020
P_D     equ 0x040
P_PS    equ 0x080
P_G     equ 0x100

PF_P    equ 1               ; #PF error code bits
PF_W    equ 2
PF_U    equ 4

TEXT16
rm_main:
        jmp enter_pm

TEXT32
pm_main:
        ; page directory and tables
        mov edi, PD
        mov ecx, 3*1024
        xor eax, eax
        rep stosd
        mov edi, PT0
        mov eax, P_P|P_W|P_U
        mov ecx, 1024
.id:    stosd
        add eax, 0x1000
        loop .id
        mov dword [PD+0*4], PT0|P_P|P_W|P_U
        mov dword [PD+1*4], 0xC00000|P_PS|P_P|P_W
        mov dword [PD+2*4], PT2|P_P|P_W|P_U
        mov dword [PD+3*4], 0xC00000|P_PS|P_P|P_W|P_U
        mov dword [PT2+0*4], 0x200000|P_P|P_W
        mov dword [PT2+1*4], 0x201000       ; P=0
        mov dword [PT2+2*4], 0x202000|P_P
        mov dword [PT2+3*4], 0x203000|P_P|P_W|P_U
        mov dword [PT2+4*4], 0x204000|P_P|P_U
        mov dword [PT2+5*4], 0x205000|P_P|P_W
        mov dword [PT2+6*4], 0x206000|P_P|P_W
        ; distinct contents in the physical pages
        mov dword [0x200000], 0xAAAA0000
        mov dword [0x202000], 0xAAAA2000
        mov dword [0x206000], 0xAAAA6000
        mov dword [0x207000], 0xAAAA7000
        ; enable PSE and paging
        mov eax, cr4
        or eax, 0x10                        ; CR4.PSE
        mov cr4, eax
        mov eax, PD
        mov cr3, eax
        mov eax, cr0
        or eax, 0x80000000
        mov cr0, eax
        jmp .pg
.pg:

        GROUP "map"
        CHK [PG_RW], 0xAAAA0000
        mov dword [PG_RW+0x10], 0x12345678
        CHK [0x200010], 0x12345678
        CHK [PG_RO], 0xAAAA2000
        mov dword [BIG+0x1234], 0x0BADF00D  ; 4 MiB page
        CHK [BIGID+0x1234], 0x0BADF00D
        CHK [0xC01234], 0x0BADF00D
        mov eax, cr3
        CHK eax, PD

        GROUP "pf-supervisor"
        EXPECT_EXC 14, .f1
.a1:    mov eax, [PG_NP+0x123]
.f1:    CHKEXC 14, 0                        ; read, not present, supervisor
        CHK [v_exc_cr2], PG_NP+0x123
        CHK [v_exc_ip], .a1
        EXPECT_EXC 14, .f2
        mov dword [PG_NP+0xFFC], 1
.f2:    CHKEXC 14, PF_W
        CHK [v_exc_cr2], PG_NP+0xFFC
        ; an access that straddles into the not-present page: CR2 is the
        ; first byte in that page
        EXPECT_EXC 14, .f3
        mov eax, [PG_NP-2]
.f3:    CHKEXC 14, 0
        CHK [v_exc_cr2], PG_NP
        ; instruction fetch (no I/D bit without PAE/NX)
        mov eax, PG_NP+0x10
        EXPECT_EXC 14, .f4
        jmp eax
.f4:    CHKEXC 14, 0
        CHK [v_exc_cr2], PG_NP+0x10
        CHK [v_exc_ip], PG_NP+0x10
        ; the PDE not present
        EXPECT_EXC 14, .f5
        mov eax, [0x1400000]
.f5:    CHKEXC 14, 0
        CHK [v_exc_cr2], 0x1400000

        GROUP "wp"
        ; CR0.WP=0: supervisor writes ignore R/W
        mov dword [PG_RO+4], 0x11111111
        CHK [0x202004], 0x11111111
        mov dword [PG_URO+4], 0x22222222
        mov eax, cr0
        or eax, 0x10000                     ; CR0.WP
        mov cr0, eax
        EXPECT_EXC 14, .w1
        mov dword [PG_RO+8], 0x33333333
.w1:    CHKEXC 14, PF_P|PF_W
        CHK [v_exc_cr2], PG_RO+8
        CHK [0x202008], 0
        EXPECT_EXC 14, .w2
        mov byte [PG_URO], 0
.w2:    CHKEXC 14, PF_P|PF_W
        mov eax, cr0
        and eax, ~0x10000
        mov cr0, eax
        mov dword [PG_RO+8], 0x33333333
        CHK [0x202008], 0x33333333

        GROUP "pf-user"
        RUN_RING3 user_tests
        CHK ebx, 0xC0DE0003                 ; ring 3 ran to the end
        CHK [v_exc_count], 5 + 2 + 6

        GROUP "accessed-dirty"
        and dword [PT2+5*4], ~(P_A|P_D)
        and dword [PD+2*4], ~(P_A|P_D)
        invlpg [PG_AD]
        CHK [PT2+5*4], 0, P_A|P_D
        mov eax, [PG_AD]                    ; read: A only
        CHK [PT2+5*4], P_A, P_A|P_D
        CHK [PD+2*4], P_A, P_A              ; PDE accessed too
        mov dword [PG_AD], eax              ; write: D
        CHK [PT2+5*4], P_A|P_D, P_A|P_D
        ; a write as the first access sets both
        and dword [PT2+5*4], ~(P_A|P_D)
        invlpg [PG_AD]
        mov byte [PG_AD+0x800], 1
        CHK [PT2+5*4], P_A|P_D, P_A|P_D
        ; 4 MiB page: A and D live in the PDE
        and dword [PD+3*4], ~(P_A|P_D)
        invlpg [BIGID]
        mov eax, [BIGID+0x10]
        CHK [PD+3*4], P_A, P_A|P_D
        mov [BIGID+0x10], eax
        CHK [PD+3*4], P_A|P_D, P_A|P_D
        ; a faulting access does not set A
        and dword [PT2+2*4], ~(P_A|P_D)
        invlpg [PG_RO]
        mov eax, cr0
        or eax, 0x10000
        mov cr0, eax
        EXPECT_EXC 14, .d1
        mov dword [PG_RO], 0
.d1:    mov eax, cr0
        and eax, ~0x10000
        mov cr0, eax
        CHKEXC 14, PF_P|PF_W
        CHK [PT2+2*4], 0, P_D

        GROUP "invlpg"
        CHK [PG_X], 0xAAAA6000              ; now cached in the TLB
        mov dword [PT2+6*4], 0x207000|P_P|P_W
        invlpg [PG_X]
        CHK [PG_X], 0xAAAA7000
        mov dword [PT2+6*4], 0x207000       ; not present
        invlpg [PG_X+0x800]                 ; any address in the page
        EXPECT_EXC 14, .i1
        mov eax, [PG_X]
.i1:    CHKEXC 14, 0
        ; a CR3 reload flushes non-global entries
        mov dword [PT2+6*4], 0x206000|P_P|P_W
        invlpg [PG_X]
        CHK [PG_X], 0xAAAA6000
        mov dword [PT2+6*4], 0x207000|P_P|P_W
        mov eax, cr3
        mov cr3, eax
        CHK [PG_X], 0xAAAA7000

        GROUP "pge"
        mov eax, cr4
        or eax, 0x80                        ; CR4.PGE
        mov cr4, eax
        mov dword [PT2+6*4], 0x206000|P_P|P_W|P_G
        invlpg [PG_X]
        CHK [PG_X], 0xAAAA6000              ; global entry in the TLB
        mov dword [PT2+6*4], 0x207000|P_P|P_W|P_G
        mov eax, cr3
        mov cr3, eax
%ifndef QEMU
        ; A global TLB entry survives a CR3 load. (Architecturally the CPU
        ; may still drop it at any time; this checks vmi86's TLB model.
        ; QEMU flushes global entries on CR3 writes.)
        CHK [PG_X], 0xAAAA6000
%endif
        ; toggling CR4.PGE flushes everything, global entries included
        mov eax, cr4
        and eax, ~0x80
        mov cr4, eax
        or eax, 0x80
        mov cr4, eax
        CHK [PG_X], 0xAAAA7000
        ; INVLPG also removes a global entry
        mov dword [PT2+6*4], 0x206000|P_P|P_W|P_G
        invlpg [PG_X]
        CHK [PG_X], 0xAAAA6000

        FINISH

; ring-3 part of "pf-user"; the library's #PF handler resumes in ring 3
user_tests:
        EXPECT_EXC 14, .u1
        mov eax, [PG_RW]                    ; supervisor page
.u1:    CHKEXC 14, PF_P|PF_U
        CHK [v_exc_cr2], PG_RW
        CHK [v_exc_cs], SEL_UCODE32
        EXPECT_EXC 14, .u2
        mov dword [PG_URO], 1               ; user read-only
.u2:    CHKEXC 14, PF_P|PF_W|PF_U
        EXPECT_EXC 14, .u3
        mov eax, [PG_NP]
.u3:    CHKEXC 14, PF_U
        EXPECT_EXC 14, .u4
        mov dword [PG_NP], 0
.u4:    CHKEXC 14, PF_W|PF_U
        EXPECT_EXC 14, .u5
        mov eax, [BIG]                      ; 4 MiB page, PDE U/S=0
.u5:    CHKEXC 14, PF_P|PF_U
        EXPECT_EXC 14, .u6
        mov dword [PG_RO], 0                ; supervisor read-only
.u6:    CHKEXC 14, PF_P|PF_W|PF_U
        mov dword [PG_URW], 0x5555AAAA      ; user writable: fine
        CHK [PG_URW], 0x5555AAAA
        CHK [PG_URO+4], 0x22222222          ; user read: fine
        CHK [BIGID+0x1234], 0x0BADF00D
        mov ebx, 0xC0DE0003
        int RING0_VEC
