// nn.Module: registration by assignment, PyTorch's dotted names and traversal order,
// buffers, train/eval, state dicts (PyTorch's error wording), in-place dtype moves that keep
// optimizers working, apply, numParameters, Parameter, zeroGrad.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

import { nn, optim, torch } from '../../src/index.js';
import type { Tensor } from '../../src/engine/tensor.js';

const F = nn.functional;

// ---------------------------------------------------------------- a BERT-shaped model, as transformers names it
class BertSelfAttention extends nn.Module {
  query: nn.Linear;
  key: nn.Linear;
  value: nn.Linear;
  constructor(readonly hidden: number, readonly heads: number) {
    super();
    this.query = new nn.Linear(hidden, hidden);
    this.key = new nn.Linear(hidden, hidden);
    this.value = new nn.Linear(hidden, hidden);
  }
  forward(h: Tensor): Tensor {
    const [B, L] = h.shape;
    const split = (x: Tensor) => x.view(B, L, this.heads, this.hidden / this.heads).permute(0, 2, 1, 3);
    const [ctx] = F.scaledDotProductAttention(split(this.query.forward(h)), split(this.key.forward(h)), split(this.value.forward(h)));
    return ctx.permute(0, 2, 1, 3).reshape(B, L, this.hidden);
  }
}
class BertSelfOutput extends nn.Module {
  dense: nn.Linear;
  LayerNorm: nn.LayerNorm;
  dropout = new nn.Dropout(0.1);
  constructor(hidden: number, eps: number) {
    super();
    this.dense = new nn.Linear(hidden, hidden);
    this.LayerNorm = new nn.LayerNorm(hidden, { eps });
  }
  forward(x: Tensor, input: Tensor): Tensor {
    return this.LayerNorm.forward(this.dropout.forward(this.dense.forward(x)).add(input));
  }
}
class BertAttention extends nn.Module {
  self: BertSelfAttention;
  output: BertSelfOutput;
  constructor(hidden: number, heads: number, eps: number) {
    super();
    this.self = new BertSelfAttention(hidden, heads);
    this.output = new BertSelfOutput(hidden, eps);
  }
  forward(h: Tensor): Tensor {
    return this.output.forward(this.self.forward(h), h);
  }
}
class BertIntermediate extends nn.Module {
  dense: nn.Linear;
  act = new nn.GELU();
  constructor(hidden: number, intermediate: number) {
    super();
    this.dense = new nn.Linear(hidden, intermediate);
  }
  forward(h: Tensor): Tensor {
    return this.act.forward(this.dense.forward(h));
  }
}
class BertOutput extends nn.Module {
  dense: nn.Linear;
  LayerNorm: nn.LayerNorm;
  constructor(intermediate: number, hidden: number, eps: number) {
    super();
    this.dense = new nn.Linear(intermediate, hidden);
    this.LayerNorm = new nn.LayerNorm(hidden, { eps });
  }
  forward(x: Tensor, input: Tensor): Tensor {
    return this.LayerNorm.forward(this.dense.forward(x).add(input));
  }
}
class BertLayer extends nn.Module {
  attention: BertAttention;
  intermediate: BertIntermediate;
  output: BertOutput;
  constructor(c: Config) {
    super();
    this.attention = new BertAttention(c.hidden, c.heads, c.eps);
    this.intermediate = new BertIntermediate(c.hidden, c.intermediate);
    this.output = new BertOutput(c.intermediate, c.hidden, c.eps);
  }
  forward(h: Tensor): Tensor {
    const a = this.attention.forward(h);
    return this.output.forward(this.intermediate.forward(a), a);
  }
}
class BertEncoder extends nn.Module {
  layer: nn.ModuleList<BertLayer>;
  constructor(c: Config) {
    super();
    this.layer = new nn.ModuleList(Array.from({ length: c.layers }, () => new BertLayer(c)));
  }
  forward(h: Tensor): Tensor {
    for (const l of this.layer) h = l.forward(h);
    return h;
  }
}
class BertEmbeddings extends nn.Module {
  word_embeddings: nn.Embedding;
  position_embeddings: nn.Embedding;
  token_type_embeddings: nn.Embedding;
  LayerNorm: nn.LayerNorm;
  dropout = new nn.Dropout(0.1);
  declare position_ids: Tensor;
  constructor(c: Config) {
    super();
    this.word_embeddings = new nn.Embedding(c.vocab, c.hidden, { paddingIdx: 0 });
    this.position_embeddings = new nn.Embedding(c.positions, c.hidden);
    this.token_type_embeddings = new nn.Embedding(c.types, c.hidden);
    this.LayerNorm = new nn.LayerNorm(c.hidden, { eps: c.eps });
    // transformers ≥ 4.31 makes it non-persistent; it is then absent from state dicts
    this.registerBuffer('position_ids', torch.arange(c.positions).expand(1, -1), false);
  }
  forward(ids: Tensor, types: Tensor): Tensor {
    const L = ids.shape[1];
    const e = this.word_embeddings.forward(ids)
      .add(this.position_embeddings.forward(this.position_ids.narrow(1, 0, L)))
      .add(this.token_type_embeddings.forward(types));
    return this.dropout.forward(this.LayerNorm.forward(e));
  }
}
class BertPooler extends nn.Module {
  dense: nn.Linear;
  activation = new nn.Tanh();
  constructor(hidden: number) {
    super();
    this.dense = new nn.Linear(hidden, hidden);
  }
  forward(h: Tensor): Tensor {
    return this.activation.forward(this.dense.forward(h.select(1, 0)));
  }
}
interface Config { vocab: number; hidden: number; layers: number; heads: number; intermediate: number; positions: number; types: number; eps: number }
class BertModel extends nn.Module {
  embeddings: BertEmbeddings;
  encoder: BertEncoder;
  pooler: BertPooler;
  constructor(readonly config: Config) {
    super();
    this.embeddings = new BertEmbeddings(config);
    this.encoder = new BertEncoder(config);
    this.pooler = new BertPooler(config.hidden);
  }
  forward(ids: Tensor, types: Tensor): [Tensor, Tensor] {
    const h = this.encoder.forward(this.embeddings.forward(ids, types));
    return [h, this.pooler.forward(h)];
  }
}
const TINY: Config = { vocab: 11, hidden: 8, layers: 2, heads: 2, intermediate: 16, positions: 16, types: 2, eps: 1e-12 };

