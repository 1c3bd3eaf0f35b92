import { describe, expect, it, vi } from 'vitest';
import { deleteClearedHistory } from '../../../shared/domain/rooms/delete-cleared-history';
import type { HistoryClearJob, MessageRepository, RoomRepository } from '../../../shared/domain/rooms/ports';
import type { RoomRecord } from '../../../shared/schemas/rooms';

const ref = { pk: 'USER#alice', sk: 'HISTORY_CLEAR#room_1#job' };

function fakes(job: HistoryClearJob | undefined, deleted: string[], historyClearedAt?: string) {
  const jobs = { find: vi.fn(async () => job), complete: vi.fn(async () => undefined) };
  const messages = {
    deleteUpTo: vi.fn(async () => deleted),
  } as Partial<MessageRepository> as MessageRepository;
  const rooms = {
    find: vi.fn(async () => ({ history_cleared_at: historyClearedAt ?? null }) as RoomRecord),
    subtractMessages: vi.fn(async () => undefined),
  } as Partial<RoomRepository> as RoomRepository;
  return { jobs, messages, rooms };
}

describe('deleteClearedHistory', () => {
  it('deletes up to the watermark, then completes the job', async () => {
    const deps = fakes({ user_id: 'alice', room_id: 'room_1', cleared_up_to: '2026-01-01T00:00:05.000Z' }, [
      'a',
      'b',
    ]);

    const result = await deleteClearedHistory(deps, ref);

    expect(result).toEqual({ messages_deleted: 2, job_found: true });
    expect(deps.messages.deleteUpTo).toHaveBeenCalledWith('alice', 'room_1', {
      upTo: '2026-01-01T00:00:05.000Z',
      agentType: undefined,
    });
    expect(deps.rooms.subtractMessages).not.toHaveBeenCalled();
    expect(deps.jobs.complete).toHaveBeenCalledWith(ref);
  });

  it('takes off message_count only the deleted messages the all-agents clear had not already uncounted', async () => {
    const deps = fakes(
      {
        user_id: 'alice',
        room_id: 'room_1',
        cleared_up_to: '2026-01-01T00:00:09.000Z',
        agent_type: 'medication',
      },
      ['2026-01-01T00:00:01.000Z', '2026-01-01T00:00:04.000Z', '2026-01-01T00:00:08.000Z'],
      '2026-01-01T00:00:03.000Z',
    );

    await deleteClearedHistory(deps, ref);

    expect(deps.rooms.subtractMessages).toHaveBeenCalledWith('alice', 'room_1', 2);
  });

  it('does nothing for a job that is already done', async () => {
    const deps = fakes(undefined, []);

    const result = await deleteClearedHistory(deps, ref);

    expect(result).toEqual({ messages_deleted: 0, job_found: false });
    expect(deps.messages.deleteUpTo).not.toHaveBeenCalled();
    expect(deps.jobs.complete).not.toHaveBeenCalled();
  });
});
