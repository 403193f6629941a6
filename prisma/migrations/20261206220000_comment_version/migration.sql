-- A comment can be placed on a version's timeline (issue 21): its time then refers to that
-- version's audio. Deleting the version keeps the comment, on the session's timeline.
ALTER TABLE "comment" ADD COLUMN "version_id" TEXT;
CREATE INDEX "comment_version_id_idx" ON "comment"("version_id");
ALTER TABLE "comment" ADD CONSTRAINT "comment_version_id_fkey" FOREIGN KEY ("version_id") REFERENCES "version"("id") ON DELETE SET NULL ON UPDATE CASCADE;
