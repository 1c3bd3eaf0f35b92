import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as z from 'zod';

/** The repository root: handler entries in the route table and the lock file are relative to it. */
export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** Resolves a path given relative to the repository root (e.g. a route's `handler.entry`). */
export const fromRepoRoot = (relativePath: string): string => join(repoRoot, relativePath);

const packageJsonSchema = z.object({ version: z.string().min(1) });

/** The version handlers report as APP_VERSION (GET /api/health): package.json's, read once at synth. */
export const appVersion: string = packageJsonSchema.parse(
  JSON.parse(readFileSync(fromRepoRoot('package.json'), 'utf8')),
).version;
