; name: branch_jset
call 7
r1 = r0
if r1 & 0x8 goto l1
r1 &= 0xf
r0 = 0
exit
l1:
r1 &= 0xf
r0 = 1
exit
