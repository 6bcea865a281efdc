// Unit tests of the signature check and the receiver, with a key of their own (no stack needed):
//   node --test examples/node/test/verify.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { verifyWebhook, createReceiver, WebhookError } from '../gateway.mjs';

const key = crypto.randomBytes(32);
const secret = `whsec_${key.toString('base64')}`;
const other = `whsec_${crypto.randomBytes(32).toString('base64')}`;
const body = Buffer.from('{"type":"process.finished","timestamp":"2026-05-02T10:05:00Z","data":{"id":"0b6f1c2e-4d5a-4b3c-8e9f-1a2b3c4d5e6f",' +
  '"integration":"by_unico","flow":"id","state":"finished","decision":{"outcome":"approved","reasons":[]},"unico":{},"createdAt":"2026-05-02T10:00:00Z"}}');

/** The gateway's signer, as Standard Webhooks defines it. */
function sign(secretText, id, ts, raw) {
  const k = Buffer.from(secretText.slice('whsec_'.length), 'base64');
  return `v1,${crypto.createHmac('sha256', k).update(`${id}.${ts}.`).update(raw).digest('base64')}`;
}

function headers(overrides = {}, raw = body, nowSec = Math.floor(Date.now() / 1000)) {
  const id = 'evt_0b6f1c2e-4d5a-4b3c-8e9f-1a2b3c4d5e6f';
  return { 'webhook-id': id, 'webhook-timestamp': String(nowSec), 'webhook-signature': sign(secret, id, nowSec, raw), ...overrides };
}

test('verifyWebhook accepts the gateway\'s signature and refuses anything else', () => {
  const now = Date.now();
  const sec = Math.floor(now / 1000);
  verifyWebhook(secret, headers(), body, now);
  // During a rotation the gateway sends two signatures, space-separated.
  verifyWebhook(secret, headers({ 'webhook-signature': `${sign(other, 'evt_0b6f1c2e-4d5a-4b3c-8e9f-1a2b3c4d5e6f', sec, body)} ${headers()['webhook-signature']}` }), body, now);
  verifyWebhook(secret, headers({}, body, sec - 299), body, now);
  const refused = {
    'a changed body': [headers(), Buffer.from(body.toString().replace('approved', 'rejected'))],
    'another secret': [headers({ 'webhook-signature': sign(other, 'evt_0b6f1c2e-4d5a-4b3c-8e9f-1a2b3c4d5e6f', sec, body) }), body],
    'another webhook-id': [headers({ 'webhook-id': 'evt_other' }), body],
    'a timestamp 6 minutes old': [headers({}, body, sec - 360), body],
    'a timestamp 6 minutes ahead': [headers({}, body, sec + 360), body],
    'another timestamp under the same signature': [{ ...headers(), 'webhook-timestamp': String(sec - 1) }, body],
    'no signature': [headers({ 'webhook-signature': undefined }), body],
    'no webhook-id': [headers({ 'webhook-id': undefined }), body],
    'a v2 signature': [headers({ 'webhook-signature': headers()['webhook-signature'].replace('v1,', 'v2,') }), body],
    'a truncated signature': [headers({ 'webhook-signature': headers()['webhook-signature'].slice(0, -2) }), body],
    'a non-numeric timestamp': [headers({ 'webhook-timestamp': 'now' }), body],
  };
  for (const [name, [h, raw]] of Object.entries(refused)) {
    assert.throws(() => verifyWebhook(secret, h, raw, now), WebhookError, name);
  }
  assert.throws(() => verifyWebhook(key.toString('base64'), headers(), body, now), /whsec_/, 'a secret without whsec_');
});

test('the receiver answers 401 to an unverified event, 204 to a verified one, and handles it once', async (t) => {
  const handled = [];
  const logged = [];
  const server = createReceiver({ secret, onEvent: (e, id) => { handled.push([id, e.data.decision.outcome]); }, log: (l) => logged.push(l) });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => server.close(r)));
  const url = `http://127.0.0.1:${server.address().port}/gateway-events`;
  const post = async (h, raw = body, to = url) => {
    const res = await fetch(to, { method: 'POST', headers: Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)), body: raw });
    await res.arrayBuffer();
    return res.status;
  };
  assert.equal(await post(headers(), Buffer.from(body.toString().replace('approved', 'rejected'))), 401);
  assert.equal(await post(headers({ 'webhook-signature': undefined })), 401);
  assert.equal(await post(headers(), body, url.replace('/gateway-events', '/other')), 404);
  const notJSON = Buffer.from('not json');
  assert.equal(await post(headers({}, notJSON), notJSON), 400);
  assert.equal(await post(headers()), 204);
  assert.equal(await post(headers()), 204); // a retry: acknowledged, not handled again
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(handled, [['evt_0b6f1c2e-4d5a-4b3c-8e9f-1a2b3c4d5e6f', 'approved']]);
  assert.ok(logged.some((l) => l.includes('refused: no valid signature')), logged.join('\n'));
  assert.ok(!logged.join('\n').includes(secret));
});
