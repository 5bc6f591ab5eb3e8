; name: priv_stack_uninit_read
r0 = *(u64 *)(r10 - 8)
exit