/** The names PyTorch gives BertModel's parameters, in its order. */
function pytorchNames(layers: number): string[] {
  const names = [
    'embeddings.word_embeddings.weight', 'embeddings.position_embeddings.weight', 'embeddings.token_type_embeddings.weight',
    'embeddings.LayerNorm.weight', 'embeddings.LayerNorm.bias',
  ];
  for (let i = 0; i < layers; i++) {
    const p = `encoder.layer.${i}`;
    for (const n of ['attention.self.query', 'attention.self.key', 'attention.self.value', 'attention.output.dense', 'attention.output.LayerNorm', 'intermediate.dense', 'output.dense', 'output.LayerNorm']) {
      names.push(`${p}.${n}.weight`, `${p}.${n}.bias`);
    }
  }
  names.push('pooler.dense.weight', 'pooler.dense.bias');
  return names;
}

const reference = fileURLToPath(new URL('../../../shared/checkpoints/reference-bert/', import.meta.url));
const skipShared = existsSync(join(reference, 'model.safetensors')) ? false : `../shared is missing (looked for ${reference}model.safetensors)`;

describe('names and traversal', () => {
  it('namedParameters gives dotted names exactly like PyTorch, in its order', () => {
    const model = new BertModel(TINY);
    const names = [...model.namedParameters()].map(([n]) => n);
    assert.deepEqual(names, pytorchNames(2));
    assert.ok(names.includes('encoder.layer.0.attention.self.query.weight'));
    for (const [name, p] of model.namedParameters()) assert.ok(p instanceof nn.Parameter, name);
    // prefix, as named_parameters(prefix=…)
    assert.equal([...model.namedParameters('bert')][0][0], 'bert.embeddings.word_embeddings.weight');
    assert.deepEqual(model.parameters(), [...model.namedParameters()].map(([, p]) => p));
  });

  it('the names are those of a checkpoint written by Python transformers, which loads strictly', { skip: skipShared }, () => {
    const model = new BertModel(TINY);
    const weights = torch.loadSafetensors(join(reference, 'model.safetensors'));
    assert.deepEqual(Object.keys(model.stateDict()).sort(), Object.keys(weights).sort());
    const result = model.loadStateDict(weights);
    assert.deepEqual(result, { missingKeys: [], unexpectedKeys: [] });
    assert.ok(model.encoder.layer.get(1).output.dense.weight.equal(weights['encoder.layer.1.output.dense.weight']));
  });

  it('children, namedChildren and modules in registration order (pre-order)', () => {
    const model = new BertModel(TINY);
    assert.deepEqual([...model.namedChildren()].map(([n]) => n), ['embeddings', 'encoder', 'pooler']);
    assert.deepEqual([...model.children()].map((m) => m.constructor.name), ['BertEmbeddings', 'BertEncoder', 'BertPooler']);
    const layer = model.encoder.layer.get(0);
    assert.deepEqual([...layer.namedChildren()].map(([n]) => n), ['attention', 'intermediate', 'output']);
    assert.deepEqual([...model.encoder.layer.namedChildren()].map(([n]) => n), ['0', '1']);
    const moduleNames = [...model.namedModules()].map(([n]) => n);
    assert.deepEqual(moduleNames.slice(0, 9), [
      '', 'embeddings', 'embeddings.word_embeddings', 'embeddings.position_embeddings', 'embeddings.token_type_embeddings',
      'embeddings.LayerNorm', 'embeddings.dropout', 'encoder', 'encoder.layer',
    ]);
    assert.deepEqual(moduleNames.slice(9, 14), ['encoder.layer.0', 'encoder.layer.0.attention', 'encoder.layer.0.attention.self', 'encoder.layer.0.attention.self.query', 'encoder.layer.0.attention.self.key']);
    assert.equal(moduleNames[moduleNames.length - 1], 'pooler.activation');
    assert.equal([...model.modules()].length, moduleNames.length);
    assert.equal([...model.modules()][0], model);
  });

  it('a shared module or parameter is listed once (tied weights), but state dicts keep every name', () => {
    class Tied extends nn.Module {
      embed = new nn.Embedding(5, 3);
      head = new nn.Linear(3, 5, { bias: false });
      constructor() {
        super();
        this.head.weight = this.embed.weight; // tie, as transformers does
      }
      forward(x: Tensor): Tensor {
        return this.head.forward(this.embed.forward(x));
      }
    }
    const m = new Tied();
    assert.deepEqual([...m.namedParameters()].map(([n]) => n), ['embed.weight']);
    assert.equal(m.numParameters(), 15);
    assert.deepEqual(Object.keys(m.stateDict()), ['embed.weight', 'head.weight']);
    const everyName = [...m.namedParameters('', { removeDuplicate: false })];
    assert.deepEqual(everyName.map(([n]) => n), ['embed.weight', 'head.weight'], 'remove_duplicate=False: every name, as the state dict');
    assert.equal(everyName[0][1], everyName[1][1], 'one Parameter under both names');
    const shared = new nn.Linear(2, 2);
    const twice = new nn.Sequential(shared, new nn.ReLU(), shared);
    assert.equal([...twice.modules()].length, 3, 'Sequential, Linear, ReLU');
    assert.deepEqual([...twice.namedParameters()].map(([n]) => n), ['0.weight', '0.bias']);
    assert.deepEqual(Object.keys(twice.stateDict()), ['0.weight', '0.bias', '2.weight', '2.bias']);
    assert.deepEqual([...twice.namedParameters('', { removeDuplicate: false })].map(([n]) => n), ['0.weight', '0.bias', '2.weight', '2.bias']);
  });

  it('registration by assignment: replacing, removing (null) and non-module values', () => {
    class M extends nn.Module {
      a: nn.Module | null = new nn.Linear(2, 2);
      b = new nn.Linear(2, 3);
      scale = 2; // not a module: ignored
      plain = torch.ones([2]); // a plain tensor is not a parameter (as in PyTorch)
      p = new nn.Parameter(torch.zeros([4]));
      forward(): void {}
    }
    const m = new M();
    // a module's own parameters come before its children's, as in PyTorch
    assert.deepEqual([...m.namedParameters()].map(([n]) => n), ['p', 'a.weight', 'a.bias', 'b.weight', 'b.bias']);
    m.a = new nn.Linear(2, 5, { bias: false });
    assert.deepEqual([...m.namedParameters()].map(([n, p]) => `${n}:${p.shape}`), ['p:4', 'a.weight:5,2', 'b.weight:3,2', 'b.bias:3']);
    m.a = null;
    assert.deepEqual([...m.namedChildren()].map(([n]) => n), ['b']);
    m.registerModule('extra', new nn.Tanh());
    m.registerParameter('q', new nn.Parameter(torch.ones([1])));
    assert.deepEqual([...m.namedChildren()].map(([n]) => n), ['b', 'extra']);
    assert.ok([...m.namedParameters()].some(([n]) => n === 'q'));
  });

  it('ModuleList and Sequential: append, length, get (negative too), iteration, forward', () => {
    const list = new nn.ModuleList<nn.Module>([new nn.Linear(2, 2)]);
    list.append(new nn.ReLU());
    assert.equal(list.length, 2);
    assert.ok(list.get(-1) instanceof nn.ReLU);
    assert.throws(() => list.get(2), /^RangeError: ModuleList: index 2 out of range for 2 modules/);
    assert.deepEqual([...list].map((m) => m.constructor.name), ['Linear', 'ReLU']);
    assert.throws(() => list.forward(), /ModuleList has no forward/);
    const seq = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));
    assert.deepEqual(seq.forward(torch.ones([5, 3])).shape, [5, 2]);
    assert.deepEqual([...seq.namedParameters()].map(([n]) => n), ['0.weight', '0.bias', '2.weight', '2.bias']);
  });
});

