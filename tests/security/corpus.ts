/**
 * Hostile input: text a person (or an attacker) can type into any field of Hubbub. Shared by the
 * request-level tests (tests/integration/security/) and the browser test, so both agree on which
 * entries must be stored and shown exactly and which must be refused.
 *
 * The expectations below are read from the server's schemas, not guessed:
 *  - src/messages/validation.ts: body is `String.prototype.trim()`med, then 1..4,000 code points.
 *  - src/auth/validation.ts: first/last name trimmed, at most 50 code points (first name at least 1),
 *    nothing unshowable left after trimming (src/http/visible-text.ts: control characters \p{Cc} and
 *    the bidi overrides and isolates U+202A–202E, U+2066–2069); username NFKC-normalised and trimmed,
 *    then [A-Za-z0-9_], 3..32, not guest_*.
 *  - src/rooms/validation.ts: room name trimmed, 2..40 code points and a slug of at least 2 characters
 *    that is not reserved; description trimmed, at most 200 code points; neither with anything unshowable.
 *  - zod in this project counts code points (node_modules/zod/v4/core/checks.js), as `[...s].length` does.
 * Two rules on top (src/http/forms.ts; ASVS 5.1.4):
 *  - A NUL character is refused with a 4xx (400) in every field: PostgreSQL text cannot hold it.
 *  - A lone UTF-16 surrogate cannot travel as UTF-8: a form encoder sends U+FFFD in its place, and a JSON
 *    `\uD800` escape is stored as U+FFFD (what `String.prototype.toWellFormed()` gives).
 */

import { slugify } from '../../src/rooms/validation.js';

export type Hostile = { family: string; name: string; text: string };

export const MAX_MESSAGE_CHARACTERS = 4000;
export const MAX_NAME_CHARACTERS = 50;
export const MAX_ROOM_NAME_CHARACTERS = 40;
export const MAX_ROOM_DESCRIPTION_CHARACTERS = 200;
export const MAX_USERNAME_CHARACTERS = 32;

const entries: Hostile[] = [];
function add(family: string, list: Record<string, string>) {
  for (const [name, text] of Object.entries(list)) entries.push({ family, name: `${family}/${name}`, text });
}

// --- script and HTML injection -----------------------------------------------------------------
add('script', {
  'script-tag': '<script>alert(1)</script>',
  'script-upper': '<SCRIPT>alert(document.cookie)</SCRIPT>',
  'script-src': '<script src="https://evil.example/x.js"></script>',
  'script-src-slash': '<script/src=//evil.example/x.js></script>',
  'script-unclosed': '<script>alert(1)',
  'script-split': '<scr<script>ipt>alert(1)</scr</script>ipt>',
  'script-json-breakout': '</script><script>alert(1)</script>',
  'img-onerror': '<img src=x onerror=alert(1)>',
  'img-onerror-quoted': '<img src="x" onerror="alert(document.domain)">',
  'img-backtick': '<img src=`x`onerror=alert(1)>',
  'svg-onload': '<svg onload=alert(1)>',
  'svg-slash-onload': '<svg/onload=alert(1)>',
  'svg-script': '<svg><script>alert(1)</script></svg>',
  'body-onload': '<body onload=alert(1)>',
  'details-ontoggle': '<details open ontoggle=alert(1)>',
  'video-source-onerror': '<video><source onerror="alert(1)">',
  'audio-onerror': '<audio src=x onerror=alert(1)>',
  'marquee-onstart': '<marquee onstart=alert(1)>hi</marquee>',
  'input-autofocus': '<input autofocus onfocus=alert(1)>',
  'select-autofocus': '<select autofocus onfocus=alert(1)></select>',
  'object-data': '<object data="javascript:alert(1)"></object>',
  'embed-src': '<embed src="javascript:alert(1)">',
  'math-href': '<math><maction actiontype="statusline" xlink:href="javascript:alert(1)">x</maction></math>',
  'template-script': '<template><script>alert(1)</script></template>',
  'noscript-breakout': '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
  'entity-encoded': '&lt;script&gt;alert(1)&lt;/script&gt;',
  'numeric-entities': '&#60;script&#62;alert(1)&#60;/script&#62;',
  'hex-entities': '&#x3C;img src=x onerror=alert(1)&#x3E;',
  'double-encoded': '%253Cscript%253Ealert(1)%253C%252Fscript%253E',
  'url-encoded': '%3Cscript%3Ealert(1)%3C%2Fscript%3E',
  'null-in-tag-name-lookalike': '<scr\\0ipt>alert(1)</scr\\0ipt>',
  'form-action': '<form action="/logout" method="post"><button>Win a prize</button></form>',
  'button-formaction': '<button formaction="javascript:alert(1)">click</button>',
  'plain-bold': '<b>bold?</b> <i>italic?</i>',
});

