import {
  type CareGuideClient,
  type ChatStream,
  type ChatStreamEvent,
  createCareGuideClient,
  isApiError,
  type Message,
  type RealtimeEvent,
  type Room,
  type Session,
} from '../client/index';
import {
  forgetSignIn,
  type SignedIn,
  signInLocally,
  signInWithCognito,
  storedSignIn,
  storeSignIn,
  tokenProvider,
} from './auth';
import { type AppConfig, agents, loadConfig } from './config';
import { byId, h } from './dom';
import { describeError, endedAnswerNote } from './messages';
import { openYourData, saveDownload } from './your-data';

/**
 * The reference web app: plain DOM over the typed client. One screen to sign in, one to chat:
 * rooms on the left, the conversation on the right.
 */
interface State {
  config: AppConfig;
  client: CareGuideClient;
  rooms: Room[];
  roomsCursor: string | null;
  roomId: string | undefined;
  session: Session | undefined;
  historyCursor: string | null;
  /** The answer this page is showing as it streams (its own, or another device's). */
  live:
    | { stream: ChatStream; streamId: string | undefined; sessionId: string; element: HTMLElement }
    | undefined;
  unsubscribe: (() => void) | undefined;
}

const SESSION_KEY = (roomId: string) => `careguide.session.${roomId}`;
const CURRENT_ROOM_KEY = 'careguide.room';
const DELETED_KEY = 'careguide.deleted';
/** The server keeps a deleted room restorable this long (DESIGN: 30 days). */
const RESTORE_WINDOW_MS = 30 * 24 * 3600 * 1000;

let state: State;

const ui = {
  signIn: () => byId('signin'),
  signInForm: () => byId<HTMLFormElement>('signin-form'),
  workspace: () => byId('workspace'),
  user: () => byId('user'),
  alert: () => byId('alert'),
  notice: () => byId('notice'),
  live: () => byId('live-status'),
  roomList: () => byId<HTMLUListElement>('room-list'),
  moreRooms: () => byId<HTMLButtonElement>('more-rooms'),
  deletedList: () => byId<HTMLUListElement>('deleted-list'),
  deletedSection: () => byId('deleted-rooms'),
  conversation: () => byId('conversation'),
  roomTitle: () => byId('room-title'),
  messages: () => byId<HTMLOListElement>('messages'),
  earlier: () => byId<HTMLButtonElement>('earlier'),
  composer: () => byId<HTMLFormElement>('composer'),
  message: () => byId<HTMLTextAreaElement>('message'),
  send: () => byId<HTMLButtonElement>('send'),
  stop: () => byId<HTMLButtonElement>('stop'),
  agent: () => byId<HTMLSelectElement>('agent'),
  dialog: () => byId<HTMLDialogElement>('room-dialog'),
  confirm: () => byId<HTMLDialogElement>('confirm-dialog'),
};

function showError(error: unknown) {
  ui.alert().textContent = describeError(error);
  if (isApiError(error) && error.code === 'UNAUTHORIZED') signOut();
}

function showNotice(text: string, action?: { label: string; run: () => void }) {
  const notice = ui.notice();
  notice.replaceChildren(text);
  if (action) {
    notice.append(
      ' ',
      h(
        'button',
        {
          type: 'button',
          class: 'link',
          onclick: () => {
            notice.replaceChildren();
            action.run();
          },
        },
        action.label,
      ),
    );
  }
}

const clearMessages = () => {
  ui.alert().textContent = '';
};

/** Runs a user action: errors become words in the alert region, never an exception or JSON. */
function act(run: () => Promise<void>) {
  clearMessages();
  run().catch(showError);
}

// ---------------------------------------------------------------------------------------------
// Sign in

