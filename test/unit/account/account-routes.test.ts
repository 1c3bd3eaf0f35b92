import { describe, expect, it } from 'vitest';
import { roomMarkdown } from '../../../shared/domain/account/room-export';
import { routeTable } from '../../../shared/routes/route-table';

describe('audited routes', () => {
  it('are exactly the routes that may append to the audit table', () => {
    const audited = routeTable.filter((route) => route.audit).map((route) => route.id);
    const appending = routeTable.filter((route) => route.access.auditTable).map((route) => route.id);

    expect(audited).toEqual(appending);
  });

  it("cover every route that reads or changes a user's rooms, sessions, messages, settings or exports", () => {
    const unaudited = routeTable
      .filter((route) => route.auth === 'jwt' && !route.audit)
      .map((route) => route.id);

    expect(unaudited).toEqual(['getCurrentUser']);
  });

  it('only the audit listing may read the audit table', () => {
    const readers = routeTable
      .filter((route) => route.access.auditTable === 'READ_APPEND')
      .map((route) => route.id);

    expect(readers).toEqual(['listAuditEvents']);
  });
});

describe('the Markdown export', () => {
  const room = {
    room_id: 'r1',
    user_id: 'alice',
    room_name: '# not a heading',
    created_at: '2026-01-01T00:00:00.000Z',
    last_activity: '2026-01-02T00:00:00.000Z',
    message_count: 1,
    metadata: {},
    is_deleted: false,
    last_message_preview: null,
  };

  it('shows text that looks like Markdown markup at a line start as text', () => {
    const text = roomMarkdown(
      room,
      [
        {
          message_id: 'm1',
          room_id: 'r1',
          session_id: 's1',
          role: 'assistant',
          agent_type: 'general',
          content: '# Title\n- item\nplain',
          status: 'cancelled',
          created_at: '2026-01-01T00:00:01.000Z',
        },
      ],
      new Date('2026-02-01T00:00:00.000Z'),
    );

    expect(text.split('\n')[0]).toBe('# \\# not a heading');
    expect(text).toContain('### Assistant · general · cancelled');
    expect(text).toContain('\\# Title\n\\- item\nplain');
    expect(text).toContain('- Exported: 2026-02-01T00:00:00.000Z');
  });
});