// --- polyglots ---------------------------------------------------------------------------------
add('polyglot', {
  '0xsobky':
    'jaVasCript:/*-/*`/*\\`/*\'/*"/**/(/* */oNcliCk=alert() )//%0D%0A%0d%0a//</stYle/</titLe/</teXtarEa/</scRipt/--!>\\x3csVg/<sVg/oNloAd=alert()//>\\x3e',
  'ashar-javed':
    '">><marquee><img src=x onerror=confirm(1)></marquee>"></plaintext\\></|\\><plaintext/onmouseover=prompt(1)><script>prompt(1)</script>@gmail.com<isindex formaction=javascript:alert(/XSS/) type=submit>\'-->"></script><script>alert(1)</script>"><img/id="confirm&lpar;1)"/alt="/"src="/"onerror=eval(id&%23x29;>\'"><img src="http://i.imgur.com/P8mL8.jpg">',
  'mathias-karlsson': '" onclick=alert(1)//<button \' onclick=alert(1)//> */ alert(1)//',
  'rsnake': '\';alert(String.fromCharCode(88,83,83))//\';alert(String.fromCharCode(88,83,83))//";alert(String.fromCharCode(88,83,83))//";alert(String.fromCharCode(88,83,83))//--></SCRIPT>">\'><SCRIPT>alert(String.fromCharCode(88,83,83))</SCRIPT>',
  'xss-locator': '\'\';!--"<XSS>=&{()}',
  'xss-locator-short': '\'\';!--"<XSS>=&{()}<script>',
  'pat-polyglot':
    'javascript://\'/</title></style></textarea></script>--><p" onclick=alert()//>*/alert()/*',
  'brutelogic': 'JavaScript://%250Aalert?.(1)//\'/*\\\'/*"/*\\"/*`/*\\`/*%26apos;)/*<!--></Title/</Style/</Script/</textArea/</iFrame/</noScript>\\74k<K/contentEditable/autoFocus/OnFocus=/*${/*/;{/**/(alert)(1)}//><Base/Href=//X55.is\\76-->',
  'multi-context': '-->\'"/></sCript><deTailS open x=">" ontoggle=(co\\u006efirm)``>',
  'svg-polyglot': '<svg/onload=\'+/"/+/onmouseover=1/+/[*/[]/+alert(1)//\'>',
  'template-polyglot': '{{constructor.constructor(\'alert(1)\')()}}<script>alert(1)</script>${alert(1)}',
  'comment-polyglot': '<!--<img src="--><img src=x onerror=alert(1)//">',
});

