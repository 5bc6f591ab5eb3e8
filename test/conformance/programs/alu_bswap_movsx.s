; name: alu_bswap_movsx
call 7
r0 &= 0xffff
r1 = r0
r1 = be16 r1
r2 = r0
r2 = bswap32 r2
r3 = (s8)r0
r4 = (s16)r0
w5 = (s8)w0
r0 = 0
exit
