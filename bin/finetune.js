#!/usr/bin/env node
// The `finetune` command. Installed as a package it runs the compiled CLI (dist/) with plain Node;
// in a checkout (src/ is there) it registers tsx's loader in this process and runs the TypeScript
// CLI (src/cli/main.ts). One process either way, so Ctrl-C reaches the Trainer directly (it saves
// a checkpoint) and the exit code is the CLI's own.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import(new URL('../dist/cli/main.js', import.meta.url).href);
}
