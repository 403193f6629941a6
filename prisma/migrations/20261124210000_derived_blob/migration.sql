-- CreateTable
CREATE TABLE "derived_blob" (
    "source_hash" TEXT NOT NULL,
    "format" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "derived_blob_pkey" PRIMARY KEY ("source_hash","format")
);

-- CreateIndex
CREATE INDEX "derived_blob_hash_idx" ON "derived_blob"("hash");