// --- attribute and URL contexts ----------------------------------------------------------------
add('attribute', {
  'dq-onmouseover': '" onmouseover="alert(1)',
  'dq-onmouseover-bare': '" onmouseover=alert(1) x="',
  'sq-autofocus': "' autofocus onfocus='alert(1)",
  'sq-autofocus-bare': "' autofocus onfocus=alert(1) x='",
  'dq-close-tag': '"><script>alert(1)</script>',
  'sq-close-tag': "'><img src=x onerror=alert(1)>",
  'backtick-attr': '` onmouseover=alert(1) `',
  'unquoted-break': 'x onmouseover=alert(1)',
  'style-expression': '" style="background:url(javascript:alert(1))',
  'style-attr-breakout': '" style="position:fixed;top:0;left:0;width:100%;height:100%" onmouseover="alert(1)',
  'javascript-url': 'javascript:alert(1)',
  'javascript-url-mixed-case': 'JaVaScRiPt:alert(document.cookie)',
  'javascript-url-entity': 'jav&#x09;ascript:alert(1)',
  'javascript-url-tab': 'jav\tascript:alert(1)',
  'javascript-url-leading-space': ' javascript:alert(1)',
  'vbscript-url': 'vbscript:msgbox(1)',
  'data-html': 'data:text/html,<script>alert(1)</script>',
  'data-html-base64': 'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
  'data-svg': 'data:image/svg+xml,<svg onload=alert(1)>',
  'a-href-js': '<a href="javascript:alert(1)">click me</a>',
  'a-href-data': '<a href="data:text/html,<script>alert(1)</script>">open</a>',
  'protocol-relative': '//evil.example/phish',
  'link-with-creds': 'https://hubbub.example@evil.example/login',
  'srcset': '<img srcset="x 1x, javascript:alert(1) 2x">',
});

// --- htmx attribute injection ------------------------------------------------------------------
add('htmx', {
  'hx-get-load': '<div hx-get="/logout" hx-trigger="load">x</div>',
  'hx-post-load': '<div hx-post="/logout" hx-trigger="load">x</div>',
  'hx-post-every': '<span hx-post="/lobby/general/messages/" hx-vals=\'{"body":"spam"}\' hx-trigger="every 1s">x</span>',
  'hx-swap-oob': '<div id="composer" hx-swap-oob="true">gone</div>',
  'hx-swap-oob-messages-upsert': '<div id="messages" hx-swap-oob="upsert">replaced</div>',
  'hx-swap-oob-outer': '<ol id="messages" hx-swap-oob="outerHTML"><li>fake</li></ol>',
  'hx-partial': '<hx-partial hx-target="#messages">fake</hx-partial>',
  'hx-on-click': '<button hx-on:click="alert(1)">x</button>',
  'hx-on-dash': '<button hx-on--click="alert(1)">x</button>',
  'hx-on-load': '<div hx-on::load="alert(1)">x</div>',
  'hx-on-htmx-event': '<div hx-on:htmx:after:init="alert(1)">x</div>',
  'data-hx-get': '<div data-hx-get="/logout" data-hx-trigger="load">x</div>',
  'data-hx-on': '<div data-hx-on:click="alert(1)">x</div>',
  'data-hx-swap-oob': '<div id="messages" data-hx-swap-oob="innerHTML">x</div>',
  'hx-ws-connect': '<div hx-ws:connect="wss://evil.example/ws">x</div>',
  'hx-ws-send': '<form hx-ws:send><input name="body" value="spam"></form>',
  'hx-sse': '<div hx-sse:connect="https://evil.example/events">x</div>',
  'hx-ext': '<div hx-ext="ws" hx-ws:connect="/lobby/general/ws/">x</div>',
  'hx-headers': '<div hx-get="/" hx-headers=\'{"X-Evil":"1"}\' hx-trigger="load">x</div>',
  'hx-boost': '<a hx-boost="true" href="/logout">home</a>',
  'hx-target-body': '<div hx-get="/" hx-target="body" hx-swap="innerHTML" hx-trigger="load">x</div>',
  'hx-config': '<meta name="htmx-config" content=\'{"allowEval":true}\'>',
  'hx-attr-breakout': '" hx-get="/logout" hx-trigger="load',
  'hx-attr-breakout-sq': "' hx-on:click='alert(1)",
  'hx-ignore-close': '</div><div hx-get="/logout" hx-trigger="load">escaped?</div>',
  'hx-status': '<div hx-status:4xx="swap:innerHTML">x</div>',
});

