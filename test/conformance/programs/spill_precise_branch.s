; name: spill_precise_branch
call 7
r6 = r0
*(u64 *)(r10 - 8) = r6
if r6 > 4 goto l1
r1 = *(u64 *)(r10 - 8)
r2 = r10
r2 += -16
r2 += r1
l1:
r0 = 0
exit
