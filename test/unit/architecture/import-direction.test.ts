import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layers of shared/, bottom first (docs/architecture.md, "Layout"). A file may import
 * files of its own folder and of folders in LOWER layers only: never a folder above it, nor
 * another folder of its own layer. Inside domain/ and wiring/ the areas are layered the same
 * way (rooms ← sessions ← chat). Type-only imports count: they tie the layers as much.
 */
const layers: readonly (readonly string[])[] = [
  ['schemas', 'config'],
  ['domain'],
  ['domain/rooms'],
  ['domain/sessions'],
  ['domain/chat'],
  ['domain/account'],
  ['routes'],
  ['observability', 'auth'],
  ['data', 'model'],
  ['http'],
  ['realtime'],
  ['openapi'],
  ['wiring/rooms'],
  ['wiring/sessions'],
  ['wiring/chat'],
  ['wiring/realtime'],
  ['wiring/account'],
];

const sharedRoot = path.resolve(import.meta.dirname, '../../../shared');

/** The unit a file belongs to: its folder, or for wiring/ its file (one wiring file per area). */
function unitOf(file: string): string {
  const folder = path.posix.dirname(file);
  if (folder === 'wiring') return `wiring/${path.posix.basename(file, '.ts')}`;
  return folder;
}

const layerOf = (unit: string): number => layers.findIndex((layer) => layer.includes(unit));

/** Relative imports and re-exports of one source file (static and dynamic), as shared/-relative paths. */
function importsOf(file: string, source: string): string[] {
  const specifiers = [
    ...source.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s*'([^']+)'/g),
    ...source.matchAll(/(?:^|\n)\s*import\s*'([^']+)'/g),
    ...source.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g),
  ].map((match) => match[1] ?? '');
  return specifiers
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => `${path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier))}.ts`);
}

interface Violation {
  readonly kind: 'unlayered' | 'upward' | 'sideways' | 'outside' | 'folder-cycle' | 'file-cycle';
  readonly detail: string;
}

/** Every break of the rules in a tree given as shared/-relative path → source. */
function checkImportDirection(files: ReadonlyMap<string, string>): Violation[] {
  const violations: Violation[] = [];
  const fileEdges = new Map<string, string[]>();
  const unitEdges = new Map<string, Set<string>>();
  for (const [file, source] of files) {
    const from = unitOf(file);
    if (layerOf(from) < 0) violations.push({ kind: 'unlayered', detail: `${file}: ${from} is in no layer` });
    const targets = importsOf(file, source);
    fileEdges.set(file, targets);
    for (const target of targets) {
      if (target.startsWith('..')) {
        violations.push({ kind: 'outside', detail: `${file} imports ${target}, outside shared/` });
        continue;
      }
      const to = unitOf(target);
      if (to === from) continue;
      if (!unitEdges.has(from)) unitEdges.set(from, new Set());
      unitEdges.get(from)?.add(to);
      const [fromLayer, toLayer] = [layerOf(from), layerOf(to)];
      if (fromLayer < 0 || toLayer < 0) continue;
      if (toLayer > fromLayer)
        violations.push({ kind: 'upward', detail: `${file} (${from}) imports ${target} (${to})` });
      if (toLayer === fromLayer)
        violations.push({ kind: 'sideways', detail: `${file} (${from}) imports ${target} (${to})` });
    }
  }
  for (const cycle of findCycles(new Map([...unitEdges].map(([unit, to]) => [unit, [...to]]))))
    violations.push({ kind: 'folder-cycle', detail: cycle.join(' → ') });
  for (const cycle of findCycles(fileEdges))
    violations.push({ kind: 'file-cycle', detail: cycle.join(' → ') });
  return violations;
}

/** One cycle per strongly connected part that has one (depth-first search with a path stack). */
function findCycles(edges: ReadonlyMap<string, readonly string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of edges.keys()) if (!state.has(node)) visit(node);
  return cycles;
}

function sharedFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(sharedRoot, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const absolute = path.join(entry.parentPath, entry.name);
    files.set(path.relative(sharedRoot, absolute).split(path.sep).join('/'), readFileSync(absolute, 'utf8'));
  }
  return files;
}

describe('shared/ import direction', () => {
  it('has every folder in a layer, and no upward or sideways import, folder cycle or file cycle', () => {
    const files = sharedFiles();

    expect(files.size).toBeGreaterThan(50);
    expect(checkImportDirection(files)).toEqual([]);
  });

  it('reports an upward import, a sideways import and the cycles they make', () => {
    const files = new Map([
      ['schemas/rooms.ts', "import { DomainError } from '../domain/errors';\n"],
      ['domain/errors.ts', "import type { RoomRecord } from '../schemas/rooms';\n"],
      ['data/keys.ts', "export { createModel } from '../model/factory';\n"],
      ['model/factory.ts', "import type { Clock } from '../domain/clock';\n"],
    ]);

    const kinds = checkImportDirection(files).map((violation) => violation.kind);

    expect(kinds).toEqual(['upward', 'sideways', 'folder-cycle', 'file-cycle']);
  });

  it('reports a file cycle inside one folder, and a folder in no layer', () => {
    const files = new Map([
      ['domain/sessions/ports.ts', "import type { SessionPolicy } from './session-policy';\n"],
      ['domain/sessions/session-policy.ts', "import type { ActiveAt } from './ports';\n"],
      ['extras/helper.ts', "import { agents } from '../schemas/agents';\n"],
    ]);

    expect(checkImportDirection(files).map((violation) => violation.kind)).toEqual([
      'unlayered',
      'file-cycle',
    ]);
  });

  it('sees type-only, multi-line and dynamic imports', () => {
    const source = [
      "import type {\n  A,\n  B,\n} from '../schemas/rooms';",
      "export * from './clock';",
      "const lazy = () => import('../data/keys');",
    ].join('\n');

    expect(importsOf('domain/errors.ts', source)).toEqual([
      'schemas/rooms.ts',
      'domain/clock.ts',
      'data/keys.ts',
    ]);
  });
});
