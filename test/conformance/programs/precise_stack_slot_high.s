; name: precise_stack_slot_high
; precision tracked through spill slots beyond fp-256 (stack slots 32 and up: the high half of the backtracking stack mask)
call 7
r6 = r0
r6 &= 56
*(u64 *)(r10 -264) = r6
*(u64 *)(r10 -512) = r6
r1 = 0
*(u64 *)(r10 -8) = r1
*(u64 *)(r10 -16) = r1
*(u64 *)(r10 -24) = r1
*(u64 *)(r10 -32) = r1
*(u64 *)(r10 -40) = r1
*(u64 *)(r10 -48) = r1
*(u64 *)(r10 -56) = r1
*(u64 *)(r10 -64) = r1
r7 = *(u64 *)(r10 -264)
r8 = *(u64 *)(r10 -512)
r1 = r10
r1 += -64
r1 += r7
r0 = *(u64 *)(r1 +0)
r1 = r10
r1 += -64
r1 += r8
r0 = *(u64 *)(r1 +0)
r0 = 0
exit
