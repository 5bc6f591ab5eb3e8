; name: prune_pkt_range
; packet pointers whose verified range differs at a join point (old 16, current 8): the larger old range is not safe for the current path
; type: xdp
; flags: BPF_F_TEST_STATE_FREQ
r2 = *(u32 *)(r1 + 0)
r3 = *(u32 *)(r1 + 4)
r6 = *(u32 *)(r1 + 12)
if r6 > 3 goto l1
r4 = r2
r4 += 16
if r4 > r3 goto out
goto l2
l1:
r4 = r2
r4 += 8
if r4 > r3 goto out
l2:
r0 = *(u8 *)(r2 +0)
r0 = *(u8 *)(r2 +1)
out:
r0 = 2
exit
