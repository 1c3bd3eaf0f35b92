import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const documents = [
  'README.md',
  ...readdirSync(join(repoRoot, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** Link targets of a Markdown text: inline links, images, reference definitions and HTML hrefs; code is not text. */
function linkTargets(markdown: string): string[] {
  const text = markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
  const targets: string[] = [];
  for (const match of text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g))
    targets.push(match[1] ?? '');
  for (const match of text.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$/gm))
    targets.push(match[1] ?? '');
  for (const match of text.matchAll(/\b(?:href|src)="([^"]+)"/g)) targets.push(match[1] ?? '');
  return targets;
}

const isExternal = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//');

describe('the docs stand alone: every relative link resolves to a file inside the repository', () => {
  it('finds the documents, and links in them (so the checks below are not vacuous)', () => {
    expect(documents).toEqual(
      expect.arrayContaining(['README.md', 'docs/architecture.md', 'docs/api-contract.md']),
    );
    expect(linkTargets(readFileSync(join(repoRoot, 'README.md'), 'utf8'))).toContain('docs/api-contract.md');
  });

  it.each(documents)('%s: relative links name existing files in the repository', (document) => {
    const markdown = readFileSync(join(repoRoot, document), 'utf8');
    const problems: string[] = [];
    for (const target of linkTargets(markdown)) {
      if (isExternal(target) || target.startsWith('#')) continue;
      const path = decodeURIComponent(target.replace(/[#?].*$/, ''));
      const resolved = isAbsolute(path) ? path : resolve(dirname(join(repoRoot, document)), path);
      const inside = relative(repoRoot, resolved);
      if (inside.startsWith('..') || isAbsolute(inside)) problems.push(`${target}: outside the repository`);
      else if (!existsSync(resolved)) problems.push(`${target}: no such file`);
      else if (!statSync(resolved).isFile() && !statSync(resolved).isDirectory())
        problems.push(`${target}: not a file`);
    }
    expect(problems).toEqual([]);
  });

  it.each(documents)('%s: names no file outside the repository, even as plain text', (document) => {
    const markdown = readFileSync(join(repoRoot, document), 'utf8');

    expect(markdown.match(/(?:^|[\s(`'"])\.\.\/[\w./-]+/gm) ?? []).toEqual([]);
    expect(markdown).not.toMatch(/\bshared\/DESIGN\.md\b|\bDESIGN §/);
  });

  it('reads links the way Markdown does (the checker can fail)', () => {
    const sample = [
      '[contract](docs/api-contract.md) and ![img](./pic.png "t")',
      '`[not](a-link.md)` and [ext](https://example.com)',
      '```\n[in code](nope.md)\n```',
      '[ref]: ../outside.md',
      '<a href="docs/x.md">x</a>',
    ].join('\n');

    expect(linkTargets(sample)).toEqual([
      'docs/api-contract.md',
      './pic.png',
      'https://example.com',
      '../outside.md',
      'docs/x.md',
    ]);
  });
});