describe('buffers', () => {
  class WithBuffers extends nn.Module {
    lin = new nn.Linear(2, 2);
    declare running: Tensor;
    declare ids: Tensor;
    declare scratch: Tensor;
    constructor() {
      super();
      this.registerBuffer('running', torch.zeros([2]));
      this.registerBuffer('ids', torch.arange(4));
      this.registerBuffer('scratch', torch.ones([3]), false);
      this.registerBuffer('absent', null);
    }
    forward(): void {}
  }

  it('persistent buffers are in the state dict after the parameters; non-persistent ones are not', () => {
    const m = new WithBuffers();
    assert.deepEqual(Object.keys(m.stateDict()), ['running', 'ids', 'lin.weight', 'lin.bias']);
    assert.deepEqual([...m.namedBuffers()].map(([n]) => n), ['running', 'ids', 'scratch']);
    assert.equal(m.buffers().length, 3);
    const outer = new nn.Sequential(new nn.Identity(), m);
    assert.deepEqual(Object.keys(outer.stateDict()), ['1.running', '1.ids', '1.lin.weight', '1.lin.bias']);
    assert.deepEqual([...outer.namedParameters()].map(([n]) => n), ['1.lin.weight', '1.lin.bias'], 'buffers are not parameters');
  });

  it('buffers are reached through their property, can be reassigned, load from state dicts and survive tidy', () => {
    const m = torch.tidy(() => new WithBuffers());
    assert.equal(m.running.isDisposed, false);
    assert.deepEqual(m.ids.toArray(), [0, 1, 2, 3]);
    torch.tidy(() => { m.running = torch.full([2], 7); });
    assert.equal(m.running.isDisposed, false, 'a buffer assigned inside tidy is kept');
    assert.deepEqual(m.stateDict().running.toArray(), [7, 7]);
    const sd = m.stateDict();
    const m2 = new WithBuffers();
    m2.loadStateDict(sd);
    assert.deepEqual(m2.running.toArray(), [7, 7]);
    assert.ok(m2.lin.weight.equal(m.lin.weight));
    // a non-persistent buffer in a checkpoint is unexpected, as in PyTorch
    assert.throws(() => m2.loadStateDict({ ...sd, scratch: torch.ones([3]) }), /Unexpected key\(s\) in state_dict: "scratch"/);
  });
});

