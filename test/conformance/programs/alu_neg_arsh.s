; name: alu_neg_arsh
call 7
r0 &= 15
r0 = -r0
r1 = r0
r1 s>>= 2
w2 = w0
w2 s>>= 1
r0 = 0
exit
