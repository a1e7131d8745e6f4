// Download progress: a bar redrawn in place on a terminal, two plain lines when stderr is a
// file or a pipe (logs stay readable), nothing when HF_HUB_DISABLE_PROGRESS_BARS is set (the
// variable huggingface_hub reads) or under `node --test`.

export interface Progress {
  /** Bytes received so far, including any resumed part. */
  update(received: number): void;
  done(): void;
}

export type ProgressMode = 'auto' | 'bar' | 'plain' | 'off';

const SILENT: Progress = { update() {}, done() {} };

function size(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}

function resolveMode(mode: ProgressMode, stream: NodeJS.WriteStream): Exclude<ProgressMode, 'auto'> {
  if (mode !== 'auto') return mode;
  const env = process.env;
  if (/^(1|on|yes|true)$/i.test(env.HF_HUB_DISABLE_PROGRESS_BARS ?? '') || env.NODE_TEST_CONTEXT) return 'off';
  return stream.isTTY ? 'bar' : 'plain';
}

export function createProgress(label: string, total: number | undefined, mode: ProgressMode = 'auto', stream: NodeJS.WriteStream = process.stderr): Progress {
  const resolved = resolveMode(mode, stream);
  if (resolved === 'off') return SILENT;
  const started = Date.now();
  let first: number | null = null;
  let received = 0;
  if (resolved === 'plain') {
    stream.write(`Downloading ${label}${total !== undefined ? ` (${size(total)})` : ''}\n`);
    return {
      update(n) { received = n; },
      done() { stream.write(`Downloaded ${label}: ${size(received)} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`); },
    };
  }
  let lastDraw = 0;
  const draw = (final: boolean): void => {
    const now = Date.now();
    if (!final && now - lastDraw < 100) return; // at most ten redraws a second
    lastDraw = now;
    const seconds = Math.max((now - started) / 1000, 1e-3);
    const rate = (received - (first ?? 0)) / seconds;
    const width = 24;
    const fraction = total ? Math.min(received / total, 1) : 0;
    const bar = total ? `|${'█'.repeat(Math.round(fraction * width)).padEnd(width, ' ')}| ${String(Math.floor(fraction * 100)).padStart(3)}% ` : '';
    const columns = stream.columns ?? 80;
    const line = `${label} ${bar}${size(received)}${total ? `/${size(total)}` : ''} ${size(rate)}/s`;
    stream.write(`\r${line.length > columns - 1 ? line.slice(line.length - columns + 1) : line}\x1b[K${final ? '\n' : ''}`);
  };
  return {
    update(n) {
      if (first === null) first = n; // a resumed download's rate counts only this session's bytes
      received = n;
      draw(false);
    },
    done() { draw(true); },
  };
}
