; name: loop_may_goto
r1 = 0
l1:
may_goto l2
r1 += 1
goto l1
l2:
r0 = 0
exit
