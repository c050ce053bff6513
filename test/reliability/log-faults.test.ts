// A log destination that fails (disk full, I/O error) never crashes the bot:
// the failure is reported once on the error output and logging continues there.
import fs from 'node:fs';
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';

/** Collects what is written to it; resolves `until` when the text contains a match. */
function sink() {
  let text = '';
  const waiters: { re: RegExp; resolve: () => void }[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      text += String(chunk);
      for (const w of waiters.splice(0)) {
        if (w.re.test(text)) w.resolve();
        else waiters.push(w);
      }
      cb();
    },
  });
  return {
    stream,
    get text() {
      return text;
    },
    until(re: RegExp, ms = 5000): Promise<void> {
      if (re.test(text)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re}; got: ${text.slice(0, 500)}`)), ms);
        waiters.push({ re, resolve: () => (clearTimeout(timer), resolve()) });
      });
    },
  };
}

describe('log destination faults', () => {
  it.skipIf(!fs.existsSync('/dev/full'))('a log file on a full disk (ENOSPC): no crash, one notice, logging continues on the error output', async () => {
    const err = sink();
    const logger = createLogger({ logLevel: 'info', logFormat: 'json' }, { file: '/dev/full', errorOutput: err.stream });
    for (let i = 0; i < 200; i++) logger.info({ i, phone: '13812345678' }, `line ${i}`);
    await err.until(/ENOSPC/);
    // Later lines reach the error output.
    logger.info('after the failure');
    await err.until(/after the failure/);
    for (let i = 0; i < 50; i++) logger.warn(`more ${i}`);
    await err.until(/more 49/);
    expect(err.text.match(/日志写入失败/g)).toHaveLength(1);
    expect(err.text).not.toContain('13812345678');
  });

  it('a stream destination that emits an error: no crash, one notice, logging continues', async () => {
    const err = sink();
    const broken = new PassThrough();
    const logger = createLogger({ logLevel: 'info', logFormat: 'json' }, { stream: broken, errorOutput: err.stream });
    logger.info('before');
    broken.emit('error', Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' }));
    await err.until(/EIO/);
    logger.info('after the EIO');
    await err.until(/after the EIO/);
    broken.emit('error', Object.assign(new Error('EIO again'), { code: 'EIO' }));
    logger.info('still going');
    await err.until(/still going/);
    expect(err.text.match(/日志写入失败/g)).toHaveLength(1);
  });
});
