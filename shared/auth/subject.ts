/**
 * DESIGN §6: the user's id is the token's `sub`, and it becomes part of every DynamoDB key
 * (`USER#<sub>`, `USER#<sub>#ROOM#<room_id>`). So it must never carry the key separator `#` (a
 * `sub` of `<victim>#ROOM#<room>` would write into another user's partition), must stay far below
 * DynamoDB's key size limit, and must have one UTF-8 form (a lone surrogate does not: two subs
 * would share one key). Cognito's subs are UUIDs; the rule costs them nothing.
 */
export const MAX_SUBJECT_CHARACTERS = 128;

const CONTROL_CHARACTER = /\p{Cc}/u;
const LONE_SURROGATE = /\p{Cs}/u;

/** Why `sub` cannot be a user id, or undefined when it can. Never echoes the value. */
export function subjectProblem(sub: unknown): string | undefined {
  if (typeof sub !== 'string' || sub.length === 0) return 'The bearer token has no subject.';
  if ([...sub].length > MAX_SUBJECT_CHARACTERS)
    return `The bearer token's subject is longer than ${MAX_SUBJECT_CHARACTERS} characters.`;
  if (sub.includes('#')) return "The bearer token's subject contains '#'.";
  if (CONTROL_CHARACTER.test(sub)) return "The bearer token's subject contains a control character.";
  if (LONE_SURROGATE.test(sub)) return "The bearer token's subject is not valid Unicode.";
  return undefined;
}