function renderSignInForm() {
  const form = ui.signInForm();
  const cognito = state.config.auth.mode === 'cognito';
  form.replaceChildren(
    h('h2', { id: 'signin-title' }, 'Sign in'),
    cognito
      ? h('p', {}, 'Sign in with the e-mail address and password of your CareGuide account.')
      : h('p', {}, 'Local mode: any user name signs you in as that user.'),
    h('label', { for: 'signin-user' }, cognito ? 'E-mail address' : 'User name'),
    h('input', {
      id: 'signin-user',
      name: 'user',
      required: true,
      autocomplete: 'username',
      ...(cognito ? { type: 'email' } : { pattern: '[A-Za-z0-9._@+\\-]{1,128}', value: 'alice' }),
    }),
    ...(cognito
      ? [
          h('label', { for: 'signin-password' }, 'Password'),
          h('input', {
            id: 'signin-password',
            name: 'password',
            type: 'password',
            required: true,
            autocomplete: 'current-password',
          }),
        ]
      : []),
    h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
  );
}

async function submitSignIn(event: Event) {
  event.preventDefault();
  const data = new FormData(ui.signInForm());
  const user = String(data.get('user') ?? '').trim();
  const { auth } = state.config;
  const signedIn: SignedIn =
    auth.mode === 'cognito'
      ? await signInWithCognito(auth, user, String(data.get('password') ?? ''))
      : await signInLocally(state.client, user);
  storeSignIn(signedIn);
  await enterWorkspace(signedIn);
}

function signOut() {
  forgetSignIn();
  state.unsubscribe?.();
  state.unsubscribe = undefined;
  state.live = undefined;
  state.roomId = undefined;
  state.session = undefined;
  state.rooms = [];
  // Room names and messages are health information: nothing of them stays in the page or the
  // browser's storage for whoever signs in next.
  for (const key of Object.keys(localStorage)) if (key.startsWith('careguide.')) localStorage.removeItem(key);
  for (const list of [ui.roomList(), ui.messages(), ui.deletedList()]) list.replaceChildren();
  ui.roomTitle().textContent = 'Conversation';
  ui.notice().replaceChildren();
  ui.workspace().hidden = true;
  ui.signIn().hidden = false;
  ui.user().textContent = '';
  byId('signout').hidden = true;
  byId('your-data').hidden = true;
  const dataDialog = byId<HTMLDialogElement>('data-dialog');
  if (dataDialog.open) dataDialog.close();
  dataDialog.replaceChildren();
}

async function enterWorkspace(signedIn: SignedIn) {
  ui.signIn().hidden = true;
  ui.workspace().hidden = false;
  ui.user().textContent = `Signed in as ${signedIn.user}`;
  byId('signout').hidden = false;
  byId('your-data').hidden = false;
  subscribe();
  await loadRooms(true);
  renderDeleted();
  const remembered = localStorage.getItem(CURRENT_ROOM_KEY);
  const first = state.rooms.find((room) => room.room_id === remembered) ?? state.rooms[0];
  if (first) await openRoom(first.room_id);
  else renderEmptyConversation();
}

// ---------------------------------------------------------------------------------------------
// Rooms

async function loadRooms(fromStart: boolean) {
  const page = await state.client.rooms.list({
    limit: state.config.roomsPageSize,
    sort_by: 'last_activity',
    order: 'desc',
    ...(!fromStart && state.roomsCursor ? { cursor: state.roomsCursor } : {}),
  });
  state.rooms = fromStart
    ? page.rooms
    : [...state.rooms, ...page.rooms.filter((room) => !hasRoom(room.room_id))];
  state.roomsCursor = page.next_cursor;
  renderRooms();
}

const hasRoom = (roomId: string) => state.rooms.some((room) => room.room_id === roomId);

function renderRooms() {
  const list = ui.roomList();
  list.replaceChildren(
    ...state.rooms.map((room) =>
      h(
        'li',
        {},
        h(
          'button',
          {
            type: 'button',
            class: 'room',
            'aria-current': room.room_id === state.roomId ? 'page' : undefined,
            onclick: () => act(() => openRoom(room.room_id)),
          },
          h('span', { class: 'room-name' }, room.room_name),
          h('span', { class: 'room-preview' }, room.last_message_preview ?? 'No messages yet'),
        ),
      ),
    ),
  );
  if (state.rooms.length === 0) list.append(h('li', { class: 'empty' }, 'No rooms yet.'));
  ui.moreRooms().hidden = state.roomsCursor === null;
}

