// Upload file names come from the client and end up in the UI, in Content-Disposition and as the
// default channel name: keep only a harmless base name.

const MAX_FILE_NAME = 120;

export function sanitizeFileName(raw: string): string {
  // Both separators: a Windows browser may send "C:\\Users\\x\\kick.wav".
  const base = raw.split(/[\\/]/).pop() ?? '';
  const clean = base
    .normalize('NFC')
    // Control characters are exactly what this strips.
    // eslint-disable-next-line no-control-regex
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, '');
  if (clean === '') return 'untitled';
  if (clean.length <= MAX_FILE_NAME) return clean;
  const dot = clean.lastIndexOf('.');
  const ext = dot > 0 && clean.length - dot <= 10 ? clean.slice(dot) : '';
  return clean.slice(0, MAX_FILE_NAME - ext.length).trimEnd() + ext;
}

/** "Bass DI (take 2).wav" → "Bass DI (take 2)". */
export function channelNameFor(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  const stem = dot > 0 ? fileName.slice(0, dot) : fileName;
  return stem.replace(/[_]+/g, ' ').trim().slice(0, 200) || 'Untitled';
}
