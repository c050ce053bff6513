// Child process for the two-process SQLite tests. Usage:
//   node --import tsx test/reliability/sqlite-child.ts <sqlitePath> <tag> <tickets>
// Waits for the start file (<sqlitePath>.go) so that siblings start together,
// opens (and migrates) the store, creates <tickets> tickets, prints "ok <n>".
import fs from 'node:fs';
import { openStore } from '../../src/store/index.ts';

const [sqlitePath, tag, count] = process.argv.slice(2);
if (!sqlitePath || !tag || !count) throw new Error('usage: sqlite-child.ts <sqlitePath> <tag> <tickets>');
const go = `${sqlitePath}.go`;
const until = Date.now() + 10_000;
while (!fs.existsSync(go) && Date.now() < until) await new Promise((r) => setTimeout(r, 5));

const store = await openStore({ databaseUrl: null, sqlitePath });
const owner = { id: `wxid_${tag}`, name: '张老板' };
let made = 0;
for (let i = 0; i < Number(count); i++) {
  const r = await store.tickets.create(
    {
      requesterId: owner.id,
      requesterName: owner.name,
      companyName: '某某餐饮店',
      creditCode: '91350100M000100Y43',
      contactName: '张三',
      phone: '13812345678',
      preparedMaterials: null,
      town: '永安镇',
      dialogKey: `${tag}-${i}`,
    },
    [{ name: '食品经营许可', promisedLimit: 5 }],
    { actor: owner },
  );
  if (r.created) made++;
}
await store.close();
process.stdout.write(`ok ${made}\n`);
