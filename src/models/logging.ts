// The models' logger, as transformers.logging: loading reports ("Some weights of … were not
// initialized …") are warnings, routine news is info. Tests and applications silence it with
// setVerbosity('error') or capture it with setHandler.
export type LogLevel = 'debug' | 'info' | 'warning' | 'error';

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warning: 30, error: 40 };

type Handler = (level: LogLevel, message: string) => void;

const defaultHandler: Handler = (level, message) => {
  if (level === 'error' || level === 'warning') console.warn(message);
  else console.log(message);
};

let verbosity: LogLevel = (process.env.FINETUNE_VERBOSITY as LogLevel) in RANK ? (process.env.FINETUNE_VERBOSITY as LogLevel) : 'warning';
let handler: Handler = defaultHandler;

/** Messages below this level are dropped ('warning' by default, as in transformers). */
export function setVerbosity(level: LogLevel): void {
  if (!(level in RANK)) throw new RangeError(`logging.setVerbosity: unknown level '${level}' (debug, info, warning, error)`);
  verbosity = level;
}

export function getVerbosity(): LogLevel {
  return verbosity;
}

/** Routes messages to `fn` instead of the console (null restores the console). Returns the previous handler. */
export function setHandler(fn: Handler | null): Handler {
  const previous = handler;
  handler = fn ?? defaultHandler;
  return previous;
}

function emit(level: LogLevel, message: string): void {
  if (RANK[level] >= RANK[verbosity]) handler(level, message);
}

export const logger = {
  debug: (message: string) => emit('debug', message),
  info: (message: string) => emit('info', message),
  warning: (message: string) => emit('warning', message),
  error: (message: string) => emit('error', message),
};
