; name: stack_varoff_write
call 7
r0 &= 8
r1 = r10
r1 += -16
r1 += r0
r2 = 1
*(u64 *)(r1 + 0) = r2
r0 = 0
exit
