import type { Download } from './contract';
import { apiErrorFrom, CareGuideNetworkError } from './errors';
import { fillPath, type RouteAddress } from './routes';

/** The bearer token, asked for before every request so it can be refreshed. */
export type TokenProvider = () => string | undefined | Promise<string | undefined>;

export interface RetryOptions {
  /** Consecutive failed attempts to reconnect before giving up. Default 5. */
  readonly attempts?: number;
  /** First backoff delay; doubles each attempt. Default 250 ms. */
  readonly initialDelayMs?: number;
  /** Backoff ceiling. Default 5 000 ms. */
  readonly maxDelayMs?: number;
}

export interface TransportOptions {
  /** The JSON API's base URL (`ApiUrl` on AWS; the gateway's URL locally). */
  readonly baseUrl: string;
  /**
   * Where the stream routes (function URLs on AWS) live: one URL for all, or one per route id
   * (the stack's `StreamUrl…` outputs). Default: `baseUrl`, as locally.
   */
  readonly streamUrls?: string | Readonly<Record<string, string>>;
  readonly token: TokenProvider;
  readonly fetch?: typeof fetch;
  readonly retry?: RetryOptions;
  /** Waits between retries; replaceable in tests. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** 0 ≤ x < 1, for backoff jitter; replaceable in tests. */
  readonly random?: () => number;
}

export interface CallOptions {
  readonly params?: Readonly<Record<string, string>>;
  readonly query?: Readonly<Record<string, unknown>>;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
}

const abortError = () => new DOMException('The operation was aborted.', 'AbortError');

export const defaultSleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

const trimSlash = (url: string) => url.replace(/\/+$/, '');

/** Fetch with the route table's addressing, the token, and errors as typed exceptions. */
export class Transport {
  readonly retry: Required<RetryOptions>;
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly fetchImpl: typeof fetch;
  private readonly random: () => number;

  constructor(readonly options: TransportOptions) {
    // Bound: a bare `fetch` reference called as a method fails in browsers ("Illegal invocation").
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.retry = {
      attempts: options.retry?.attempts ?? 5,
      initialDelayMs: options.retry?.initialDelayMs ?? 250,
      maxDelayMs: options.retry?.maxDelayMs ?? 5_000,
    };
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
  }

  /** Exponential backoff with jitter (half to full delay), so reconnecting clients spread out. */
  backoff(attempt: number): number {
    const ceiling = Math.min(
      this.retry.maxDelayMs,
      this.retry.initialDelayMs * 2 ** Math.max(0, attempt - 1),
    );
    return Math.round(ceiling / 2 + (ceiling / 2) * this.random());
  }

  url(route: RouteAddress, routeId: string, options: CallOptions = {}): string {
    const { streamUrls } = this.options;
    const base =
      route.kind === 'stream' && streamUrls !== undefined
        ? typeof streamUrls === 'string'
          ? streamUrls
          : (streamUrls[routeId] ?? this.options.baseUrl)
        : this.options.baseUrl;
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined && value !== null) search.set(name, String(value));
    }
    const query = search.toString();
    return `${trimSlash(base)}${fillPath(route.path, options.params)}${query ? `?${query}` : ''}`;
  }

  async token(): Promise<string | undefined> {
    return this.options.token();
  }

  /** Sends the request; a non-2xx answer throws CareGuideApiError, no answer CareGuideNetworkError. */
  async send(route: RouteAddress, routeId: string, options: CallOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (route.auth === 'jwt') {
      const token = await this.token();
      if (token) headers.authorization = `Bearer ${token}`;
    }
    let response: Response;
    try {
      response = await this.fetchImpl(this.url(route, routeId, options), {
        method: route.method,
        headers,
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      if ((error as Error)?.name === 'AbortError') throw error;
      throw new CareGuideNetworkError(`Could not reach the server (${route.method} ${route.path})`, {
        cause: error,
      });
    }
    if (!response.ok) throw await apiErrorFrom(response);
    return response;
  }

  /**
   * A download route: the whole answer as text, with the file name of its Content-Disposition
   * (`fallbackName` when a proxy or CORS hides the header).
   */
  async download(
    route: RouteAddress,
    routeId: string,
    fallbackName: string,
    options: CallOptions = {},
  ): Promise<Download> {
    const response = await this.send(route, routeId, options);
    const disposition = response.headers.get('content-disposition') ?? '';
    return {
      filename: /filename="([^"]+)"/.exec(disposition)?.[1] ?? fallbackName,
      contentType: response.headers.get('content-type') ?? 'application/octet-stream',
      text: await response.text(),
    };
  }

  /** A JSON route: its `data`. */
  async call<T>(route: RouteAddress, routeId: string, options: CallOptions = {}): Promise<T> {
    const response = await this.send(route, routeId, options);
    const body = (await response.json()) as { data: T };
    return body.data;
  }
}
