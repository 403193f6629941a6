-- AlterTable
ALTER TABLE "stem" ADD COLUMN "channel_id" TEXT,
ADD COLUMN "peaks_hash" TEXT,
ADD COLUMN "retired_at" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "upload" (
    "id" TEXT NOT NULL,
    "session_id" TEXT NOT NULL,
    "length" INTEGER NOT NULL,
    "file_name" TEXT NOT NULL,
    "replaces_stem_id" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "upload_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "stem_session_id_channel_id_idx" ON "stem"("session_id", "channel_id");

-- CreateIndex
CREATE INDEX "upload_session_id_idx" ON "upload"("session_id");

-- CreateIndex
CREATE INDEX "upload_expires_at_idx" ON "upload"("expires_at");

-- AddForeignKey
ALTER TABLE "upload" ADD CONSTRAINT "upload_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "mix_session"("id") ON DELETE CASCADE ON UPDATE CASCADE;
