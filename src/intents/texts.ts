// Everything the pipeline itself says (answers come from the answering core,
// ticket dialogs and notifications from src/tickets). Simplified Chinese.

export const APOLOGY = '抱歉，系统开了个小差，请稍后再试，或回复「人工」联系工作人员。';

export const helpText = (botName: string): string =>
  `您好，我是${botName}，可以帮您查：哪些手续能在镇（街道）办、在哪办、带什么材料、多久办好。` +
  '例如问我「某某镇能办食品经营许可吗」。需要工作人员帮您跑腿，回复「代办」。';

/** 帮助 from a clerk in a staff group or in private: the ticket commands (src/tickets/actions.ts). */
export const STAFF_HELP = [
  '办事员指令（在代办员工作群或私聊我发送；12 为代办单号，也可写 #12）：',
  '待办 —— 列出未办结的代办单',
  '查 12 —— 代办单详情和记录',
  '接单 12 —— 接下这张单，之后申请人的消息会转给您',
  '转派 12 @某人 —— 转给另一位办事员',
  '办理 12 —— 开始办理',
  '补件 12 要补的材料 —— 通知申请人补件',
  '回复 12 内容 —— 回复申请人',
  '办结 12 —— 办结，并请申请人评价',
  '中止 12 原因 —— 中止办理',
  '备注 12 内容 —— 内部备注，申请人看不到',
  '交还 12 —— 把对话交还小助手',
  '企业群里：#绑定 某某镇 / #解绑 / #状态。工作群里的其他消息我不回复；问办事指南请 @我。',
].join('\n');

export const PRIVACY_IN_GROUP =
  '为保护您的隐私，请不要在群里发身份证号、银行卡号或手机号（建议撤回那条消息）。' +
  '需要办理的话，请加我为好友或私聊我，发送「代办」，我们私下继续。';

export const ASK_WHICH_ITEM =
  '请问您想代办哪一项手续？可以直接说「帮我代办食品经营许可」，' + '或者先问我「某某镇能办XX吗」，再回复「代办」。';

export const proxyUnavailable = (contact: string): string =>
  `目前还不能在线提交代办申请。帮办代办是免费的，请直接联系服务中心：${contact}`;

export const ticketsUnavailable = (contact: string): string =>
  `目前还没有开通在线代办，查不到代办记录。如已在窗口申请，请联系服务中心：${contact}`;

export const GENERIC_CONTACT = '就近的镇（街道）便民服务中心，或拨打 12345 政务服务热线。';

export const BIND_ONLY_IN_GROUP = '请在要绑定的群里发送这个命令，例如「#绑定 某某镇」。';

export const BIND_STAFF_ONLY =
  '只有服务中心工作人员可以设置本群对应的乡镇。如需设置，请联系服务中心的代办员。';

export const bindNeedTown = (towns: string[]): string =>
  `请写明乡镇，例如「#绑定 ${towns[0] ?? '某某镇'}」。可选：${towns.join('、')}。`;

export const bindUnknownTown = (name: string, towns: string[]): string =>
  `没有找到「${name}」。可绑定的乡镇（街道）：${towns.join('、')}。`;

export const bound = (town: string): string =>
  `已将本群绑定到${town}。之后本群的提问默认按${town}回答（问题里写明其他乡镇时，以问题为准）。发送「#解绑」可解除。`;

export const unbound = (town: string): string => `已解除本群与${town}的绑定，之后按全市各乡镇回答。`;

export const NOT_BOUND = '本群还没有绑定乡镇，提问时按全市各乡镇回答。';

export const status = (town: string | null, botName: string, prefixes: string[]): string => {
  const how = [`@${botName}`, ...prefixes.map((p) => `以「${p}」开头`)].join(' 或 ');
  return (
    (town ? `本群已绑定：${town}（提问未写乡镇时按${town}回答）。` : '本群未绑定乡镇，提问时按全市各乡镇回答。') +
    `提问方式：${how}。`
  );
};

export const PRIVATE_STATUS = '私聊中按您问题里写的乡镇回答；没写乡镇时，告诉您哪些乡镇可以办。';

export const humanRequested = (contact: string): string =>
  `已通知服务中心工作人员。想让工作人员打电话给您，可以私聊我发「代办」登记联系方式；着急的话请直接联系：${contact}`;

export const HUMAN_ALREADY_REQUESTED = '已经通知过工作人员了，请稍候；也可以私聊我发「代办」登记联系方式。';

export const humanUnavailable = (contact: string): string =>
  `线上暂时没有工作人员值守，请直接联系服务中心：${contact}`;

/** Where the person stands, for the staff notice of 「人工」. */
export type HumanSituation =
  | { kind: 'group' }
  /** Registering in private; `step` is the dialog's question now asked (企业名称, 手机 …, or 核对确认). */
  | { kind: 'dialog'; step: string }
  /** Open tickets in private, e.g. { id: 12, status: '已登记' }. */
  | { kind: 'tickets'; tickets: { id: number; status: string }[] }
  | { kind: 'none' };

const humanHow = (s: HumanSituation): string => {
  switch (s.kind) {
    case 'group':
      return '对方在群里，可直接在群里@对方（电话等个人信息请私聊）。';
    case 'dialog':
      return (
        `对方正在私聊登记代办，填到「${s.step}」这一步；确认后代办单会出现在「待办」里。` +
        '对方回复「交给办事员」可把已填的信息直接转成代办单。'
      );
    case 'tickets': {
      const list = s.tickets.map((x) => `#${x.id}（${x.status}）`).join('、');
      const first = s.tickets[0]!.id;
      return `对方已有代办单 ${list}：发「查 ${first}」看详情，「接单 ${first}」或「回复 ${first} 内容」即可在私聊里联系对方。`;
    }
    case 'none':
      return '对方在私聊中，还没有代办单：对方发「代办」登记联系方式后，会出现在「待办」里。';
  }
};