describe('train() and eval()', () => {
  it('recurse into every module and change what Dropout does', () => {
    const model = new BertModel(TINY);
    assert.ok([...model.modules()].every((m) => m.training));
    assert.equal(model.eval(), model);
    assert.ok([...model.modules()].every((m) => !m.training));
    const ids = torch.tensor([[1, 2, 3, 4]]);
    const types = torch.zeros([1, 4], { dtype: 'int64' });
    const [a] = model.forward(ids, types);
    const [b] = model.forward(ids, types);
    assert.ok(a.equal(b), 'eval is deterministic');
    model.train();
    assert.ok([...model.modules()].every((m) => m.training));
    model.train(false);
    assert.ok([...model.modules()].every((m) => !m.training));
    const drop = new nn.Dropout(0.5);
    const x = torch.ones([1000]);
    assert.ok(drop.forward(x).eq(0).any().item(), 'training: some elements dropped');
    drop.eval();
    assert.ok(drop.forward(x).equal(x), 'eval: identity');
  });

  it("calls each child's own train(), as PyTorch does", () => {
    const calls: boolean[] = [];
    class Custom extends nn.Module {
      override train(mode = true): this {
        calls.push(mode);
        return super.train(mode);
      }
      forward(): void {}
    }
    const model = new nn.Sequential(new nn.Linear(1, 1), new nn.Sequential(new Custom()));
    model.eval();
    model.train();
    assert.deepEqual(calls, [false, true]);
    assert.throws(() => model.train('yes' as never), /^TypeError: train: training mode is expected to be boolean/);
  });
});

