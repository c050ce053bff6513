import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { CONFIG_VARIABLES, loadConfig, withDotenv } from '../../src/config/env.ts';
import { ConfigError } from '../../src/errors.ts';
import { tempDir } from '../helpers/fixtures.ts';

describe('loadConfig', () => {
  it('runs on the embedded defaults with an empty environment', () => {
    const c = loadConfig({}, '/srv/daiban');
    expect(c.knowledgeDir).toBe('/srv/daiban/knowledge');
    expect(c.sqlitePath).toBe('/srv/daiban/data/daiban.sqlite');
    expect(c.databaseUrl).toBeNull();
    expect(c.puppet).toBeNull();
    expect(c.openai).toBeNull();
    expect(c.groupPrefixes).toEqual(['办事', '#问']);
    expect(c.ratePerson).toEqual({ capacity: 6, perSeconds: 60 });
  });

  it('parses lists, staff rooms tied to towns and the optional model', () => {
    const c = loadConfig({
      STAFF_IDS: 'wxid_a, wxid_b',
      STAFF_ROOMS: '123@chatroom=永安镇,456@chatroom',
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: 'http://127.0.0.1:9999/v1',
      OPENAI_EMBEDDING_MODEL: 'text-embedding-3-small',
    });
    expect(c.staffIds).toEqual(['wxid_a', 'wxid_b']);
    expect(c.staffRooms).toEqual([
      { roomId: '123@chatroom', town: '永安镇' },
      { roomId: '456@chatroom', town: null },
    ]);
    expect(c.openai).toMatchObject({ baseURL: 'http://127.0.0.1:9999/v1', embeddingModel: 'text-embedding-3-small', timeoutMs: 8000 });
  });

  it('reports every bad variable at once, naming value and expectation, masking secrets', () => {
    let err: unknown;
    try {
      loadConfig({
        DATABASE_URL: 'mysql://user:hunter22@db/x',
        WECHATY_PUPPET: 'wechaty-puppet-xp',
        RATE_PERSON: 'lots',
        OPENAI_TIMEOUT_MS: 'soon',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems;
    expect(problems.map((p) => p.variable).sort()).toEqual(['DATABASE_URL', 'OPENAI_TIMEOUT_MS', 'RATE_PERSON', 'WECHATY_PUPPET']);
    const msg = (err as ConfigError).message;
    expect(msg).toContain('wechaty-puppet-wechat4u');
    expect(msg).toContain('容量/秒数');
    expect(msg).not.toContain('hunter22');
  });

  it('treats an empty number as its default, not as 0', () => {
    const c = loadConfig({ OPENAI_API_KEY: 'sk-x', OPENAI_DAILY_TOKEN_BUDGET: '', MAX_MESSAGE_AGE_SECONDS: ' ' });
    expect(c.openai!.dailyTokenBudget).toBe(200_000);
    expect(c.maxMessageAgeMs).toBe(120_000);
  });

  it('reads .env, with the real environment winning', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, '.env'), 'BOT_NAME=小帮手\nDATA_DIR=var\n');
    const c = loadConfig(withDotenv({ DATA_DIR: 'other' }, dir), dir);
    expect(c.botName).toBe('小帮手');
    expect(c.dataDir).toBe(path.join(dir, 'other'));
  });

  it('documents every variable in .env.example, and the documented defaults are the real ones', () => {
    const text = fs.readFileSync(path.resolve(import.meta.dirname, '../../.env.example'), 'utf8');
    const documented = Object.fromEntries(
      text
        .split('\n')
        .filter((l) => /^[A-Z_]+=/.test(l))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    expect(Object.keys(documented).sort()).toEqual([...CONFIG_VARIABLES].sort());
    expect(loadConfig(documented, '/x')).toEqual(loadConfig({}, '/x'));
  });
});
