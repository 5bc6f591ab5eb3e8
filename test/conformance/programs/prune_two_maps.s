; name: prune_two_maps
; pointers into two different maps meet at a join point: map_ptr differs, so no pruning even with equal offsets
; flags: BPF_F_TEST_STATE_FREQ
; map: a array key=4 value=16 max=4
; map: b array key=4 value=16 max=4
call 7
r6 = r0
r1 = 0
*(u32 *)(r10 -4) = r1
r2 = r10
r2 += -4
.insn 0x18, 1, 5, 0, 0
.insn 0x00, 0, 0, 0, 0
if r6 > 100 goto l1
.insn 0x18, 1, 5, 0, 1
.insn 0x00, 0, 0, 0, 0
l1:
call 1
if r0 == 0 goto out
r1 = *(u64 *)(r0 +8)
r0 = r6
if r6 > 50 goto out
r0 = 1
out:
r0 = 0
exit
