; name: prune_stack_spill_zero
; a 1-byte spill of an unknown scalar against a zeroed byte at join points, in both orders (stacksafe compares them as scalars: both prune)
; flags: BPF_F_TEST_STATE_FREQ
call 7
r6 = r0
r7 = r6
r7 <<= 16
if r6 > 100 goto l1
*(u8 *)(r10 -8) = r7
goto l2
l1:
*(u8 *)(r10 -8) = 0
l2:
r0 = *(u8 *)(r10 -8)
call 7
r6 = r0
if r6 > 200 goto l3
*(u8 *)(r10 -16) = 0
goto l4
l3:
r7 = r6
r7 <<= 16
*(u8 *)(r10 -16) = r7
l4:
r0 = *(u8 *)(r10 -16)
r0 = 0
exit