describe('stateDict and loadStateDict', () => {
  it('stateDict holds detached tensors sharing the parameters’ memory', () => {
    const lin = new nn.Linear(3, 2);
    const sd = lin.stateDict();
    assert.deepEqual(Object.keys(sd), ['weight', 'bias']);
    assert.equal(sd.weight.requiresGrad, false);
    assert.ok(sd.weight.sharesStorageWith(lin.weight));
    torch.noGrad(() => lin.weight.fill_(0.5));
    assert.deepEqual(sd.weight.toArray(), [[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]]);
  });

  it('loads values in place: the same Parameter objects, and optimizers keep working', () => {
    torch.manualSeed(1);
    const src = new nn.Sequential(new nn.Linear(3, 4), new nn.GELU(), new nn.Linear(4, 2));
    const dst = new nn.Sequential(new nn.Linear(3, 4), new nn.GELU(), new nn.Linear(4, 2));
    const params = dst.parameters();
    const opt = new optim.SGD(dst.parameters(), { lr: 0.1 });
    const result = dst.loadStateDict(src.stateDict());
    assert.deepEqual(result, { missingKeys: [], unexpectedKeys: [] });
    dst.parameters().forEach((p, i) => assert.equal(p, params[i]));
    const x = torch.randn([5, 3]);
    assert.ok((dst.forward(x) as Tensor).equal(src.forward(x) as Tensor));
    F.mseLoss(dst.forward(x) as Tensor, torch.zeros([5, 2])).backward();
    opt.step();
    assert.ok(!(dst.forward(x) as Tensor).equal(src.forward(x) as Tensor), 'the optimizer updated the loaded parameters');
    // values are copied, not aliased
    assert.ok(!dst.parameters()[0].sharesStorageWith(src.parameters()[0]));
  });

  it('strict: missing and unexpected keys are reported together, in PyTorch’s words, and nothing is loaded', () => {
    const model = new nn.Sequential(new nn.Linear(2, 3), new nn.Linear(3, 1));
    const before = model.parameters()[0].clone();
    const sd = { '0.weight': torch.ones([3, 2]), '0.bias': torch.ones([3]), '2.weight': torch.ones([1, 3]), extra: torch.ones([1]) };
    assert.throws(() => model.loadStateDict(sd), (e: Error) => {
      assert.equal(
        e.message,
        'Error(s) in loading state_dict for Sequential:\n\tMissing key(s) in state_dict: "1.weight", "1.bias". \n\tUnexpected key(s) in state_dict: "2.weight", "extra". ',
      );
      return true;
    });
    assert.ok(model.parameters()[0].equal(before), 'a failed strict load copies nothing');
  });

  it('non-strict: returns missing and unexpected keys and loads the rest', () => {
    const model = new nn.Sequential(new nn.Linear(2, 3), new nn.Linear(3, 1));
    const result = model.loadStateDict({ '0.weight': torch.ones([3, 2]), '9.bias': torch.ones([1]) }, { strict: false });
    assert.deepEqual(result, { missingKeys: ['0.bias', '1.weight', '1.bias'], unexpectedKeys: ['9.bias'] });
    assert.deepEqual(model.parameters()[0].toArray(), [[1, 1], [1, 1], [1, 1]]);
  });

  it('a shape mismatch is an error even when not strict, listing every mismatch', () => {
    const model = new nn.Sequential(new nn.Linear(2, 3), new nn.Linear(3, 1));
    const sd = model.stateDict();
    const bad = { ...sd, '0.bias': torch.ones([3]), '0.weight': torch.ones([3, 4]), '1.bias': torch.ones([2]) };
    for (const strict of [true, false]) {
      assert.throws(() => model.loadStateDict(bad, { strict }), (e: Error) => {
        assert.equal(
          e.message,
          'Error(s) in loading state_dict for Sequential:\n\tsize mismatch for 0.weight: copying a param with shape [3, 4] from checkpoint, the shape in current model is [3, 2].\n\tsize mismatch for 1.bias: copying a param with shape [2] from checkpoint, the shape in current model is [1].',
        );
        return true;
      });
    }
    assert.ok(!model.parameters()[1].equal(torch.ones([3])), 'nothing was copied');
  });

  it('casts to the parameter dtype (a float64 checkpoint into a float32 model)', () => {
    const lin = new nn.Linear(2, 1);
    lin.loadStateDict({ weight: torch.tensor([[0.25, 0.5]], { dtype: 'float64' }), bias: torch.tensor([1], { dtype: 'float64' }) });
    assert.equal(lin.weight.dtype, 'float32');
    assert.deepEqual(lin.weight.toArray(), [[0.25, 0.5]]);
  });

  it('rejects values that are not tensors, and non-records', () => {
    assert.throws(() => new nn.Linear(2, 1).loadStateDict({ weight: [[1, 2]] as never, bias: torch.ones([1]) }), /^TypeError: loadStateDict: while copying the parameter named "weight", expected a Tensor/);
    assert.throws(() => new nn.Linear(2, 1).loadStateDict(null as never), /^TypeError: loadStateDict: expected a record of tensors/);
  });
});

