// Plain GEMM throughput on this machine: `npx tsx bench/gemm.ts M K N [THREADS]` prints
// a JSON line with GFLOPS, the yardstick for the models' matrix-product efficiency.
import { torch } from '../src/index.js';

const [M, K, N, threads] = process.argv.slice(2).map(Number);
if (threads) torch.setNumThreads(threads);
const a = torch.randn([M, K]);
const b = torch.randn([K, N]);
const once = () => torch.tidy(() => { a.matmul(b); });
for (let i = 0; i < 3; i++) once();
let runs = 0;
const start = performance.now();
while (performance.now() - start < 2000) { once(); runs++; }
const seconds = (performance.now() - start) / 1000 / runs;
console.log(JSON.stringify({ M, K, N, gflops: (2 * M * K * N) / seconds / 1e9 }));
