-- Look-alike usernames: each name's skeleton (src/auth/usernames.ts `usernameSkeleton`, which this
-- expression must match) is unique. Accounts that already collide keep working: all but the oldest
-- get their id appended, so only new look-alikes are refused.
ALTER TABLE "users" ADD COLUMN "username_skeleton" text;--> statement-breakpoint
UPDATE "users" SET "username_skeleton" = replace(replace(replace(lower(translate("username", 'I10O', 'lloo')), 'rn', 'm'), 'vv', 'w'), 'cl', 'd');--> statement-breakpoint
UPDATE "users" AS u SET "username_skeleton" = u."username_skeleton" || '#' || u."id"
  WHERE EXISTS (SELECT 1 FROM "users" AS o WHERE o."username_skeleton" = u."username_skeleton" AND o."id" < u."id");--> statement-breakpoint
ALTER TABLE "users" ALTER COLUMN "username_skeleton" SET NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "users_username_skeleton_key" ON "users" USING btree ("username_skeleton");
