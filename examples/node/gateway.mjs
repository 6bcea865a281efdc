// @ts-check
// A small Node client of the Unico IDCloud gateway, standard library only (Node 20: fetch,
// node:crypto, node:http): create a verification, read it, and receive the gateway's signed
// events (Standard Webhooks) on an HTTP server of your own.
//
// Copy this file into your backend. backend.mjs uses it end to end; test/ is run by
// `go test ./examples/node` against the real local stack.
//
// Personal data: nothing here logs a CPF, a name, a request body, the API key or the signing
// secret. The log lines name process ids, webhook-ids, event types and decisions only.

import crypto from 'node:crypto';
import http from 'node:http';

// ---------------------------------------------------------------------------------------------
// Types, written by hand from api/openapi.json (components.schemas). Each typedef has the name
// of its schema, or names it with "(schema: Name". typedefs_test.go fails if a typedef names a
// schema or a property the document does not have, marks a required property optional or
// leaves one out, or if an enum or a referenced schema differs.

/** @typedef {'created'|'awaiting_document'|'processing'|'finished'|'failed'|'canceled'} State */

/** @typedef {'approved'|'rejected'|'retry'|'pending'|'review'} Outcome */

/**
 * The person to verify (personal data: never log it).
 * @typedef {Object} Person
 * @property {string} cpf 11 digits, dots and dash allowed; check digits verified
 * @property {string} [name]
 * @property {string} [phone] country code + area code + number, e.g. 5511974749090
 * @property {string} [email]
 * @property {string[]} [notifications] whatsapp, sms, email
 */

/**
 * The body of POST /v1/processes for a hosted (by Unico) journey.
 * @typedef {Object} CreateRequest
 * @property {'by_unico'} [integration] by_unico (the default)
 * @property {string} flow a Unico flow: idlive, id, idcheck, ...
 * @property {'creditprocess'|'biometryonboarding'|'carpurchase'|'ageverification'} purpose
 * @property {Person} [person] required except for custom flows
 * @property {string} [callbackUri] where Unico sends the person back to
 * @property {number} [expiresInSeconds]
 * @property {string} [clientReference] your own reference (an order id)
 */

/**
 * @typedef {Object} Reason
 * @property {string} code a stable reason code (docs/decisions.md)
 * @property {string} message
 */

/**
 * @typedef {Object} Decision
 * @property {Outcome} outcome
 * @property {Reason[]} reasons
 */

/**
 * Unico's own state and result of the process.
 * @typedef {Object} UnicoStatus
 * @property {string} [state] PROCESS_STATE_...
 * @property {string} [result] PROCESS_RESULT_...
 * @property {string} [lastEvent]
 */

/**
 * A verification as GET /v1/processes/{id} answers it (the fields this example uses; the
 * document has more: results, documents, signature, clientResults, review...).
 * @typedef {Object} Process
 * @property {string} id Unico's process id
 * @property {'by_unico'|'by_client'} integration
 * @property {string} flow
 * @property {State} state
 * @property {Decision} decision
 * @property {UnicoStatus} unico
 * @property {string} [cpfMasked] ***.***.***-74
 * @property {string} [clientReference]
 * @property {string} createdAt
 * @property {string} updatedAt
 * @property {string} [finishedAt]
 * @property {string} [expiresAt]
 * @property {'unico'|'store'} source whether Unico was read for this answer
 * @property {string} [checkedAt]
 * @property {boolean} [redacted]
 */

/**
 * The answer of POST /v1/processes (201).
 * @typedef {Object} CreateResult
 * @property {Process} process
 * @property {string} [redirectUrl] send the person here
 * @property {string} [sdkToken] initialises Unico's Web SDK; a credential: never log it
 */

/**
 * @typedef {Object} ErrorDetail
 * @property {string} code a stable code (docs/errors.md)
 * @property {string} message
 * @property {string} requestId quote it: it finds the gateway's log lines
 */

/**
 * Every error answer of the API (schema: Error; named ErrorBody here not to hide JavaScript's
 * Error).
 * @typedef {Object} ErrorBody
 * @property {ErrorDetail} error
 */

