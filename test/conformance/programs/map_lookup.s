; name: map_lookup
; map: m array key=4 value=8 max=4
r1 = 0
*(u32 *)(r10 - 4) = r1
r2 = r10
r2 += -4
.insn 0x18, 1, 5, 0, 0
.insn 0x00, 0, 0, 0, 0
call 1
if r0 == 0 goto l1
r1 = *(u64 *)(r0 + 0)
l1:
r0 = 0
exit
