; name: reject_div_reg_unknown_ptr
r1 = r10
r1 *= 2
r0 = 0
exit
