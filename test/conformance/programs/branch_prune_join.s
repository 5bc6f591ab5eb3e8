; name: branch_prune_join
call 7
r6 = r0
call 7
if r0 > 5 goto l1
r1 = 1
goto l2
l1:
r1 = 2
l2:
if r6 > 3 goto l3
r2 = 3
goto l4
l3:
r2 = 4
l4:
r0 = 0
exit
