import { describe, expect, it } from 'vitest';
import { SignInError } from '../../../app/auth';
import { describeError } from '../../../app/messages';
import { CareGuideApiError, CareGuideNetworkError } from '../../../client/index';

/** The web app says what went wrong in words: never a code, a status or JSON on its own. */
describe('describeError', () => {
  it('names the field of a validation error in words', () => {
    const error = new CareGuideApiError(400, 'VALIDATION_ERROR', 'Invalid request', [
      { path: 'body.room_name', message: 'must not be empty after trimming' },
    ]);

    expect(describeError(error)).toBe('Room name: must not be empty after trimming.');
  });

  it('turns limits into advice, with the wait from Retry-After', () => {
    expect(describeError(new CareGuideApiError(429, 'RATE_LIMITED', 'Too many', [], 90))).toBe(
      'Too many new rooms in a short time. Try again in 2 minutes.',
    );
    expect(describeError(new CareGuideApiError(409, 'ROOM_LIMIT_REACHED', 'Limit'))).toContain(
      'Delete a room',
    );
  });

  it('hides server failures, gateway pages and lost connections behind plain sentences', () => {
    const messages = [
      describeError(new CareGuideApiError(500, 'INTERNAL', 'Internal error')),
      describeError(new CareGuideApiError(502, 'HTTP_ERROR', '<html>Bad gateway</html>')),
      describeError(new CareGuideNetworkError('fetch failed')),
      describeError(new TypeError('x is undefined')),
      describeError(new SignInError('The e-mail address or the password is not right.')),
    ];

    for (const message of messages) {
      expect(message).toMatch(/^[A-Z][^{}<>]*\.$/);
      expect(message).not.toMatch(/INTERNAL|HTTP_ERROR|undefined|fetch failed/);
    }
  });
});
