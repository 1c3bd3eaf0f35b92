import type { AuditEvent, CareGuideClient, Download, Settings } from '../client/index';
import { byId, h } from './dom';
import { describeError } from './messages';

/** The retention limits of the server's settings schema (DESIGN "Your data"). */
const RETENTION_DAYS_MIN = 1;
const RETENTION_DAYS_MAX = 3650;
const AUDIT_EVENTS_SHOWN = 20;

/** Saves a downloaded file through the browser's own download (a Blob under the server's file name). */
export function saveDownload(file: Download) {
  const url = URL.createObjectURL(new Blob([file.text], { type: file.contentType }));
  const link = h('a', { href: url, download: file.filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked after the click has handed the file to the browser.
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}

const auditLine = (event: AuditEvent) =>
  `${new Date(event.at).toLocaleString()} · ${event.action}${event.outcome === 'success' ? '' : ` · failed (${event.outcome})`}`;

const retentionText = (settings: Settings) =>
  settings.retention_days === null
    ? 'Inactive rooms are kept until you delete them.'
    : `Rooms inactive for more than ${settings.retention_days} days are deleted${settings.source === 'default' ? ' (the default)' : ''}.`;

/**
 * The "Your data" dialog: the retention setting, the latest audit events, export of everything,
 * and deletion of the account behind a typed confirmation.
 */
export async function openYourData(client: CareGuideClient, onAccountDeleted: () => void) {
  const dialog = byId<HTMLDialogElement>('data-dialog');
  const [settings, audit] = await Promise.all([
    client.account.settings(),
    client.account.audit({ limit: AUDIT_EVENTS_SHOWN }),
  ]);

  const error = h('p', { class: 'error', role: 'alert' });
  const status = h('p', { class: 'status', role: 'status', 'aria-live': 'polite' });
  // A number of days outside the limits is the person's to fix: said in words, before any request.
  const describe = (failure: unknown) =>
    failure instanceof RangeError
      ? `Days: enter a whole number from ${RETENTION_DAYS_MIN} to ${RETENTION_DAYS_MAX}.`
      : describeError(failure);
  const run = (task: () => Promise<void>) => {
    error.textContent = '';
    status.textContent = '';
    task().catch((failure: unknown) => {
      error.textContent = describe(failure);
    });
  };

  // Retention: keep forever, or a number of days.
  const keep = h('input', { type: 'radio', name: 'retention', id: 'retention-keep', value: 'keep' });
  const limit = h('input', { type: 'radio', name: 'retention', id: 'retention-limit', value: 'days' });
  const days = h('input', {
    type: 'number',
    id: 'retention-days',
    min: RETENTION_DAYS_MIN,
    max: RETENTION_DAYS_MAX,
    step: 1,
    inputmode: 'numeric',
  });
  keep.checked = settings.retention_days === null;
  limit.checked = !keep.checked;
  days.value = String(settings.retention_days ?? settings.default_retention_days ?? 365);
  days.disabled = keep.checked;
  const syncDays = () => {
    days.disabled = keep.checked;
  };
  keep.addEventListener('change', syncDays);
  limit.addEventListener('change', syncDays);
  const current = h('p', { class: 'hint' }, retentionText(settings));
  const retention = h(
    'form',
    { class: 'retention', 'aria-labelledby': 'retention-title' },
    h('h3', { id: 'retention-title' }, 'Inactive rooms'),
    current,
    h(
      'fieldset',
      {},
      h('legend', {}, 'Keep inactive rooms'),
      h('div', {}, keep, h('label', { for: 'retention-keep' }, 'Forever')),
      h('div', {}, limit, h('label', { for: 'retention-limit' }, 'Delete after a number of days')),
      h(
        'div',
        {},
        h('label', { for: 'retention-days' }, `Days (${RETENTION_DAYS_MIN}-${RETENTION_DAYS_MAX})`),
        days,
      ),
    ),
    h('button', { type: 'submit' }, 'Save retention'),
  );
  retention.addEventListener('submit', (event) => {
    event.preventDefault();
    run(async () => {
      let retentionDays: number | null = null;
      if (limit.checked) {
        retentionDays = Number(days.value);
        if (
          !Number.isInteger(retentionDays) ||
          retentionDays < RETENTION_DAYS_MIN ||
          retentionDays > RETENTION_DAYS_MAX
        )
          throw new RangeError();
      }
      const saved = await client.account.updateSettings({ retention_days: retentionDays });
      current.textContent = retentionText(saved);
      status.textContent = 'Retention saved.';
    });
  });
  // The audit trail: the latest events, newest first.
  const events = h(
    'ul',
    { class: 'audit', 'aria-labelledby': 'audit-title' },
    ...(audit.events.length > 0
      ? audit.events.map((event) => h('li', {}, auditLine(event)))
      : [h('li', {}, 'No activity recorded yet.')]),
  );

  // Deletion: only once the person has typed DELETE.
  const confirmInput = h('input', { type: 'text', id: 'delete-confirm', autocomplete: 'off' });
  const deleteButton = h('button', { type: 'submit', class: 'danger', disabled: true }, 'Delete my account');
  confirmInput.addEventListener('input', () => {
    deleteButton.disabled = confirmInput.value !== 'DELETE';
  });
  const deletion = h(
    'form',
    { class: 'delete-account', 'aria-labelledby': 'delete-title' },
    h('h3', { id: 'delete-title' }, 'Delete my account'),
    h(
      'p',
      {},
      'Every room, message and session is deleted, for good; your audit trail stays for its retention.',
    ),
    h('label', { for: 'delete-confirm' }, 'Type DELETE to confirm'),
    confirmInput,
    deleteButton,
  );
  deletion.addEventListener('submit', (event) => {
    event.preventDefault();
    if (confirmInput.value !== 'DELETE') return;
    run(async () => {
      await client.account.delete();
      dialog.close();
      onAccountDeleted();
    });
  });

  dialog.replaceChildren(
    h('h2', { id: 'data-title', class: 'dialog-title' }, 'Your data'),
    error,
    status,
    retention,
    h(
      'section',
      { 'aria-labelledby': 'audit-title' },
      h('h3', { id: 'audit-title' }, 'Recent activity'),
      events,
    ),
    h(
      'section',
      { 'aria-labelledby': 'export-title' },
      h('h3', { id: 'export-title' }, 'Export'),
      h(
        'button',
        {
          type: 'button',
          onclick: () =>
            run(async () => {
              saveDownload(await client.account.export());
              status.textContent = 'Your export has been downloaded.';
            }),
        },
        'Export everything',
      ),
    ),
    deletion,
    h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => dialog.close() }, 'Close')),
  );
  // The form checks the number itself, so the message is the app's words in the alert above.
  retention.noValidate = true;
  dialog.setAttribute('aria-labelledby', 'data-title');
  dialog.showModal();
}
