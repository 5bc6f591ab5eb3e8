; name: stack_varoff_read
r1 = 0
*(u64 *)(r10 - 8) = r1
*(u64 *)(r10 - 16) = r1
call 7
r0 &= 8
r1 = r10
r1 += -16
r1 += r0
r0 = *(u64 *)(r1 + 0)
exit
