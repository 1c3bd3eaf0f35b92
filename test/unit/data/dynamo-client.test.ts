import { afterEach, describe, expect, it, vi } from 'vitest';

describe('table names', () => {
  const saved = process.env.STREAMS_TABLE_NAME;

  afterEach(() => {
    process.env.STREAMS_TABLE_NAME = saved;
    vi.resetModules();
  });

  it('come from configuration', async () => {
    vi.resetModules();
    const { tableNames } = await import('../../../shared/data/dynamo-client');

    expect(tableNames.chat).toBe(process.env.CHAT_TABLE_NAME);
  });

  it('fail clearly when a function uses a table it has no grant for', async () => {
    delete process.env.STREAMS_TABLE_NAME;
    vi.resetModules();
    const { tableNames } = await import('../../../shared/data/dynamo-client');

    expect(() => tableNames.streams).toThrow(/STREAMS_TABLE_NAME is not set/);
  });
});
