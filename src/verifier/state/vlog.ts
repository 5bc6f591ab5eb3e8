// The verifier log buffer (struct bpf_verifier_log): append, remember
// positions, truncate back to a position (bpf_vlog_reset).

export const BPF_LOG_LEVEL1 = 1;
export const BPF_LOG_LEVEL2 = 2;
export const BPF_LOG_STATS = 4;

export class VLog {
  private parts: string[] = [];
  private len = 0;

  constructor(readonly level: number) {}

  get endPos(): number {
    return this.len;
  }

  write(s: string): void {
    if (s.length === 0) return;
    this.parts.push(s);
    this.len += s.length;
  }

  /** Truncate the log to `pos` characters. */
  reset(pos: number): void {
    if (pos >= this.len) return;
    while (this.parts.length > 0) {
      const last = this.parts[this.parts.length - 1] as string;
      const start = this.len - last.length;
      if (start >= pos) {
        this.parts.pop();
        this.len = start;
        if (start === pos) return;
        continue;
      }
      this.parts[this.parts.length - 1] = last.slice(0, pos - start);
      this.len = pos;
      return;
    }
  }

  text(): string {
    const s = this.parts.join('');
    this.parts = [s];
    return s;
  }
}
