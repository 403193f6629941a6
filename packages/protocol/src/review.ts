// The review loop (issue 6): timestamped comments, master versions, approval, activity and
// notifications. REST bodies are validated with these schemas on the server; the web app
// uses the same types, and socket.io events carry the same shapes.
import { z } from 'zod';

/** Longest comment body; longer ones are refused (400), never truncated. */
export const COMMENT_MAX_CHARS = 5000;
export const VERSION_NOTES_MAX_CHARS = 5000;
/** Largest master file accepted for a version (a 10-minute 24-bit/96 kHz stereo WAV is ~350 MB). */
export const VERSION_MAX_BYTES = 512 * 1024 * 1024;

/**
 * Largest voice note accepted (bytes). Browsers record Opus at ~32–64 kb/s (2 minutes ≈ 1 MB); the
 * WAV a browser without MediaRecorder makes (16 kHz mono 16-bit) is 32 KB a second.
 */
export const VOICE_NOTE_MAX_BYTES = 4 * 1024 * 1024;
/** Longest voice note, seconds: a spoken comment, not a recording session. */
export const VOICE_NOTE_MAX_SEC = 120;
/** Audio containers a voice note may be in (recognised from the bytes, not the declared type). */
export const VOICE_NOTE_TYPES = ['audio/webm', 'audio/ogg', 'audio/mp4', 'audio/wav'] as const;
export type VoiceNoteType = (typeof VOICE_NOTE_TYPES)[number];

export const REVIEW_EVENTS = {
  /** client → server, with ack `ReviewSubscribeAck`: receive this session's review events. */
  subscribe: 'review:subscribe',
  /** server → clients: a comment was created or changed (edit, resolve, reopen, delete). */
  comment: 'review:comment',
  /** server → clients: a version was created or changed (notes, approval); `deleted` when removed. */
  version: 'review:version',
  /** server → clients: a new activity-log entry (also the notification feed). */
  activity: 'review:activity',
  /** server → clients: session review settings changed. */
  settings: 'review:settings',
  /** server → clients: progress of a FLAC/MP3 being made for download (`DeliveryProgress`). */
  delivery: 'review:delivery',
  /** server → clients: a reference track was added (`ReferenceInfo`) or removed (`{ id, deleted: true }`). */
  reference: 'review:reference',
} as const;

const Seconds = z.number().finite().min(0, 'time must be ≥ 0');
const Body = z
  .string()
  .refine((s) => s.trim().length > 0, 'comment body is empty')
  .refine((s) => s.length <= COMMENT_MAX_CHARS, `comment body is longer than ${COMMENT_MAX_CHARS} characters`);

export const CreateCommentBody = z
  .strictObject({
    body: Body,
    atSec: Seconds,
    /** End of a range; omitted or null for a point comment. */
    endSec: Seconds.nullable().optional(),
    /** The channel the comment is about ("vocal too loud here"). */
    channelId: z.string().min(1).max(200).nullable().optional(),
    /** Replies name the comment they answer; they inherit its time. */
    parentId: z.string().min(1).max(64).nullable().optional(),
    /** Placed on this version's timeline: the time refers to the version's audio. */
    versionId: z.string().min(1).max(64).nullable().optional(),
  })
  .refine((c) => c.endSec == null || c.endSec > c.atSec, { message: 'range end must be after its start', path: ['endSec'] });
export type CreateCommentBody = z.infer<typeof CreateCommentBody>;

const QuerySeconds = z.coerce.number().finite().min(0, 'time must be ≥ 0');
const QueryId = z.string().min(1).max(64).optional();
/**
 * Query string of `POST /api/sessions/:id/comments/voice` (the body is the recorded audio):
 * where the voice note is pinned, as for a text comment, and how long the recording is.
 */
export const CreateVoiceNoteQuery = z
  .strictObject({
    atSec: QuerySeconds,
    endSec: QuerySeconds.optional(),
    durationSec: z.coerce.number().finite().positive('the recording is empty').max(VOICE_NOTE_MAX_SEC + 1, `a voice note is at most ${VOICE_NOTE_MAX_SEC / 60} minutes`),
    /** Optional words to go with it (shown as the comment's text; a default names the length). */
    body: Body.optional(),
    channelId: z.string().min(1).max(200).optional(),
    parentId: QueryId,
    versionId: QueryId,
  })
  .refine((c) => c.endSec == null || c.endSec > c.atSec, { message: 'range end must be after its start', path: ['endSec'] });
export type CreateVoiceNoteQuery = z.infer<typeof CreateVoiceNoteQuery>;

