import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.ts';

const capture = (format: 'json' | 'pretty' = 'json') => {
  const stream = new PassThrough();
  let out = '';
  stream.on('data', (d: Buffer) => (out += d.toString()));
  const logger = createLogger({ logLevel: 'debug', logFormat: format }, { stream });
  return { logger, out: () => out };
};

describe('logger', () => {
  it('writes one JSON object per line', () => {
    const { logger, out } = capture();
    logger.info({ chat: 'g1' }, 'answered');
    logger.warn('second');
    const lines = out().trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'info', chat: 'g1', msg: 'answered' });
    expect(JSON.parse(lines[1]!)).toMatchObject({ level: 'warn', msg: 'second' });
  });

  it('masks personal data in messages, fields, nested fields, arguments and errors', () => {
    const { logger, out } = capture();
    logger.info({ text: '我手机13812345678', nested: { list: ['身份证430181199001011233'] } }, '来自 13912345678 的消息');
    logger.info('printf %s', '卡号6222021234567890128');
    logger.error(new Error('bad phone 13812345678'));
    logger.error({ err: new Error('code 91350100M000100Y43') }, 'failed');
    const text = out();
    for (const secret of ['13812345678', '13912345678', '430181199001011233', '6222021234567890128', '91350100M000100Y43']) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('138****5678');
    expect(text).toContain('139****5678');
    const lines = text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[2].err.message).toContain('138****5678');
  });

  it('can print pretty lines', () => {
    const { logger, out } = capture('pretty');
    logger.info({ phone: '13812345678' }, 'hello');
    expect(out()).toContain('hello');
    expect(out()).toContain('138****5678');
    expect(() => JSON.parse(out().trim())).toThrow();
  });
});