// --- CSS and markup breakouts ------------------------------------------------------------------
add('breakout', {
  'style-close': '</style><script>alert(1)</script>',
  'style-inject': '<style>body{display:none}</style>',
  'style-import': '<style>@import url(//evil.example/x.css)</style>',
  'textarea-close': '</textarea><script>alert(1)</script>',
  'title-close': '</title><script>alert(1)</script>',
  'comment-open': '<!--',
  'comment-open-rest': '<!-- everything after this is hidden',
  'comment-close': '-->',
  'comment-bang': '--!><script>alert(1)</script>',
  'cdata-close': ']]><script>alert(1)</script>',
  'cdata-open': '<![CDATA[<script>alert(1)</script>]]>',
  'base-href': '<base href="https://evil.example/">',
  'meta-refresh': '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
  'meta-csp': '<meta http-equiv="Content-Security-Policy" content="script-src *">',
  'link-stylesheet': '<link rel=stylesheet href=//evil.example/x.css>',
  'link-import': '<link rel="import" href="//evil.example/x.html">',
  'iframe-srcdoc': '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
  'iframe-src': '<iframe src="javascript:alert(1)"></iframe>',
  'frameset': '<frameset onload=alert(1)>',
  'plaintext': '<plaintext>',
  'xmp-close': '</xmp><script>alert(1)</script>',
  'noembed': '<noembed><img title="</noembed><img src=x onerror=alert(1)>"></noembed>',
  'html-close': '</body></html><p>after the end</p>',
  'li-close': '</li></ol><p>outside the list</p><ol><li>',
  'doctype': '<!DOCTYPE html><html><head></head></html>',
  'processing-instruction': '<?xml version="1.0"?><?php system("id"); ?>',
  'svg-foreignobject': '<svg><foreignObject><iframe src=//evil.example></iframe></foreignObject></svg>',
  'css-expression': 'width: expression(alert(1));',
});

// --- SQL-looking strings -----------------------------------------------------------------------
add('sql', {
  'or-1-1': "' OR 1=1 --",
  'or-1-1-dq': '" OR "1"="1',
  'drop-messages': "'; drop table messages; --",
  'drop-users': "Robert'); DROP TABLE users;--",
  'union-select': "' UNION SELECT username, password_hash FROM users --",
  'stacked-update': "'; UPDATE users SET username='admin' WHERE '1'='1",
  'sleep': "'; SELECT pg_sleep(10); --",
  'comment-star': "admin'/*",
  'backslash-quote': "\\'; DROP TABLE rooms; --",
  'dollar-quote': '$$; DROP TABLE messages; $$',
  'copy-program': "'; COPY (SELECT '') TO PROGRAM 'id'; --",
  'like-wildcards': '%_%_%\\%',
  'semicolon-only': ';;;',
  'single-quote': "'",
  'double-single': "''",
  'lo-import': "'; SELECT lo_import('/etc/passwd'); --",
});

