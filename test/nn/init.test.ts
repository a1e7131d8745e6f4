// Initialisation and random numbers against PyTorch: after torch.manualSeed(s) here and
// torch.manual_seed(s) in Python, layers, nn.init functions, random factories and dropout
// masks give the same numbers (both draw from libtorch's CPU generator).
// Fixtures: scripts/fixtures/make_engine_fixtures.py → test/fixtures/engine/init.json.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { nn, torch } from '../../src/index.js';
import { assertOutputMatches, loadFixture } from '../helpers/torch-fixtures.js';
import type { OutputSpec } from '../helpers/torch-fixtures.js';

const init = nn.init;
const F = nn.functional;

const fixture = loadFixture<{ cases: { name: string; seed: number; expected: OutputSpec }[] }>('init.json');
const TOL = { atol: 1e-6, rtol: 0 };

const CASES: Record<string, () => unknown> = {
  linear: () => {
    const m = new nn.Linear(5, 7);
    return [m.weight, m.bias];
  },
  embedding_padding: () => new nn.Embedding(10, 4, { paddingIdx: 0 }).weight,
  layer_norm: () => {
    const m = new nn.LayerNorm(6);
    return [m.weight, m.bias];
  },
  sequential: () => new nn.Sequential(new nn.Linear(4, 16), new nn.GELU(), new nn.Linear(16, 3)).parameters(),
  xavier_uniform: () => init.xavierUniform_(torch.empty([4, 6])),
  xavier_uniform_gain: () => init.xavierUniform_(torch.empty([3, 5, 2]), init.calculateGain('tanh')),
  xavier_normal: () => init.xavierNormal_(torch.empty([4, 6]), 0.5),
  kaiming_uniform: () => init.kaimingUniform_(torch.empty([6, 5])),
  kaiming_uniform_fan_out_relu: () => init.kaimingUniform_(torch.empty([6, 5]), 0, 'fan_out', 'relu'),
  kaiming_uniform_a: () => init.kaimingUniform_(torch.empty([6, 5]), Math.sqrt(5)),
  kaiming_normal: () => init.kaimingNormal_(torch.empty([6, 5])),
  kaiming_normal_fan_out: () => init.kaimingNormal_(torch.empty([6, 5]), 0, 'fan_out', 'relu'),
  trunc_normal: () => init.truncNormal_(torch.empty([50])),
  trunc_normal_bert: () => init.truncNormal_(torch.empty([8, 8]), 0, 0.02, -0.04, 0.04),
  trunc_normal_shifted: () => init.truncNormal_(torch.empty([30]), 1, 2, 0, 3),
  normal: () => init.normal_(torch.empty([5, 5]), 1, 0.5),
  normal_large: () => init.normal_(torch.empty([40])),
  uniform: () => init.uniform_(torch.empty([5, 5]), -0.1, 0.2),
  rand: () => torch.rand([3, 4]),
  rand_float64: () => torch.rand([5], { dtype: 'float64' }),
  randn_small: () => torch.randn([7]),
  randn_vectorized: () => torch.randn(4, 20),
  randn_float64: () => torch.randn([18], { dtype: 'float64' }),
  randint: () => torch.randint(0, 10, [5, 3]),
  randint_low: () => torch.randint(3, 8, [12]),
  randint_high_only: () => torch.randint(10, [6]),
  rand_like: () => torch.randLike(torch.zeros([2, 3], { dtype: 'float64' })),
  randn_like: () => torch.randnLike(torch.zeros([17])),
  randperm: () => torch.randperm(10),
  randperm_large: () => torch.randperm(50),
  sequence: () => [torch.rand([3]), torch.randn([3]), torch.randint(0, 5, [4]), torch.randperm(6), torch.rand([2])],
  dropout: () => F.dropout(torch.ones([4, 5]), 0.3, true),
  dropout_large: () => F.dropout(torch.ones([64]), 0.1, true),
  dropout_module: () => new nn.Dropout(0.5).forward(torch.ones([3, 7])),
  bernoulli: () => torch.empty([20]).bernoulli_(0.3),
};

describe('seeded initialisation and random numbers match PyTorch', () => {
  it('every fixture case has an implementation here and every implementation a fixture case', () => {
    assert.deepEqual(Object.keys(CASES).sort(), fixture.cases.map((c) => c.name).sort());
  });

  for (const c of fixture.cases) {
    it(`${c.name} (seed ${c.seed})`, () => {
      torch.manualSeed(c.seed);
      const out = CASES[c.name]();
      assertOutputMatches(out, c.expected, TOL, c.name);
    });
  }

  it('the same seed gives the same numbers twice', () => {
    torch.manualSeed(123);
    const a = torch.randn([10]);
    torch.manualSeed(123);
    const b = torch.randn([10]);
    assert.ok(a.equal(b));
  });
});

