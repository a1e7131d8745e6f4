// Bad calls, each of which must throw a JavaScript Error (or TypeError/RangeError) whose
// message names the op, and none of which may abort or crash the process. Imported by
// errors.test.ts; run directly (`node --import tsx test/engine/error-cases.ts`) it makes
// every call in one process and prints a JSON summary, so that a parent process can check
// that a process which made all of them exits normally.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { nn, optim, torch } from '../../src/index.js';
import type { Tensor } from '../../src/engine/tensor.js';

const F = nn.functional;

export interface ErrorCase {
  name: string;
  run: () => unknown;
  /** The message must match (anchored patterns name the op first). */
  message: RegExp;
  /** The error class, when it matters (TypeError for wrong argument types). */
  type?: ErrorConstructor | TypeErrorConstructor | RangeErrorConstructor;
}

const dir = mkdtempSync(join(tmpdir(), 'finetune-errors-'));
export function cleanup(): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A file holding `bytes`; returns its path. */
function file(name: string, bytes: Uint8Array | string): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** A safetensors file with the given header object and `dataBytes` bytes of data. */
function safetensors(name: string, header: unknown, dataBytes: number): string {
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return file(name, Buffer.concat([len, json, Buffer.alloc(dataBytes)]));
}

const disposed = (): Tensor => {
  const t = torch.ones([2]);
  t.dispose();
  return t;
};

/** An object that passes `instanceof Tensor` but holds no native tensor. */
const forged = (): Tensor => Object.create(torch.Tensor.prototype) as Tensor;

class TwoLayers extends nn.Module {
  first = new nn.Linear(2, 3);
  second = new nn.Linear(3, 1);
  forward(x: Tensor): Tensor {
    return this.second.forward(this.first.forward(x));
  }
}