// --- Unicode -----------------------------------------------------------------------------------
add('unicode', {
  'rlo': 'abc\u202Efdp.exe',
  'lro': 'abc\u202Dtxt.exe',
  'rle-lre-pdf': '\u202Bright\u202C \u202Aleft\u202C',
  'rlo-unclosed': 'admin\u202E',
  'isolates': '\u2066isolated\u2069 \u2067rtl\u2069 \u2068first\u2069',
  'isolate-unclosed': '\u2067unclosed isolate',
  'rlm-lrm': '\u200Fmarks\u200E',
  'arabic-letter-mark': '\u061Cx',
  'zwsp': 'zero\u200Bwidth\u200Bspace',
  'zwj-zwnj': 'a\u200Db\u200Cc',
  'bom-inside': 'bom\uFEFFinside',
  'bom-leading': '\uFEFFbom first',
  'zwsp-only': '\u200B',
  'zwsp-many': '\u200B\u200C\u200D\u2060\u2060',
  'word-joiner': 'word\u2060joiner',
  'homoglyph-admin': '\u0430dmin',
  'homoglyph-paypal': 'p\u0430yp\u0430l.com',
  'homoglyph-greek': '\u0391\u0392\u0395',
  'fullwidth-script': '\uFF1Cscript\uFF1Ealert(1)\uFF1C/script\uFF1E',
  'fullwidth-quote': '\uFF02 onmouseover=alert(1)',
  'small-less-than': '\uFE64script\uFE65',
  'mathematical-bold': '\u{1D41A}\u{1D41B}\u{1D41C}',
  'zalgo':
    'Z\u0351\u036B\u0343\u036A\u0302\u036B\u033D\u034F\u0334\u0319\u0324\u031E\u0349\u035A\u032F\u031E\u0320\u034DA\u036B\u0357\u0334\u0362\u0335\u031C\u0330\u0354L\u0368\u0367\u0369\u0358\u0320G\u0311\u0357\u030E\u0305\u035B\u0341\u0334\u033B\u0348\u034D\u0354\u0339O\u0342\u030C\u030C\u0358\u0328\u0335\u0339\u033B\u031D\u0333!',
  'combining-stack': `e${'\u0301'.repeat(300)}`,
  'combining-only': '\u0301\u0302\u0303',
  'emoji-zwj-family': '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}',
  'emoji-flags': '\u{1F1FA}\u{1F1F8}\u{1F1EF}\u{1F1F5}',
  'emoji-skin-tone': '\u{1F44D}\u{1F3FD}',
  'emoji-keycap': '1\uFE0F\u20E3',
  'astral-plane': '\u{10348}\u{1F600}\u{20000}\u{E0041}',
  'tag-characters': 'hi\u{E0068}\u{E0069}',
  'private-use': '\uE000\u{F0000}\u{10FFFD}',
  'noncharacters': '\uFFFE\uFFFF\u{1FFFE}',
  'replacement-char': '\uFFFD',
  'lone-high-surrogate': 'a\uD800b',
  'lone-low-surrogate': 'a\uDFFFb',
  'reversed-surrogates': '\uDE00\uD83D',
  'trailing-high-surrogate': 'end\uD83D',
  'nbsp-only': '\u00A0\u00A0',
  'ideographic-space': '\u3000text\u3000',
  'line-separator': 'line\u2028separator\u2029paragraph',
  'hangul-filler': '\u3164',
  'braille-blank': '\u2800',
  'cjk': '\u4F60\u597D\uFF0C\u4E16\u754C',
  'rtl-arabic': '\u0645\u0631\u062D\u0628\u0627 \u0628\u0627\u0644\u0639\u0627\u0644\u0645',
  'mixed-direction': 'abc \u05D0\u05D1\u05D2 123 \u0627\u0644',
  'nfd-cafe': 'cafe\u0301',
  'ligature': '\uFB01le \uFB03',
  'turkish-i': '\u0130stanbul \u0131',
  'sharp-s': 'Stra\u00DFe \u1E9E',
  'ohm-kelvin': '\u2126 \u212A',
});

// --- NUL and other control characters ----------------------------------------------------------
add('control', {
  'nul-middle': 'before\u0000after',
  'nul-only': '\u0000',
  'nul-leading': '\u0000lead',
  'nul-trailing': 'trail\u0000',
  'nul-in-tag': '<scr\u0000ipt>alert(1)</scr\u0000ipt>',
  'bell-backspace': 'ding\u0007\u0008\u0008',
  'escape-ansi': '\u001B[31mred\u001B[0m \u001B]0;title\u0007',
  'escape-clear': '\u001B[2J\u001B[H',
  'vertical-tab-form-feed': 'v\u000Bf\u000C',
  'del': 'del\u007F',
  'c1-controls': 'c1\u0080\u0085\u009B\u009F',
  'crlf': 'line one\r\nline two',
  'cr-only': 'overwrite\rthis',
  'lone-lf': 'a\nb',
  'tabs': '\tindented\ttext',
  'unit-separators': 'a\u001Fb\u001Ec\u001Dd\u001Ce',
  'sub-eof': 'ctrl-z\u001A',
  'all-c0-but-nul': Array.from({ length: 31 }, (_, i) => String.fromCharCode(i + 1)).join('') + 'x',
});