function upsertRoom(room: Room, atTop: boolean) {
  const index = state.rooms.findIndex((candidate) => candidate.room_id === room.room_id);
  if (index >= 0) state.rooms[index] = room;
  else if (atTop) state.rooms.unshift(room);
  renderRooms();
  if (room.room_id === state.roomId) ui.roomTitle().textContent = room.room_name;
}

function removeRoom(roomId: string) {
  state.rooms = state.rooms.filter((room) => room.room_id !== roomId);
  renderRooms();
}

interface DeletedRoomEntry {
  readonly room_id: string;
  readonly room_name: string;
  readonly until: number;
}

/** Rooms deleted from this browser, restorable for 30 days (the API lists live rooms only). */
function deletedRooms(): DeletedRoomEntry[] {
  try {
    const entries = JSON.parse(localStorage.getItem(DELETED_KEY) ?? '[]') as DeletedRoomEntry[];
    return entries.filter((entry) => entry.until > Date.now());
  } catch {
    return [];
  }
}

function setDeletedRooms(entries: DeletedRoomEntry[]) {
  localStorage.setItem(DELETED_KEY, JSON.stringify(entries));
  renderDeleted();
}

function renderDeleted() {
  const entries = deletedRooms();
  ui.deletedSection().hidden = entries.length === 0;
  ui.deletedList().replaceChildren(
    ...entries.map((entry) =>
      h(
        'li',
        {},
        h('span', {}, entry.room_name),
        ' ',
        h(
          'button',
          {
            type: 'button',
            class: 'link',
            'aria-label': `Restore ${entry.room_name}`,
            onclick: () => act(() => restoreRoom(entry.room_id)),
          },
          'Restore',
        ),
      ),
    ),
  );
}

async function createRoom(name: string) {
  const room = await state.client.rooms.create(
    { room_name: name },
    // A double submit or a retried request never makes two rooms.
    { idempotencyKey: crypto.randomUUID() },
  );
  upsertRoom(room, true);
  // The room exists: the dialog's work is done, whatever opening the room brings.
  ui.dialog().close();
  await openRoom(room.room_id);
}

async function renameRoom(name: string) {
  if (!state.roomId) return;
  upsertRoom(await state.client.rooms.update(state.roomId, { room_name: name }), false);
}

async function deleteRoom() {
  const roomId = state.roomId;
  const room = state.rooms.find((candidate) => candidate.room_id === roomId);
  if (!roomId || !room) return;
  const deleted = await state.client.rooms.delete(roomId);
  setDeletedRooms([
    ...deletedRooms().filter((entry) => entry.room_id !== roomId),
    {
      room_id: roomId,
      room_name: room.room_name,
      until: Date.parse(deleted.restorable_until) || Date.now() + RESTORE_WINDOW_MS,
    },
  ]);
  removeRoom(roomId);
  localStorage.removeItem(SESSION_KEY(roomId));
  showNotice(`Room “${room.room_name}” deleted.`, {
    label: 'Undo',
    run: () => act(() => restoreRoom(roomId)),
  });
  const next = state.rooms[0];
  if (next) await openRoom(next.room_id);
  else renderEmptyConversation();
}

async function restoreRoom(roomId: string) {
  const room = await state.client.rooms.restore(roomId);
  setDeletedRooms(deletedRooms().filter((entry) => entry.room_id !== roomId));
  upsertRoom(room, true);
  showNotice(`Room “${room.room_name}” restored.`);
  await openRoom(room.room_id);
}

/** The room dialog: a name for a new room, or a new name for this one. */
function askRoomName(
  title: string,
  initial: string,
  submitLabel: string,
  run: (name: string) => Promise<void>,
) {
  const dialog = ui.dialog();
  const form = h('form', { method: 'dialog' });
  const input = h('input', {
    id: 'room-name',
    name: 'room_name',
    required: true,
    maxlength: 100,
    value: initial,
  });
  const error = h('p', { class: 'error', role: 'alert' });
  form.append(
    h('h2', { id: 'room-dialog-title', class: 'dialog-title' }, title),
    h('label', { for: 'room-name' }, 'Room name'),
    input,
    error,
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', onclick: () => dialog.close() }, 'Cancel'),
      h('button', { type: 'submit' }, submitLabel),
    ),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    run(input.value)
      .then(() => dialog.close())
      .catch((failure: unknown) => {
        error.textContent = describeError(failure);
      });
  });
  dialog.replaceChildren(form);
  dialog.setAttribute('aria-labelledby', 'room-dialog-title');
  dialog.showModal();
  input.select();
}

