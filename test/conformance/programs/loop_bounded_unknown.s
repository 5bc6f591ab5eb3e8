; name: loop_bounded_unknown
call 7
r0 &= 7
r1 = 0
l1:
r1 += 1
if r1 < r0 goto l1
r0 = 0
exit
