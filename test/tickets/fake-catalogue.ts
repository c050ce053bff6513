// A small catalogue built in the test: the real knowledge/ folder is not used.
import type { Catalogue } from '../../src/knowledge/catalogue.ts';
import type { Item, Town } from '../../src/knowledge/schemas.ts';

const item = (over: Partial<Item> & Pick<Item, 'name'>): Item => ({
  aliases: [],
  type: '行政许可',
  department: '浏阳市市场监督管理局',
  conditions: [],
  materials: [],
  steps: [],
  fee: '不收费',
  online: '仅窗口办理',
  mobile: false,
  notes: [],
  ...over,
});

export const ITEMS: Item[] = [
  item({ name: '食品经营许可', materials: ['营业执照复印件', '法定代表人身份证', '经营场所平面图'], promised_limit: 5, legal_limit: 20 }),
  item({ name: '个体工商户登记', materials: ['经营者身份证', '经营场所使用证明'], promised_limit: '即办' }),
  item({ name: '烟花爆竹零售许可', department: '浏阳市应急管理局', materials: ['申请书', '安全培训合格证'], promised_limit: 10, fee: '工本费 10 元' }),
];

export const TOWNS: Town[] = [
  {
    name: '永安镇',
    kind: '镇',
    aliases: ['永安'],
    centre: { name: '永安镇政务服务中心', address: '永安镇永安路1号', hours: '周一至周五 8:30-12:00，14:30-17:30' },
    facts: [],
  },
  {
    name: '镇头镇',
    kind: '镇',
    aliases: [],
    centre: { name: '镇头镇企业手续代办中心', address: '镇头镇人民路8号', hours: '工作日 8:30-17:30', phone: '0731-83000000' },
    facts: [],
  },
];

export const fakeCatalogue = (): Catalogue => ({
  item: (name) => ITEMS.find((i) => i.name === name),
  town: (name) => TOWNS.find((t) => t.name === name),
  countyCentre: () => ({ name: '浏阳市政务服务中心', address: '浏阳市金沙北路', hours: '工作日 9:00-17:00' }),
  hotline: () => '12345',
});