/** The recorded audio of a comment. */
export interface VoiceNoteInfo {
  /** Streams the audio (Range requests work). */
  url: string;
  mimeType: VoiceNoteType;
  durationSec: number;
  sizeBytes: number;
}

export const EditCommentBody = z.strictObject({ body: Body });
export type EditCommentBody = z.infer<typeof EditCommentBody>;

export const ResolveCommentBody = z.strictObject({ resolved: z.boolean() });
export type ResolveCommentBody = z.infer<typeof ResolveCommentBody>;

export const CommentFilter = z.enum(['all', 'open', 'resolved']);
export type CommentFilter = z.infer<typeof CommentFilter>;

export interface CommentInfo {
  id: string;
  sessionId: string;
  authorId: string;
  authorName: string;
  /** Plain text. Clients must render it as text (it may contain anything, including markup). Empty once deleted. */
  body: string;
  atSec: number;
  endSec: number | null;
  channelId: string | null;
  parentId: string | null;
  resolvedAt: string | null;
  resolvedBy: string | null;
  editedAt: string | null;
  deletedAt: string | null;
  createdAt: string;
  /** URL of the encoded mix state the comment was written against (for "Recall mix"), or null. */
  mixUrl: string | null;
  /** The version whose timeline the comment is on (its time refers to that audio); null: the session's. */
  versionId: string | null;
  /** A voice note: the comment's recorded audio; null for a text comment (and once deleted). */
  voice: VoiceNoteInfo | null;
}

export interface ListCommentsResponse { comments: CommentInfo[] }

export interface LoudnessReport {
  /** LUFS; null for silence or audio shorter than 400 ms. */
  integrated: number | null;
  /** LU */
  range: number;
  /** dBTP; null for digital silence. */
  truePeak: number | null;
  /** dBFS; null for digital silence. */
  samplePeak: number | null;
}

export const VersionStatus = z.enum(['pending', 'approved', 'changes_requested']);
export type VersionStatus = z.infer<typeof VersionStatus>;
export const VersionSource = z.enum(['bounce', 'upload']);
export type VersionSource = z.infer<typeof VersionSource>;

/** Query string of `POST /api/sessions/:id/versions` (the body is the WAV file itself). */
export const CreateVersionQuery = z.object({
  source: VersionSource.default('upload'),
  notes: z.string().max(VERSION_NOTES_MAX_CHARS).default(''),
});
export type CreateVersionQuery = z.infer<typeof CreateVersionQuery>;
/** Optional request header: base64 of the Yjs-encoded mix state the file was rendered from. */
export const MIX_STATE_HEADER = 'x-mixroom-mix-state';

export const EditVersionBody = z.strictObject({ notes: z.string().max(VERSION_NOTES_MAX_CHARS) });
export type EditVersionBody = z.infer<typeof EditVersionBody>;

export const DecisionBody = z
  .strictObject({
    decision: z.enum(['approve', 'request_changes']),
    comment: z.string().max(COMMENT_MAX_CHARS).default(''),
    /** The reference track the version was compared with (recorded with the decision). */
    referenceId: z.string().min(1).max(64).nullable().optional(),
  })
  .refine((d) => d.decision !== 'request_changes' || d.comment.trim().length > 0, {
    message: 'say what should change: a comment is required when requesting changes',
    path: ['comment'],
  });
export type DecisionBody = z.infer<typeof DecisionBody>;

export interface ApprovalInfo {
  decision: 'approve' | 'request_changes';
  byId: string;
  byName: string;
  at: string;
  /** SHA-256 of the audio file the decision was made on. */
  sha256: string;
  comment: string;
  /** The reference track it was compared with (name and file hash kept if the reference is later deleted). */
  reference: { id: string | null; name: string; sha256: string } | null;
}

/** What a version downloads as: the stored WAV, lossless FLAC, or a 320 kbps MP3 made from it. */
export const DOWNLOAD_FORMATS = ['wav', 'flac', 'mp3'] as const;
export type DownloadFormat = (typeof DOWNLOAD_FORMATS)[number];

