; name: linked_scalars_spilled
call 7
r1 = r0
*(u64 *)(r10 - 8) = r1
if r0 > 7 goto l1
r2 = *(u64 *)(r10 - 8)
r3 = r10
r3 += -8
r3 += r2
l1:
r0 = 0
exit