function confirmAction(text: string, confirmLabel: string, run: () => Promise<void>) {
  const dialog = ui.confirm();
  dialog.replaceChildren(
    h(
      'form',
      { method: 'dialog' },
      h('h2', { id: 'confirm-title', class: 'dialog-title' }, confirmLabel),
      h('p', {}, text),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', onclick: () => dialog.close() }, 'Cancel'),
        h(
          'button',
          {
            type: 'submit',
            class: 'danger',
            onclick: (event) => {
              event.preventDefault();
              dialog.close();
              act(run);
            },
          },
          confirmLabel,
        ),
      ),
    ),
  );
  dialog.setAttribute('aria-labelledby', 'confirm-title');
  dialog.showModal();
}

// ---------------------------------------------------------------------------------------------
// Conversation

function renderEmptyConversation() {
  state.roomId = undefined;
  ui.conversation().hidden = true;
}

function messageElement(
  message: Pick<Message, 'role' | 'content' | 'status' | 'agent_type'> & { message_id?: string },
) {
  const who = message.role === 'user' ? 'You' : `CareGuide · ${message.agent_type}`;
  const note = message.role === 'assistant' ? endedAnswerNote[message.status] : undefined;
  return h(
    'li',
    { class: `message ${message.role}`, 'data-message-id': message.message_id },
    h('p', { class: 'who' }, who),
    h('div', { class: 'content' }, message.content),
    note ? h('p', { class: 'note' }, note) : null,
  );
}

const renderedIds = () =>
  new Set(
    [...ui.messages().querySelectorAll<HTMLElement>('[data-message-id]')].map(
      (element) => element.dataset.messageId,
    ),
  );

async function openRoom(roomId: string) {
  await leaveLiveAnswer();
  state.roomId = roomId;
  localStorage.setItem(CURRENT_ROOM_KEY, roomId);
  const room =
    state.rooms.find((candidate) => candidate.room_id === roomId) ?? (await state.client.rooms.get(roomId));
  renderRooms();
  ui.conversation().hidden = false;
  ui.roomTitle().textContent = room.room_name;
  ui.messages().replaceChildren();
  state.session = undefined;
  await loadHistory(true);
  // A session this browser already has for the room: an answer may still be streaming in it
  // (a reload mid-answer), which then continues here from its log.
  const session = await rememberedSession(roomId);
  if (session) ui.agent().value = session.agent_type;
  if (session?.active_stream_id) await followAnswer(session.active_stream_id, session.session_id);
  setStreaming(state.live !== undefined);
}

async function loadHistory(fromStart: boolean) {
  const roomId = state.roomId;
  if (!roomId) return;
  const page = await state.client.rooms.history(roomId, {
    limit: 50,
    order: 'desc',
    ...(!fromStart && state.historyCursor ? { cursor: state.historyCursor } : {}),
  });
  if (roomId !== state.roomId) return;
  state.historyCursor = page.next_cursor;
  const known = renderedIds();
  const older = page.messages
    .filter((message) => !known.has(message.message_id))
    .reverse()
    .map(messageElement);
  if (fromStart) ui.messages().replaceChildren(...older);
  else ui.messages().prepend(...older);
  ui.earlier().hidden = page.next_cursor === null;
  if (fromStart) scrollToEnd();
}

function scrollToEnd() {
  const list = ui.messages();
  list.scrollTop = list.scrollHeight;
}

async function rememberedSession(roomId: string): Promise<Session | undefined> {
  const sessionId = localStorage.getItem(SESSION_KEY(roomId));
  if (!sessionId) return undefined;
  try {
    state.session = await state.client.sessions.get(sessionId);
    return state.session;
  } catch (error) {
    // Expired or ended: a new one is opened with the next message.
    if (isApiError(error) && [404, 410].includes(error.status)) {
      localStorage.removeItem(SESSION_KEY(roomId));
      return undefined;
    }
    throw error;
  }
}

