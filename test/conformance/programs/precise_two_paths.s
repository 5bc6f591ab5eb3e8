; name: precise_two_paths
call 7
r6 = r0
call 7
if r0 > 1 goto l1
r6 &= 3
goto l2
l1:
r6 &= 7
l2:
r1 = r10
r1 += -8
r1 += r6
r0 = 0
exit
