; name: linked_scalars_32
call 7
w1 = w0
w2 = w1
if w2 > 15 goto l1
r3 = r10
r3 += -16
r3 += r1
l1:
r0 = 0
exit
