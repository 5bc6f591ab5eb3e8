; name: loop_countdown_stack
r1 = 5
*(u64 *)(r10 - 8) = r1
l1:
r1 = *(u64 *)(r10 - 8)
r1 -= 1
*(u64 *)(r10 - 8) = r1
if r1 != 0 goto l1
r0 = 0
exit