describe('to(dtype | device)', () => {
  it("to('float64') converts in place: the same Parameter objects, optimizer references stay valid", () => {
    torch.manualSeed(2);
    const model = new nn.Sequential(new nn.Linear(4, 8), new nn.GELU(), new nn.Linear(8, 2));
    const before = model.parameters();
    const opt = new optim.AdamW(model.parameters(), { lr: 0.05 });
    assert.equal(model.to('float64'), model);
    const after = model.parameters();
    after.forEach((p, i) => {
      assert.equal(p, before[i], 'same object');
      assert.equal(p, opt.paramGroups[0].params[i], 'the optimizer holds it');
      assert.equal(p.dtype, 'float64');
      assert.equal(p.requiresGrad, true);
      assert.equal(p.isLeaf, true);
      assert.ok(p instanceof nn.Parameter);
    });
    const x = torch.randn([16, 4], { dtype: 'float64' });
    const y = x.sum(1).gt(0).to('int64');
    const loss = () => torch.noGrad(() => F.crossEntropy(model.forward(x) as Tensor, y).item());
    const first = loss();
    for (let i = 0; i < 30; i++) {
      opt.zeroGrad();
      F.crossEntropy(model.forward(x) as Tensor, y).backward();
      assert.equal(model.parameters()[0].grad!.dtype, 'float64');
      opt.step();
    }
    assert.ok(loss() < first * 0.7, `the optimizer trains the converted model: ${first} → ${loss()}`);
  });

  it("to('bfloat16') in place, buffers too (integer buffers untouched), and existing gradients follow", () => {
    class M extends nn.Module {
      lin = new nn.Linear(4, 2);
      declare scale: Tensor;
      declare ids: Tensor;
      constructor() {
        super();
        this.registerBuffer('scale', torch.ones([2]));
        this.registerBuffer('ids', torch.arange(3));
      }
      forward(x: Tensor): Tensor {
        return this.lin.forward(x).mul(this.scale);
      }
    }
    const m = new M();
    const weight = m.lin.weight;
    const opt = new optim.SGD(m.parameters(), { lr: 0.1 });
    m.forward(torch.ones([3, 4])).sum().backward();
    m.to('bfloat16');
    assert.equal(m.lin.weight, weight);
    assert.equal(weight.dtype, 'bfloat16');
    assert.equal(weight.grad!.dtype, 'bfloat16', 'the gradient is converted with its parameter');
    assert.equal(m.scale.dtype, 'bfloat16');
    assert.equal(m.ids.dtype, 'int64');
    const w0 = weight.clone();
    opt.step();
    assert.ok(!weight.equal(w0), 'the optimizer updated the bfloat16 parameter');
    assert.equal(m.forward(torch.ones([3, 4], { dtype: 'bfloat16' })).dtype, 'bfloat16');
    m.to('float32');
    assert.equal(weight.dtype, 'float32');
  });

  it("an AdamW built before to('bfloat16') trains the converted parameters", () => {
    torch.manualSeed(4);
    const lin = new nn.Linear(4, 3);
    const opt = new optim.AdamW(lin.parameters(), { lr: 0.01 });
    lin.to('bfloat16');
    const before = lin.weight.clone();
    for (let i = 0; i < 3; i++) {
      opt.zeroGrad();
      lin.forward(torch.ones([2, 4], { dtype: 'bfloat16' })).pow(2).sum().backward();
      opt.step();
    }
    assert.equal(opt.paramGroups[0].params[0], lin.weight);
    assert.equal(lin.weight.dtype, 'bfloat16');
    assert.ok(!lin.weight.equal(before), 'the steps changed the bfloat16 weights');
    assert.equal((opt.state.get(lin.weight)!.exp_avg as Tensor).dtype, 'bfloat16');
  });

  it("to('cpu') is a no-op on CPU; integer dtypes and unknown targets are refused", () => {
    const lin = new nn.Linear(2, 2);
    const w = lin.weight;
    lin.to('cpu');
    assert.equal(lin.weight, w);
    assert.equal(w.device, 'cpu');
    assert.throws(() => lin.to('int64'), /^TypeError: to: nn\.Module\.to only accepts floating point dtypes, but got int64/);
    assert.throws(() => lin.to('gpu' as never), /^TypeError: to: expected a dtype or a device/);
    assert.equal(w.dtype, 'float32');
  });
});