async function sessionFor(roomId: string, agentType: string, fresh = false): Promise<Session> {
  if (
    !fresh &&
    state.session &&
    state.session.room_id === roomId &&
    Date.parse(state.session.expires_at) > Date.now()
  ) {
    return state.session;
  }
  const session = await state.client.sessions.create({
    room_id: roomId,
    agent_type: agentType as Session['agent_type'],
  });
  localStorage.setItem(SESSION_KEY(roomId), session.session_id);
  state.session = session;
  return session;
}

function setStreaming(streaming: boolean) {
  ui.send().disabled = streaming;
  ui.stop().disabled = !streaming;
  ui.messages().setAttribute('aria-busy', String(streaming));
}

async function sendMessage(event: Event) {
  event.preventDefault();
  const roomId = state.roomId;
  const query = ui.message().value.trim();
  if (!roomId || !query || state.live) return;
  const agentType = ui.agent().value;
  setStreaming(true);
  let question: HTMLElement | undefined;
  try {
    let session = await sessionFor(roomId, agentType);
    ui.message().value = '';
    question = messageElement({ role: 'user', content: query, status: 'complete', agent_type: agentType });
    ui.messages().append(question);
    scrollToEnd();
    let stream = state.client.chat.send({
      query,
      session_id: session.session_id,
      room_id: roomId,
      agent_type: agentType as Session['agent_type'],
    });
    try {
      await showAnswer(stream, agentType, session.session_id);
    } catch (error) {
      // The session lapsed between two messages: open a new one and ask again, once.
      if (!(isApiError(error) && (error.code === 'SESSION_EXPIRED' || error.code === 'SESSION_NOT_FOUND')))
        throw error;
      session = await sessionFor(roomId, agentType, true);
      stream = state.client.chat.send({
        query,
        session_id: session.session_id,
        room_id: roomId,
        agent_type: agentType as Session['agent_type'],
      });
      await showAnswer(stream, agentType, session.session_id);
    }
  } catch (error) {
    // Not sent: the question goes back into the box rather than staying on screen as if asked.
    if (isApiError(error) && !question?.nextElementSibling) question?.remove();
    ui.message().value ||= query;
    throw error;
  } finally {
    setStreaming(state.live !== undefined);
  }
}

/** Shows an answer as it streams, in a new assistant message, until its terminal event. */
async function showAnswer(stream: ChatStream, agentType: string, sessionId: string) {
  const element = messageElement({
    role: 'assistant',
    content: '',
    status: 'complete',
    agent_type: agentType,
  });
  element.classList.add('streaming');
  const content = element.querySelector('.content') as HTMLElement;
  const live = { stream, streamId: undefined as string | undefined, sessionId, element };
  let appended = false;
  state.live = live;
  setStreaming(true);
  try {
    for await (const event of stream) {
      if (state.live !== live) return;
      // A replayed answer that the history already shows in full (it ended in the meantime).
      if (event.status === 'started' && renderedIds().has(event.message_id)) return;
      if (!appended) {
        ui.messages().append(element);
        appended = true;
      }
      onAnswerEvent(event, live, content);
    }
  } finally {
    element.classList.remove('streaming');
    if (state.live === live) state.live = undefined;
    setStreaming(state.live !== undefined);
    // The room's preview and activity changed: show them without waiting for a live update.
    if (state.roomId) void refreshRoom(state.roomId);
  }
}

async function refreshRoom(roomId: string) {
  try {
    const room = await state.client.rooms.get(roomId);
    state.rooms = [room, ...state.rooms.filter((candidate) => candidate.room_id !== roomId)];
    renderRooms();
  } catch {
    // Only a nicety: the list catches up with the next reload or live update.
  }
}