export const cases: ErrorCase[] = [
  // ---- shape mismatches
  { name: 'matmul with mismatched inner dimensions', run: () => torch.ones([2, 3]).matmul(torch.ones([4, 5])), message: /^matmul: mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)/ },
  { name: 'add of non-broadcastable shapes', run: () => torch.ones([2, 3]).add(torch.ones([4])), message: /^add: The size of tensor a \(3\) must match the size of tensor b \(4\)/ },
  { name: 'cat of tensors whose other dims differ', run: () => torch.cat([torch.ones([2, 3]), torch.ones([2, 4])], 0), message: /^cat: Sizes of tensors must match except in dimension 0/ },
  { name: 'stack of different shapes', run: () => torch.stack([torch.ones([2]), torch.ones([3])]), message: /^stack: stack expects each tensor to be equal size/ },
  { name: 'reshape to an incompatible size', run: () => torch.ones([2, 3]).reshape(4, 2), message: /^reshape: shape '\[4, 2\]' is invalid for input of size 6/ },
  { name: 'view of a non-contiguous tensor', run: () => torch.ones([2, 3]).t().view(6), message: /^view: view size is not compatible with input tensor's size and stride/ },
  { name: 'expand to an incompatible size', run: () => torch.ones([3]).expand(2, 4), message: /^expand: The expanded size of the tensor \(4\) must match the existing size \(3\)/ },
  { name: 'bmm of 2-D tensors', run: () => torch.bmm(torch.ones([2, 3]), torch.ones([3, 2])), message: /^bmm: batch1 must be a 3D tensor/ },
  { name: 'linear with a wrong weight', run: () => F.linear(torch.ones([2, 3]), torch.ones([4, 5])), message: /^linear: mat1 and mat2 shapes cannot be multiplied/ },
  { name: 'layerNorm over a wrong normalized shape', run: () => F.layerNorm(torch.ones([2, 3]), [4]), message: /^layerNorm: Given normalized_shape=\[4\], expected input with shape \[\*, 4\]/ },
  { name: 'mseLoss of mismatched shapes', run: () => F.mseLoss(torch.ones([2]), torch.ones([3])), message: /^mseLoss: The size of tensor a \(2\) must match the size of tensor b \(3\)/ },
  { name: 'attention with mismatched head sizes', run: () => F.scaledDotProductAttention(torch.ones([1, 3, 4]), torch.ones([1, 5, 6]), torch.ones([1, 5, 4])), message: /^attention: / },
  { name: 'split sizes that do not sum to the dimension', run: () => torch.ones([6]).split([2, 2]), message: /^split: split_with_sizes expects split_sizes to sum exactly to 6/ },
  { name: 'chunk into 0 pieces', run: () => torch.ones([6]).chunk(0), message: /^chunk: chunk expects `chunks` to be greater than 0/ },
  { name: 'permute with a repeated dim', run: () => torch.ones([2, 3]).permute(0, 0), message: /^permute: permute\(\): duplicate dims are not allowed/ },
  { name: 'copy_ from a non-broadcastable source', run: () => torch.ones([2]).copy_(torch.ones([3])), message: /^copy_: The size of tensor a \(2\) must match the size of tensor b \(3\)/ },
  // ---- dtype mismatches
  // libtorch's own wording: 1.13's first, 2.x's second.
  { name: 'mm of float32 and float64', run: () => torch.ones([2, 2]).mm(torch.ones([2, 2], { dtype: 'float64' })), message: /^mm: expected (.*(Float|Double).* but found .*(Double|Float)|m1 and m2 to have the same dtype, but got: (float|double) != (double|float))/ },
  { name: 'crossEntropy with int32 targets', run: () => F.crossEntropy(torch.ones([2, 3]), torch.tensor([0, 1], { dtype: 'int32' })), message: /^crossEntropy: expected (scalar type Long but found Int|target dtype to be Long or Byte, but got Int)/ },
  { name: 'where with a float condition', run: () => torch.where(torch.ones([2]), torch.ones([2]), torch.zeros([2])), message: /^where: where expected condition to be a boolean tensor/ },
  { name: 'in-place add_ of float into int64', run: () => torch.ones([2], { dtype: 'int64' }).add_(torch.ones([2])), message: /^add_: result type Float can't be cast to the desired output type Long/ },
  { name: 'mean of an integer tensor', run: () => torch.ones([2], { dtype: 'int64' }).mean(), message: /^mean: mean\(\): could not infer output dtype/ },
  { name: 'requiresGrad on an integer tensor', run: () => torch.zeros([2], { dtype: 'int64', requiresGrad: true }), message: /^zeros: Only Tensors of floating point and complex dtype can require gradients/ },
  { name: 'maskedFill with a float mask', run: () => torch.ones([2]).maskedFill(torch.ones([2]) as Tensor, 0), message: /^maskedFill: .*(bool|Bool)/ },
  // ---- index out of range
  { name: 'select past the end', run: () => torch.ones([3]).select(0, 5), message: /^select: select\(\): index 5 out of range for tensor of size \[3\] at dimension 0/ },
  { name: 'indexSelect with an out-of-range index', run: () => torch.ones([3]).indexSelect(0, torch.tensor([7])), message: /^indexSelect: index out of range in self/ },
  { name: 'gather out of bounds', run: () => torch.ones([3]).gather(0, torch.tensor([5])), message: /^gather: index 5 is out of bounds for dimension 0 with size 3/ },
  { name: 'scatter out of bounds', run: () => torch.zeros([3]).scatter(0, torch.tensor([-5]), 1), message: /^scatter: index -5 is out of bounds/ },
  { name: 'advanced index out of bounds', run: () => torch.zeros([3]).index([torch.tensor([7])]), message: /^index: index 7 is out of bounds for dimension 0 with size 3/ },
  { name: 'embedding id past the vocabulary', run: () => F.embedding(torch.tensor([11]), torch.zeros([10, 4])), message: /^embedding: index out of range in self/ },
  { name: 'crossEntropy target past the classes', run: () => F.crossEntropy(torch.zeros([2, 3]), torch.tensor([0, 9])), message: /^crossEntropy: Target 9 is out of bounds/ },
  { name: 'transpose of a missing dimension', run: () => torch.ones([2, 3]).transpose(0, 2), message: /^transpose: Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)/ },
  { name: 'softmax over a missing dimension', run: () => torch.ones([2, 3]).softmax(3), message: /^softmax: Dimension out of range/ },
  { name: 'sum over a missing dimension', run: () => torch.ones([2, 3]).sum(-3), message: /^sum: Dimension out of range/ },
  { name: 'narrow past the end', run: () => torch.ones([4]).narrow(0, 3, 5), message: /^narrow: start \(3\) \+ length \(5\) exceeds dimension size \(4\)/ },
  { name: 'topk with k larger than the dimension', run: () => torch.ones([3]).topk(5), message: /^topk: selected index k out of range/ },
  { name: 'size() of a missing dimension', run: () => torch.ones([2, 3]).size(2), message: /^size: dimension 2 out of range/, type: RangeError },
  // ---- devices
  // 2.x's CUDA wheel on a machine without a GPU: 'Found no NVIDIA driver on your system'.
  { name: "factory on 'cuda' without CUDA", run: () => torch.zeros([2], { device: 'cuda' }), message: /^zeros: .*(CUDA|cuda|NVIDIA driver)/ },
  { name: "to('cuda') without CUDA", run: () => torch.ones([2]).to('cuda'), message: /^toDevice: .*(CUDA|cuda)/ },
  { name: 'an unknown device name', run: () => torch.zeros([2], { device: 'tpu' as never }), message: /^zeros: argument 2: unknown device 'tpu'/, type: TypeError },
  // ---- disposed tensors
  { name: 'an op on a disposed tensor', run: () => disposed().exp(), message: /^exp: argument 0: the tensor was disposed/, type: TypeError },
  { name: 'a disposed second operand', run: () => torch.ones([2]).add(disposed()), message: /^add: argument 1: the tensor was disposed/, type: TypeError },
  { name: 'a disposed tensor inside a list', run: () => torch.cat([torch.ones([2]), disposed()]), message: /^cat: argument 0: element 1 was disposed/, type: TypeError },
  { name: 'shape of a disposed tensor', run: () => disposed().shape, message: /^shape: argument 0: the tensor was disposed/, type: TypeError },
  { name: 'item() of a disposed tensor', run: () => disposed().item(), message: /^item: argument 0: the tensor was disposed/, type: TypeError },
  { name: 'a forged Tensor (Object.create of the prototype)', run: () => forged().exp(), message: /^exp: argument 0: /, type: TypeError },
  // dispose() is idempotent, and a forged tensor is indistinguishable from a disposed one.
  { name: 'an op on a forged Tensor after dispose()', run: () => { const f = forged(); f.dispose(); return f.sum(); }, message: /^sum: argument 0: the tensor was disposed/, type: TypeError },
  // ---- wrong argument types
  { name: 'a string for a tensor operand', run: () => torch.ones([2]).add('1' as never), message: /^add: argument 1: expected a Tensor, got a string/, type: TypeError },
  { name: 'a string for the input of a layer', run: () => new nn.Linear(3, 2).forward('x' as never), message: /^linear: argument 0: expected a Tensor, got a string/, type: TypeError },
  { name: 'an object for a shape (reshape)', run: () => torch.ones([2]).reshape({ a: 2 } as never), message: /^reshape: argument 1: expected an array of integers/, type: TypeError },
  { name: 'an object for a shape (zeros)', run: () => torch.zeros({ a: 2 } as never), message: /^zeros: /, type: TypeError },
  { name: 'a number for a list of tensors', run: () => torch.cat(3 as never), message: /^cat: argument 0: expected an array of Tensors/, type: TypeError },
  { name: 'a string for a number (full)', run: () => torch.full([2], 'x' as never), message: /^full: argument 1: expected a number, got a string/, type: TypeError },
  { name: 'a string for a dim', run: () => torch.ones([2, 3]).sum('1' as never), message: /^sum: argument 1: expected an integer or an array of integers, got a string/, type: TypeError },
  { name: 'a string for norm p', run: () => torch.ones([2]).norm('fro' as never), message: /^norm: argument 1: expected a number, got a string/, type: TypeError },
  { name: 'a non-boolean keepdim', run: () => torch.ones([2, 3]).sum(1, 'yes' as never), message: /^sum: argument 2: expected a boolean/, type: TypeError },
  // ---- bad shapes
  { name: 'a NaN dimension', run: () => torch.zeros([NaN, 2]), message: /^zeros: argument 0: expected an array of integers/, type: TypeError },
  { name: 'a negative dimension', run: () => torch.ones([2, -3]), message: /^ones: Trying to create tensor with negative dimension -3/ },
  { name: 'a fractional dimension', run: () => torch.empty([2.5]), message: /^empty: argument 0: expected an array of integers/, type: TypeError },
  { name: 'an Infinity dimension', run: () => torch.randn([Infinity]), message: /^randn: argument 0: expected an array of integers/, type: TypeError },
  { name: 'a shape whose size overflows', run: () => torch.empty([2 ** 40, 2 ** 40]), message: /^empty: Storage size calculation overflowed/ },
  { name: 'an allocation that cannot be satisfied', run: () => torch.ones([2]).expand([2 ** 50, 2]).contiguous(), message: /^contiguous: .*(can't allocate|cannot allocate|out of memory)/ },
  { name: 'nn.Linear with NaN features', run: () => new nn.Linear(NaN, 2), message: /^Linear: /, type: RangeError },
  { name: 'nn.Linear with negative features', run: () => new nn.Linear(3, -2), message: /^Linear: /, type: RangeError },
  // ---- bad dtype names
  { name: 'an unknown dtype in a factory', run: () => torch.zeros([2], { dtype: 'float128' as never }), message: /^zeros: .*unknown dtype 'float128'/, type: TypeError },
  { name: 'an unknown dtype in to()', run: () => torch.ones([2]).to('complex32' as never), message: /^to: expected a dtype, a device/, type: TypeError },
  { name: 'an unknown dtype in sum()', run: () => torch.ones([2]).sum(0, false, 'foo' as never), message: /^sum: unknown dtype 'foo'/, type: TypeError },
  // ---- autograd misuse
  { name: 'in-place op on a leaf that requires grad', run: () => torch.ones([2], { requiresGrad: true }).exp_(), message: /^exp_: a leaf Variable that requires grad is being used in an in-place operation/ },
  { name: 'backward on a non-scalar without a gradient', run: () => torch.ones([2], { requiresGrad: true }).mul(2).backward(), message: /^backward: grad can be implicitly created only for scalar outputs/ },
  { name: 'backward of a tensor that does not require grad', run: () => torch.ones([2]).sum().backward(), message: /^backward: element 0 of tensors does not require grad/ },
  { name: 'backward with a gradient of the wrong shape', run: () => torch.ones([2], { requiresGrad: true }).mul(2).backward(torch.ones([3])), message: /^backward: .*got \[3\] but expected shape compatible with \[2\]/ },
  { name: 'backward through a freed graph', run: () => { const y = torch.ones([2], { requiresGrad: true }).exp().sum(); y.backward(); y.backward(); }, message: /^backward: Trying to backward through the graph a second time/ },
  { name: 'autograd.grad of an unused input', run: () => torch.autograd.grad(torch.ones([2], { requiresGrad: true }).sum(), [torch.ones([2], { requiresGrad: true })]), message: /^autogradGrad: (One|element 0 ?) ?of the differentiated Tensors appears to not have been used/ },
  { name: 'requiresGrad_(false) on a non-leaf', run: () => torch.ones([2], { requiresGrad: true }).mul(2).requiresGrad_(false), message: /^requiresGrad_: you can only change requires_grad flags of leaf variables/ },
  { name: 'assigning a .grad of another shape', run: () => { torch.ones([2], { requiresGrad: true }).grad = torch.ones([3]); }, message: /^grad: assigned grad has data of a different size/ },
  // ---- values
  { name: 'item() of a multi-element tensor', run: () => torch.ones([2]).item(), message: /^item: a Tensor with 2 elements cannot be converted to Scalar/ },
  { name: 'item() of an empty tensor', run: () => torch.ones([0]).item(), message: /^item: a Tensor with 0 elements cannot be converted to Scalar/ },
  { name: 'a bad reduction string', run: () => F.mseLoss(torch.ones([2]), torch.ones([2]), { reduction: 'avg' as never }), message: /^mseLoss: argument 2: reduction must be 'none', 'mean' or 'sum', got 'avg'/, type: TypeError },
  { name: 'a bad reduction string (crossEntropy)', run: () => F.crossEntropy(torch.ones([2, 3]), torch.tensor([0, 1]), { reduction: 'total' as never }), message: /^crossEntropy: argument 3: reduction must be/, type: TypeError },
  { name: 'a bad gelu approximation', run: () => torch.ones([2]).gelu('fast' as never), message: /^gelu: / },
  { name: 'a bad rounding mode', run: () => torch.ones([2]).div(2, 'ceil' as never), message: /^div: div expected rounding_mode to be one of None, 'trunc', or 'floor'/ },
  { name: 'integer division by zero', run: () => torch.ones([2], { dtype: 'int64' }).div(0, 'floor'), message: /^div: ZeroDivisionError/ },
  { name: 'integers to a negative integer power', run: () => torch.tensor([2, 3]).pow(-1), message: /^pow: Integers to negative integer powers are not allowed/ },
  { name: 'dropout probability outside [0, 1]', run: () => F.dropout(torch.ones([2]), 1.5), message: /^dropout: dropout probability has to be between 0 and 1, but got 1.5/ },
  { name: 'arange with step 0', run: () => torch.arange(0, 1, 0), message: /^arange: step must be nonzero/ },
  { name: 'randint with low >= high', run: () => torch.randint(5, 2, [3]), message: /^randint: / },
  { name: 'setNumThreads(0)', run: () => torch.setNumThreads(0), message: /^setNumThreads: / },
  { name: 'clipGradNorm_ of non-finite gradients with errorIfNonfinite', run: () => { const p = torch.zeros([2], { requiresGrad: true }); p.grad = torch.tensor([NaN, 1]); return nn.utils.clipGradNorm_([p], 1, 2, true); }, message: /^clipGradNorm: the total norm of order 2.* is non-finite/ },
  // ---- torch.tensor
  { name: 'torch.tensor of a ragged array', run: () => torch.tensor([[1, 2], [3]]), message: /^torch\.tensor: expected sequence of length 2 at dim 1 \(got 1\)/, type: TypeError },
  { name: 'torch.tensor of strings', run: () => torch.tensor(['a'] as never), message: /^torch\.tensor: expected numbers or booleans, found string/, type: TypeError },
  { name: 'torch.tensor mixing booleans and numbers', run: () => torch.tensor([true, 1] as never), message: /^torch\.tensor: cannot mix booleans and numbers/, type: TypeError },
  { name: 'torch.tensor of NaN as int64', run: () => torch.tensor([NaN], { dtype: 'int64' }), message: /^torch\.tensor: cannot convert NaN to int64/, type: TypeError },
  { name: 'torch.tensor of a TypedArray with a wrong shape', run: () => torch.tensor(new Float32Array(4), { shape: [3] }), message: /^fromBuffer: buffer holds 16 bytes but shape and dtype float32 need 12/, type: TypeError },
  // ---- construction
  { name: 'new Tensor() directly', run: () => new (torch.Tensor as unknown as new () => Tensor)(), message: /^Tensor: use torch\.tensor\(\), torch\.zeros\(\) or another factory/, type: TypeError },
  { name: 'a subclass of Tensor constructed with new', run: () => new (class extends (torch.Tensor as unknown as new () => Tensor) {})(), message: /^Tensor: use torch\.tensor\(\)/, type: TypeError },
  // ---- scopes
  { name: 'tidy() of an async function', run: () => torch.tidy((async () => torch.ones([2])) as never), message: /^tidy\(\): the function returned a Promise/, type: TypeError },
  // ---- safetensors
  { name: 'safetensors: a missing file', run: () => torch.loadSafetensors(join(dir, 'missing.safetensors')), message: /^safetensors: .*missing\.safetensors: cannot read/ },
  { name: 'safetensors: a truncated file (4 bytes)', run: () => torch.loadSafetensors(file('short.safetensors', new Uint8Array([1, 2, 3, 4]))), message: /^safetensors: .*short\.safetensors: file is 4 bytes, too short/ },
  { name: 'safetensors: header length past the end of the file', run: () => { const b = Buffer.alloc(16); b.writeBigUInt64LE(1000n); return torch.loadSafetensors(file('past.safetensors', b)); }, message: /^safetensors: .*past\.safetensors: header claims 1000 bytes/ },
  { name: 'safetensors: invalid JSON header', run: () => { const json = Buffer.from('{"a": '); const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(json.length)); return torch.loadSafetensors(file('json.safetensors', Buffer.concat([b, json]))); }, message: /^safetensors: .*json\.safetensors: header is not valid UTF-8 JSON/ },
  { name: 'safetensors: an unknown dtype', run: () => torch.loadSafetensors(safetensors('dtype.safetensors', { a: { dtype: 'F128', shape: [1], data_offsets: [0, 16] } }, 16)), message: /^safetensors: .*dtype\.safetensors: tensor 'a': unsupported dtype "F128"/ },
  { name: 'safetensors: overlapping tensors', run: () => torch.loadSafetensors(safetensors('overlap.safetensors', { a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }, 12)), message: /^safetensors: .*overlap\.safetensors: tensor 'b' starts at byte 4, expected 8/ },
  { name: 'safetensors: offsets past the data', run: () => torch.loadSafetensors(safetensors('oob.safetensors', { a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, 8)), message: /^safetensors: .*oob\.safetensors: tensor 'a': bytes 0\.\.16 lie past the end/ },
  { name: 'safetensors: byte count wrong for the shape', run: () => torch.loadSafetensors(safetensors('count.safetensors', { a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, 8)), message: /^safetensors: .*count\.safetensors: tensor 'a': 8 bytes for shape \[3\] float32, which needs 12/ },
  { name: 'saveSafetensors of a non-tensor value', run: () => torch.saveSafetensors(join(dir, 'bad.safetensors'), { a: 3 as never }), message: /^saveSafetensors: 'a' is not a Tensor/, type: TypeError },
  // ---- modules and optimizers
  { name: 'loadStateDict with a shape mismatch', run: () => new nn.Linear(2, 3).loadStateDict({ weight: torch.ones([3, 4]), bias: torch.ones([3]) }), message: /^Error\(s\) in loading state_dict for Linear:\n\tsize mismatch for weight: copying a param with shape \[3, 4\] from checkpoint, the shape in current model is \[3, 2\]\./ },
  { name: 'loadStateDict with missing and unexpected keys', run: () => new TwoLayers().loadStateDict({ 'first.weight': torch.ones([3, 2]), 'third.bias': torch.ones([1]) }), message: /^Error\(s\) in loading state_dict for TwoLayers:\n\tMissing key\(s\) in state_dict: "first\.bias", "second\.weight", "second\.bias"\. \n\tUnexpected key\(s\) in state_dict: "third\.bias"\. / },
  { name: 'loadStateDict with a non-tensor value', run: () => new nn.Linear(2, 3).loadStateDict({ weight: [1, 2] as never, bias: torch.ones([3]) }), message: /^loadStateDict: .*"weight"/, type: TypeError },
  { name: 'nn.Dropout with a NaN probability', run: () => new nn.Dropout(NaN), message: /^Dropout: dropout probability has to be between 0 and 1, but got NaN/, type: RangeError },
  { name: 'nn.Embedding with paddingIdx out of range', run: () => new nn.Embedding(3, 2, { paddingIdx: 5 }), message: /^Embedding: paddingIdx must be within numEmbeddings/, type: RangeError },
  { name: 'an optimizer over an empty parameter list', run: () => new optim.AdamW([]), message: /optimizer got an empty parameter list/ },
  { name: 'gradcheck of a float32 input', run: () => torch.autograd.gradcheck((x) => x, [torch.ones([2], { requiresGrad: true })]), message: /^gradcheck: input 0 must be float64, got float32/, type: TypeError },
];

// Run directly: make every call in this one process, then report.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  let threw = 0;
  const silent: string[] = [];
  for (const c of cases) {
    try {
      c.run();
      silent.push(c.name);
    } catch (error) {
      if (error instanceof Error) threw++;
      else silent.push(`${c.name} (threw a non-Error)`);
    }
  }
  cleanup();
  // prove the engine still works after all of them
  const check = torch.ones([2, 2]).matmul(torch.ones([2, 2])).sum().item();
  process.stdout.write(JSON.stringify({ total: cases.length, threw, silent, check }) + '\n');
}
