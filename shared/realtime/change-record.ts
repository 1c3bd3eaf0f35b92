import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';

export type ChangeEventName = 'INSERT' | 'MODIFY' | 'REMOVE';

/** A table stream record as the frame mappers read it: plain items instead of attribute values. */
export interface ChangeRecord {
  readonly eventName: ChangeEventName;
  readonly pk: string;
  readonly sk: string;
  readonly newImage?: Record<string, unknown>;
  readonly oldImage?: Record<string, unknown>;
  /** When DynamoDB recorded the change. */
  readonly at: Date;
  /** Deleted by DynamoDB TTL (a clean-up), not by the application. */
  readonly byTimeToLive: boolean;
}

type LambdaImage = NonNullable<NonNullable<DynamoDBRecord['dynamodb']>['NewImage']>;

// The Lambda event's attribute values are the same wire shape as the SDK's; only the TS types differ.
const plain = (image: LambdaImage | undefined): Record<string, unknown> | undefined =>
  image ? unmarshall(image as unknown as Record<string, AttributeValue>) : undefined;

/** `undefined` for a record without keys or event name (nothing to map). */
export function toChangeRecord(record: DynamoDBRecord): ChangeRecord | undefined {
  const keys = plain(record.dynamodb?.Keys);
  const pk = keys?.pk;
  const sk = keys?.sk;
  const eventName = record.eventName;
  if (typeof pk !== 'string' || typeof sk !== 'string' || !eventName) return undefined;
  const seconds = record.dynamodb?.ApproximateCreationDateTime;
  const newImage = plain(record.dynamodb?.NewImage);
  const oldImage = plain(record.dynamodb?.OldImage);
  return {
    eventName,
    pk,
    sk,
    ...(newImage ? { newImage } : {}),
    ...(oldImage ? { oldImage } : {}),
    at: seconds === undefined ? new Date() : new Date(seconds * 1000),
    byTimeToLive:
      record.userIdentity?.type === 'Service' && record.userIdentity.principalId === 'dynamodb.amazonaws.com',
  };
}

/** The owner of an item: keys put `USER#<sub>` first (`sub` never holds `#`). */
export function ownerOf(pk: string): string | undefined {
  if (!pk.startsWith('USER#')) return undefined;
  const sub = pk.slice('USER#'.length).split('#')[0];
  return sub ? sub : undefined;
}
