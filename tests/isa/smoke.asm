%include "lib/base.inc"
TEXT16
rm_main:
        GROUP "smoke"
        mov eax, 5
        CHK eax, 5
        stc
        CHKF FL_CF, FL_CF
        EXPECT_EXC 0, .r
        xor cx, cx
        div cx
.r:     CHKEXC 0
        FINISH
