; name: linked_scalars_mov
call 7
r1 = r0
r2 = r0
if r1 > 7 goto l1
r3 = r10
r3 += -8
r3 += r2
l1:
r0 = 0
exit
