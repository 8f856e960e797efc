/** Unsigned LEB128 varints for whole numbers up to 2^53 (day summaries' number columns). */

export class VarintWriter {
  private buf = Buffer.allocUnsafe(1 << 16);
  private at = 0;

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }

  uint(v: number): void {
    this.room(8);
    let n = v > 0 ? Math.floor(v) : 0;
    while (n >= 0x80) {
      this.buf[this.at++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.at++] = n;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.at);
    this.at += b.length;
  }

  done(): Buffer {
    return this.buf.subarray(0, this.at);
  }
}

export class VarintReader {
  constructor(
    private readonly buf: Uint8Array,
    public at = 0,
  ) {}

  uint(): number {
    const b = this.buf;
    let byte = b[this.at++];
    if (byte < 0x80) return byte;
    let v = byte & 0x7f;
    let mul = 0x80;
    for (;;) {
      byte = b[this.at++];
      v += (byte & 0x7f) * mul;
      if (byte < 0x80) return v;
      mul *= 0x80;
    }
  }

  get done(): boolean {
    return this.at >= this.buf.length;
  }
}
