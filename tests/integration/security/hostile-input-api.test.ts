import { messageSuite } from '../../security/message-suite.js';

// The hostile corpus as messages sent the way programs send them: JSON with a bearer token (old API
// tokens) and the old app's socket. Same checks as hostile-input.test.ts (form and htmx).
messageSuite(['json', 'old']);