/**
 * The process in an outbound event: ids, states and the decision, no personal data.
 * @typedef {Object} OutboundEventData
 * @property {string} id
 * @property {string} integration
 * @property {string} flow
 * @property {State} state
 * @property {Decision} decision
 * @property {Pick<UnicoStatus, 'state'|'result'>} unico
 * @property {string} [clientReference]
 * @property {string} createdAt
 * @property {string} [finishedAt]
 * @property {Decision} [automaticDecision] present once a person reviewed the process
 */

/**
 * The body the gateway POSTs to the tenant's callbackUrl when a process becomes final.
 * @typedef {Object} OutboundEvent
 * @property {'process.finished'|'process.failed'|'process.canceled'|'process.reviewed'} type
 * @property {string} timestamp when the process became final
 * @property {OutboundEventData} data
 */

// ---------------------------------------------------------------------------------------------
// The API client.

/** An error answer of the gateway: status, stable code and request id. */
export class GatewayError extends Error {
  /**
   * @param {number} status
   * @param {ErrorDetail} detail
   */
  constructor(status, detail) {
    super(`${status} ${detail.code}: ${detail.message} (request ${detail.requestId}; see docs/errors.md)`);
    this.name = 'GatewayError';
    this.status = status;
    this.code = detail.code;
    this.requestId = detail.requestId;
  }
}

export class Gateway {
  /**
   * @param {{url: string, apiKey: string, timeoutMs?: number}} options the API's base URL (a
   *   stage URL, or the local stack's API) and the tenant's x-api-key
   */
  constructor({ url, apiKey, timeoutMs = 30_000 }) {
    if (!url || !apiKey) throw new TypeError('the gateway needs its URL and the tenant\'s API key');
    this.url = url.replace(/\/+$/, '');
    this.apiKey = apiKey;
    this.timeoutMs = timeoutMs;
  }

  /**
   * Creates a hosted (by Unico) verification. Keep idempotencyKey with your own record before
   * calling, and retry a failed or timed-out call with the same key and body: the gateway then
   * answers the first result and never creates (and pays for) a second process at Unico.
   * @param {CreateRequest} body
   * @param {string} idempotencyKey at most 255 characters
   * @returns {Promise<{result: CreateResult, replayed: boolean}>} replayed: the answer is the
   *   first call's (header Idempotent-Replayed: true)
   */
  async createProcess(body, idempotencyKey) {
    if (!idempotencyKey) throw new TypeError('createProcess needs an Idempotency-Key');
    const res = await this.#call('POST', '/v1/processes', { 'Idempotency-Key': idempotencyKey }, { integration: 'by_unico', ...body });
    return { result: /** @type {CreateResult} */ (res.body), replayed: res.headers.get('idempotent-replayed') === 'true' };
  }

  /**
   * Reads a verification: its state, decision and Unico's results. Another tenant's process is
   * a GatewayError with code process_not_found.
   * @param {string} id
   * @returns {Promise<Process>}
   */
  async getProcess(id) {
    const res = await this.#call('GET', `/v1/processes/${encodeURIComponent(id)}`, {});
    return /** @type {Process} */ (res.body);
  }

