import { CareGuideApiError, CareGuideNetworkError } from '../client/index';
import { SignInError } from './auth';

const fieldNames: Record<string, string> = {
  'body.room_name': 'Room name',
  'body.query': 'Message',
  'body.user_id': 'User name',
  'body.metadata': 'Room details',
  'body.retention_days': 'Days',
  'body.confirm': 'Confirmation',
};

/** An error as a sentence for the person using the app: never a code or raw JSON on its own. */
export function describeError(error: unknown): string {
  if (error instanceof SignInError) return error.message;
  if (error instanceof CareGuideNetworkError)
    return 'The server cannot be reached. Check your connection and try again.';
  if (error instanceof CareGuideApiError) {
    switch (error.code) {
      case 'VALIDATION_ERROR': {
        const detail = error.details[0];
        if (detail) {
          const field = detail.path
            ? (fieldNames[detail.path] ?? detail.path.replace(/^\w+\./, ''))
            : undefined;
          return field ? `${field}: ${detail.message}.` : `${detail.message}.`;
        }
        return 'Some of what you entered is not valid.';
      }
      case 'UNAUTHORIZED':
        return 'Your sign-in has expired. Please sign in again.';
      case 'ROOM_NOT_FOUND':
        return 'This room no longer exists (it may have been deleted on another device).';
      case 'ROOM_LIMIT_REACHED':
        return 'You have reached the limit of live rooms. Delete a room to create a new one.';
      case 'RATE_LIMITED': {
        const minutes = error.retryAfterSeconds ? Math.ceil(error.retryAfterSeconds / 60) : undefined;
        return `Too many new rooms in a short time. ${minutes ? `Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.` : 'Try again later.'}`;
      }
      case 'STREAM_LIMIT_REACHED':
        return 'Too many answers are in progress on your devices. Wait for one to finish, or stop one.';
      case 'SESSION_EXPIRED':
      case 'SESSION_NOT_FOUND':
        return 'This conversation session has ended. Send your message again to start a new one.';
      case 'PAYLOAD_TOO_LARGE':
        return 'That message is too long.';
      case 'CONFLICT':
        return 'Something else changed this at the same moment. Please try again.';
      case 'INTERNAL':
      case 'HTTP_ERROR':
        return 'Something went wrong on the server. Please try again.';
      default:
        return error.message.endsWith('.') ? error.message : `${error.message}.`;
    }
  }
  return 'Something went wrong. Please try again.';
}

/** What an answer's end means, in words, for answers that did not complete. */
export const endedAnswerNote: Record<string, string> = {
  cancelled: 'Stopped',
  interrupted: 'Interrupted: the answer could not be finished',
  error: 'The answer failed',
};
