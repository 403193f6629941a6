// A streaming STORE-only ZIP writer (PKWARE APPNOTE 6.3): each entry's bytes go out as they are
// made, with CRC-32 and sizes in a data descriptor after them (general purpose bit 3), so nothing
// is held whole in memory. Every entry's SHA-256 and the whole archive's are computed on the way.
import { createHash, type Hash } from 'node:crypto';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crcUpdate(crc: number, data: Uint8Array): number {
  let c = crc ^ 0xffffffff;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export interface ZipEntryResult {
  name: string;
  bytes: number;
  sha256: string;
}

/** MS-DOS date/time of `d` (UTC), as ZIP stores it. */
function dosTime(d: Date): { time: number; date: number } {
  return {
    time: (d.getUTCHours() << 11) | (d.getUTCMinutes() << 5) | Math.floor(d.getUTCSeconds() / 2),
    date: ((Math.max(1980, d.getUTCFullYear()) - 1980) << 9) | ((d.getUTCMonth() + 1) << 5) | d.getUTCDate(),
  };
}

/**
 * Writes entries one after another through `write` (which may wait, e.g. for a socket to
 * drain). `finish` writes the central directory and returns every entry's hash and the archive's.
 */
export class ZipStream {
  private offset = 0;
  private readonly central: Buffer[] = [];
  private readonly entries: ZipEntryResult[] = [];
  private readonly whole: Hash = createHash('sha256');
  private readonly stamp: { time: number; date: number };

  constructor(private readonly write: (chunk: Buffer) => Promise<void>, modified: Date) {
    this.stamp = dosTime(modified);
  }

  private async out(chunk: Buffer): Promise<void> {
    this.whole.update(chunk);
    this.offset += chunk.length;
    await this.write(chunk);
  }

  async add(name: string, content: AsyncIterable<Uint8Array> | Uint8Array | string): Promise<ZipEntryResult> {
    const nameBytes = Buffer.from(name, 'utf8');
    const start = this.offset;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0808, 6); // bit 3: sizes in a data descriptor; bit 11: UTF-8 names
    local.writeUInt16LE(0, 8); // STORE
    local.writeUInt16LE(this.stamp.time, 10);
    local.writeUInt16LE(this.stamp.date, 12);
    local.writeUInt16LE(nameBytes.length, 26);
    await this.out(Buffer.concat([local, nameBytes]));
    let crc = 0;
    let size = 0;
    const hash = createHash('sha256');
    const source = typeof content === 'string' ? [Buffer.from(content, 'utf8')] : content instanceof Uint8Array ? [content] : content;
    for await (const part of source) {
      const b = Buffer.isBuffer(part) ? part : Buffer.from(part.buffer, part.byteOffset, part.byteLength);
      if (b.length === 0) continue;
      crc = crcUpdate(crc, b);
      size += b.length;
      hash.update(b);
      await this.out(b);
    }
    if (size > 0xfffffffe || this.offset > 0xfffffffe) throw new Error(`${name} makes the pack larger than 4 GB, which a plain ZIP cannot hold`);
    const desc = Buffer.alloc(16);
    desc.writeUInt32LE(0x08074b50, 0);
    desc.writeUInt32LE(crc, 4);
    desc.writeUInt32LE(size, 8);
    desc.writeUInt32LE(size, 12);
    await this.out(desc);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0808, 8);
    central.writeUInt16LE(0, 10);
    central.writeUInt16LE(this.stamp.time, 12);
    central.writeUInt16LE(this.stamp.date, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(size, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt32LE(start, 42);
    this.central.push(Buffer.concat([central, nameBytes]));
    const result = { name, bytes: size, sha256: hash.digest('hex') };
    this.entries.push(result);
    return result;
  }

  async finish(): Promise<{ entries: ZipEntryResult[]; sha256: string; bytes: number }> {
    const dirStart = this.offset;
    for (const c of this.central) await this.out(c);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(this.central.length, 8);
    end.writeUInt16LE(this.central.length, 10);
    end.writeUInt32LE(this.offset - dirStart, 12);
    end.writeUInt32LE(dirStart, 16);
    await this.out(end);
    return { entries: this.entries, sha256: this.whole.digest('hex'), bytes: this.offset };
  }
}