  /**
   * @param {string} method
   * @param {string} path
   * @param {Record<string, string>} headers
   * @param {unknown} [body]
   */
  async #call(method, path, headers, body) {
    const res = await fetch(this.url + path, {
      method,
      headers: { 'x-api-key': this.apiKey, Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    const text = await res.text();
    /** @type {any} */
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Error(`${method} ${path}: ${res.status}, not JSON`);
    }
    if (!res.ok) {
      /** @type {ErrorBody} */
      const e = parsed;
      if (e && e.error && e.error.code) throw new GatewayError(res.status, e.error);
      throw new Error(`${method} ${path}: ${res.status}`);
    }
    return { body: parsed, headers: res.headers };
  }
}

// ---------------------------------------------------------------------------------------------
// Receiving the gateway's events (Standard Webhooks).

/** How far webhook-timestamp may be from this machine's clock. */
export const TOLERANCE_SECONDS = 5 * 60;

/** Why an event was refused. */
export class WebhookError extends Error {}

/**
 * Verifies a delivery's signature over its raw bytes (never a re-serialised body): one of the
 * space-separated `v1,<base64>` values of webhook-signature must be the HMAC-SHA256 of
 * "<webhook-id>.<webhook-timestamp>.<body>" under the secret (the bytes base64-encoded after
 * whsec_), and webhook-timestamp must be within 5 minutes. Throws a WebhookError otherwise.
 * @param {string} secret the tenant's signing secret, "whsec_" + the signingSecret of its secret
 * @param {import('node:http').IncomingHttpHeaders} headers
 * @param {Buffer} rawBody
 * @param {number} [nowMs]
 */
export function verifyWebhook(secret, headers, rawBody, nowMs = Date.now()) {
  if (typeof secret !== 'string' || !secret.startsWith('whsec_')) throw new WebhookError('the secret is not whsec_<base64>');
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  if (key.length === 0) throw new WebhookError('the secret is not whsec_<base64>');
  const id = one(headers['webhook-id']);
  const ts = one(headers['webhook-timestamp']);
  if (!id || !/^\d{1,12}$/.test(ts)) throw new WebhookError('missing webhook-id or webhook-timestamp');
  if (Math.abs(nowMs / 1000 - Number(ts)) > TOLERANCE_SECONDS) throw new WebhookError('webhook-timestamp out of tolerance');
  const mac = crypto.createHmac('sha256', key).update(`${id}.${ts}.`).update(rawBody).digest('base64');
  const want = Buffer.from(`v1,${mac}`);
  for (const sig of one(headers['webhook-signature']).split(' ')) {
    const got = Buffer.from(sig);
    // timingSafeEqual needs equal lengths; the length of a v1 signature is no secret.
    if (got.length === want.length && crypto.timingSafeEqual(got, want)) return;
  }
  throw new WebhookError('no valid signature');
}

/** @param {string | string[] | undefined} v */
function one(v) {
  return Array.isArray(v) ? v.join(' ') : (v ?? '');
}

/**
 * An HTTP server receiving the gateway's events at POST `path`: it reads the raw body, verifies
 * it (401 if it does not verify: not processed), answers 204 at once and then hands each
 * webhook-id's event to onEvent once (the gateway retries for about 27 hours and replays keep
 * the same webhook-id; keep the handled ids in your database rather than in memory).
 * @param {{secret: string, onEvent: (event: OutboundEvent, webhookId: string) => void | Promise<void>,
 *   path?: string, log?: (line: string) => void, now?: () => number}} options
 * @returns {import('node:http').Server}
 */
export function createReceiver({ secret, onEvent, path = '/gateway-events', log = console.log, now = Date.now }) {
  /** @type {Set<string>} */
  const seen = new Set();
  return http.createServer((req, res) => {
    if (req.method !== 'POST' || new URL(req.url ?? '/', 'http://x').pathname !== path) {
      res.writeHead(404).end();
      return;
    }
    /** @type {Buffer[]} */
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > 1 << 20) {
        res.writeHead(413).end();
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (res.headersSent) return;
      const raw = Buffer.concat(chunks);
      const webhookId = one(req.headers['webhook-id']);
      const shownId = /^[\w.-]{1,100}$/.test(webhookId) ? webhookId : '(no valid webhook-id)';
      try {
        verifyWebhook(secret, req.headers, raw, now());
      } catch (err) {
        log(`event ${shownId} refused: ${err instanceof WebhookError ? err.message : 'unverifiable'}`);
        res.writeHead(401, { 'Content-Type': 'text/plain' }).end('invalid signature');
        return;
      }
      /** @type {OutboundEvent} */
      let event;
      try {
        event = JSON.parse(raw.toString('utf8'));
      } catch {
        res.writeHead(400, { 'Content-Type': 'text/plain' }).end('not an event');
        return;
      }
      if (!event || !event.data || !event.data.id) {
        res.writeHead(400, { 'Content-Type': 'text/plain' }).end('not an event');
        return;
      }
      const dup = seen.has(webhookId);
      seen.add(webhookId);
      // Answer within 15 seconds (anything else is retried); do the work afterwards.
      res.writeHead(204).end();
      if (dup) return;
      log(`event ${webhookId}: ${event.type}, process ${event.data.id} ${event.data.state}, decision ${event.data.decision?.outcome}, signature valid`);
      setImmediate(async () => {
        try {
          await onEvent(event, webhookId);
        } catch (err) {
          log(`event ${webhookId}: handling failed: ${err instanceof Error ? err.name : 'error'}`);
        }
      });
    });
  });
}
