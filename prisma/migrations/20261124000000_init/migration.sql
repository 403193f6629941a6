-- CreateTable
CREATE TABLE "mix_session" (
    "id" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "tempo" DOUBLE PRECISION NOT NULL DEFAULT 120,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "mix_session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "stem" (
    "id" TEXT NOT NULL,
    "session_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "file_hash" TEXT NOT NULL,
    "file_name" TEXT NOT NULL,
    "mime_type" TEXT NOT NULL,
    "size_bytes" INTEGER NOT NULL,
    "sample_rate" INTEGER NOT NULL,
    "channels" INTEGER NOT NULL,
    "duration_sec" DOUBLE PRECISION NOT NULL,
    "position" INTEGER NOT NULL DEFAULT 0,
    "peaks" BYTEA,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "stem_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "doc_update" (
    "id" BIGSERIAL NOT NULL,
    "session_id" TEXT NOT NULL,
    "data" BYTEA NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "doc_update_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "stem_session_id_idx" ON "stem"("session_id");

-- CreateIndex
CREATE INDEX "doc_update_session_id_id_idx" ON "doc_update"("session_id", "id");

-- AddForeignKey
ALTER TABLE "stem" ADD CONSTRAINT "stem_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "mix_session"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "doc_update" ADD CONSTRAINT "doc_update_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "mix_session"("id") ON DELETE CASCADE ON UPDATE CASCADE;