describe('apply, numParameters, Parameter, zeroGrad', () => {
  it('apply visits children before their parent, every module once per path', () => {
    const model = new nn.Sequential(new nn.Linear(2, 2), new nn.Sequential(new nn.ReLU(), new nn.Linear(2, 1)));
    const order: string[] = [];
    assert.equal(model.apply((m) => order.push(m.constructor.name)), model);
    assert.deepEqual(order, ['Linear', 'ReLU', 'Linear', 'Sequential', 'Sequential']);
    // the usual use: initialisation
    model.apply((m) => { if (m instanceof nn.Linear) nn.init.zeros_(m.weight); });
    for (const [name, p] of model.namedParameters()) if (name.endsWith('weight')) assert.equal(p.abs().sum().item(), 0);
  });

  it('numParameters counts every element once, and only trainable ones on request', () => {
    const model = new BertModel(TINY);
    const H = 8, I = 16;
    const perLayer = 4 * (H * H + H) + 2 * 2 * H + (H * I + I) + (I * H + H);
    const expected = (11 + 16 + 2) * H + 2 * H + 2 * perLayer + (H * H + H);
    assert.equal(model.numParameters(), expected);
    model.embeddings.requiresGrad_(false);
    assert.equal(model.numParameters(true), expected - (11 + 16 + 2) * H - 2 * H);
    assert.equal(new nn.Linear(3, 2).numParameters(), 8);
    assert.equal(new nn.Linear(3, 2, { bias: false }).numParameters(), 6);
  });

  it('Parameter: instanceof, shares memory with its data, requires grad by default, survives tidy', () => {
    const data = torch.zeros([2, 2]);
    const p = new nn.Parameter(data);
    assert.ok(p instanceof nn.Parameter);
    assert.ok(p instanceof torch.Tensor);
    assert.ok(!(data instanceof nn.Parameter));
    assert.ok(!(torch.ones([1]) instanceof nn.Parameter));
    assert.ok(!({} instanceof nn.Parameter));
    assert.equal(p.requiresGrad, true);
    assert.equal(p.isLeaf, true);
    assert.ok(p.sharesStorageWith(data));
    assert.equal(nn.Parameter(torch.ones([1]), false).requiresGrad, false);
    const kept = torch.tidy(() => { const q = new nn.Parameter(torch.ones([3])); return [q.mul(2), q] as const; })[1];
    assert.equal(kept.isDisposed, false);
    // a Parameter built from a non-leaf is a leaf
    const x = torch.ones([2], { requiresGrad: true });
    assert.equal(new nn.Parameter(x.mul(2)).isLeaf, true);
  });

  it('zeroGrad sets gradients to null by default, or to zeros', () => {
    const lin = new nn.Linear(3, 2);
    const run = () => lin.forward(torch.ones([1, 3])).sum().backward();
    run();
    assert.ok(lin.weight.grad);
    lin.zeroGrad();
    assert.equal(lin.weight.grad, null);
    assert.equal(lin.bias!.grad, null);
    run();
    lin.zeroGrad(false);
    assert.equal((lin.weight.grad as Tensor | null)!.abs().sum().item(), 0);
    run();
    lin.zeroGrad({ setToNone: false });
    assert.deepEqual(lin.bias!.grad!.toArray(), [0, 0]);
    lin.zeroGrad({ setToNone: true });
    assert.equal(lin.bias!.grad, null);
  });
});

