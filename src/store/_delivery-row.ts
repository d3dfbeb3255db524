import type { DeliveryRecord, DeliveryState } from './_ledger.js';

/** A `deliveries` row as both databases return it (times epoch ms). */
export interface DeliveryRow {
  digest_key: string;
  subscriber_id: number;
  email: string;
  message_id: string;
  state: DeliveryState;
  attempts: number;
  last_code: number | null;
  last_reply: string | null;
  created_at: number;
  updated_at: number;
  sent_at: number | null;
}

/** A ledger row as the Ledger interface gives it. */
export function deliveryRecord(row: DeliveryRow): DeliveryRecord {
  return {
    digestKey: row.digest_key,
    subscriberId: row.subscriber_id,
    email: row.email,
    messageId: row.message_id,
    state: row.state,
    attempts: row.attempts,
    lastCode: row.last_code,
    lastReply: row.last_reply,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    sentAt: row.sent_at,
  };
}
