import type { ExportFormat } from '../../schemas/account';
import type { Message } from '../../schemas/messages';
import type { Room } from '../../schemas/rooms';
import { findLiveRoom } from '../rooms/get-room';
import type { HistoryWatermarks, MessageRepository, RoomRepository } from '../rooms/ports';
import { toRoomView, watermarksOf } from '../rooms/room-view';

const PAGE_SIZE = 100;

/** Every visible message of a room, oldest first, one page at a time. */
export async function* roomMessages(
  messages: MessageRepository,
  userId: string,
  roomId: string,
  watermarks: HistoryWatermarks,
): AsyncGenerator<readonly Message[]> {
  let after: { sort_key: string } | undefined;
  do {
    const page = await messages.page(userId, roomId, {
      order: 'asc',
      limit: PAGE_SIZE,
      agentType: undefined,
      watermarks,
      after,
    });
    if (page.messages.length > 0) yield page.messages;
    after = page.next;
  } while (after);
}

export interface RoomExport {
  readonly filename: string;
  readonly contentType: string;
  readonly text: string;
}

const roleLabel: Record<Message['role'], string> = { user: 'You', assistant: 'Assistant' };

/** A line that Markdown would read as markup at the start of a line is shown as text. */
const escapeLine = (text: string): string => text.replace(/^([#>*+\-=|`~]|\d+[.)])/, '\\$1');

/** The room as a document a person reads: title, dates, then each message with role, agent and status. */
export function roomMarkdown(room: Room, messages: readonly Message[], exportedAt: Date): string {
  const lines = [
    `# ${escapeLine(room.room_name)}`,
    '',
    `- Room id: ${room.room_id}`,
    `- Created: ${room.created_at}`,
    `- Last activity: ${room.last_activity}`,
    `- Messages: ${messages.length}`,
    `- Exported: ${exportedAt.toISOString()}`,
    '',
  ];
  for (const message of messages) {
    lines.push(
      '---',
      '',
      `### ${roleLabel[message.role]} · ${message.agent_type} · ${message.status}`,
      '',
      `_${message.created_at}_`,
      '',
      ...(message.content === '' ? ['_(no text)_'] : message.content.split('\n').map(escapeLine)),
      '',
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * One of the user's live rooms and all its visible messages, as JSON or Markdown (404 for a
 * room that is not theirs, deleted, or hidden by an account deletion). Buffered: a room's
 * history is bounded by what one response carries; `GET /api/me/export` streams any size.
 */
export async function exportRoom(
  deps: {
    readonly rooms: RoomRepository;
    readonly messages: MessageRepository;
    readonly clock: { now(): Date };
  },
  userId: string,
  roomId: string,
  format: ExportFormat,
): Promise<RoomExport> {
  const record = await findLiveRoom(deps.rooms, userId, roomId);
  const messages: Message[] = [];
  for await (const page of roomMessages(deps.messages, userId, roomId, watermarksOf(record)))
    messages.push(...page);
  const room = toRoomView(record);
  const exportedAt = deps.clock.now();
  if (format === 'markdown') {
    return {
      filename: `room-${roomId}.md`,
      contentType: 'text/markdown; charset=utf-8',
      text: roomMarkdown(room, messages, exportedAt),
    };
  }
  return {
    filename: `room-${roomId}.json`,
    contentType: 'application/json; charset=utf-8',
    text: JSON.stringify({ exported_at: exportedAt.toISOString(), room, messages }, null, 2),
  };
}
