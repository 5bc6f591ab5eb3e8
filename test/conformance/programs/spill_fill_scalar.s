; name: spill_fill_scalar
call 7
r0 &= 7
*(u64 *)(r10 - 8) = r0
r1 = 0
r1 = *(u64 *)(r10 - 8)
r2 = r10
r2 += -8
r2 += r1
r0 = 0
exit
