; name: loop_nested
r1 = 0
l1:
r2 = 0
l2:
r2 += 1
if r2 < 3 goto l2
r1 += 1
if r1 < 3 goto l1
r0 = 0
exit