function onAnswerEvent(event: ChatStreamEvent, live: NonNullable<State['live']>, content: HTMLElement) {
  const atEnd = ui.messages().scrollHeight - ui.messages().scrollTop - ui.messages().clientHeight < 40;
  switch (event.status) {
    case 'started':
      live.streamId = event.stream_id;
      live.element.dataset.messageId = event.message_id;
      break;
    case 'streaming':
      content.append(event.content);
      break;
    case 'completed':
      break;
    case 'cancelled':
      content.textContent = event.partial_response;
      live.element.append(h('p', { class: 'note' }, endedAnswerNote.cancelled));
      break;
    case 'error':
      live.element.append(
        h(
          'p',
          { class: 'note' },
          event.code === 'MAX_DURATION_EXCEEDED'
            ? 'The answer took too long and was ended.'
            : endedAnswerNote.error,
        ),
      );
      break;
  }
  if (atEnd) scrollToEnd();
}

/** Shows an answer that is already streaming (after a reload, or started on another device). */
async function followAnswer(streamId: string, sessionId: string) {
  if (state.live?.streamId === streamId) return;
  // A session keeps naming its last stream after it ended: that answer is in the history already.
  const info = await state.client.chat.getStream(streamId).catch(() => undefined);
  if (info?.status !== 'running' || state.live) return;
  const stream = state.client.chat.follow(streamId, { sessionId });
  // Its question is in the history; the answer so far comes from the stream's log.
  void showAnswer(stream, ui.agent().value, sessionId).catch(() => {
    // A stream that is gone has its answer in the history: show that instead.
    void loadHistory(true).catch(showError);
  });
}

async function leaveLiveAnswer() {
  // Leaving the room only stops showing the answer; it goes on, and is in the history.
  state.live = undefined;
  setStreaming(false);
}

async function stopAnswer() {
  const live = state.live;
  if (!live) return;
  ui.stop().disabled = true;
  await live.stream.stop();
}

async function resetAgent() {
  const roomId = state.roomId;
  if (!roomId) return;
  const session = await sessionFor(roomId, ui.agent().value);
  const agent = ui.agent().value;
  await state.client.sessions.reset(session.session_id, { agent_type: agent as Session['agent_type'] });
  showNotice(`The ${agent} assistant has forgotten this conversation. Your history is kept.`);
}

async function exportRoom() {
  const roomId = state.roomId;
  if (!roomId) return;
  const format = byId<HTMLSelectElement>('export-format').value === 'json' ? 'json' : 'markdown';
  saveDownload(await state.client.rooms.export(roomId, { format }));
  showNotice(`Room exported as ${format === 'json' ? 'JSON' : 'Markdown'}.`);
}

function accountDeleted() {
  signOut();
  showNotice('Your account and all its data have been deleted.');
}

async function clearHistory() {
  const roomId = state.roomId;
  if (!roomId) return;
  const session = await sessionFor(roomId, ui.agent().value);
  await state.client.sessions.clearHistory(session.session_id);
  ui.messages().replaceChildren();
  ui.earlier().hidden = true;
  showNotice('History cleared.');
}

// ---------------------------------------------------------------------------------------------
// Live updates from other tabs and devices

function subscribe() {
  state.unsubscribe?.();
  const subscription = state.client.events({
    onEvent: (event) => {
      try {
        onRealtimeEvent(event);
      } catch {
        // A frame this app does not understand must not break the page.
      }
    },
    onStateChange: (connection, info) => {
      ui.live().textContent =
        connection === 'open'
          ? 'Live updates on'
          : connection === 'closed'
            ? 'Live updates off'
            : connection === 'reconnecting'
              ? 'Live updates paused, reconnecting…'
              : 'Connecting live updates…';
      ui.live().dataset.state = connection;
      // Changes made while the connection was down were not sent: read the screen's data again.
      if (connection === 'open' && info.reconnected) act(() => refreshAfterReconnect());
    },
  });
  state.unsubscribe = () => subscription.close();
}

async function refreshAfterReconnect() {
  await loadRooms(true);
  if (state.roomId && !state.live) await loadHistory(true);
}

