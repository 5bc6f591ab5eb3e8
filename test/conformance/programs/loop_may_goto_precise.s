; name: loop_may_goto_precise
call 7
r6 = r0
r6 &= 3
r7 = 0
l1:
may_goto l2
r7 += 1
r7 &= 3
goto l1
l2:
r1 = r10
r1 += -8
r1 += r7
r0 = 0
exit
