/**
 * Usernames are normalised once, where they enter (the sign-up and sign-in schemas): NFKC turns
 * fullwidth and other compatibility forms into plain letters (`ａｌｉｃｅ` → `alice`); the schema then
 * allows only ASCII letters, digits and _. Case is kept for display, and uniqueness ignores it.
 */
export function normalizeUsername(name: string): string {
  return name.normalize('NFKC').trim();
}

/**
 * What a name looks like, after Unicode's confusables (UTS #39) for the letters a username may hold:
 * capital I, digit 1 and l look alike, as do 0 and O/o, `rn` and m, `vv` and w, `cl` and d. Two names
 * with one skeleton could be mistaken for each other, so the second is refused. The migration
 * drizzle/0002_username_skeleton.sql computes the same for existing rows: change both together.
 */
export function usernameSkeleton(name: string): string {
  return name
    .replace(/[I1]/g, 'l')
    .replace(/[0O]/g, 'o')
    .toLowerCase()
    .replace(/rn/g, 'm')
    .replace(/vv/g, 'w')
    .replace(/cl/g, 'd');
}
