// One side of the BERT-step benchmark: `npx tsx bench/bert_step.ts SIZE BATCH SEQ STEPS [THREADS]`.
// Prints a JSON line; bench/bert.ts runs it beside the PyTorch peer and compares.
import { BertForSequenceClassification, optim, torch } from '../src/index.js';
import { shapeConfig, trainingFlops } from './bert_model.js';
import type { ShapeName } from './bert_model.js';

// `--bf16` runs forward and loss under CPU autocast (bfloat16 matrix products); `--eval` times an
// evaluation step instead (eval mode, forward and loss under noGrad, no optimizer). `--profile`
// then runs the steps again under torch.profiler (untimed) and prints the top operators to stderr.
const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const bf16 = process.argv.includes('--bf16');
const evalStep = process.argv.includes('--eval');
const profile = process.argv.includes('--profile');
const [size, B, T, steps, threads] = [positional[0] as ShapeName, ...positional.slice(1).map(Number)];
if (threads) torch.setNumThreads(threads);
torch.manualSeed(0);
const model = BertForSequenceClassification.fromConfig(shapeConfig(size));
const opt = new optim.AdamW(model.parameters(), { lr: 2e-5, weightDecay: 0.01 });
const ids = torch.randint(0, 30522, [B, T]);
const inputs = { input_ids: ids, token_type_ids: torch.zerosLike(ids), attention_mask: torch.onesLike(ids), labels: torch.randint(0, 2, [B]) };
const lossOf = () => model.forward(inputs).loss!;

function step(): number {
  if (evalStep) return torch.tidy(() => torch.noGrad(() => lossOf().item()));
  return torch.tidy(() => {
    const loss = bf16 ? torch.autocast('cpu', lossOf) : lossOf();
    loss.backward();
    opt.step();
    opt.zeroGrad();
    return loss.item();
  });
}

if (evalStep) model.eval();
step();
step();
const start = performance.now();
let lossSum = 0;
for (let i = 0; i < steps; i++) lossSum += step();
const seconds = (performance.now() - start) / 1000 / steps;
if (profile) {
  await torch.profiler.profileTopOperators(() => { for (let i = 0; i < steps; i++) step(); },
    (table) => process.stderr.write(`${size} ${B}×${T}, ${steps} ${evalStep ? 'evaluation' : 'training'} steps, ${torch.getNumThreads()} thread(s): top operators by self CPU time\n${table}\n`));
}
console.log(JSON.stringify({
  side: 'finetune', bf16, eval: evalStep, size, meanLoss: lossSum / steps, batch: B, seq: T, threads: torch.getNumThreads(), msPerStep: seconds * 1000,
  // an eval step is not a training step: its FLOP count is not trainingFlops; the FLOPs are those
  // this side computes (the classifier's last layer for the first token only, unless turned off)
  samplesPerSecond: B / seconds, gflops: evalStep ? null : trainingFlops(size, B, T, process.env.FINETUNE_FIRST_TOKEN_LAST_LAYER !== '0') / seconds / 1e9,
  peakRssMiB: process.resourceUsage().maxRSS / 1024,
}));