describe('nn.utils', () => {
  it('clipGradNorm_ takes a parameter list or a single tensor, and returns the total norm', () => {
    const a = torch.zeros([2], { requiresGrad: true });
    const b = torch.zeros([1], { requiresGrad: true });
    a.grad = torch.tensor([3, 0], { dtype: 'float32' });
    b.grad = torch.tensor([4], { dtype: 'float32' });
    const total = nn.utils.clipGradNorm_([a, b], 1);
    assert.ok(Math.abs(total.item() - 5) < 1e-6);
    assert.ok(Math.abs((a.grad!.toArray() as number[])[0] - 0.6) < 1e-5);
    const single = torch.zeros([2], { requiresGrad: true });
    single.grad = torch.tensor([0, 10], { dtype: 'float32' });
    assert.ok(Math.abs(nn.utils.clipGradNorm_(single, 2).item() - 10) < 1e-6);
    assert.ok(Math.abs((single.grad!.toArray() as number[])[1] - 2) < 1e-4);
    nn.utils.clipGradValue_(single, 0.5);
    assert.deepEqual(single.grad!.toArray(), [0, 0.5]);
  });
});

describe('layers', () => {
  it('Linear, Embedding, LayerNorm have PyTorch shapes and initialisation ranges', () => {
    torch.manualSeed(0);
    const lin = new nn.Linear(100, 50);
    assert.deepEqual(lin.weight.shape, [50, 100]);
    assert.ok(lin.weight.abs().max().item() <= 1 / Math.sqrt(100) + 1e-7);
    assert.ok(lin.bias!.abs().max().item() <= 1 / Math.sqrt(100) + 1e-7);
    const emb = new nn.Embedding(10, 4, { paddingIdx: -1 });
    assert.equal(emb.paddingIdx, 9);
    assert.deepEqual(emb.weight.select(0, 9).toArray(), [0, 0, 0, 0]);
    const ln = new nn.LayerNorm([2, 3], { elementwiseAffine: false });
    assert.equal(ln.weight, null);
    assert.equal(ln.numParameters(), 0);
    assert.equal(String(lin), 'Linear(in_features=100, out_features=50, bias=True)');
    assert.throws(() => new nn.Linear(2.5, 3), /^RangeError: Linear: inFeatures must be a non-negative integer, got 2\.5/);
    assert.throws(() => new nn.Embedding(-1, 3), /^RangeError: Embedding: numEmbeddings must be a non-negative integer, got -1/);
  });
});
