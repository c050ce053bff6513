// The 微信客服 (kf) messages as WeCom sends them: the callback's XML fields,
// sync_msg's message list, and the replies of send_msg and service_state/trans.
// Fields we do not use are let through (looseObject) so WeCom may add more.
import { z } from 'zod';

/** Session states of kf/service_state: 0 new, 1 bot, 2 waiting pool, 3 a human servicer, 4 ended. */
export const KF_STATE = { NEW: 0, BOT: 1, POOL: 2, HUMAN: 3, ENDED: 4 } as const;
export type KfState = (typeof KF_STATE)[keyof typeof KF_STATE];

/** Which state changes WeCom allows (ended sessions reopen as 0 when the customer writes again). */
export const KF_TRANSITIONS: Record<number, readonly number[]> = {
  0: [1, 2, 3, 4],
  1: [1, 2, 3, 4],
  2: [2, 3, 4],
  3: [3, 4],
  4: [],
};

/** A customer wrote (origin 3), a system event (4), a servicer's message (5). */
export const ORIGIN_CUSTOMER = 3;

export const kfMessage = z.looseObject({
  msgid: z.string(),
  open_kfid: z.string(),
  external_userid: z.string().optional(),
  send_time: z.number(),
  origin: z.number(),
  servicer_userid: z.string().optional(),
  msgtype: z.string(),
  text: z.looseObject({ content: z.string() }).optional(),
  event: z
    .looseObject({
      event_type: z.string(),
      open_kfid: z.string().optional(),
      external_userid: z.string().optional(),
      scene: z.string().optional(),
      scene_param: z.string().optional(),
      welcome_code: z.string().optional(),
      /** session_status_change: 1 taken from the pool, 2 passed on, 3 ended, 4 reopened. */
      change_type: z.number().optional(),
      new_servicer_userid: z.string().optional(),
    })
    .optional(),
});
export type KfMessage = z.output<typeof kfMessage>;

export const syncReply = z.looseObject({
  next_cursor: z.string().default(''),
  has_more: z.number().default(0),
  msg_list: z.array(kfMessage).default([]),
});

export const sendReply = z.looseObject({ msgid: z.string().optional() });
export const transReply = z.looseObject({ msg_code: z.string().optional() });

/** kf/send_msg and send_msg_on_event carry at most 2048 bytes of text. */
export const KF_TEXT_MAX_BYTES = 2048;
