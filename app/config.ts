/**
 * Where the app finds the API and how people sign in. Served beside index.html as config.json
 * when the app is hosted apart from the API (AWS); absent, the app is on the local gateway:
 * same origin, local sign-in.
 */
export interface AppConfig {
  readonly apiUrl: string;
  /** The function URLs of the stream routes, by route id, or one for all. */
  readonly streamUrls?: string | Readonly<Record<string, string>>;
  readonly websocketUrl?: string;
  readonly auth:
    | { readonly mode: 'local' }
    | { readonly mode: 'cognito'; readonly region: string; readonly userPoolClientId: string };
  /** Rooms per page of the list. */
  readonly roomsPageSize: number;
}

/** Filled in by the build from the server's agent list (the app ships no copy of its own). */
declare const CAREGUIDE_AGENTS: readonly { readonly type: string; readonly description: string }[];
export const agents = CAREGUIDE_AGENTS;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export async function loadConfig(): Promise<AppConfig> {
  const local: AppConfig = { apiUrl: location.origin, auth: { mode: 'local' }, roomsPageSize: 20 };
  let file: unknown;
  try {
    const response = await fetch(new URL('config.json', location.href), { cache: 'no-store' });
    file = response.ok ? await response.json() : undefined;
  } catch {
    file = undefined;
  }
  const pageSize = Number(new URLSearchParams(location.search).get('page_size'));
  const roomsPageSize = Number.isInteger(pageSize) && pageSize >= 1 && pageSize <= 100 ? pageSize : 20;
  if (!isRecord(file)) return { ...local, roomsPageSize };
  const auth = isRecord(file.auth) ? file.auth : {};
  return {
    apiUrl: typeof file.apiUrl === 'string' ? file.apiUrl : local.apiUrl,
    ...(typeof file.streamUrls === 'string' || isRecord(file.streamUrls)
      ? { streamUrls: file.streamUrls as AppConfig['streamUrls'] }
      : {}),
    ...(typeof file.websocketUrl === 'string' ? { websocketUrl: file.websocketUrl } : {}),
    auth:
      auth.mode === 'cognito' && typeof auth.region === 'string' && typeof auth.userPoolClientId === 'string'
        ? { mode: 'cognito', region: auth.region, userPoolClientId: auth.userPoolClientId }
        : { mode: 'local' },
    roomsPageSize,
  };
}
