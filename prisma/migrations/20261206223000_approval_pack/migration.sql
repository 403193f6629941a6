-- The delivery pack's SHA-256 manifest, recorded with the approval it was made from (issue 21).
ALTER TABLE "approval" ADD COLUMN "pack_manifest" JSONB;
