; name: alu_const_fold
r0 = 1
r0 += 2
r0 *= 3
r0 -= 1
r0 <<= 4
r0 >>= 2
r0 |= 0x100
r0 ^= 0x5
r0 &= 0xfff
exit
