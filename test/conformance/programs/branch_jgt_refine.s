; name: branch_jgt_refine
call 7
if r0 > 10 goto l1
r1 = r0
r0 = 0
exit
l1:
if r0 < 100 goto l2
r0 = 1
exit
l2:
r0 = 2
exit
