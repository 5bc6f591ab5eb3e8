; name: precise_jmp_history_many
call 7
r6 = r0
r6 &= 1
call 7
if r0 == 1 goto l1
l1:
if r0 == 2 goto l2
l2:
if r0 == 3 goto l3
l3:
if r0 == 4 goto l4
l4:
r1 = r10
r1 += -8
r1 += r6
r0 = 0
exit
