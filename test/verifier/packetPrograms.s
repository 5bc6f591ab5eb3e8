; Programs for test/verifier/packetAccess.test.ts: XDP packet access, kprobe and
; raw_tp contexts. Each block: '=== name type [prog_flags]' then assembly;
; 'rN = map[K]' loads map K of the test's map list.
=== xdp_basic xdp
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
r4 = r2
r4 += 14
if r4 > r3 goto l
r0 = *(u8 *)(r2 +13)
l:
r0 = 2
exit
=== kp_basic kprobe
r2 = *(u64 *)(r1 +8)
r0 = 0
exit
=== raw_basic raw_tp
r2 = *(u64 *)(r1 +8)
r0 = 0
exit
=== xdp_meta xdp
r2 = *(u32 *)(r1 +8)
r3 = *(u32 *)(r1 +0)
r4 = r2
r4 += 8
if r4 > r3 goto l
r0 = *(u64 *)(r2 +0)
l:
r0 = 2
exit
=== xdp_fields xdp
r2 = *(u32 *)(r1 +12)
r3 = *(u32 *)(r1 +16)
r0 = 2
exit
=== xdp_egress xdp
r2 = *(u32 *)(r1 +20)
r0 = 2
exit
=== xdp_write_ctx xdp
r2 = 1
*(u32 *)(r1 +16) = r2
r0 = 2
exit
=== xdp_data_dw xdp
r2 = *(u64 *)(r1 +0)
r0 = 2
exit
=== xdp_narrow xdp
r2 = *(u16 *)(r1 +12)
r0 = 2
exit
=== xdp_ldsx_data xdp
r2 = *(s32 *)(r1 +0)
r0 = 2
exit
=== xdp_ldsx_ifindex xdp
r2 = *(s32 *)(r1 +12)
r0 = 2
exit
=== xdp_oob xdp
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
r4 = r2
r4 += 14
if r4 > r3 goto l
r0 = *(u8 *)(r2 +14)
l:
r0 = 2
exit
=== xdp_nocheck xdp
r2 = *(u32 *)(r1 +0)
r0 = *(u8 *)(r2 +0)
r0 = 2
exit
=== xdp_negoff xdp
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
r4 = r2
r4 += 14
if r4 > r3 goto l
r0 = *(u8 *)(r2 -1)
l:
r0 = 2
exit
=== xdp_pkt_end_load xdp
r3 = *(u32 *)(r1 +4)
r0 = *(u8 *)(r3 +0)
r0 = 2
exit
=== xdp_pkt_end_arith xdp
r3 = *(u32 *)(r1 +4)
r3 += 1
r0 = 2
exit
=== xdp_varoff xdp
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
r4 = r2
r4 += 1
if r4 > r3 goto l
r5 = *(u8 *)(r2 +0)
r4 = r2
r4 += r5
r6 = r4
r6 += 4
if r6 > r3 goto l
r0 = *(u8 *)(r4 +3)
r0 = *(u16 *)(r4 +2)
l:
r0 = 2
exit
=== xdp_varoff_unbounded xdp
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
r5 = *(u32 *)(r1 +12)
r4 = r2
r4 += r5
r6 = r4
r6 += 4
if r6 > r3 goto l
r0 = *(u8 *)(r4 +0)
l:
r0 = 2
exit
=== xdp_varoff_neg xdp
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
r5 = *(u32 *)(r1 +12)
r5 <<= 32
r5 s>>= 40
r4 = r2
r4 += r5
r6 = r4
r6 += 4
if r6 > r3 goto l
r0 = *(u8 *)(r4 +0)
l:
r0 = 2
exit
=== xdp_store xdp
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
r4 = r2
r4 += 8
if r4 > r3 goto l
r5 = 7
*(u32 *)(r2 +0) = r5
*(u8 *)(r2 +4) = 1
*(u64 *)(r2 +0) = r2
l:
r0 = 2
exit
=== xdp_spill xdp
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
*(u64 *)(r10 -8) = r2
r4 = r2
r4 += 8
if r4 > r3 goto l
r6 = *(u64 *)(r10 -8)
r0 = *(u64 *)(r6 +0)
l:
r0 = 2
exit
=== xdp_sub xdp
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
r3 -= r2
r0 = r3
exit
=== xdp_alu32 xdp
r2 = *(u32 *)(r1 +0)
w2 += 1
r0 = 2
exit
=== xdp_jmp32 xdp
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
r4 = r2
r4 += 8
if w4 > w3 goto l
r0 = *(u8 *)(r2 +0)
l:
r0 = 2
exit
=== xdp_jeq xdp
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
r4 = r2
r4 += 8
if r4 == r3 goto l
r0 = 1
l:
r0 = 2
exit
=== xdp_cmp_zero xdp
r2 = *(u32 *)(r1 +0)
if r2 == 0 goto l
r0 = 1
l:
r0 = 2
exit
=== xdp_negative_off_ptr xdp
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
r4 = r2
r4 -= 4
if r4 > r3 goto l
r0 = 1
l:
r0 = 2
exit
=== xdp_big_off xdp
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
r4 = r2
r4 += 0x10000
if r4 > r3 goto l
r0 = *(u8 *)(r2 +0)
l:
r0 = 2
exit
=== xdp_ret_ptr xdp
r0 = *(u32 *)(r1 +0)
exit
=== prune_ranges xdp
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
r6 = *(u32 *)(r1 +12)
r4 = r2
r4 += 16
if r4 > r3 goto out
if r6 > 5 goto a
r5 = r2
r5 += 8
if r5 > r3 goto out
goto b
a:
r5 = r2
r5 += 8
b:
r0 = *(u64 *)(r2 +0)
r0 = *(u64 *)(r5 +0)
out:
r0 = 2
exit
=== prune_beyond xdp
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
r6 = *(u32 *)(r1 +12)
r4 = r2
r4 += 8
if r6 > 5 goto a
if r4 > r3 goto b
r0 = 1
goto b
a:
if r4 > r3 goto c
c:
b:
r0 = 0
if r4 > r3 goto out
r0 = *(u8 *)(r2 +7)
out:
r0 = 2
exit
=== prune_beyond2 xdp
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
r6 = *(u32 *)(r1 +12)
r4 = r2
r4 += 8
if r4 > r3 goto a
r0 = 1
goto b
a:
r0 = 0
b:
r0 = 0
if r4 <= r3 goto c
r0 = 2
exit
c:
r0 = *(u8 *)(r2 +7)
r0 = 2
exit
=== prune_at_end xdp
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
r6 = *(u32 *)(r1 +12)
r4 = r2
r4 += 8
if r6 > 5 goto a
if r4 >= r3 goto b
goto b
a:
if r4 > r3 goto b
b:
r0 = 0
if r4 > r3 goto out
r0 = *(u8 *)(r2 +7)
out:
r0 = 2
exit
=== prune_loop xdp
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
r6 = 0
l:
r4 = r2
r4 += 1
if r4 > r3 goto out
r0 = *(u8 *)(r2 +0)
r2 += 1
r6 += 1
if r6 < 4 goto l
out:
r0 = 2
exit
=== strict_align_bad xdp 1
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
r4 = r2
r4 += 8
if r4 > r3 goto l
r0 = *(u32 *)(r2 +0)
l:
r0 = 2
exit
=== strict_align_ok xdp 1
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
r4 = r2
r4 += 8
if r4 > r3 goto l
r0 = *(u32 *)(r2 +2)
r0 = *(u16 *)(r2 +0)
r0 = *(u8 *)(r2 +1)
l:
r0 = 2
exit
=== strict_align_var xdp 1
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
r4 = r2
r4 += 8
if r4 > r3 goto l
r5 = *(u8 *)(r2 +0)
r5 &= 4
r2 += r5
r4 = r2
r4 += 8
if r4 > r3 goto l
r0 = *(u32 *)(r2 +2)
r0 = *(u16 *)(r2 +1)
l:
r0 = 2
exit
=== strict_align_meta xdp 1
r2 = *(u32 *)(r1 +8)
r3 = *(u32 *)(r1 +0)
r4 = r2
r4 += 8
if r4 > r3 goto l
r0 = *(u64 *)(r2 +0)
l:
r0 = 2
exit
=== helpers_xdp xdp
call 5
call 7
call 8
r0 = 2
exit
=== helpers_kprobe kprobe
call 5
call 7
call 8
r0 = 0
exit
=== helpers_raw_tp raw_tp
call 5
call 7
call 8
r0 = 0
exit
=== kp_offsets kprobe
r2 = *(u64 *)(r1 +0)
r2 = *(u64 *)(r1 +160)
r2 = *(u32 *)(r1 +164)
r2 = *(u16 *)(r1 +166)
r2 = *(u8 *)(r1 +167)
r2 = *(s32 *)(r1 +4)
r2 = *(s8 *)(r1 +9)
r0 = 0
exit
=== kp_off168 kprobe
r2 = *(u8 *)(r1 +168)
r0 = 0
exit
=== kp_dw164 kprobe
r2 = *(u64 *)(r1 +164)
r0 = 0
exit
=== kp_misaligned kprobe
r2 = *(u16 *)(r1 +3)
r0 = 0
exit
=== kp_neg kprobe
r2 = *(u64 *)(r1 -8)
r0 = 0
exit
=== kp_modified kprobe
r1 += 8
r2 = *(u64 *)(r1 +0)
r0 = 0
exit
=== kp_write kprobe
r2 = 5
*(u64 *)(r1 +80) = r2
r0 = 0
exit
=== kp_write_imm kprobe
*(u64 *)(r1 +80) = 3
r0 = 0
exit
=== kp_write_ptr kprobe
*(u64 *)(r1 +80) = r10
r0 = 0
exit
=== kp_write_bad kprobe
*(u32 *)(r1 +166) = 3
r0 = 0
exit
=== kp_ret_ptr kprobe
r0 = r1
exit
=== raw_offsets raw_tp
r2 = *(u64 *)(r1 +0)
r2 = *(u64 *)(r1 +88)
r2 = *(u32 *)(r1 +92)
r2 = *(u8 *)(r1 +95)
r2 = *(s16 *)(r1 +94)
r0 = 0
exit
=== raw_off96 raw_tp
r2 = *(u8 *)(r1 +96)
r0 = 0
exit
=== raw_misaligned raw_tp
r2 = *(u32 *)(r1 +2)
r0 = 0
exit
=== raw_write raw_tp
r2 = 1
*(u64 *)(r1 +0) = r2
r0 = 0
exit
=== raw_write_imm raw_tp
*(u64 *)(r1 +0) = 1
r0 = 0
exit
=== raw_ret raw_tp
r0 = *(u64 *)(r1 +8)
exit
=== socket_data socket
r2 = *(u32 *)(r1 +76)
r0 = 0
exit
=== map_pkt_key xdp
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
r4 = r2
r4 += 8
if r4 > r3 goto l
r1 = map[1]
call 1
l:
r0 = 2
exit
=== map_pkt_key_short xdp
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
r4 = r2
r4 += 4
if r4 > r3 goto l
r1 = map[1]
call 1
l:
r0 = 2
exit
=== map_pkt_key_off xdp
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
r4 = r2
r4 += 12
if r4 > r3 goto l
r2 += 4
r1 = map[1]
call 3
l:
r0 = 2
exit
=== map_pkt_value xdp
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
r4 = r2
r4 += 16
if r4 > r3 goto l
r6 = r2
*(u64 *)(r10 -8) = 0
r2 = r10
r2 += -8
r3 = r6
r4 = 0
r1 = map[1]
call 2
l:
r0 = 2
exit
=== map_pkt_end_key xdp
r2 = *(u32 *)(r1 +4)
r1 = map[1]
call 1
r0 = 2
exit
=== map_kprobe kprobe
*(u64 *)(r10 -8) = 0
r2 = r10
r2 += -8
r1 = map[1]
call 1
if r0 == 0 goto l
r0 = *(u64 *)(r0 +8)
l:
*(u32 *)(r10 -16) = 1
r2 = r10
r2 += -16
r1 = map[0]
call 1
r0 = *(u64 *)(r0 +40)
r0 = 0
exit
=== map_raw_tp raw_tp
*(u64 *)(r10 -8) = 0
r2 = r10
r2 += -8
r3 = r10
r3 += -24
*(u64 *)(r10 -16) = 0
*(u64 *)(r10 -24) = 0
r1 = map[1]
r4 = 0
call 2
r2 = r10
r2 += -8
r1 = map[1]
call 3
r0 = 0
exit
=== map_xdp xdp
*(u64 *)(r10 -8) = 0
r2 = r10
r2 += -8
r1 = map[1]
call 1
if r0 == 0 goto l
r0 = *(u64 *)(r0 +8)
l:
r0 = 2
exit
=== kp_ctx_key kprobe
r2 = r1
r1 = map[1]
call 1
r0 = 0
exit
=== patch060 xdp 8
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
r4 = r2
r4 += 8
if r4 <= r3 goto b
goto c
b:
r0 = 0
c:
if r4 > r3 goto out
r0 = *(u8 *)(r2 +7)
out:
r0 = 2
exit
=== patch060_meta_at xdp 8
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
r4 = r2
r4 += 8
if r4 < r3 goto b
goto c
b:
r0 = 0
c:
if r4 >= r3 goto out
r0 = *(u8 *)(r2 +7)
out:
r0 = 2
exit
=== old_range_bigger xdp 8
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
r6 = *(u32 *)(r1 +12)
r4 = r2
r4 += 16
if r4 > r3 goto out
if r6 > 3 goto b
r5 = r2
r5 += 4
if r5 > r3 goto out
goto c
b:
r5 = r2
r5 += 4
c:
r0 = *(u8 *)(r5 +0)
out:
r0 = 2
exit
=== subprog_check xdp
r6 = *(u32 *)(r1 +0)
r7 = *(u32 *)(r1 +4)
r1 = r6
r2 = r7
call f
if r0 == 0 goto out
r0 = *(u8 *)(r6 +3)
out:
r0 = 2
exit
f:
r3 = r1
r3 += 4
if r3 > r2 goto bad
r0 = *(u32 *)(r1 +0)
r0 = 1
exit
bad:
r0 = 0
exit
=== spill_range xdp
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
*(u64 *)(r10 -8) = r2
r4 = r2
r4 += 8
if r4 > r3 goto out
r5 = *(u64 *)(r10 -8)
r0 = *(u64 *)(r5 +0)
out:
r0 = 2
exit
=== ptr_sub_scalar xdp
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
r4 = r2
r4 += 8
if r4 > r3 goto out
r5 = *(u8 *)(r2 +0)
r4 -= r5
r0 = *(u8 *)(r4 +0)
out:
r0 = 2
exit
=== ptr_sub_const xdp
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
r4 = r2
r4 += 8
if r4 > r3 goto out
r4 -= 2
r0 = *(u8 *)(r4 +0)
r0 = *(u8 *)(r4 +1)
r0 = *(u8 *)(r4 -6)
r0 = *(u8 *)(r4 -7)
out:
r0 = 2
exit
=== pkt_scalar_add xdp
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
r5 = 4
r5 += r2
r6 = r5
r6 += 4
if r6 > r3 goto out
r0 = *(u32 *)(r5 +0)
out:
r0 = 2
exit
=== pkt_mask xdp
r2 = *(u32 *)(r1 +0)
r2 &= 7
r0 = 2
exit
=== meta_vs_modified_data xdp
r2 = *(u32 *)(r1 +8)
r3 = *(u32 *)(r1 +0)
r3 += 1
r4 = r2
r4 += 8
if r4 > r3 goto out
r0 = *(u8 *)(r2 +0)
out:
r0 = 2
exit
=== data_vs_meta xdp
r2 = *(u32 *)(r1 +8)
r3 = *(u32 *)(r1 +0)
r4 = r2
r4 += 8
if r3 < r4 goto out
r0 = *(u64 *)(r2 +0)
out:
r0 = 2
exit
=== pkt_vs_pkt xdp
r2 = *(u32 *)(r1 +0)
r3 = r2
r3 += 8
if r3 > r2 goto out
r0 = 1
out:
r0 = 2
exit
=== loop_walk xdp
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
r6 = 0
l:
r4 = r2
r4 += 2
if r4 > r3 goto out
r0 = *(u16 *)(r2 +0)
r2 += 2
r6 += 1
if r6 < 10 goto l
out:
r0 = 2
exit
=== may_goto_walk xdp
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
l:
may_goto +5
r4 = r2
r4 += 1
if r4 > r3 goto out
r2 += 1
goto l
out:
r0 = 2
exit
=== ctx_pkt_same_insn xdp
r2 = *(u32 *)(r1 +0)
r3 = *(u32 *)(r1 +4)
r6 = *(u32 *)(r1 +12)
r5 = r1
r4 = r2
r4 += 8
if r4 > r3 goto a
if r6 == 0 goto a
r5 = r2
a:
r0 = *(u32 *)(r5 +0)
r0 = 2
exit
=== helpers_socket socket
call 5
call 7
call 8
r0 = 0
exit
=== socket_sk_narrow socket
r2 = *(u32 *)(r1 +172)
r0 = 0
exit
=== socket_sk_byte socket
r2 = *(u8 *)(r1 +169)
r0 = 0
exit
