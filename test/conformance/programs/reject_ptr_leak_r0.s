; name: reject_ptr_leak_r0
r0 = r10
exit
