// Structured logging: one JSON object per line, or pretty lines in a terminal.
// Every message and every string field passes through maskPersonalData, so a
// phone number a user typed never reaches a log file in clear.
import fs from 'node:fs';
import path from 'node:path';
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
  let destination: DestinationStream | NodeJS.WritableStream;
  let isTTY = false;
  if (target.stream) {
    destination = target.stream;
    isTTY = Boolean((target.stream as { isTTY?: boolean }).isTTY);
  } else if (target.file) {
    fs.mkdirSync(path.dirname(target.file), { recursive: true });
    destination = pino.destination({ dest: target.file, sync: true, mkdir: true });
  } else {
    const fd = target.stderr ? 2 : 1;
    destination = pino.destination({ dest: fd, sync: true });
    isTTY = Boolean((target.stderr ? process.stderr : process.stdout).isTTY);
  }
  const usePretty = settings.logFormat === 'pretty' || (settings.logFormat === 'auto' && isTTY);
  if (usePretty) {
    const prettyStream = pretty({
      destination: destination as NodeJS.WritableStream,
      colorize: isTTY,
      translateTime: 'SYS:HH:MM:ss',
      ignore: 'pid,hostname',
      sync: true,
    });
    return pino(options, prettyStream);
  }
  return pino(options, destination as DestinationStream);
}

/** A logger that writes nothing (tests, library use). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
