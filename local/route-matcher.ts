import type { RouteDefinition } from '../shared/routes/route-definition';

export interface RouteMatch {
  readonly route: RouteDefinition;
  readonly pathParameters: Record<string, string> | undefined;
  /** A parameter was not valid percent-encoded UTF-8 (`%ZZ`, a lone `%`, overlong bytes). */
  readonly malformed?: true;
}

/** Percent-decodes one path segment; undefined when it is not valid percent-encoded UTF-8. */
export function decodePathSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

interface CompiledRoute {
  readonly route: RouteDefinition;
  readonly pattern: RegExp;
  readonly names: readonly string[];
}

/** Matches a method and path against API Gateway style templates (`/api/rooms/{room_id}`). */
export function createRouteMatcher(routes: readonly RouteDefinition[]) {
  const compiled: CompiledRoute[] = routes.map((route) => {
    const names: string[] = [];
    const source = route.path
      .split('/')
      .map((segment) => {
        const parameter = /^\{(\w+)\}$/.exec(segment);
        if (!parameter?.[1]) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        names.push(parameter[1]);
        return '([^/]+)';
      })
      .join('/');
    return { route, pattern: new RegExp(`^${source}$`), names };
  });
  // Literal segments win over parameters, as in API Gateway (`/rooms/search` before `/rooms/{id}`).
  compiled.sort((a, b) => a.names.length - b.names.length);

  return {
    match(method: string, path: string): RouteMatch | undefined {
      for (const candidate of compiled) {
        if (candidate.route.method !== method) continue;
        const found = candidate.pattern.exec(path);
        if (!found) continue;
        if (candidate.names.length === 0) return { route: candidate.route, pathParameters: undefined };
        const pathParameters: Record<string, string> = {};
        let malformed = false;
        candidate.names.forEach((name, index) => {
          const decoded = decodePathSegment(found[index + 1] ?? '');
          if (decoded === undefined) malformed = true;
          else pathParameters[name] = decoded;
        });
        return malformed
          ? { route: candidate.route, pathParameters: undefined, malformed: true }
          : { route: candidate.route, pathParameters };
      }
      return undefined;
    },
    /** The methods a path supports (for CORS preflight). */
    methodsFor(path: string): string[] {
      return compiled
        .filter((candidate) => candidate.pattern.test(path))
        .map((candidate) => candidate.route.method);
    },
  };
}
