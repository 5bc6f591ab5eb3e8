; name: loop_bounded
r1 = 0
l1:
r1 += 1
if r1 < 10 goto l1
r0 = 0
exit
