import { randomInt } from 'node:crypto';

const ADJECTIVES = [
  'Amber', 'Brave', 'Calm', 'Clever', 'Cosy', 'Curious', 'Daring', 'Eager', 'Gentle', 'Happy',
  'Jolly', 'Kind', 'Lucky', 'Merry', 'Nimble', 'Quiet', 'Rapid', 'Sunny', 'Swift', 'Witty',
];
const ANIMALS = [
  'Badger', 'Beaver', 'Falcon', 'Ferret', 'Gecko', 'Heron', 'Koala', 'Lemur', 'Lynx', 'Marten',
  'Otter', 'Panda', 'Puffin', 'Raven', 'Robin', 'Seal', 'Stoat', 'Tapir', 'Walrus', 'Wombat',
];

const pick = (words: string[]) => words[randomInt(words.length)] ?? 'Guest';

/** e.g. "Curious Otter", shown as the first name, with the username "guest_curious_otter_4821". */
export function guestName() {
  const adjective = pick(ADJECTIVES);
  const animal = pick(ANIMALS);
  const number = randomInt(1000, 10000);
  return {
    firstName: `${adjective} ${animal}`,
    lastName: '',
    username: `guest_${adjective}_${animal}_${number}`.toLowerCase(),
  };
}
