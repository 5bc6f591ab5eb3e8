; name: precise_jmp_stack_ptr
; a conditional jump between a stack pointer and a scalar that later needs precision: the pointer side is not tracked (INSN_F_DST_REG_STACK / INSN_F_SRC_REG_STACK)
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
r2 = r10
if r2 == r6 goto l1
if r6 != r2 goto l1
l1:
r1 = r10
r1 += -64
r1 += r6
r0 = *(u64 *)(r1 +0)
r0 = 0
exit
