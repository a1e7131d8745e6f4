// A minimal GGUF writer for error-path tests: typed metadata (u32, f32, bool, string, string/i32
// arrays) and tensors given as raw bytes with a ggml type id.
type Meta = number | boolean | string | string[] | { f32: number } | { i32: number[] };
export interface RawTensor { name: string; dims: number[]; type: number; bytes: Uint8Array }

function str(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  const n = Buffer.alloc(8);
  n.writeBigUInt64LE(BigInt(b.length));
  return Buffer.concat([n, b]);
}
const u32 = (v: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(v); return b; };
const u64 = (v: number) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(v)); return b; };

function value(v: Meta): Buffer {
  if (typeof v === 'number') return Buffer.concat([u32(4), u32(v)]);
  if (typeof v === 'boolean') return Buffer.concat([u32(7), Buffer.from([v ? 1 : 0])]);
  if (typeof v === 'string') return Buffer.concat([u32(8), str(v)]);
  if (Array.isArray(v)) return Buffer.concat([u32(9), u32(8), u64(v.length), ...v.map(str)]);
  if ('f32' in v) { const b = Buffer.alloc(4); b.writeFloatLE(v.f32); return Buffer.concat([u32(6), b]); }
  return Buffer.concat([u32(9), u32(5), u64(v.i32.length), ...v.i32.map((x) => { const b = Buffer.alloc(4); b.writeInt32LE(x); return b; })]);
}

export function ggufBytes(metadata: Record<string, Meta>, tensors: RawTensor[]): Buffer {
  const parts: Buffer[] = [Buffer.from('GGUF', 'latin1'), u32(3), u64(tensors.length), u64(Object.keys(metadata).length)];
  for (const [k, v] of Object.entries(metadata)) parts.push(str(k), value(v));
  let offset = 0;
  const data: Buffer[] = [];
  for (const t of tensors) {
    parts.push(str(t.name), u32(t.dims.length), ...t.dims.map(u64), u32(t.type), u64(offset));
    const padded = Math.ceil(t.bytes.length / 32) * 32;
    data.push(Buffer.concat([Buffer.from(t.bytes), Buffer.alloc(padded - t.bytes.length)]));
    offset += padded;
  }
  const header = Buffer.concat(parts);
  const pad = Buffer.alloc(Math.ceil(header.length / 32) * 32 - header.length);
  return Buffer.concat([header, pad, ...data]);
}

/** The metadata of a tiny Llama (hidden 32, 4 heads, 1 layer, vocab 2): enough to build the model. */
export const TINY_LLAMA_METADATA: Record<string, Meta> = {
  'general.architecture': 'llama',
  'llama.context_length': 16, 'llama.embedding_length': 32, 'llama.block_count': 1, 'llama.feed_forward_length': 64,
  'llama.attention.head_count': 4, 'llama.attention.head_count_kv': 2, 'llama.rope.freq_base': { f32: 10000 },
  'llama.attention.layer_norm_rms_epsilon': { f32: 1e-5 }, 'llama.vocab_size': 2,
};
