// Runs a function with an environment variable set, then restores what was there (the switches
// such as FINETUNE_FUSED_ENCODER=0 are read at each call, so a test can flip them in process).
export function withEnv<T>(name: string, value: string, fn: () => T): T {
  const before = process.env[name];
  process.env[name] = value;
  try {
    return fn();
  } finally {
    if (before === undefined) delete process.env[name];
    else process.env[name] = before;
  }
}
