import type { SubscriberStore } from '../_subscribers.js';
import type { PgPool } from './_pool.js';

// SCAFFOLD (lead, 2026-12-02 15:55): H18b replaces this file with the real PgSubscriberStore.
export class PgSubscriberStore {
  constructor(pool: PgPool, options: { now?: () => number } = {}) {
    void pool;
    void options;
    throw new Error('PgSubscriberStore: not built yet');
  }
}
export type _Check = SubscriberStore;