// --- huge inputs: exactly at and just above each field's limit ---------------------------------
add('size', {
  'message-at-limit': 'm'.repeat(MAX_MESSAGE_CHARACTERS),
  'message-over-limit': 'm'.repeat(MAX_MESSAGE_CHARACTERS + 1),
  'message-at-limit-padded': `   ${'p'.repeat(MAX_MESSAGE_CHARACTERS)}\n\n`,
  'message-astral-at-limit': '\u{1F600}'.repeat(MAX_MESSAGE_CHARACTERS),
  'message-astral-over-limit': '\u{1F600}'.repeat(MAX_MESSAGE_CHARACTERS + 1),
  'message-escaped-at-limit': '<'.repeat(MAX_MESSAGE_CHARACTERS),
  'message-quotes-at-limit': '"&'.repeat(MAX_MESSAGE_CHARACTERS / 2),
  'name-at-limit': 'n'.repeat(MAX_NAME_CHARACTERS),
  'name-over-limit': 'n'.repeat(MAX_NAME_CHARACTERS + 1),
  'name-astral-at-limit': '\u{1F600}'.repeat(MAX_NAME_CHARACTERS),
  'name-combining-over': `a${'\u0301'.repeat(MAX_NAME_CHARACTERS)}`,
  'room-name-at-limit': 'r'.repeat(MAX_ROOM_NAME_CHARACTERS),
  'room-name-over-limit': 'r'.repeat(MAX_ROOM_NAME_CHARACTERS + 1),
  'description-at-limit': 'd'.repeat(MAX_ROOM_DESCRIPTION_CHARACTERS),
  'description-over-limit': 'd'.repeat(MAX_ROOM_DESCRIPTION_CHARACTERS + 1),
  'username-at-limit': 'u'.repeat(MAX_USERNAME_CHARACTERS),
  'username-over-limit': 'u'.repeat(MAX_USERNAME_CHARACTERS + 1),
  'empty': '',
  'one-char': 'x',
  'spaces-only': '     ',
  'whitespace-only-mixed': ' \t\n\r\u00A0\u2028\uFEFF ',
  'sixty-thousand': 'x'.repeat(60_000),
});

// --- deeply nested markup ----------------------------------------------------------------------
add('nesting', {
  'b-10000': '<b>'.repeat(10_000),
  'b-500-closed': `${'<b>'.repeat(500)}deep${'</b>'.repeat(500)}`,
  'div-800': '<div>'.repeat(800),
  'table-nesting': '<table><tr><td>'.repeat(250),
  'unclosed-quotes': '<a title="'.repeat(400),
  'svg-nesting': '<svg><g>'.repeat(300),
});

// --- ReDoS shapes ------------------------------------------------------------------------------
add('redos', {
  'a-50000-bang': `${'a'.repeat(50_000)}!`,
  'a-3999-bang': `${'a'.repeat(3999)}!`,
  'parens-open': '('.repeat(3999),
  'parens-nested': `${'('.repeat(1999)}${')'.repeat(1999)}`,
  'spaces-run': `x${' '.repeat(3998)}y`,
  'newlines-run': `x${'\n'.repeat(3998)}y`,
  'tabs-spaces-alternating': `x${' \t'.repeat(1999)}y`,
  'email-like': `${'a.'.repeat(1990)}@`,
  'url-like': `http://${'a'.repeat(3990)}`,
  'markdown-stars': `${'*'.repeat(2000)}x${'_'.repeat(1990)}`,
  'lt-runs': `${'<'.repeat(1999)}${'a'.repeat(1999)}`,
});

