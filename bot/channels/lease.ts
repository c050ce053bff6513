// A lease on a file: only its holder may do the thing it guards (hold the one
// long connection a WeCom bot id allows). The holder renews it; a lease not
// renewed within its time-to-live is free for another process to take.
import crypto from 'node:crypto';
import { z } from 'zod';
import { jsonFile, withFileLock } from './file-state.ts';

const leaseSchema = z.object({ holder: z.string(), pid: z.number(), expiresAt: z.number() }).nullable();

export interface Lease {
  readonly holder: string;
  /** Takes or renews the lease; false when another live holder has it. */
  acquire(): Promise<boolean>;
  /** Gives it up (only if we hold it). */
  release(): Promise<void>;
  /** Who holds it now (null: nobody, or expired). */
  current(): { holder: string; pid: number } | null;
}

export function fileLease(file: string, opts: { ttlMs: number; clock?: () => number; holder?: string }): Lease {
  const clock = opts.clock ?? Date.now;
  const holder = opts.holder ?? `${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  const f = jsonFile(file, leaseSchema, () => null);
  return {
    holder,
    acquire: () =>
      withFileLock(file, () => {
        const now = clock();
        const value = f.read();
        if (value && value.holder !== holder && value.expiresAt > now) return false;
        f.write({ holder, pid: process.pid, expiresAt: now + opts.ttlMs });
        return true;
      }),
    release: () =>
      withFileLock(file, () => {
        if (f.read()?.holder === holder) f.write(null);
      }),
    current: () => {
      const v = f.read();
      return v && v.expiresAt > clock() ? { holder: v.holder, pid: v.pid } : null;
    },
  };
}
