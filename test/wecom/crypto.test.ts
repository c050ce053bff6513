// The callback crypto against the official sample vectors of WeCom's
// WXBizMsgCrypt libraries (sbzhu/weworkapi_python callback/Sample.py and the
// C# Sample.cs of the same SDK family).
import { describe, expect, it } from 'vitest';
import { createWecomCrypto, WecomCryptoError, wecomSignature, xmlField } from '../../bot/channels/wecom-crypto.ts';

const official = createWecomCrypto({
  token: 'hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo',
  encodingAesKey: '6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt',
  receiveId: 'ww1436e0e65a779aee',
});
const VERIFY = {
  sig: '012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb',
  timestamp: '1476416373',
  nonce: '47744683',
  echostr: 'fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA==',
};
const POST = {
  sig: '0c3914025cb4b4d68103f6bfc8db550f79dcf48e',
  timestamp: '1476422779',
  nonce: '1597212914',
  encrypt:
    'Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkAgGzBhzTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+3JWcoD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmEbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDPOYuPDGOCI8jmnKiypE+',
};

describe('WeCom callback crypto (official sample vectors)', () => {
  it('verifies the URL-verification request and decrypts its echostr', () => {
    expect(official.verify(VERIFY.sig, VERIFY.timestamp, VERIFY.nonce, VERIFY.echostr)).toBe(true);
    expect(official.open(VERIFY.sig, VERIFY.timestamp, VERIFY.nonce, VERIFY.echostr)).toMatch(/^\d+$/);
  });

  it('verifies and decrypts the sample callback into the sample message', () => {
    const xml = official.open(POST.sig, POST.timestamp, POST.nonce, POST.encrypt);
    // The same SDK sample encrypts exactly this message as its reply example.
    expect(xml).toBe(
      '<xml><ToUserName>ww1436e0e65a779aee</ToUserName><FromUserName>ChenJiaShun</FromUserName><CreateTime>1476422779</CreateTime><MsgType>text</MsgType><Content>你好</Content><MsgId>1456453720</MsgId><AgentID>1000002</AgentID></xml>',
    );
    expect(xmlField(xml, 'Content')).toBe('你好');
  });

  it('passes the older sample (token QDG6eK) as well', () => {
    const c = createWecomCrypto({ token: 'QDG6eK', encodingAesKey: 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C', receiveId: 'wx5823bf96d3bd56c7' });
    const enc =
      'RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==';
    const xml = c.open('477715d11cdb4164915debcba66cb864d751f3e6', '1409659813', '1372623149', enc);
    expect(xmlField(xml, 'Content')).toBe('hello');
    expect(xmlField(xml, 'MsgId')).toBe('4561255354251345929');
  });

  it('refuses a wrong signature, a tampered body and another corp id', () => {
    expect(() => official.open(VERIFY.sig.replace('0', '1'), VERIFY.timestamp, VERIFY.nonce, VERIFY.echostr)).toThrow(WecomCryptoError);
    expect(official.verify(VERIFY.sig, VERIFY.timestamp, '47744684', VERIFY.echostr)).toBe(false);
    const other = createWecomCrypto({ token: 't', encodingAesKey: '6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt', receiveId: 'wwOTHER' });
    expect(() => other.decrypt(POST.encrypt)).toThrow(/another corp/);
    expect(() => createWecomCrypto({ token: 't', encodingAesKey: 'short', receiveId: '' })).toThrow(WecomCryptoError);
  });

  it('round-trips Chinese text with a length counted in bytes, padded to 32', () => {
    const msg = '<xml><Content><![CDATA[测试一下中文的情况，消息长度是按字节来算的]]></Content></xml>';
    const enc = official.encrypt(msg);
    expect(Buffer.from(enc, 'base64').length % 32).toBe(0);
    expect(official.decrypt(enc)).toBe(msg);
    const sig = wecomSignature('hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo', '1', '2', enc);
    expect(official.open(sig, '1', '2', enc)).toBe(msg);
  });
});
