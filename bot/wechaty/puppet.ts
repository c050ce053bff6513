// Puppet selection and login. The puppet comes from configuration:
//  - wechaty-puppet-wechat4u: a personal account over the web protocol (QR login);
//  - wechaty-puppet-service: WeCom or pad-protocol services, with a token;
//  - wechaty-puppet-mock: no WeChat at all (the demo and the tests).
import fs from 'node:fs';
import path from 'node:path';
import QRCode from 'qrcode';
import qrcodeTerminal from 'qrcode-terminal';
import { ScanStatus, type Wechaty, type WechatyOptions } from 'wechaty';
import type { Config } from '../../src/config/env.ts';
import { ConfigError } from '../../src/errors.ts';
import type { Logger } from '../../src/log.ts';

export type Puppet = Exclude<NonNullable<WechatyOptions['puppet']>, string>;

export async function createPuppet(config: Pick<Config, 'puppet' | 'puppetToken' | 'puppetEndpoint'>): Promise<Puppet> {
  switch (config.puppet) {
    case 'wechaty-puppet-wechat4u': {
      const { PuppetWechat4u } = await import('wechaty-puppet-wechat4u');
      return new PuppetWechat4u() as unknown as Puppet;
    }
    case 'wechaty-puppet-service': {
      if (!config.puppetToken) {
        throw new ConfigError([
          {
            variable: 'WECHATY_PUPPET_SERVICE_TOKEN',
            value: undefined,
            expected: '使用 wechaty-puppet-service 时必须提供服务商给的 token',
          },
        ]);
      }
      const { PuppetService } = await import('wechaty-puppet-service');
      return new PuppetService({
        token: config.puppetToken,
        ...(config.puppetEndpoint ? { endpoint: config.puppetEndpoint } : {}),
      }) as unknown as Puppet;
    }
    case 'wechaty-puppet-mock': {
      const { PuppetMock } = await import('wechaty-puppet-mock');
      return new PuppetMock() as unknown as Puppet;
    }
    default:
      throw new ConfigError([
        {
          variable: 'WECHATY_PUPPET',
          value: config.puppet ?? undefined,
          expected: 'wechaty-puppet-wechat4u | wechaty-puppet-service | wechaty-puppet-mock（留空运行本地演示）',
        },
      ]);
  }
}

/** Where the login QR code is saved as a PNG. */
export const qrPath = (config: Pick<Config, 'dataDir'>): string => path.join(config.dataDir, 'login-qr.png');

/**
 * Login feedback: the QR code drawn in the terminal (stderr, so stdout stays
 * JSON logs) and saved as data/login-qr.png; login, logout and puppet errors
 * logged. The bot keeps running through errors; wechat4u shows a new QR code
 * by itself after a logout.
 */
export function attachLogin(
  bot: Wechaty,
  config: Pick<Config, 'dataDir' | 'puppet'>,
  logger: Logger,
  io: { stderr: (s: string) => void },
): void {
  const png = qrPath(config);
  bot.on('scan', (qrcode, status) => {
    if (status !== ScanStatus.Waiting && status !== ScanStatus.Timeout) {
      logger.info({ status: ScanStatus[status] }, 'login QR code status');
      return;
    }
    if (!qrcode) return;
    qrcodeTerminal.generate(qrcode, { small: true }, (art) => {
      io.stderr(`\n请用要登录的微信扫描下面的二维码（也保存在 ${png}）：\n${art}\n`);
    });
    fs.mkdirSync(path.dirname(png), { recursive: true });
    QRCode.toFile(png, qrcode, { width: 360 }).then(
      () => logger.info({ file: png }, 'login QR code saved'),
      (err: unknown) => logger.warn({ err, file: png }, 'could not save the login QR code'),
    );
  });
  bot.on('login', (user) => {
    logger.info({ user: user.id, name: user.name(), puppet: config.puppet }, 'logged in');
    fs.rm(png, { force: true }, () => undefined);
  });
  bot.on('logout', (user, reason) => {
    logger.warn(
      { user: user.id, reason },
      'logged out: a new QR code will be shown; if none appears, restart with `npm start` and scan again (see README)',
    );
  });
  bot.on('error', (err) => {
    logger.error({ err }, 'puppet error (the bot keeps running)');
  });
}
