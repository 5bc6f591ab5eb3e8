; name: branch_signed
call 7
r1 = r0
if r1 s> 5 goto l1
if r1 s< -5 goto l1
r2 = r10
r2 += r1
l1:
r0 = 0
exit
