; name: alu_mul_div_mod
call 7
r0 &= 63
r1 = r0
r1 *= 7
r2 = r0
r2 /= 3
r3 = r0
r3 %= 5
w4 = w0
w4 /= 7
r0 = 0
exit
