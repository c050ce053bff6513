// Child process for the kill -9 scenario: commits tickets the way 确认 does
// (one transaction: ticket, items, first event) in a loop and prints
// "committed <dialogKey>" after each commit has returned. The parent kills it
// with SIGKILL at a random moment. Usage:
//   node --import tsx test/reliability/confirm-child.ts '<StoreOptions as JSON>' <tag>
import { openStore } from '../../src/store/index.ts';

const [json, tag] = process.argv.slice(2);
if (!json || !tag) throw new Error("usage: confirm-child.ts '<store options JSON>' <tag>");
const store = await openStore(JSON.parse(json) as Parameters<typeof openStore>[0]);
const owner = { id: `wxid_${tag}`, name: '张老板' };
const items = [
  { name: '食品经营许可', promisedLimit: 5 },
  { name: '个体工商户登记', promisedLimit: '即办' as const },
];
process.stdout.write('ready\n');
for (let i = 0; i < 10_000; i++) {
  const key = `${tag}-${i}`;
  const r = await store.tickets.create(
    {
      requesterId: owner.id,
      requesterName: owner.name,
      companyName: '浏阳市某某餐饮店',
      creditCode: '91350100M000100Y43',
      contactName: '张三',
      phone: '13812345678',
      preparedMaterials: null,
      town: '永安镇',
      dialogKey: key,
    },
    items,
    { actor: owner },
  );
  if (r.created) process.stdout.write(`committed ${key}\n`);
}
await store.close();