describe('nn.init helpers', () => {
  it('calculateGain as torch.nn.init.calculate_gain', () => {
    // values from PyTorch's documentation table
    assert.equal(init.calculateGain('linear'), 1);
    assert.equal(init.calculateGain('sigmoid'), 1);
    assert.equal(init.calculateGain('tanh'), 5 / 3);
    assert.equal(init.calculateGain('relu'), Math.sqrt(2));
    assert.equal(init.calculateGain('leaky_relu'), Math.sqrt(2 / (1 + 0.01 ** 2)));
    assert.equal(init.calculateGain('leaky_relu', 0.2), Math.sqrt(2 / (1 + 0.2 ** 2)));
    assert.equal(init.calculateGain('selu'), 3 / 4);
  });

  it('fan in and out of conv-shaped weights include the receptive field; 1-D tensors are rejected', () => {
    assert.deepEqual(init.calculateFanInAndFanOut(torch.empty([8, 3, 5, 5])), [75, 200]);
    assert.throws(() => init.xavierUniform_(torch.empty([5])), /fewer than 2 dimensions/);
  });

  it('zeros_, ones_ and constant_ fill in place without recording gradients', () => {
    const w = torch.empty([2, 3], { requiresGrad: true });
    assert.equal(init.constant_(w, 0.5), w);
    assert.deepEqual(w.toArray(), [[0.5, 0.5, 0.5], [0.5, 0.5, 0.5]]);
    assert.ok(w.isLeaf && w.gradFn === null);
    init.zeros_(w);
    assert.equal(w.sum().item(), 0);
    init.ones_(w);
    assert.equal(w.sum().item(), 6);
  });
});

describe('init.noInitWeights (transformers\' no_init_weights)', () => {
  /** The generator's next draw, to see whether something in between consumed random numbers. */
  const nextDraw = () => torch.randn([4]).toArray() as number[];

  it('layers built inside draw no random numbers, and the layers\' prototypes stay as they are', () => {
    const [linearReset, embeddingReset] = [nn.Linear.prototype.resetParameters, nn.Embedding.prototype.resetParameters];
    torch.manualSeed(7);
    const expected = nextDraw();
    torch.manualSeed(7);
    const built = init.noInitWeights(() => {
      assert.equal(init.initEnabled(), false);
      assert.equal(nn.Linear.prototype.resetParameters, linearReset, 'no prototype patched');
      assert.equal(nn.Embedding.prototype.resetParameters, embeddingReset);
      return [new nn.Linear(6, 5), new nn.Embedding(9, 3, { paddingIdx: 0 })];
    });
    assert.deepEqual(nextDraw(), expected, 'the generator advanced: some layer initialised itself');
    assert.equal(init.initEnabled(), true);
    assert.deepEqual(built[0].weight.shape, [5, 6]);
  });

  it('skips the construction-time init of a Linear subclass too; an explicit resetParameters() still runs', () => {
    let resets = 0;
    class Custom extends nn.Linear {
      override resetParameters(): void {
        resets++;
        init.zeros_(this.weight);
      }
    }
    init.noInitWeights(() => new Custom(2, 2));
    assert.equal(resets, 0, 'a patched nn.Linear.prototype would have missed the subclass');
    const layer = init.noInitWeights(() => {
      const l = new Custom(2, 2);
      l.resetParameters();
      return l;
    });
    assert.equal(resets, 1);
    assert.equal(layer.weight.abs().sum().item(), 0);
    new Custom(2, 2);
    assert.equal(resets, 2, 'outside the scope, construction initialises again');
  });

  it('nests, and a throwing constructor does not leave initialisation off', () => {
    init.noInitWeights(() => {
      init.noInitWeights(() => assert.equal(init.initEnabled(), false));
      assert.equal(init.initEnabled(), false, 'the inner scope ending does not end the outer one');
    });
    assert.equal(init.initEnabled(), true);
    assert.throws(() => init.noInitWeights(() => new nn.Linear(-1, 2)), /inFeatures must be a non-negative integer/);
    assert.equal(init.initEnabled(), true);
    torch.manualSeed(3);
    const a = new nn.Linear(3, 3).weight;
    torch.manualSeed(3);
    init.noInitWeights(() => new nn.Linear(3, 3));
    const b = new nn.Linear(3, 3).weight;
    assert.ok(a.equal(b), 'after the scope a layer draws exactly what it draws without one');
  });

  it('refuses an async function (the scope would end at its first await)', () => {
    assert.throws(() => init.noInitWeights(async () => new nn.Linear(2, 2)), /noInitWeights: fn must be synchronous/);
    assert.equal(init.initEnabled(), true);
  });
});
