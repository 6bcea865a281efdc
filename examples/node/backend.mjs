// @ts-check
// A minimal app backend in plain Node (no framework, no dependency) on gateway.mjs:
//
//   1. creates a hosted (by Unico) verification with an Idempotency-Key,
//   2. receives the gateway's signed event on its own HTTP server, verifies it (Standard
//      Webhooks) and handles each webhook-id once,
//   3. reads the decision and says what to do with it.
//
// Against the local stack (bash scripts/run-local.sh; its tour prints API, KEY and SIM):
//
//   GATEWAY_URL=$API GATEWAY_API_KEY=$KEY SIM_URL=$SIM node examples/node/backend.mjs
//
// SIM_URL lets the Unico simulator play the person. With GATEWAY_SIGNING_SECRET (whsec_...) the
// backend listens on LISTEN (default 127.0.0.1:8081) for the event at POST /gateway-events, which
// the tenant's callbackUrl must reach; without it, it reads the process until it is final (the
// event goes to whatever the tenant's callbackUrl is). README.md has the details.

import crypto from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { Gateway, GatewayError, createReceiver } from './gateway.mjs';

/** @typedef {import('./gateway.mjs').OutboundEvent} OutboundEvent */

/** The simulator's CPF for its default scenario, approved (docs/simulator.md). */
const SIM_APPROVED_CPF = '10000000108';

/**
 * Runs the three steps once.
 * @param {{env: Record<string, string | undefined>, out?: (line: string) => void,
 *   onListening?: (url: string) => void | Promise<void>}} options onListening gets the
 *   receiver's origin before the verification is created (tests route the callback to it)
 * @returns {Promise<import('./gateway.mjs').Process>} the process as read at the end
 */
export async function run({ env, out = console.log, onListening }) {
  const url = env.GATEWAY_URL;
  const apiKey = env.GATEWAY_API_KEY;
  if (!url || !apiKey) throw new Error('set GATEWAY_URL and GATEWAY_API_KEY (the local stack prints them as API and KEY)');
  const sim = env.SIM_URL;
  const cpf = env.CPF || (sim ? SIM_APPROVED_CPF : '');
  if (!cpf) throw new Error('set CPF (the person\'s) against a deployment');
  const secret = env.GATEWAY_SIGNING_SECRET;
  const waitMs = Number(env.WAIT_SECONDS || 120) * 1000;
  const gw = new Gateway({ url, apiKey });

  /** @type {Map<string, (e: OutboundEvent) => void>} */
  const waiting = new Map();
  /** @type {Map<string, OutboundEvent>} */
  const arrived = new Map();
  let server;
  if (secret) {
    server = createReceiver({
      secret,
      log: (line) => out(`   receiver: ${line}`),
      onEvent(event) {
        // Here a real backend updates its own record (found by event.data.id) in its database.
        const w = waiting.get(event.data.id);
        if (w) w(event);
        else arrived.set(event.data.id, event);
      },
    });
    const [host, port] = splitListen(env.LISTEN || '127.0.0.1:8081');
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve(undefined));
    });
    const addr = /** @type {import('node:net').AddressInfo} */ (server.address());
    const origin = `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}`;
    out(`endpoint ${origin}/gateway-events (the tenant's callbackUrl must reach it)`);
    if (onListening) await onListening(origin);
  }
  try {
    // 1. Create. Keep the Idempotency-Key with your own record before calling: a retry with the
    // same key and body replays the first answer, never a second (paid) process at Unico.
    const reference = `order-${Date.now()}`;
    const key = `${reference}-${crypto.randomUUID()}`;
    const { result } = await gw.createProcess({ integration: 'by_unico', flow: 'id', purpose: 'biometryonboarding',
      clientReference: reference, person: { cpf, name: env.NAME || 'Maria Silva' } }, key);
    const id = result.process.id;
    out(`1. created verification ${id}, decision ${result.process.decision.outcome}`);
    out(`   send the person to ${result.redirectUrl}`);

    // 2. The person goes through Unico's journey; here the simulator plays them.
    if (sim) {
      const res = await fetch(`${sim.replace(/\/+$/, '')}/__sim/processes/${encodeURIComponent(id)}/finish`, { method: 'POST', body: '{}' });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`the simulator answered ${res.status}`);
      out('2. the person finished the journey (simulated)');
    } else {
      out(`2. waiting up to ${waitMs / 1000} s for the person to finish...`);
    }

    if (secret) {
      const event = await new Promise((resolve, reject) => {
        const early = arrived.get(id);
        if (early) return resolve(early);
        const timer = setTimeout(() => reject(new Error(`no event for process ${id} within ${waitMs / 1000} s`)), waitMs);
        waiting.set(id, (e) => { clearTimeout(timer); resolve(e); });
      });
      out(`3. event ${event.type} received, signature verified: ${event.data.state}, decision ${event.data.decision.outcome}`);
    } else {
      // No signing secret: read until final (a real backend relies on the event and reads later).
      const until = Date.now() + waitMs;
      for (;;) {
        const p = await gw.getProcess(id);
        if (!['created', 'awaiting_document', 'processing'].includes(p.state)) break;
        if (Date.now() > until) throw new Error(`process ${id} still ${p.state} after ${waitMs / 1000} s`);
        await new Promise((r) => setTimeout(r, 500));
      }
      out('3. no GATEWAY_SIGNING_SECRET: the event went to the tenant\'s callbackUrl; the read says it is final');
    }

    // 3. Read the decision.
    const p = await gw.getProcess(id);
    out(`4. read the process: state ${p.state}, decision ${p.decision.outcome}`);
    for (const r of p.decision.reasons) out(`   reason ${r.code}: ${r.message}`);
    out(`   → ${{ approved: 'let the person in', rejected: 'refuse', retry: 'ask the person to try again (a new verification)',
      review: 'a person on your side decides' }[p.decision.outcome] ?? 'not final yet: read it again later'}`);
    return p;
  } finally {
    if (server) await new Promise((r) => server.close(() => r(undefined)));
  }
}

/**
 * @param {string} listen "host:port", ":port" (every interface) or "port" (loopback)
 * @returns {[string | undefined, number]}
 */
function splitListen(listen) {
  const i = listen.lastIndexOf(':');
  if (i < 0) return ['127.0.0.1', Number(listen)];
  return [i === 0 ? undefined : listen.slice(0, i).replace(/^\[|\]$/g, ''), Number(listen.slice(i + 1))];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run({ env: process.env }).catch((err) => {
    console.error('backend:', err instanceof GatewayError || err instanceof Error ? err.message : 'failed');
    process.exit(1);
  });
}
