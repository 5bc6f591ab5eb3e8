; name: branch_reg_reg
call 7
r6 = r0
call 7
r7 = r0
r6 &= 0xff
r7 &= 0xf
if r6 > r7 goto l1
r0 = 0
exit
l1:
if r6 <= r7 goto l2
r0 = 1
exit
l2:
r0 = 2
exit
