import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../shared/config/config';

const minimal = {
  CHAT_TABLE_NAME: 'chat',
  STREAMS_TABLE_NAME: 'streams',
  AUTH_MODE: 'local',
  LOCAL_JWKS: '{}',
};

describe('configuration', () => {
  it('applies the documented defaults', () => {
    const config = parseConfig(minimal);

    expect(config.CANCEL_POLL_INTERVAL_MS).toBe(100);
    expect(config.STREAM_LEASE_SECONDS).toBe(15);
    expect(config.STREAM_LOG_FLUSH_MS).toBe(500);
    expect(config.DYNAMODB_MAX_ATTEMPTS).toBe(2);
    expect(config.ROOM_CREATE_LIMIT_PER_HOUR).toBe(10);
    expect(config.MAX_LIVE_STREAMS_PER_USER).toBe(5);
    expect(config.MAX_REQUEST_BODY_BYTES).toBe(65_536);
    expect(config.MODEL_PROVIDER).toBe('local');
  });

  it('keeps audit events 6 years and rooms 30 idle days unless configured; `off` keeps rooms', () => {
    expect(parseConfig(minimal)).toMatchObject({ AUDIT_RETENTION_DAYS: 2190, DEFAULT_RETENTION_DAYS: 30 });
    expect(parseConfig({ ...minimal, DEFAULT_RETENTION_DAYS: '7' }).DEFAULT_RETENTION_DAYS).toBe(7);
    expect(parseConfig({ ...minimal, DEFAULT_RETENTION_DAYS: 'off' }).DEFAULT_RETENTION_DAYS).toBeNull();
    expect(() => parseConfig({ ...minimal, DEFAULT_RETENTION_DAYS: '0' })).toThrow(/DEFAULT_RETENTION_DAYS/);
  });

  it('fails at start naming every missing or invalid variable', () => {
    const broken = { ...minimal, CANCEL_POLL_INTERVAL_MS: 'soon', MODEL_PROVIDER: 'gpt' };

    expect(() => parseConfig(broken)).toThrow(ConfigError);
    expect(() => parseConfig(broken)).toThrow(/MODEL_PROVIDER.*CANCEL_POLL_INTERVAL_MS/);
  });

  it('leaves table names unset for functions that have no grant on a table', () => {
    const config = parseConfig({ AUTH_MODE: 'local', LOCAL_JWKS: '{}' });

    expect(config.CHAT_TABLE_NAME).toBeUndefined();
    expect(config.STREAMS_TABLE_NAME).toBeUndefined();
  });

  it('requires the local JWKS in local mode', () => {
    expect(() => parseConfig({ AUTH_MODE: 'local' })).toThrow(/LOCAL_JWKS/);
  });

  it('requires the user pool and client in cognito mode', () => {
    expect(() => parseConfig({ ...minimal, AUTH_MODE: 'cognito' })).toThrow(
      /COGNITO_USER_POOL_ID.*COGNITO_CLIENT_ID/,
    );
  });

  it('rejects numbers that are not positive integers', () => {
    expect(() => parseConfig({ ...minimal, CANCEL_POLL_INTERVAL_MS: 'soon' })).toThrow(
      /CANCEL_POLL_INTERVAL_MS/,
    );
    expect(() => parseConfig({ ...minimal, ROOM_CREATE_LIMIT_PER_HOUR: '0' })).toThrow(
      /ROOM_CREATE_LIMIT_PER_HOUR/,
    );
  });

  it('splits the allowed CORS origins', () => {
    expect(
      parseConfig({ ...minimal, CORS_ALLOWED_ORIGINS: 'https://a.example, https://b.example' })
        .CORS_ALLOWED_ORIGINS,
    ).toEqual(['https://a.example', 'https://b.example']);
  });
});
