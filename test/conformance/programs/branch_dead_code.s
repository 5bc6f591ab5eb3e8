; name: branch_dead_code
r1 = 5
if r1 > 10 goto l1
r0 = 0
exit
l1:
r0 = *(u64 *)(r10 - 8)
exit