// --- format strings and template syntax --------------------------------------------------------
add('format', {
  'printf': '%s%s%s%s%n%n%x%x%d',
  'printf-positional': '%1$s %2$n %99$x',
  'js-template': '${7*7}',
  'js-template-process': '${process.exit(1)}',
  'mustache': '{{7*7}}',
  'mustache-constructor': "{{constructor.constructor('return process')().exit()}}",
  'ruby': '#{7*7}',
  'erb': '<%= 7*7 %>',
  'jinja-config': '{{config.items()}}{% for x in range(9) %}{% endfor %}',
  'spel': '*{7*7} @{7*7} ~{7*7}',
  'python-format': '{0.__class__.__mro__}',
  'htmx-template': '${document.cookie}',
  'json-looking': '{"type":"new_message","message":"forged"}',
  'html-entity-nbsp': '&nbsp;&amp;&lt;&gt;&quot;&#39;',
});

// --- log injection -----------------------------------------------------------------------------
add('log', {
  'json-line': '\r\n{"level":60,"msg":"forged"}',
  'json-line-lf': '\n{"level":50,"time":0,"msg":"admin logged in"}',
  'crlf-headers': 'x\r\nSet-Cookie: session=forged\r\n\r\n<html>',
  'fake-level': 'ok\n[ERROR] database dropped',
  'ansi-log': '\u001B[1A\u001B[2Koverwritten log line',
  'sse-forge': 'data: forged\n\nevent: message\ndata: {"seq":999999}\n\n',
  'sse-id-forge': '\nid: 999999\nretry: 1\n',
  'transcript-forge': 'hello\n[2020-01-01 00:00] admin: forged line',
});

// --- path traversal ----------------------------------------------------------------------------
add('path', {
  'dot-dot': '../../etc/passwd',
  'dot-dot-backslash': '..\\..\\windows\\win.ini',
  'encoded': '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  'double-encoded': '%252e%252e%252fetc%252fpasswd',
  'overlong-utf8': '%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd',
  'file-url': 'file:///etc/passwd',
  'absolute': '/etc/shadow',
  'null-byte-ext': '../../etc/passwd%00.png',
  'api-path': '../../api/token/',
});

export const corpus: Hostile[] = entries;
export const families: string[] = [...new Set(entries.map((entry) => entry.family))];

{
  const seen = new Set<string>();
  for (const entry of entries) {
    if (seen.has(entry.name)) throw new Error(`corpus: duplicate name ${entry.name}`);
    seen.add(entry.name);
  }
}

// --- expectations --------------------------------------------------------------------------------

/** What the server must do with a value: store exactly `stored`, or refuse it with a 4xx. */
export type Outcome = { accepted: true; stored: string } | { accepted: false; reason: string };

const codePoints = (text: string) => [...text].length;
/** src/http/visible-text.ts: what a one-line name must not hold (copied, so the browser test needs no src import). */
const UNSHOWABLE = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;

/** A lone surrogate becomes U+FFFD on its way as UTF-8 (what a form encoder sends; what the database keeps). */
export function wellFormed(text: string): string {
  return (text as string & { toWellFormed(): string }).toWellFormed();
}

function common(text: string): Outcome | null {
  if (text.includes('\u0000')) return { accepted: false, reason: 'contains NUL' };
  return null;
}

/** A message body (src/messages/validation.ts): trimmed, 1..4,000 code points; NUL refused. */
export function messageOutcome(text: string): Outcome {
  const refused = common(text);
  if (refused) return refused;
  const body = wellFormed(text).trim();
  if (codePoints(body) < 1) return { accepted: false, reason: 'empty after trimming' };
  if (codePoints(body) > MAX_MESSAGE_CHARACTERS) return { accepted: false, reason: 'over 4,000 characters' };
  return { accepted: true, stored: body };
}

