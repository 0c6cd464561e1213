-- The administrator role. The first account ever made is the administrator (unless ADMIN_USERNAMES
-- names them, see src/admin/roles.ts): on an existing installation that is its oldest account, and
-- the claim is recorded so that no later sign-up takes it (src/auth/users.ts `claimFirstAdmin`).
ALTER TABLE "users" ADD COLUMN "is_admin" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "disabled_at" timestamp with time zone;--> statement-breakpoint
UPDATE "users" SET "is_admin" = true WHERE "id" = (SELECT min("id") FROM "users" WHERE NOT "is_guest");--> statement-breakpoint
INSERT INTO "settings" ("key", "value") SELECT 'first_admin', "id"::text FROM "users" WHERE "is_admin" ON CONFLICT ("key") DO NOTHING;
