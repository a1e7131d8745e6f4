#!/usr/bin/env node
// The `finetune` command: registers tsx's loader in this process and runs the TypeScript CLI
// (src/cli/main.ts). One process, so Ctrl-C reaches the Trainer directly (it saves a
// checkpoint) and the exit code is the CLI's own.
import { register } from 'tsx/esm/api';

register();
await import(new URL('../src/cli/main.ts', import.meta.url).href);
