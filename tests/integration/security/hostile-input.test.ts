import { messageSuite } from '../../security/message-suite.js';

// The hostile corpus as messages sent the way a browser sends them: a plain form post and htmx. Each
// entry must be stored exactly as sent (trimmed) or refused with a 4xx, and every view (room page,
// history pages and JSON, live and catch-up fragments, event stream, transcript, old socket) must show
// it as text, never as markup. JSON and the old socket: hostile-input-api.test.ts.
messageSuite(['form', 'htmx']);
