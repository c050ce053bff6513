// The reliability suite on small counts: every scenario's guarantee holds
// (lost = 0). `npm run reliability` runs the same scenarios at full size.
import { describe, expect, it } from 'vitest';
import { SCENARIOS, SMALL, formatTable, runSuite } from './suite.ts';

const REQUIRE_PG = process.env.DAIBAN_REQUIRE_PG === '1';

describe('reliability suite (small counts)', () => {
  it('every scenario holds its guarantee: nothing lost', async () => {
    const rows = await runSuite(SMALL);
    const table = formatTable(rows);
    expect(rows).toHaveLength(SCENARIOS.length);
    for (const row of rows) {
      const label = `${row.scenario.name} [${row.scenario.backend}]\n${(row.details ?? []).join('\n')}\n${table}`;
      if (row.scenario.pending) continue;
      if (row.skipped) {
        // Only PostgreSQL may be skipped, and only when it is unreachable and not required.
        expect(row.scenario.backend, label).toBe('postgres');
        expect(REQUIRE_PG, label).toBe(false);
        continue;
      }
      expect(row.tried, label).toBeGreaterThan(0);
      expect(row.lost, label).toBe(0);
      expect(row.survived, label).toBe(row.tried);
    }
  }, 240_000);
});
