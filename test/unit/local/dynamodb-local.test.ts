import { describe, expect, it } from 'vitest';
import { parseJavaMajorVersion } from '../../../local/dynamodb-local';

describe('parseJavaMajorVersion', () => {
  it.each([
    [
      'openjdk version "17.0.15" 2025-04-15\nOpenJDK Runtime Environment (build 17.0.15+6-Debian-1deb12u1)',
      17,
    ],
    ['openjdk version "21" 2023-09-19', 21],
    ['openjdk version "22-ea" 2024-03-19', 22],
    ['java version "11.0.2" 2019-01-15 LTS', 11],
    ['java version "1.8.0_422"\nJava(TM) SE Runtime Environment (build 1.8.0_422-b05)', 8],
    ['Picked up JAVA_TOOL_OPTIONS: -Xmx1g\nopenjdk version "25.0.1" 2025-10-21', 25],
  ])('reads the major version from %j', (output, major) => {
    // Act
    const parsed = parseJavaMajorVersion(output);

    // Assess
    expect(parsed).toBe(major);
  });

  it('gives up on output without a quoted version', () => {
    // Act
    const parsed = parseJavaMajorVersion('sh: 1: java: not found');

    // Assess
    expect(parsed).toBeUndefined();
  });
});
