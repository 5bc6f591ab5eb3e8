; name: spill_fill_32bit
call 7
r0 &= 0xff
*(u32 *)(r10 - 8) = r0
r1 = *(u32 *)(r10 - 8)
r2 = r10
r2 += -16
r2 += r1
r0 = 0
exit
