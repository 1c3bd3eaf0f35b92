import type { ServerResponse } from 'node:http';
import { Writable } from 'node:stream';

/**
 * The `awslambda` global that the Lambda Node.js runtime provides to response-streaming
 * handlers, for use outside Lambda (the local gateway and tests). It must be installed before
 * any handler module is imported: middy reads it when `middy()` is called.
 *
 * Like the real runtime, a client that goes away does not stop the handler: writes after a
 * disconnect are dropped and the handler runs on, so the server must end streams by itself.
 */
const STREAMING_HANDLER = Symbol.for('aws.lambda.runtime.handler.streaming');

export interface HttpResponseStreamPrelude {
  statusCode?: number;
  headers?: Record<string, string>;
  cookies?: string[];
}

export type StreamingHandler = (
  event: unknown,
  responseStream: Writable,
  context: unknown,
) => Promise<unknown>;

interface AwsLambdaGlobal {
  streamifyResponse(handler: StreamingHandler): StreamingHandler;
  HttpResponseStream: { from(stream: Writable, prelude: HttpResponseStreamPrelude): Writable };
}

// @types/aws-lambda declares the global as a namespace; this is the surface we provide.
const lambdaGlobal = globalThis as unknown as { awslambda?: AwsLambdaGlobal };

export const isStreamingHandler = (handler: unknown): handler is StreamingHandler =>
  typeof handler === 'function' &&
  (handler as unknown as Record<symbol, unknown>)[STREAMING_HANDLER] === 'response';

/** A Lambda response stream that writes to a Node HTTP response. */
export class LocalResponseStream extends Writable {
  #prelude: HttpResponseStreamPrelude = {};
  #contentType = 'application/octet-stream';
  #headWritten = false;

  constructor(private readonly response: ServerResponse) {
    super();
  }

  setPrelude(prelude: HttpResponseStreamPrelude): void {
    this.#prelude = prelude;
  }

  setContentType(contentType: string): void {
    this.#contentType = contentType;
  }

  #writeHead(): void {
    if (this.#headWritten || this.response.headersSent) return;
    this.#headWritten = true;
    const headers: Record<string, string | string[]> = {
      'content-type': this.#contentType,
      ...this.#prelude.headers,
    };
    if (this.#prelude.cookies?.length) headers['set-cookie'] = this.#prelude.cookies;
    this.response.writeHead(this.#prelude.statusCode ?? 200, headers);
    this.response.flushHeaders();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.#writeHead();
    if (this.response.destroyed || this.response.writableEnded) {
      callback();
      return;
    }
    this.response.write(chunk, () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.#writeHead();
    if (!this.response.writableEnded) this.response.end();
    callback();
  }
}

export function installAwsLambdaShim(): void {
  if (lambdaGlobal.awslambda) return;
  lambdaGlobal.awslambda = {
    streamifyResponse(handler) {
      (handler as unknown as Record<symbol, unknown>)[STREAMING_HANDLER] = 'response';
      return handler;
    },
    HttpResponseStream: {
      from(stream, prelude) {
        if (stream instanceof LocalResponseStream) stream.setPrelude(prelude);
        return stream;
      },
    },
  };
}

installAwsLambdaShim();
