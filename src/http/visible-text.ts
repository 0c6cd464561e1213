/**
 * Characters that are never meant to be seen in a one-line name: control characters (NUL, ESC, line
 * breaks, C1) and the bidirectional overrides and isolates, which can make `abc\u202Efdp.exe` read as
 * `abcexe.pdf`. Names of people and rooms refuse them; message bodies keep them (and line breaks),
 * shown inside an element that isolates their direction (app.css `.message-body`).
 */
export const UNSHOWABLE = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;