export interface VersionInfo {
  id: string;
  sessionId: string;
  number: number;
  fileHash: string;
  format: string;
  sizeBytes: number;
  sampleRate: number;
  channels: number;
  bitDepth: number;
  durationSec: number;
  loudness: LoudnessReport;
  notes: string;
  source: VersionSource;
  createdById: string;
  createdByName: string;
  createdAt: string;
  status: VersionStatus;
  /** The latest decision (approval, or the most recent request for changes). */
  decision: ApprovalInfo | null;
  /** Readable mix differences from the previous version (null when either mix state is unknown). */
  changes: string[] | null;
  audioUrl: string;
  peaksUrl: string | null;
  mixUrl: string | null;
  /** The version's long-term 1/3-octave spectrum (`ThirdOctaveSpectrum`, measured on first request). */
  spectrumUrl: string;
  /** Download URLs (WAV, FLAC) and the loudness report. */
  downloads: { wav: string; flac: string; mp3: string; report: string };
  /** What the encodes made so far did (null until made; a lossy one says whether it was turned down). */
  deliveries: { flac: DeliveryInfo | null; mp3: DeliveryInfo | null };
}

/** An encode of a version for download, as made. */
export interface DeliveryInfo {
  format: 'flac' | 'mp3';
  /** Lossy only: the true-peak ceiling the decoded file had to meet (the session's delivery target), dBTP. */
  ceilingDbtp: number | null;
  /** Gain applied before encoding, dB: 0, or negative when the decoded peaks needed room. */
  gainDb: number;
  /** Lossy only: true peak of the decoded file, dBTP (values more than 1 dB under the ceiling read as ceiling − 1). */
  decodedTruePeakDbtp: number | null;
  /** One sentence for people ("MP3 turned down 0.4 dB so its decoded peaks stay under −1 dBTP"). */
  note: string;
}

/**
 * Progress of an encode for download, sent to the session's review room while it runs
 * (`encoding` with the fraction of the master done, `checking` while a lossy file is decoded and
 * measured), then `ready` (with `info`) or `failed` (with `error`).
 */
export interface DeliveryProgress {
  versionId: string;
  format: 'flac' | 'mp3';
  stage: 'encoding' | 'checking' | 'ready' | 'failed';
  /** 0…1 within the stage. */
  fraction: number;
  /** Gain the current encode applies, dB (a second MP3 encode runs turned down). */
  gainDb: number;
  info?: DeliveryInfo;
  error?: string;
}

export interface ListVersionsResponse { versions: VersionInfo[] }

/** Largest reference file accepted (a 10-minute 24-bit/96 kHz stereo WAV is ~350 MB). */
export const REFERENCE_MAX_BYTES = 512 * 1024 * 1024;
export const REFERENCE_NAME_MAX_CHARS = 200;
/** Containers a reference may come in (sniffed from the bytes, not the name). */
export const REFERENCE_FORMATS = ['wav', 'flac', 'mp3', 'ogg'] as const;
export type ReferenceFormat = (typeof REFERENCE_FORMATS)[number];

/** Query string of `POST /api/sessions/:id/references` (the body is the audio file itself). */
export const CreateReferenceQuery = z.strictObject({
  name: z
    .string()
    .max(REFERENCE_NAME_MAX_CHARS, `name is longer than ${REFERENCE_NAME_MAX_CHARS} characters`)
    .refine((s) => s.trim().length > 0, 'name is empty'),
  fileName: z.string().max(255).default(''),
});
export type CreateReferenceQuery = z.infer<typeof CreateReferenceQuery>;

/** Long-term 1/3-octave spectrum: dB re a full-scale sine per band (null: above Nyquist or silent). */
export interface SpectrumInfo {
  centersHz: number[];
  levelsDb: Array<number | null>;
}

/** A commercial reference track in a session: listened to and compared, never mixed or rendered. */
export interface ReferenceInfo {
  id: string;
  sessionId: string;
  name: string;
  fileName: string;
  fileHash: string;
  format: ReferenceFormat;
  sizeBytes: number;
  /** Rate it was decoded and measured at (the file's own; 48 kHz when its headers do not say). */
  sampleRate: number;
  channels: number;
  durationSec: number;
  loudness: LoudnessReport;
  spectrum: SpectrumInfo;
  createdById: string;
  createdByName: string;
  createdAt: string;
  audioUrl: string;
  peaksUrl: string | null;
}

export interface ListReferencesResponse { references: ReferenceInfo[] }

export const ReviewSettings = z.strictObject({ deliverOnlyApproved: z.boolean() });
export type ReviewSettings = z.infer<typeof ReviewSettings>;

/** Kinds recorded in the activity log; other features add theirs through the same function. */
export const ACTIVITY_KINDS = [
  'comment.created', 'comment.replied', 'comment.edited', 'comment.deleted', 'comment.resolved', 'comment.reopened',
  'version.created', 'version.edited', 'version.deleted', 'version.approved', 'version.changes_requested',
  'settings.changed', 'stem.uploaded', 'member.role_changed', 'reference.added', 'reference.deleted',
] as const;
export type ActivityKind = (typeof ACTIVITY_KINDS)[number];
/** Kinds that notify the other members of the session. */
export const NOTIFYING_KINDS: readonly ActivityKind[] = ['comment.created', 'comment.replied', 'version.created', 'version.approved', 'version.changes_requested'];

