; name: state_freq_precise
; flags: BPF_F_TEST_STATE_FREQ
call 7
r0 &= 7
r1 = r0
r2 = 1
r3 = 2
r1 += r2
r1 += r3
r4 = r10
r4 += -16
r4 += r1
r0 = 0
exit
