; name: alu_unknown_mask
call 7
r1 = r0
r1 &= 0xff
r1 <<= 2
r1 += 16
r2 = r1
r2 >>= 3
r0 = 0
exit