export const humanForStaff = (who: string, where: string, about: string | null, situation: HumanSituation): string =>
  `【人工请求】${who}（${where}）需要工作人员联系。` + (about ? `最近问的是：${about}。` : '') + humanHow(situation);

/** Said with a 「人工」 request outside the centre's working hours (`when`: 「12-07 08:30」). */
export const staffSeeAt = (when: string): string => `\n现在不是工作时间，工作人员 ${when} 上班后会看到您的请求。`;

export const NOTHING_TO_CANCEL = '现在没有进行中的代办登记，不用取消。要查看已提交的代办单，请发「我的代办」；撤销某一单发「撤销 单号」。';

export const TICKETS_IN_PRIVATE = '您的代办记录已私聊发给您（为保护隐私，不在群里显示）。没收到的话，请先加我为好友再私聊我发「我的代办」。';

/** Said with anything answered in the middle of the registration dialog. */
export const dialogContinues = (question: string): string => `（代办登记还在进行，继续请回复：）\n${question}\n不办了回复「取消」。`;

export const dialogNotAField = (reminder: string): string =>
  `这句话像是一个问题，我没有在办事指南里找到答案，也没有把它当作登记信息。需要工作人员回答可以回复「人工」。\n${reminder}`;

export const relayToClerk = (ticketId: number, requester: string, text: string): string =>
  `【#${ticketId} ${requester}】${text}\n（回复请发「回复 ${ticketId} 内容」；交还小助手发「交还 ${ticketId}」）`;

export const relayed = (clerk: string, ticketId: number): string =>
  `已转给办事员 ${clerk}（代办单 #${ticketId}），请稍候。要说另一张代办单的事，请在开头写单号，例如「#${ticketId} 内容」。`;

export const keptForClerk = (ticketId: number): string =>
  `已记在您的代办单 #${ticketId} 上，办事员接单时会看到。还没有办事员接单，急的话可以回复「人工」。`;

export const whichTicket = (tickets: { id: number; items: string[]; clerk: string }[]): string =>
  `您有 ${tickets.length} 张代办单正在由办事员办理：\n` +
  tickets.map((t) => `#${t.id} ${t.items.join('、')}（${t.clerk}）`).join('\n') +
  `\n这条消息是关于哪一张的？请在开头写单号再发一次，例如「#${tickets[0]!.id} 内容」。`;

export const answeredNotRelayed = (ticketId: number): string =>
  `（以上是小助手根据办事指南的回答，没有转给办事员。要问办事员，请在开头写单号，例如「#${ticketId} 内容」。）`;

export const NOTHING_TO_RATE = '您目前没有待评价的代办单。查看自己的代办请发「我的代办」。';

export const whichTicketToRate = (tickets: { id: number; items: string[] }[]): string =>
  `您有 ${tickets.length} 张已办结的代办单待评价：\n` +
  tickets.map((t) => `#${t.id} ${t.items.join('、')}`).join('\n') +
  `\n请写明单号，例如「评价 ${tickets[0]!.id} 满意」（非常满意／满意／基本满意／不满意／非常不满意，或 1-5 分）。`;

export const noSuchTicketToRate = (ref: number, open: number[]): string =>
  `代办单 #${ref} 不在待评价的单子里。待评价的是：${open.map((id) => `#${id}`).join('、')}。`;

const LEVELS = ['', '非常不满意', '不满意', '基本满意', '满意', '非常满意'] as const;

export const rated = (ticketId: number, score: number, others: number[]): string =>
  `谢谢您的评价！代办单 #${ticketId} 记为「${LEVELS[score]}」（${score}分）` +
  (score <= 2 ? '，我们会改进，服务中心可能会联系您了解情况' : '') +
  '。' +
  (others.length ? `还有 ${others.map((id) => `#${id}`).join('、')} 待评价，可回复「评价 ${others[0]} 满意」。` : '');

export const ratingForStaff = (ticketId: number, score: number, comment: string | null): string =>
  `#${ticketId} 申请人评价：${LEVELS[score]}（${score}分）${comment ? `，意见：${comment}` : ''}`;

export const YOU_ARE_WELCOME = '不客气！还有别的手续想问，直接发给我就行。';

export const STAFF_ONLY = '「待办」等是服务中心办事员的指令，您不能使用。查看自己的代办请发「我的代办」。';

export const stillToRate = (ids: number[]): string =>
  `还有 ${ids.map((id) => `#${id}`).join('、')} 待评价，可回复「评价 ${ids[0]} 满意」（非常满意／满意／基本满意／不满意／非常不满意）。`;

/** While a finished ticket waits for its rating and the reply was neither a rating nor a question the knowledge knows. */
export const rateAgain = (ids: number[]): string =>
  `没看明白您的评价。请为代办单 ${ids.map((id) => `#${id}`).join('、')} 的服务打分：回复 1-5 的数字（5 为非常满意），` +
  '或 满意 / 基本满意 / 不满意，也可以直接说「还行」「不错」「太慢了」。' +
  (ids.length > 1 ? `有几张单时请写单号，例如「评价 ${ids[0]} 满意」。` : '') +
  '想问别的手续，直接提问就行。';

export const RATING_SCALE = '评价请回复 非常满意 / 满意 / 基本满意 / 不满意 / 非常不满意，或 1-5 的数字（5 为非常满意）。';
