; name: alu32_wrap
r1 = -1
w1 += 1
r2 = 0x7fffffff
w2 += 1
w3 = w2
r0 = 0
exit