export interface ActivityInfo {
  /** Increasing per database; also the read-marker position. */
  id: string;
  sessionId: string;
  actorId: string;
  actorName: string;
  kind: ActivityKind;
  /** Kind-specific details (comment id and excerpt, version number …). */
  payload: Record<string, unknown>;
  at: string;
  /** Ready-to-show sentence, e.g. "Ana approved v2". */
  text: string;
}

export interface ListActivityResponse { events: ActivityInfo[] }
export interface NotificationsResponse { items: ActivityInfo[]; unread: number; lastReadId: string }
export const MarkReadBody = z.strictObject({ upTo: z.string().regex(/^\d+$/, 'upTo must be an activity id') });
export type MarkReadBody = z.infer<typeof MarkReadBody>;

export const ReviewSubscribePayload = z.object({ sessionId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/) });
export type ReviewSubscribeAck = { ok: true } | { ok: false; error: { code: string; message: string } };

export const reviewUrls = (sessionId: string) => {
  const base = `/api/sessions/${encodeURIComponent(sessionId)}`;
  return {
    comments: `${base}/comments`,
    comment: (id: string) => `${base}/comments/${encodeURIComponent(id)}`,
    commentMix: (id: string) => `${base}/comments/${encodeURIComponent(id)}/mix`,
    /** POST the recorded audio here to create a voice note. */
    voiceNotes: `${base}/comments/voice`,
    commentVoice: (id: string) => `${base}/comments/${encodeURIComponent(id)}/voice`,
    versions: `${base}/versions`,
    version: (id: string) => `${base}/versions/${encodeURIComponent(id)}`,
    versionAudio: (id: string) => `${base}/versions/${encodeURIComponent(id)}/audio`,
    versionPeaks: (id: string) => `${base}/versions/${encodeURIComponent(id)}/peaks`,
    versionMix: (id: string) => `${base}/versions/${encodeURIComponent(id)}/mix`,
    versionDecision: (id: string) => `${base}/versions/${encodeURIComponent(id)}/decision`,
    versionDownload: (id: string, format: DownloadFormat) => `${base}/versions/${encodeURIComponent(id)}/download?format=${format}`,
    versionReport: (id: string) => `${base}/versions/${encodeURIComponent(id)}/report`,
    versionSpectrum: (id: string) => `${base}/versions/${encodeURIComponent(id)}/spectrum`,
    references: `${base}/references`,
    reference: (id: string) => `${base}/references/${encodeURIComponent(id)}`,
    referenceAudio: (id: string) => `${base}/references/${encodeURIComponent(id)}/audio`,
    referencePeaks: (id: string) => `${base}/references/${encodeURIComponent(id)}/peaks`,
    /** The delivery pack (ZIP) of an approved version, with the metadata written into its files. */
    versionPack: (id: string, meta: { title: string; artist: string; isrc: string }) => `${base}/versions/${encodeURIComponent(id)}/pack?${new URLSearchParams(meta)}`,
    /** Comments as DAW markers: format reaper | audacity | midi. */
    commentsExport: (format: 'reaper' | 'audacity' | 'midi') => `${base}/comments/export?format=${format}`,
    commentsImport: `${base}/comments/import`,
    /** The version's WAV with the comments as cue points. */
    versionCues: (id: string) => `${base}/versions/${encodeURIComponent(id)}/cues`,
    settings: `${base}/review-settings`,
    activity: `${base}/activity`,
    notifications: `${base}/notifications`,
    notificationsRead: `${base}/notifications/read`,
  };
};

/** ISRC: country (2 letters), registrant (3 letters/digits), year (2 digits), designation (5 digits). */
const ISRC_PATTERN = /^([A-Z]{2})-?([A-Z0-9]{3})-?(\d{2})-?(\d{5})$/;

/** "gb-abc-26-00001", "GBABC2600001" → "GBABC2600001"; throws a plain-word error otherwise. */
export function normaliseIsrc(raw: string): string {
  const m = ISRC_PATTERN.exec(raw.trim().toUpperCase());
  if (!m) {
    throw new Error(`ISRC "${raw.trim().slice(0, 40)}" is not valid: it must be 12 characters like GB-ABC-26-00001 — a 2-letter country, a 3-character registrant, a 2-digit year and a 5-digit number (dashes optional)`);
  }
  return m.slice(1).join('');
}
