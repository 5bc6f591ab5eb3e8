; name: prune_map_value_off
; map values at a join point that differ only in their fixed offset, then in their variable offset (old narrower than current): regsafe must not prune either
; flags: BPF_F_TEST_STATE_FREQ
; map: m array key=4 value=32 max=4
call 7
r6 = r0
r1 = 0
*(u32 *)(r10 -4) = r1
r2 = r10
r2 += -4
.insn 0x18, 1, 5, 0, 0
.insn 0x00, 0, 0, 0, 0
call 1
if r0 == 0 goto out
if r6 > 100 goto l1
r0 += 8
l1:
r1 = *(u64 *)(r0 +0)
r7 = r6
r7 &= 3
if r6 > 200 goto l2
r7 = r6
r7 &= 7
l2:
r0 += r7
r1 = *(u64 *)(r0 +0)
out:
r0 = 0
exit
