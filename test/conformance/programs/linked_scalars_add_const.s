; name: linked_scalars_add_const
call 7
r0 &= 0xff
r1 = r0
r1 += 4
if r0 > 3 goto l1
r2 = r10
r2 += -16
r2 += r1
l1:
r0 = 0
exit