function onRealtimeEvent(event: RealtimeEvent) {
  switch (event.type) {
    case 'room.created':
    case 'room.restored':
      upsertRoom(event.data, true);
      break;
    case 'room.updated':
      upsertRoom(event.data, false);
      break;
    case 'room.deleted':
      removeRoom(event.data.room_id);
      if (event.data.room_id === state.roomId) {
        showNotice('This room was deleted on another device.');
        renderEmptyConversation();
      }
      break;
    case 'history.cleared':
      if (event.data.room_id === state.roomId && !state.live) act(() => loadHistory(true));
      break;
    case 'message.created': {
      const message = event.data;
      if (message.room_id !== state.roomId || renderedIds().has(message.message_id)) break;
      // This page's own question is already on screen (without its id): give it the id.
      const unlabelled = [
        ...ui.messages().querySelectorAll<HTMLElement>('.message.user:not([data-message-id])'),
      ].find((element) => element.querySelector('.content')?.textContent === message.content);
      if (unlabelled) unlabelled.dataset.messageId = message.message_id;
      // The question of an answer this page follows from another device: the stream's own
      // frames may come first (another table's change stream), so it goes above that answer.
      else if (
        message.role === 'user' &&
        state.live?.sessionId === message.session_id &&
        state.live.element.isConnected
      )
        state.live.element.before(messageElement(message));
      else if (!(message.role === 'assistant' && state.live)) ui.messages().append(messageElement(message));
      break;
    }
    case 'stream.started': {
      const roomId = event.room_id ?? event.data.room_id;
      const streamId = event.stream_id ?? event.data.stream_id;
      const sessionId = event.session_id ?? event.data.session_id;
      if (roomId === state.roomId && !state.live) void followAnswer(streamId, sessionId);
      break;
    }
    default:
      break;
  }
}

// ---------------------------------------------------------------------------------------------
// Start

function renderAgents() {
  ui.agent().replaceChildren(
    ...agents.map((agent) => h('option', { value: agent.type, title: agent.description }, agent.type)),
  );
}

function wire() {
  ui.signInForm().addEventListener('submit', (event) => act(() => submitSignIn(event)));
  byId('signout').addEventListener('click', () => signOut());
  byId('your-data').addEventListener('click', () => act(() => openYourData(state.client, accountDeleted)));
  byId('export-room').addEventListener('click', () => act(exportRoom));
  byId('new-room').addEventListener('click', () => askRoomName('New room', '', 'Create', createRoom));
  ui.moreRooms().addEventListener('click', () => act(() => loadRooms(false)));
  ui.earlier().addEventListener('click', () => act(() => loadHistory(false)));
  byId('rename-room').addEventListener('click', () =>
    askRoomName('Rename room', ui.roomTitle().textContent ?? '', 'Rename', renameRoom),
  );
  byId('delete-room').addEventListener('click', () =>
    confirmAction(
      'The room and its history are hidden at once; you can restore it for 30 days.',
      'Delete room',
      deleteRoom,
    ),
  );
  byId('reset-agent').addEventListener('click', () => act(resetAgent));
  byId('clear-history').addEventListener('click', () =>
    confirmAction('Every message of this room is deleted, for good.', 'Clear history', clearHistory),
  );
  ui.composer().addEventListener('submit', (event) => act(() => sendMessage(event)));
  ui.stop().addEventListener('click', () => act(stopAnswer));
  // Enter sends, Shift+Enter starts a new line (as in most chat apps).
  ui.message().addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      ui.composer().requestSubmit();
    }
  });
}

async function start() {
  const config = await loadConfig();
  const client = createCareGuideClient({
    baseUrl: config.apiUrl,
    ...(config.streamUrls ? { streamUrls: config.streamUrls } : {}),
    ...(config.websocketUrl ? { websocketUrl: config.websocketUrl } : {}),
    token: tokenProvider(config, () => signOut()),
  });
  state = {
    config,
    client,
    rooms: [],
    roomsCursor: null,
    roomId: undefined,
    session: undefined,
    historyCursor: null,
    live: undefined,
    unsubscribe: undefined,
  };
  renderAgents();
  renderSignInForm();
  wire();
  const signedIn = storedSignIn();
  if (signedIn) await enterWorkspace(signedIn);
  else ui.signIn().hidden = false;
  document.body.dataset.ready = 'true';
}

start().catch(showError);
