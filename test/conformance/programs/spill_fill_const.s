; name: spill_fill_const
r1 = 42
*(u64 *)(r10 - 16) = r1
*(u32 *)(r10 - 4) = r1
r2 = *(u64 *)(r10 - 16)
r3 = *(u32 *)(r10 - 4)
r0 = r2
r0 += r3
exit
