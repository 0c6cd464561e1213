/**
 * Tests send and sign in far faster than people do; they get limits out of their way unless a test
 * sets a limit itself (tests/integration/security/limits.test.ts does).
 */
export const GENEROUS_LIMITS = {
  RATE_LIMIT_AUTH_PER_IP: '1000000',
  SIGNIN_FREE_FAILURES: '1000000',
  RATE_LIMIT_MESSAGES: '1000000',
  SOCKETS_PER_USER: '100000',
};
