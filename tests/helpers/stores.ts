import { join } from 'node:path';
import { afterEach } from 'vitest';
import { connectStore, type Store, type StoreOptions } from '../../src/store/index.js';
import { tempDir } from './cleanup.js';
import { freshPgDatabase } from './pg.js';

/** One kind of store for the contract tests: every store test runs on each. */
export interface StoreKind {
  name: 'sqlite' | 'postgres';
  /** A new, empty, migrated store; closed (and its database dropped) after the test. */
  fresh(options?: StoreOptions): Promise<{ store: Store; target: string }>;
  /** Another connection to a store `fresh` made (another process would open this), closed after the test. */
  connect(target: string, options?: StoreOptions): Promise<Store>;
}

const afterTest: (() => Promise<void>)[] = [];

async function track(store: Store): Promise<Store> {
  afterTest.push(() => store.close());
  return store;
}

/**
 * Both stores, for `describe.each(storeKinds())('%s ...', (kind) => ...)`. Call it at the top
 * level of a test file: it registers the afterEach that closes and drops what each test opened.
 */
export function storeKinds(): [string, StoreKind][] {
  afterEach(async () => {
    for (const undo of afterTest.splice(0).reverse()) await undo();
  });
  return KINDS.map((kind) => [kind.name, kind]);
}

const KINDS: StoreKind[] = [
  {
    name: 'sqlite',
    async fresh(options) {
      const target = join(tempDir('digest-store-'), 'digest.db');
      return { store: await track(await connectStore(target, options)), target };
    },
    connect: async (target, options) => track(await connectStore(target, options)),
  },
  {
    name: 'postgres',
    async fresh(options) {
      const database = await freshPgDatabase();
      // Dropped after its connections closed: registered first, so it runs last.
      afterTest.push(() => database.drop());
      return { store: await track(await connectStore(database.url, options)), target: database.url };
    },
    connect: async (target, options) => track(await connectStore(target, options)),
  },
];
