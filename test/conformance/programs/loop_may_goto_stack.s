; name: loop_may_goto_stack
call 7
r0 &= 7
*(u64 *)(r10 - 8) = r0
l1:
may_goto l2
r1 = *(u64 *)(r10 - 8)
r1 += 1
r1 &= 7
*(u64 *)(r10 - 8) = r1
goto l1
l2:
r0 = 0
exit
