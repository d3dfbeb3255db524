import { DigestError } from '../errors.js';
import {
  type DeliveryEntry,
  type DeliveryRecord,
  type DeliveryResult,
  type DeliveryState,
  type DigestInfo,
  type DigestRecord,
  emptyCounts,
  type Ledger,
  type ResultEntry,
  type SendLock,
} from './_ledger.js';

/**
 * A Ledger that lives in memory and is forgotten at exit: what a dry run and a `--to` test copy use,
 * so the send loop is the same and the database is never written.
 */
export class MemoryLedger implements Ledger {
  readonly shared = false;
  readonly #rows = new Map<string, Map<number, DeliveryRecord>>();
  readonly #locks = new Set<string>();
  readonly #digests = new Map<string, DigestRecord>();
  readonly #now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  async lock(digestKey: string): Promise<SendLock> {
    if (this.#locks.has(digestKey)) {
      throw new DigestError('E_SEND_LOCKED', `digest ${digestKey} is already being sent by this process`);
    }
    this.#locks.add(digestKey);
    return {
      digestKey,
      workerId: `memory:${digestKey}`,
      workers: 1,
      lost: false,
      release: async () => void this.#locks.delete(digestKey),
    };
  }

  async recoverInterrupted(digestKey: string): Promise<number> {
    let n = 0;
    for (const row of this.#digest(digestKey).values()) {
      if (row.state === 'sending') {
        row.state = 'unknown';
        n++;
      }
    }
    return n;
  }

  async closeUnknown(digestKey: string, reply: string): Promise<number> {
    let n = 0;
    for (const row of this.#digest(digestKey).values()) {
      if (row.state !== 'unknown') continue;
      row.sentAt ??= row.updatedAt;
      row.state = 'sent';
      row.lastReply = reply;
      row.updatedAt = this.#now();
      n++;
    }
    return n;
  }

  async enqueue(digestKey: string, entries: DeliveryEntry[]): Promise<number> {
    const rows = this.#digest(digestKey);
    const now = this.#now();
    let created = 0;
    for (const e of entries) {
      if (rows.has(e.subscriberId)) continue;
      rows.set(e.subscriberId, {
        digestKey,
        ...e,
        state: 'pending',
        attempts: 0,
        lastCode: null,
        lastReply: null,
        createdAt: now,
        updatedAt: now,
        sentAt: null,
      });
      created++;
    }
    return created;
  }

  async list(digestKey: string): Promise<DeliveryRecord[]> {
    return [...this.#digest(digestKey).values()]
      .sort((a, b) => a.subscriberId - b.subscriberId)
      .map((r) => ({ ...r }));
  }

  async markSending(digestKey: string, subscriberId: number, settle: ResultEntry[] = []): Promise<boolean> {
    for (const e of settle) this.#apply(digestKey, e.subscriberId, e.result);
    const row = this.#digest(digestKey).get(subscriberId);
    if (!row || row.state === 'sent' || row.state === 'sending') return false;
    row.state = 'sending';
    row.updatedAt = this.#now();
    return true;
  }

  async markResult(digestKey: string, subscriberId: number, result: DeliveryResult): Promise<void> {
    this.#apply(digestKey, subscriberId, result);
  }

  #apply(digestKey: string, subscriberId: number, result: DeliveryResult): void {
    const row = this.#digest(digestKey).get(subscriberId);
    if (!row || row.state === 'sent') return;
    const now = this.#now();
    row.attempts++;
    row.state = result.state;
    row.lastCode = result.code ?? null;
    row.lastReply = result.reply ?? null;
    row.updatedAt = now;
    if (result.state === 'sent') row.sentAt = now;
  }

  async markResults(digestKey: string, entries: ResultEntry[]): Promise<void> {
    // All at once, like the SQLite transaction: no other call sees half of them.
    for (const e of entries) this.#apply(digestKey, e.subscriberId, e.result);
  }

  async counts(digestKey: string): Promise<Record<DeliveryState, number>> {
    const counts = emptyCounts();
    for (const row of this.#digest(digestKey).values()) counts[row.state]++;
    return counts;
  }

  async recordDigest(info: DigestInfo): Promise<void> {
    const now = this.#now();
    const before = this.#digests.get(info.digestKey);
    // As in SqliteLedger: the first run's subject and items stay, only the last time moves.
    this.#digests.set(
      info.digestKey,
      before ? { ...before, lastSentAt: now } : { ...info, firstSentAt: now, lastSentAt: now },
    );
  }

  async listDigests(): Promise<DigestRecord[]> {
    return [...this.#digests.values()].sort(
      (a, b) => b.date.localeCompare(a.date) || b.firstSentAt - a.firstSentAt,
    );
  }

  #digest(digestKey: string): Map<number, DeliveryRecord> {
    let rows = this.#rows.get(digestKey);
    if (!rows) {
      rows = new Map();
      this.#rows.set(digestKey, rows);
    }
    return rows;
  }
}
