-- Review loop (issue 6): comments, master versions, approvals, activity log, read markers.

-- AlterTable
ALTER TABLE "mix_session" ADD COLUMN "deliver_only_approved" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "comment" (
    "id" TEXT NOT NULL,
    "session_id" TEXT NOT NULL,
    "author_id" TEXT NOT NULL,
    "author_name" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "at_sec" DOUBLE PRECISION NOT NULL,
    "end_sec" DOUBLE PRECISION,
    "channel_id" TEXT,
    "parent_id" TEXT,
    "resolved_at" TIMESTAMP(3),
    "resolved_by" TEXT,
    "edited_at" TIMESTAMP(3),
    "deleted_at" TIMESTAMP(3),
    "mix_state" BYTEA,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "comment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "version" (
    "id" TEXT NOT NULL,
    "session_id" TEXT NOT NULL,
    "number" INTEGER NOT NULL,
    "file_hash" TEXT NOT NULL,
    "format" TEXT NOT NULL,
    "size_bytes" INTEGER NOT NULL,
    "sample_rate" INTEGER NOT NULL,
    "channels" INTEGER NOT NULL,
    "bit_depth" INTEGER NOT NULL,
    "duration_sec" DOUBLE PRECISION NOT NULL,
    "mix_state" BYTEA,
    "loudness" JSONB NOT NULL,
    "peaks" BYTEA,
    "notes" TEXT NOT NULL DEFAULT '',
    "source" TEXT NOT NULL,
    "created_by_id" TEXT NOT NULL,
    "created_by_name" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "status" TEXT NOT NULL DEFAULT 'pending',

    CONSTRAINT "version_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "approval" (
    "id" TEXT NOT NULL,
    "version_id" TEXT NOT NULL,
    "decision" TEXT NOT NULL,
    "by_id" TEXT NOT NULL,
    "by_name" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sha256" TEXT NOT NULL,
    "comment" TEXT NOT NULL DEFAULT '',

    CONSTRAINT "approval_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "activity_event" (
    "id" BIGSERIAL NOT NULL,
    "session_id" TEXT NOT NULL,
    "actor_id" TEXT NOT NULL,
    "actor_name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "activity_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "read_marker" (
    "user_id" TEXT NOT NULL,
    "session_id" TEXT NOT NULL,
    "last_read_id" BIGINT NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "read_marker_pkey" PRIMARY KEY ("user_id","session_id")
);

-- CreateIndex
CREATE INDEX "comment_session_id_at_sec_idx" ON "comment"("session_id", "at_sec");
CREATE INDEX "comment_parent_id_idx" ON "comment"("parent_id");
CREATE UNIQUE INDEX "version_session_id_number_key" ON "version"("session_id", "number");
CREATE INDEX "approval_version_id_idx" ON "approval"("version_id");
CREATE INDEX "activity_event_session_id_id_idx" ON "activity_event"("session_id", "id");

-- One approval per version, whatever races (not expressible in schema.prisma).
CREATE UNIQUE INDEX "approval_one_approve_per_version" ON "approval"("version_id") WHERE "decision" = 'approve';

-- AddForeignKey
ALTER TABLE "comment" ADD CONSTRAINT "comment_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "mix_session"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "comment" ADD CONSTRAINT "comment_parent_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "comment"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "version" ADD CONSTRAINT "version_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "mix_session"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "approval" ADD CONSTRAINT "approval_version_id_fkey" FOREIGN KEY ("version_id") REFERENCES "version"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "activity_event" ADD CONSTRAINT "activity_event_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "mix_session"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "read_marker" ADD CONSTRAINT "read_marker_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "mix_session"("id") ON DELETE CASCADE ON UPDATE CASCADE;
