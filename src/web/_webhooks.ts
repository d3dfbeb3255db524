import type { IncomingMessage, ServerResponse } from 'node:http';
import { WEBHOOK_PROVIDERS, type WebhookRouter } from '../bounces/webhooks/index.js';
import { checkTarget } from '../http/index.js';
import { CLOSE, readBody } from './_body.js';
import { send, textAnswer } from './_respond.js';

const PREFIX = '/webhooks/';

/** True for a request target under /webhooks/, which answerWebhook answers. */
export function isWebhookTarget(target: string | undefined): boolean {
  return target?.startsWith(PREFIX) === true;
}

/**
 * Answer a request to /webhooks/<name>: 404 for an unknown or not enabled endpoint, 405 for
 * anything but POST, 413 over the router's body limit (webhook bodies are larger than the 4 KB
 * of the subscriber pages: an SNS message can be 256 KB), else the router's answer.
 */
export async function answerWebhook(
  webhooks: WebhookRouter,
  now: () => Date,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const checked = checkTarget(req.url);
  if (!checked.ok) return send(res, textAnswer(checked.tooLong ? 414 : 400, 'bad request'));
  const name = checked.path.slice(PREFIX.length);
  if (!(WEBHOOK_PROVIDERS as readonly string[]).includes(name)) {
    return send(res, textAnswer(404, 'no such webhook'));
  }
  if (req.method !== 'POST') return send(res, textAnswer(405, 'method not allowed', { Allow: 'POST' }));
  if (!webhooks.has(name)) return send(res, textAnswer(404, `webhook ${name} is not enabled`, CLOSE));
  const body = await readBody(req, webhooks.maxBodyBytes);
  if (!body.ok) {
    if (body.reason === 'aborted') return void req.socket.destroy();
    return send(res, textAnswer(413, 'request body too large', CLOSE));
  }
  const answer = await webhooks.handle(name, { headers: req.headers, body: body.body }, now());
  send(res, answer);
}
