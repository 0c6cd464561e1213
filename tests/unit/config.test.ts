import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('configuration', () => {
  it('starts with no environment at all: port 3000, PGlite under ./data, localhost cookies', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, dataDir: './data', databaseUrl: undefined, redisUrl: undefined, secureCookies: false, logLevel: 'info' });
  });

  it('prefixes Redis names with hubbub unless REDIS_PREFIX says otherwise, and refuses odd prefixes', () => {
    expect(loadConfig({}).redisPrefix).toBe('hubbub');
    expect(loadConfig({ REDIS_PREFIX: 'chat-eu.1' }).redisPrefix).toBe('chat-eu.1');
    expect(() => loadConfig({ REDIS_PREFIX: 'has space' })).toThrow(/REDIS_PREFIX/);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' })).toMatchObject({ port: 3000, databaseUrl: undefined });
  });

  it('names the variable and the fix for a bad value', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: '99999' })).toThrow(/PORT="99999"/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL: must start with postgres:\/\//);
    expect(() => loadConfig({ REDIS_URL: 'localhost:6379' })).toThrow(/REDIS_URL: must start with redis:\/\//);
  });

  it('never echoes a secret or a connection string back, even when it is wrong', () => {
    const attempt = () => loadConfig({ SECRET: 'hunter2', DATABASE_URL: 'mysql://user:pa55word@db' });
    expect(attempt).toThrow(/SECRET: must be at least 32 characters/);
    try {
      attempt();
    } catch (error) {
      expect(String(error)).not.toContain('hunter2');
      expect(String(error)).not.toContain('pa55word');
    }
  });

  it('keeps /metrics off unless a token or a port of its own is set, and never echoes the token', () => {
    expect(loadConfig({}).metrics).toEqual({ token: undefined, port: undefined, host: '127.0.0.1' });
    expect(loadConfig({ METRICS_PORT: '9464', METRICS_HOST: '10.0.0.5' }).metrics).toMatchObject({ port: 9464, host: '10.0.0.5' });
    expect(() => loadConfig({ METRICS_PORT: 'nine' })).toThrow(/METRICS_PORT/);
    const short = () => loadConfig({ METRICS_TOKEN: 'tiny-secret' });
    expect(short).toThrow(/METRICS_TOKEN: must be at least 16 characters/);
    expect(short).not.toThrow(/tiny-secret/);
  });

  it('logs JSON lines unless LOG_FORMAT=pretty', () => {
    expect(loadConfig({}).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'pretty' }).logFormat).toBe('pretty');
    expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT="xml": must be json or pretty/);
  });

  it('accepts an https public origin and makes cookies Secure', () => {
    const config = loadConfig({ PUBLIC_ORIGIN: 'https://chat.example.com' });
    expect(config.publicOrigin).toBe('https://chat.example.com');
    expect(config.secureCookies).toBe(true);
  });

  it('accepts http only for localhost, where cookies cannot be Secure', () => {
    expect(loadConfig({ PUBLIC_ORIGIN: 'http://localhost:3000' }).secureCookies).toBe(false);
    expect(loadConfig({ PUBLIC_ORIGIN: 'http://127.0.0.1:8080' }).publicOrigin).toBe('http://127.0.0.1:8080');
    expect(() => loadConfig({ PUBLIC_ORIGIN: 'http://chat.example.com' })).toThrow(/https:\/\/ unless the host is localhost/);
    expect(() => loadConfig({ PUBLIC_ORIGIN: 'https://chat.example.com/app' })).toThrow(/origin only/);
    expect(() => loadConfig({ PUBLIC_ORIGIN: 'chat.example.com' })).toThrow(/must be a URL/);
  });
});
