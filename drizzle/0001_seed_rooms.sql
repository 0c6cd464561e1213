-- The four rooms every Hubbub starts with. A data migration, not a start-up step:
-- a room an administrator later removes stays removed.
INSERT INTO "rooms" ("slug", "name", "description", "image") VALUES
  ('game', 'Game', 'Tactics, high scores and what everyone is playing tonight.', 'game'),
  ('study', 'Study', 'Study together: questions, notes and quiet focus.', 'study'),
  ('movie', 'Movie', 'Trailers, reviews and what to watch next.', 'movie'),
  ('music', 'Music', 'Songs on repeat, new releases and gigs.', 'music')
ON CONFLICT ("slug") DO NOTHING;
