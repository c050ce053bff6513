// WeCom callback encryption (企业微信回调加解密), as the official WXBizMsgCrypt
// libraries do it: AES-256-CBC, key = base64(EncodingAESKey + '='), IV = the
// key's first 16 bytes, PKCS#7 padding to a multiple of 32 bytes; the plain
// text is random(16) + msg_len(4, big-endian) + msg + receiveid; the
// signature is sha1 of the sorted [token, timestamp, nonce, encrypt] joined.
import crypto from 'node:crypto';

const BLOCK = 32;

export class WecomCryptoError extends Error {
  constructor(
    message: string,
    readonly reason: 'signature' | 'aes_key' | 'decrypt' | 'receive_id',
  ) {
    super(message);
    this.name = 'WecomCryptoError';
  }
}

export interface WecomCryptoOptions {
  token: string;
  encodingAesKey: string;
  /** The corp id (企业 ID) for kf and self-built apps; empty to skip the check (the intelligent bot). */
  receiveId: string;
}

export interface WecomCrypto {
  signature(timestamp: string, nonce: string, encrypt: string): string;
  /** Checks the signature (constant time). */
  verify(signature: string, timestamp: string, nonce: string, encrypt: string): boolean;
  /** Decrypts a base64 `Encrypt`/`echostr`; throws WecomCryptoError. */
  decrypt(encrypt: string): string;
  /** Encrypts a message (random prefix unless given, for tests). */
  encrypt(message: string, random?: Buffer): string;
  /** Verify then decrypt; throws WecomCryptoError('signature') when the signature does not match. */
  open(signature: string, timestamp: string, nonce: string, encrypt: string): string;
}

export function aesKeyOf(encodingAesKey: string): Buffer {
  if (!/^[A-Za-z0-9]{43}$/.test(encodingAesKey)) {
    throw new WecomCryptoError('EncodingAESKey must be 43 letters or digits', 'aes_key');
  }
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  if (key.length !== 32) throw new WecomCryptoError('EncodingAESKey does not decode to 32 bytes', 'aes_key');
  return key;
}

export function wecomSignature(token: string, timestamp: string, nonce: string, encrypt: string): string {
  return crypto.createHash('sha1').update([token, timestamp, nonce, encrypt].sort().join('')).digest('hex');
}

export function createWecomCrypto(opts: WecomCryptoOptions): WecomCrypto {
  const key = aesKeyOf(opts.encodingAesKey);
  const iv = key.subarray(0, 16);

  const signature = (timestamp: string, nonce: string, encrypt: string) => wecomSignature(opts.token, timestamp, nonce, encrypt);

  const verify = (sig: string, timestamp: string, nonce: string, encrypt: string): boolean => {
    const expected = Buffer.from(signature(timestamp, nonce, encrypt));
    const given = Buffer.from(sig.toLowerCase());
    return given.length === expected.length && crypto.timingSafeEqual(given, expected);
  };

  const decrypt = (encrypt: string): string => {
    let plain: Buffer;
    try {
      const decipher = crypto.createDecipheriv('aes-256-cbc', key, iv);
      decipher.setAutoPadding(false);
      plain = Buffer.concat([decipher.update(Buffer.from(encrypt, 'base64')), decipher.final()]);
    } catch (err) {
      throw new WecomCryptoError(`AES decryption failed: ${(err as Error).message}`, 'decrypt');
    }
    const pad = plain.at(-1) ?? 0;
    if (pad < 1 || pad > BLOCK || pad > plain.length) throw new WecomCryptoError('bad PKCS#7 padding', 'decrypt');
    const content = plain.subarray(16, plain.length - pad);
    if (content.length < 4) throw new WecomCryptoError('message too short', 'decrypt');
    const len = content.readUInt32BE(0);
    if (4 + len > content.length) throw new WecomCryptoError('message length out of range', 'decrypt');
    const message = content.subarray(4, 4 + len).toString('utf8');
    const receiveId = content.subarray(4 + len).toString('utf8');
    if (opts.receiveId && receiveId !== opts.receiveId) {
      throw new WecomCryptoError('the message was encrypted for another corp id', 'receive_id');
    }
    return message;
  };

  const encrypt = (message: string, random = crypto.randomBytes(16)): string => {
    const msg = Buffer.from(message, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(msg.length, 0);
    const body = Buffer.concat([random, len, msg, Buffer.from(opts.receiveId, 'utf8')]);
    const pad = BLOCK - (body.length % BLOCK);
    const cipher = crypto.createCipheriv('aes-256-cbc', key, iv);
    cipher.setAutoPadding(false);
    return Buffer.concat([cipher.update(Buffer.concat([body, Buffer.alloc(pad, pad)])), cipher.final()]).toString('base64');
  };

  return {
    signature,
    verify,
    decrypt,
    encrypt,
    open(sig, timestamp, nonce, enc) {
      if (!verify(sig, timestamp, nonce, enc)) throw new WecomCryptoError('msg_signature does not match', 'signature');
      return decrypt(enc);
    },
  };
}

/** The text of one tag of a flat WeCom XML document (CDATA or plain); undefined when absent. */
export function xmlField(xml: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}>\\s*(?:<!\\[CDATA\\[([\\s\\S]*?)\\]\\]>|([^<]*))\\s*</${tag}>`).exec(xml);
  if (!m) return undefined;
  return m[1] ?? m[2] ?? '';
}
