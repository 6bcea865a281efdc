// Against the real local stack, which `go test ./examples/node` (node_test.go) starts and
// describes in the environment: GATEWAY_URL, GATEWAY_API_KEY, GATEWAY_SIGNING_SECRET (the demo
// tenant's), SIM_URL (the Unico simulator) and CALLBACK_RELAY_URL: the demo tenant's callbackUrl
// is a relay of the Go test that forwards each delivery, unchanged, to the origin PUT there (so
// that this receiver can listen on a free port of its own).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { Gateway, createReceiver } from '../gateway.mjs';
import { run } from '../backend.mjs';

const APPROVED_CPF = '10000000108'; // docs/simulator.md: scenario approved
const REJECTED_CPF = '10000000523'; // scenario rejected_identity
const NAME = 'Maria Silva';

/** @param {string} name */
function need(name) {
  const v = process.env[name];
  assert.ok(v, `${name} is not set: this test runs from go test ./examples/node, which starts the local stack`);
  return v;
}

/** Routes the demo tenant's deliveries to origin. */
async function routeCallbackTo(origin) {
  const res = await fetch(need('CALLBACK_RELAY_URL'), { method: 'PUT', body: origin });
  await res.arrayBuffer();
  assert.equal(res.status, 204, 'the relay took the receiver\'s address');
}

/** Waits until check() is truthy (every 50 ms, at most ms). */
async function until(what, check, ms = 60_000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a hosted verification: created with an Idempotency-Key, its signed event verified, its decision read, tampered copies refused', { timeout: 120_000 }, async (t) => {
  const secret = need('GATEWAY_SIGNING_SECRET');
  const sim = need('SIM_URL');
  const gw = new Gateway({ url: need('GATEWAY_URL'), apiKey: need('GATEWAY_API_KEY') });

  const handled = []; // what the receiver handed over (verified, once per webhook-id)
  const logged = [];
  const server = createReceiver({ secret, onEvent: (event, webhookId) => { handled.push({ event, webhookId }); }, log: (l) => logged.push(l) });
  // Every delivery as it arrived (headers and raw bytes), to replay it tampered below.
  const deliveries = [];
  server.prependListener('request', (req) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => deliveries.push({ headers: { ...req.headers }, body: Buffer.concat(chunks), ours: req.headers['x-test-copy'] === '1' }));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => server.close(r)));
  const origin = `http://127.0.0.1:${server.address().port}`;
  await routeCallbackTo(origin);

  // 1. Create, and create again with the same key and body: a replay of the same process.
  const body = { integration: 'by_unico', flow: 'id', purpose: 'biometryonboarding', clientReference: 'order-node-1', person: { cpf: APPROVED_CPF, name: NAME } };
  const key = `node-test-${crypto.randomUUID()}`;
  const first = await gw.createProcess(body, key);
  const id = first.result.process.id;
  assert.match(id, /^[0-9a-f-]{36}$/);
  assert.equal(first.replayed, false);
  assert.equal(first.result.process.state, 'created');
  assert.equal(first.result.process.decision.outcome, 'pending');
  assert.ok(first.result.redirectUrl, 'a redirectUrl for the person');
  const again = await gw.createProcess(body, key);
  assert.equal(again.replayed, true, 'the same key and body replay the first answer');
  assert.equal(again.result.process.id, id);
  await assert.rejects(gw.createProcess({ ...body, clientReference: 'order-node-2' }, key), { code: 'idempotency_key_reused', status: 422 });

  // 2. The simulator plays the person: the journey finishes, Unico's webhook reaches the gateway.
  const fin = await fetch(`${sim}/__sim/processes/${id}/finish`, { method: 'POST', body: '{}' });
  await fin.arrayBuffer();
  assert.equal(fin.status, 200);

  // 3. The gateway's signed event, verified by the receiver.
  const got = await until('the process.finished event', () => handled.find((h) => h.event.data.id === id));
  assert.equal(got.webhookId, `evt_${id}`);
  assert.equal(got.event.type, 'process.finished');
  assert.equal(got.event.data.state, 'finished');
  assert.equal(got.event.data.decision.outcome, 'approved');
  assert.equal(got.event.data.clientReference, 'order-node-1');

  // 4. The decision, read.
  const p = await gw.getProcess(id);
  assert.equal(p.state, 'finished');
  assert.equal(p.decision.outcome, 'approved');
  assert.ok(p.decision.reasons.some((r) => r.code === 'identity_confirmed'), JSON.stringify(p.decision.reasons));
  assert.equal(p.unico.state, 'PROCESS_STATE_FINISHED');
  assert.ok(!JSON.stringify(p).includes(APPROVED_CPF), 'the read shows a masked CPF only');

  // 5. Tampered copies of the real delivery are refused (401) and never handled.
  const fromGateway = () => deliveries.filter((d) => !d.ours && d.headers['webhook-id'] === `evt_${id}`);
  const real = fromGateway()[0];
  assert.ok(real, 'the delivery was captured');
  const post = async (headers, raw) => {
    const h = Object.fromEntries(Object.entries(headers).filter(([k, v]) => v !== undefined && k.startsWith('webhook-')));
    const res = await fetch(`${origin}/gateway-events`, { method: 'POST', headers: { ...h, 'content-type': 'application/json', 'x-test-copy': '1' }, body: raw });
    await res.arrayBuffer();
    return res.status;
  };
  const otherKey = crypto.randomBytes(32);
  const nowSec = Math.floor(Date.now() / 1000);
  const resign = (k, ts, raw) => `v1,${crypto.createHmac('sha256', k).update(`evt_${id}.${ts}.`).update(raw).digest('base64')}`;
  const ownKey = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const tampered = {
    'the body changed (approved → rejected)': [real.headers, Buffer.from(real.body.toString().replace('"approved"', '"rejected"'))],
    'signed with another key': [{ ...real.headers, 'webhook-timestamp': String(nowSec), 'webhook-signature': resign(otherKey, nowSec, real.body) }, real.body],
    'a signature that is not base64 of the HMAC': [{ ...real.headers, 'webhook-signature': 'v1,' + Buffer.alloc(32).toString('base64') }, real.body],
    'no signature': [{ ...real.headers, 'webhook-signature': undefined }, real.body],
    'a new timestamp under the old signature': [{ ...real.headers, 'webhook-timestamp': String(Number(real.headers['webhook-timestamp']) + 1) }, real.body],
    'properly signed but 10 minutes old': [{ ...real.headers, 'webhook-timestamp': String(nowSec - 600), 'webhook-signature': resign(ownKey, nowSec - 600, real.body) }, real.body],
  };
  for (const [name, [headers, raw]] of Object.entries(tampered)) {
    const before = handled.length;
    assert.equal(await post(headers, raw), 401, name);
    assert.equal(handled.length, before, `${name}: not handled`);
  }
  assert.ok(logged.some((l) => l.includes('refused: no valid signature')), logged.join('\n'));
  assert.ok(logged.some((l) => l.includes('refused: webhook-timestamp out of tolerance')), logged.join('\n'));

  // 6. The same event again, as the gateway retries or replays it: acknowledged, handled once.
  const replay = await fetch(`${need('GATEWAY_URL')}/v1/processes/${id}/notifications`, { method: 'POST', headers: { 'x-api-key': need('GATEWAY_API_KEY') } });
  await replay.arrayBuffer();
  assert.ok(replay.status < 300, `replay answered ${replay.status}`);
  await until('the replayed delivery', () => fromGateway().length >= 2);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(handled.filter((h) => h.webhookId === `evt_${id}`).length, 1, 'a webhook-id is handled once');

  const all = logged.join('\n');
  for (const s of [APPROVED_CPF, NAME, secret]) assert.ok(!all.includes(s), 'the receiver logs no personal data or secret');
});

