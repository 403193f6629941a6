-- Reference tracks (issue 21): commercial references uploaded to a session to compare against.
-- They are not stems: never mixed, rendered or exported. Each is measured on upload (loudness and
-- a long-term 1/3-octave spectrum). Versions get their spectrum too (filled on first request for
-- versions made before this), and an approval records the reference it was compared with.

-- CreateTable
CREATE TABLE "reference_track" (
    "id" TEXT NOT NULL,
    "session_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "file_name" TEXT NOT NULL,
    "file_hash" TEXT NOT NULL,
    "format" TEXT NOT NULL,
    "size_bytes" INTEGER NOT NULL,
    "sample_rate" INTEGER NOT NULL,
    "channels" INTEGER NOT NULL,
    "duration_sec" DOUBLE PRECISION NOT NULL,
    "loudness" JSONB NOT NULL,
    "spectrum" JSONB NOT NULL,
    "peaks" BYTEA,
    "created_by_id" TEXT NOT NULL,
    "created_by_name" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "reference_track_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "reference_track_session_id_idx" ON "reference_track"("session_id");
ALTER TABLE "reference_track" ADD CONSTRAINT "reference_track_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "mix_session"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "version" ADD COLUMN "spectrum" JSONB;

-- The reference's name and file hash stay with the approval when the reference is deleted.
ALTER TABLE "approval" ADD COLUMN "reference_id" TEXT;
ALTER TABLE "approval" ADD COLUMN "reference_name" TEXT;
ALTER TABLE "approval" ADD COLUMN "reference_sha256" TEXT;
ALTER TABLE "approval" ADD CONSTRAINT "approval_reference_id_fkey" FOREIGN KEY ("reference_id") REFERENCES "reference_track"("id") ON DELETE SET NULL ON UPDATE CASCADE;
