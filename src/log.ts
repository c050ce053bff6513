// Structured logging: one JSON object per line, or pretty lines in a terminal.
// Every message and every string field passes through maskPersonalData, so a
// phone number a user typed never reaches a log file in clear.
import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import pretty from 'pino-pretty';
import { maskPersonalData } from './privacy/pii.ts';

export type { Logger } from 'pino';

export interface LogSettings {
  logLevel: string;
  logFormat: 'auto' | 'json' | 'pretty';
}

export interface LoggerTarget {
  /** Write to this file instead of stdout (the directory is created). */
  file?: string;
  /** Write to this stream instead of stdout (tests). */
  stream?: NodeJS.WritableStream;
  /** Use stderr instead of stdout. */
  stderr?: boolean;
  /**
   * Where a failing destination is reported (once) and where logging goes
   * after it failed. Default: stderr (or nowhere, if stderr was the destination).
   */
  errorOutput?: NodeJS.WritableStream;
}

/** Asynchronous writes: what is still buffered is written when the process exits (one listener for all loggers). */
const open = new Set<{ flushSync(): void }>();
function flushAtExit(d: { flushSync(): void }): void {
  if (open.size === 0) process.once('exit', () => open.forEach((x) => x.flushSync()));
  open.add(d);
}

/** Bytes a destination may buffer while the disk is slow; beyond that lines are dropped, never memory exhausted. */
const MAX_BUFFER = 4 * 1024 * 1024;

/**
 * A destination that never throws and never crashes the process: writes are
 * asynchronous; the first error (ENOSPC, EIO, EPIPE …) is reported once on
 * the error output and every later line goes there instead (or nowhere, if
 * that fails too).
 */
class ResilientDestination {
  private current: { write(chunk: string): unknown } | null;
  private failed = false;

  constructor(
    private readonly primary: NodeJS.WritableStream | ReturnType<typeof pino.destination>,
    private readonly what: string,
    private readonly fallback: () => NodeJS.WritableStream | null,
    /** Whether the primary is ours to destroy once it failed (not a stream the caller passed). */
    private readonly ownsPrimary = false,
  ) {
    this.current = primary;
    this.watch(primary, true);
  }

  private watch(stream: { on?: (ev: string, fn: (err: Error) => void) => unknown }, primary: boolean): void {
    stream.on?.('error', (err: Error) => (primary ? this.fail(err) : (this.current = null)));
  }

  private fail(err: unknown): void {
    if (this.failed) return;
    this.failed = true;
    if (this.ownsPrimary) {
      // pino flushes its own destinations before exit; a failed one would be retried forever.
      try {
        (this.primary as { destroy?: () => void }).destroy?.();
      } catch {
        // Already gone.
      }
    }
    const e = err as NodeJS.ErrnoException;
    const next = this.fallback();
    this.current = next;
    if (next) this.watch(next as never, false);
    const notice = `[daiban] 日志写入失败（${this.what}：${e?.code ?? ''} ${maskPersonalData(e?.message ?? String(err))}），之后的日志${next ? '改写到错误输出' : '将被丢弃'}；机器人继续运行。\n`;
    try {
      if (next) next.write(notice);
      else fs.writeSync(2, notice);
    } catch {
      // Nowhere left to say it.
    }
  }

  write(chunk: string): boolean {
    const target = this.current;
    if (!target) return true;
    try {
      target.write(chunk);
    } catch (err) {
      if (target === this.current && !this.failed) {
        this.fail(err);
        this.current?.write(chunk);
      } else this.current = null;
    }
    return true;
  }

  /** Writes what is buffered, synchronously (process exit). */
  flushSync(): void {
    try {
      (this.current as { flushSync?: () => void } | null)?.flushSync?.();
    } catch {
      // Exiting anyway.
    }
  }
}

const MAX_DEPTH = 6;

/** Deep copy with every string masked; Errors become plain objects. Non-plain objects pass through. */
export function maskDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskPersonalData(value);
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
  if (value instanceof Error) {
    const out: Record<string, unknown> = {
      type: value.name,
      message: maskPersonalData(value.message),
      stack: value.stack ? maskPersonalData(value.stack) : undefined,
    };
    for (const [k, v] of Object.entries(value)) out[k] = maskDeep(v, depth + 1);
    if (value.cause !== undefined) out.cause = maskDeep(value.cause, depth + 1);
    return out;
  }
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, depth + 1));
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = maskDeep(v, depth + 1);
  return out;
}

/** The pino options shared by every destination: level, masking hooks. */
export function loggerOptions(settings: Pick<LogSettings, 'logLevel'>): LoggerOptions {
  return {
    level: settings.logLevel,
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ level: label }),
      // The merged object (fields of the call and child bindings' own fields).
      log: (obj) => maskDeep(obj) as Record<string, unknown>,
      bindings: (b) => maskDeep(b) as Record<string, unknown>,
    },
    hooks: {
      // Mask the message string and any printf-style arguments.
      logMethod(args, method) {
        let all: unknown[] = args;
        // logger.error(err): keep the error as a field and mask its message line.
        if (all[0] instanceof Error && typeof all[1] !== 'string') {
          all = [{ err: all[0] }, all[0].message, ...all.slice(1)];
        }
        const masked = all.map((a) => (typeof a === 'string' ? maskPersonalData(a) : a));
        return method.apply(this, masked as Parameters<typeof method>);
      },
    },
  };
}

/**
 * A pino logger. JSON lines by default; pino-pretty when logFormat is
 * `pretty`, or `auto` and the destination is a terminal.
 */
export function createLogger(settings: LogSettings, target: LoggerTarget = {}): Logger {
  const options = loggerOptions(settings);
  let primary: NodeJS.WritableStream | ReturnType<typeof pino.destination>;
  let what: string;
  let isTTY = false;
  if (target.stream) {
    primary = target.stream;
    what = 'stream';
    isTTY = Boolean((target.stream as { isTTY?: boolean }).isTTY);
  } else if (target.file) {
    fs.mkdirSync(path.dirname(target.file), { recursive: true });
    primary = pino.destination({ dest: target.file, sync: false, mkdir: true, maxLength: MAX_BUFFER });
    what = target.file;
  } else {
    const fd = target.stderr ? 2 : 1;
    primary = pino.destination({ dest: fd, sync: false, maxLength: MAX_BUFFER });
    what = target.stderr ? 'stderr' : 'stdout';
    isTTY = Boolean((target.stderr ? process.stderr : process.stdout).isTTY);
  }
  const fallback = (): NodeJS.WritableStream | null => {
    if (target.errorOutput) return target.errorOutput;
    if (target.stderr) return null;
    return pino.destination({ dest: 2, sync: false, maxLength: MAX_BUFFER }) as unknown as NodeJS.WritableStream;
  };
  const destination = new ResilientDestination(primary, what, fallback, !target.stream);
  flushAtExit(destination);
  const usePretty = settings.logFormat === 'pretty' || (settings.logFormat === 'auto' && isTTY);
  if (usePretty) {
    const prettyStream = pretty({
      destination: new Writable({
        write(chunk, _enc, cb) {
          destination.write(String(chunk));
          cb();
        },
      }),
      colorize: isTTY,
      translateTime: 'SYS:HH:MM:ss',
      ignore: 'pid,hostname',
      sync: true,
    });
    return pino(options, prettyStream);
  }
  return pino(options, destination as unknown as DestinationStream);
}

/** A logger that writes nothing (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
