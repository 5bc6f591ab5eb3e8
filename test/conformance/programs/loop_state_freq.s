; name: loop_state_freq
; flags: BPF_F_TEST_STATE_FREQ
r1 = 0
l1:
r1 += 1
if r1 < 5 goto l1
r0 = 0
exit