/** First (required) or last (optional) name (src/auth/validation.ts): trimmed, ≤ 50, nothing unshowable. */
export function personNameOutcome(text: string, field: 'first_name' | 'last_name'): Outcome {
  const refused = common(text);
  if (refused) return refused;
  const name = wellFormed(text).trim();
  if (field === 'first_name' && codePoints(name) < 1) return { accepted: false, reason: 'empty after trimming' };
  if (codePoints(name) > MAX_NAME_CHARACTERS) return { accepted: false, reason: 'over 50 characters' };
  if (UNSHOWABLE.test(name)) return { accepted: false, reason: 'control or direction character' };
  return { accepted: true, stored: name };
}

/**
 * A username (src/auth/validation.ts, src/auth/usernames.ts): NFKC-normalised and trimmed (so
 * fullwidth letters become ASCII), then only [A-Za-z0-9_], 3..32, not guest_*. A name that looks like
 * one already taken (same skeleton, any case) is refused with 409 by the route, which this cannot know.
 */
export function usernameOutcome(text: string): Outcome {
  const refused = common(text);
  if (refused) return refused;
  const name = wellFormed(text).normalize('NFKC').trim();
  if (!/^[A-Za-z0-9_]{3,32}$/.test(name)) return { accepted: false, reason: 'not 3 to 32 letters, digits or _' };
  if (name.toLowerCase().startsWith('guest_')) return { accepted: false, reason: 'kept for guests' };
  return { accepted: true, stored: name };
}

/** The room's address, exactly as the server makes it. */
export { slugify };
const RESERVED_SLUGS = new Set(['ws', 'events', 'new', 'static', 'api']);

/**
 * A room name (src/rooms/validation.ts): trimmed, 2..40 code points, slug of at least 2 characters and
 * not reserved. A name whose slug exists already is refused with 409 by the route, which this cannot know.
 */
export function roomNameOutcome(text: string): Outcome & { slug?: string } {
  const refused = common(text);
  if (refused) return refused;
  const name = wellFormed(text).trim();
  if (codePoints(name) < 2) return { accepted: false, reason: 'under 2 characters' };
  if (codePoints(name) > MAX_ROOM_NAME_CHARACTERS) return { accepted: false, reason: 'over 40 characters' };
  if (UNSHOWABLE.test(name)) return { accepted: false, reason: 'control or direction character' };
  const slug = slugify(name);
  if (slug.length < 2 || RESERVED_SLUGS.has(slug)) return { accepted: false, reason: 'no usable address' };
  return { accepted: true, stored: name, slug };
}

/** A room description (src/rooms/validation.ts): trimmed, at most 200 code points, nothing unshowable. */
export function roomDescriptionOutcome(text: string): Outcome {
  const refused = common(text);
  if (refused) return refused;
  const description = wellFormed(text).trim();
  if (codePoints(description) > MAX_ROOM_DESCRIPTION_CHARACTERS) return { accepted: false, reason: 'over 200 characters' };
  if (UNSHOWABLE.test(description)) return { accepted: false, reason: 'control or direction character' };
  return { accepted: true, stored: description };
}

/** Entries a person can send as a message, each with the text the room must then show. */
export const validMessages: (Hostile & { stored: string })[] = corpus.flatMap((entry) => {
  const outcome = messageOutcome(entry.text);
  return outcome.accepted ? [{ ...entry, stored: outcome.stored }] : [];
});

/** Entries the server must refuse as a message body (empty, too long, NUL). */
export const refusedMessages: (Hostile & { reason: string })[] = corpus.flatMap((entry) => {
  const outcome = messageOutcome(entry.text);
  return outcome.accepted ? [] : [{ ...entry, reason: outcome.reason }];
});

/** Whether the text holds a lone surrogate (sent as U+FFFD, so compare against `wellFormed(text)`). */
export function hasLoneSurrogate(text: string): boolean {
  return !(text as string & { isWellFormed(): boolean }).isWellFormed();
}
