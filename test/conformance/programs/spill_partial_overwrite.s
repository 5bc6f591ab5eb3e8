; name: spill_partial_overwrite
call 7
r0 &= 7
*(u64 *)(r10 - 8) = r0
r1 = 0
*(u8 *)(r10 - 8) = r1
r2 = *(u64 *)(r10 - 8)
r0 = 0
exit
