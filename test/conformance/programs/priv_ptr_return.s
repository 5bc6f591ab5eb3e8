; name: priv_ptr_return
r0 = r10
exit
