import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { Config } from '../config.js';

// Over https the __Host- prefix pins the cookie to this exact host, path / and Secure.
const cookieName = (config: Config) => (config.secureCookies ? '__Host-hubbub_session' : 'hubbub_session');

export function readSessionCookie(c: Context, config: Config): string | undefined {
  return getCookie(c, cookieName(config));
}

export function writeSessionCookie(c: Context, config: Config, token: string, expiresAt: Date): void {
  setCookie(c, cookieName(config), token, {
    httpOnly: true,
    sameSite: 'Lax',
    secure: config.secureCookies,
    path: '/',
    expires: expiresAt,
  });
}

export function clearSessionCookie(c: Context, config: Config): void {
  deleteCookie(c, cookieName(config), { path: '/', secure: config.secureCookies });
}
