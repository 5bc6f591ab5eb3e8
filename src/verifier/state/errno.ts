// Kernel errno values the verifier returns (positive, as the log and results carry them).
export const EPERM = 1, ENOENT = 2, E2BIG = 7, EAGAIN = 11, ENOMEM = 12, EACCES = 13;
export const EFAULT = 14, EINVAL = 22, ENOTSUPP = 524;