test('backend.mjs end to end, with its own receiver', { timeout: 120_000 }, async () => {
  const lines = [];
  const p = await run({
    env: { GATEWAY_URL: need('GATEWAY_URL'), GATEWAY_API_KEY: need('GATEWAY_API_KEY'), SIM_URL: need('SIM_URL'),
      GATEWAY_SIGNING_SECRET: need('GATEWAY_SIGNING_SECRET'), LISTEN: '127.0.0.1:0', WAIT_SECONDS: '60' },
    out: (l) => { lines.push(l); console.log(l); },
    onListening: routeCallbackTo,
  });
  assert.equal(p.decision.outcome, 'approved');
  const text = lines.join('\n');
  assert.match(text, /^1\. created verification [0-9a-f-]{36}, decision pending$/m);
  assert.match(text, /^2\. the person finished the journey \(simulated\)$/m);
  assert.match(text, /^3\. event process\.finished received, signature verified: finished, decision approved$/m);
  assert.match(text, /^4\. read the process: state finished, decision approved$/m);
  assert.match(text, /→ let the person in/);
  for (const s of [APPROVED_CPF, NAME, need('GATEWAY_SIGNING_SECRET'), need('GATEWAY_API_KEY')]) assert.ok(!text.includes(s), 'no personal data or secret in the output');
});

test('backend.mjs without a signing secret (as against bash scripts/run-local.sh): reads the decision', { timeout: 120_000 }, async () => {
  const lines = [];
  const p = await run({
    env: { GATEWAY_URL: need('GATEWAY_URL'), GATEWAY_API_KEY: need('GATEWAY_API_KEY'), SIM_URL: need('SIM_URL'), CPF: REJECTED_CPF, WAIT_SECONDS: '60' },
    out: (l) => { lines.push(l); console.log(l); },
  });
  assert.equal(p.decision.outcome, 'rejected');
  const text = lines.join('\n');
  assert.match(text, /^4\. read the process: state finished, decision rejected$/m);
  assert.match(text, /→ refuse/);
  assert.ok(!text.includes(REJECTED_CPF) && !text.includes(NAME), 'no personal data in the output');
});
