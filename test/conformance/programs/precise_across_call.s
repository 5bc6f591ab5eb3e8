; name: precise_across_call
; precision for r6 walks back through a static call's exit; r0 is not precise in the callee
call 7
r6 = r0
r6 &= 56
r1 = 0
*(u64 *)(r10 -8) = r1
*(u64 *)(r10 -16) = r1
*(u64 *)(r10 -24) = r1
*(u64 *)(r10 -32) = r1
*(u64 *)(r10 -40) = r1
*(u64 *)(r10 -48) = r1
*(u64 *)(r10 -56) = r1
*(u64 *)(r10 -64) = r1
call sub
r1 = r10
r1 += -64
r1 += r6
r0 = *(u64 *)(r1 +0)
r0 = 0
exit
sub:
r0 = 1
exit
