/** One message for one recipient, as it goes on the wire. */
export interface OutgoingMessage {
  /** 1-based position in this run (file names of a dry run). */
  seq: number;
  /** SMTP envelope sender and recipient. */
  from: string;
  to: string;
  messageId: string;
  /** The whole message, CRLF line ends (may be joined from its pieces on first use). */
  readonly raw: Buffer;
  /** Bytes of `raw`. */
  readonly size: number;
  /**
   * The message as pieces that joined are `raw`, when it is made of pieces: a transport that can write
   * them as they are (the dry run's files) never needs the joined copy.
   */
  readonly pieces?: readonly Buffer[];
  /**
   * Record that the message is about to reach the recipient. A transport awaits it before the message
   * body leaves (for SMTP: after the envelope was accepted, before DATA content), so a crash can only
   * leave `unknown` the messages that were really on their way. Resolves false when the message must
   * not go (the ledger says it was sent already): the transport then fails it without sending.
   */
  commit(): Promise<boolean>;
}

/** What happened to one message; `reply` is the server's answer or the error text. */
export type DeliveryOutcome =
  | { state: 'sent'; code?: number; reply: string }
  | {
      state: 'failed_temp' | 'failed_perm';
      code?: number;
      reply: string;
      /** The whole run should stop: every other message would fail the same way (e.g. login refused). */
      fatal?: boolean;
      /**
       * Whose problem it is (see blameOf): a recipient's never counts toward stopping the run, and its
       * temporary failures back off per domain. Default `sender`.
       */
      blame?: 'recipient' | 'sender';
    }
  | { state: 'unknown'; code?: number; reply: string; blame?: 'recipient' | 'sender' };

/**
 * Where messages go: an SMTP pool, or files for a dry run. The send loop is the same for both;
 * a dry run swaps the transport instead of scattering `if (dryRun)`.
 */
export interface DeliveryTransport {
  /** For messages, e.g. `smtp://user:****@mail.example.com:587` (never the password). */
  readonly description: string;
  /** Check the destination before anything is sent; throws E_SMTP / E_IO with a clear message. */
  verify(): Promise<void>;
  /** Deliver one message; never throws for a delivery failure, returns it. */
  send(message: OutgoingMessage): Promise<DeliveryOutcome>;
  /** Finish what is in flight and let go of connections or files. */
  close(): Promise<void>;
}
