; name: branch_jmp32
call 7
if w0 > 7 goto l1
if w0 == 3 goto l2
r1 = r0
l2:
r0 = 0
exit
l1:
if w0 s< 0 goto l2
r0 = 1
exit
