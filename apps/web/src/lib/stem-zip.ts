import { downloadZip } from 'client-zip';

/**
 * "Export stems" as one zip (STORE: WAV barely compresses), written by client-zip: streamed from
 * the files' Blobs into a Blob, which the browser keeps on disk once it is large, and ZIP64 past
 * 4 GiB. 48 stems of five minutes at 24-bit are 4.1 GB: the home-made writer this replaced held
 * every file and the archive in memory and wrapped its 32-bit sizes and offsets past 4 GiB.
 */
export function zipFiles(files: ReadonlyArray<{ name: string; blob: Blob }>, lastModified = new Date()): Promise<Blob> {
  const entries = files.map((f) => ({ name: f.name, input: f.blob, lastModified, size: f.blob.size }));
  return downloadZip(entries, { metadata: entries.map(({ name, size }) => ({ name, size })) }).blob();
}
