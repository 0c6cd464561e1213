/** The built-in avatar set; each name is an SVG under public/icons/. */
export const ICONS = [
  'fox', 'owl', 'cat', 'dog', 'bear', 'panda', 'frog', 'penguin',
  'rabbit', 'koala', 'lion', 'octopus', 'whale', 'bee', 'robot', 'cactus',
] as const;

export type Icon = (typeof ICONS)[number];

export const iconUrl = (icon: string) => `/static/icons/${icon}.svg`;

export function randomIcon(): Icon {
  return ICONS[Math.floor(Math.random() * ICONS.length)] ?? 'fox';
}
