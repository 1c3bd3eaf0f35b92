import { Tracer } from '@aws-lambda-powertools/tracer';
import { SERVICE_NAME } from './names';

/**
 * The Powertools X-Ray Tracer, for the functions that trace in-process (the chat stream and the
 * maintenance jobs: long runs of many calls, where per-call subsegments pay). Every function
 * has Lambda's active tracing, which records each invocation without this SDK; the CRUD
 * handlers stop there and leave the X-Ray SDK (about 100 KB) out of their bundles.
 * A no-op outside Lambda.
 */
export const tracer = new Tracer({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? SERVICE_NAME });
