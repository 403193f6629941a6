-- Voice notes (issue 22): a comment may carry recorded audio, stored content-addressed in the blob store.
ALTER TABLE "comment" ADD COLUMN "voice_hash" TEXT;
ALTER TABLE "comment" ADD COLUMN "voice_type" TEXT;
ALTER TABLE "comment" ADD COLUMN "voice_duration_sec" DOUBLE PRECISION;
ALTER TABLE "comment" ADD COLUMN "voice_bytes" INTEGER;
