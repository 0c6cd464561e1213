import { describe, expect, it } from 'vitest';
import { PresenceList } from '../../views/rooms/PresenceList.js';

const people = (count: number) =>
  Array.from({ length: count }, (_, i) => ({ id: i + 1, username: `user_${i + 1}`, firstName: `Person ${i + 1}`, icon: 'owl' }));

describe('the list of people in a room', () => {
  it('names everyone in a small room', () => {
    const html = String(PresenceList({ people: people(3) }));
    expect(html.match(/<li>/g)).toHaveLength(3);
    expect(html).toContain('<span class="count">3</span>');
    expect(html).not.toContain('more');
  });

  it('names the first fifty in a crowded room and counts the rest, so its frame stays small', () => {
    const html = String(PresenceList({ people: people(1200), oob: true }));
    expect(html.match(/<li>/g)).toHaveLength(50);
    expect(html).toContain('<span class="count">1200</span>');
    expect(html).toContain('<p class="presence-more">and 1,150 more</p>');
    expect(html.length).toBeLessThan(8_000);
  });
});
