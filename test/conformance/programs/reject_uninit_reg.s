; name: reject_uninit_reg
r0 = r2
exit
