; name: loop_may_goto_branch
call 7
r6 = r0
r7 = 0
l1:
may_goto l3
if r6 > 10 goto l2
r7 = 1
goto l1
l2:
r7 = 2
goto l1
l3:
r1 = r10
r1 += -8
r1 += r7
r0 = 0
exit
