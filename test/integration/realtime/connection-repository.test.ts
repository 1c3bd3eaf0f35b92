import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../shared/domain/clock';
import { createConnectionRepository } from '../../../shared/realtime/connection-repository';
import { newUser, testDocumentClient } from '../../support/rooms-fixtures';

const TABLE = process.env.CONNECTIONS_TABLE_NAME ?? '';
const TWO_HOURS_MS = 7_200_000;

// Real time as the start: DynamoDB Local applies TTL, and would delete items of a clock set in the past.
function repository(clock = new ManualClock(new Date())) {
  return {
    clock,
    connections: createConnectionRepository({
      client: testDocumentClient(),
      tableName: TABLE,
      clock,
      maxConnections: 20,
      connectionSeconds: 7200,
    }),
  };
}

const open = (repo: ReturnType<typeof repository>['connections'], userId: string, id: string) =>
  repo.open({ userId, connectionId: id, endpoint: 'http://127.0.0.1:1' });

describe('connection slots (at most 20 open connections per user)', () => {
  it('opens 20 connections and refuses the 21st', async () => {
    const { connections } = repository();
    const user = newUser();

    for (let n = 0; n < 20; n++) expect((await open(connections, user, `c${n}`)).kind).toBe('opened');

    expect((await open(connections, user, 'c20')).kind).toBe('limit-reached');
    expect(await connections.listOpen(user)).toHaveLength(20);
  });

  it('holds the limit under 30 parallel connects: exactly 20 open', async () => {
    const { connections } = repository();
    const user = newUser();

    const outcomes = await Promise.all(
      Array.from({ length: 30 }, (_, n) => open(connections, user, `p${n}`)),
    );

    expect(outcomes.filter((outcome) => outcome.kind === 'opened')).toHaveLength(20);
    expect(await connections.listOpen(user)).toHaveLength(20);
  });

  it('frees the slot on disconnect', async () => {
    const { connections } = repository();
    const user = newUser();
    for (let n = 0; n < 20; n++) await open(connections, user, `c${n}`);

    await connections.close(user, 'c7');

    expect((await open(connections, user, 'again')).kind).toBe('opened');
    expect((await connections.listOpen(user)).map((c) => c.connectionId)).not.toContain('c7');
  });

  it('frees the slots of lapsed connections (no $disconnect came) once their 2 h are over, without TTL', async () => {
    const { connections, clock } = repository();
    const user = newUser();
    for (let n = 0; n < 20; n++) await open(connections, user, `old${n}`);

    clock.advance(TWO_HOURS_MS + 1);

    expect(await connections.listOpen(user)).toEqual([]);
    expect((await open(connections, user, 'fresh')).kind).toBe('opened');
  });

  it("keeps users apart: one user's connections never count against another's", async () => {
    const { connections } = repository();
    const [alice, bob] = [newUser('alice'), newUser('bob')];
    for (let n = 0; n < 20; n++) await open(connections, alice, `a${n}`);

    expect((await open(connections, bob, 'b0')).kind).toBe('opened');
    expect((await connections.listOpen(bob)).map((c) => c.connectionId)).toEqual(['b0']);
  });

  it('closing an unknown connection does nothing', async () => {
    const { connections } = repository();
    await expect(connections.close(newUser(), 'nobody')).resolves.toBeUndefined();
  });
});
