; The workload as a cdecl function for the native 32-bit build: u32 workload_native(u8* buf, u32 rounds)
        bits 32
        section .text
        global workload_native
workload_native:
        push ebx
        push esi
        push edi
        mov edi, [esp + 16]
        mov ecx, [esp + 20]
        call workload
        pop edi
        pop esi
        pop ebx
        ret
%include "workload.inc"
        section .note.GNU-stack noalloc noexec nowrite progbits
