; name: loop_infinite
r1 = 0
l1:
r1 = 0
if r1 == 0 goto l1
r0 = 0
exit
