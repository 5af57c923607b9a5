// Maps a table location to its Storage, so every API that takes a location
// string (DeltaTable.create/open, sinks) accepts object-store URLs as well as
// directories.

import { fileURLToPath } from 'node:url';
import type { Storage } from './storage.ts';
import { LocalStorage } from './local-storage.ts';
import { S3Storage, type S3StorageOptions } from './s3-storage.ts';

/** Options of {@link openStorage}. */
export interface OpenStorageOptions {
  /** Client (or its configuration) for `s3://` locations; by default one is configured from the environment. */
  s3Client?: S3StorageOptions['client'];
}

/**
 * The Storage for a location: a Storage is returned as is; `s3://bucket/prefix`
 * (also `s3a://`) is an {@link S3Storage}; `file:///dir` and plain paths are a
 * {@link LocalStorage}. Other URL schemes are refused with an error naming them.
 *
 * @example
 * openStorage('s3://lake/orders');   // S3Storage, bucket 'lake', prefix 'orders'
 * openStorage('/data/orders');       // LocalStorage
 */
export function openStorage(location: string | URL | Storage, options: OpenStorageOptions = {}): Storage {
  if (typeof location !== 'string' && !(location instanceof URL)) return location;
  const text = location instanceof URL ? location.href : location;
  // A scheme is at least two letters, so Windows drive letters (C:\data) stay paths.
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]+):\/\//.exec(text)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    if (text === '') throw new Error('Empty table location');
    return new LocalStorage(text);
  }
  if (scheme === 'file') return new LocalStorage(fileURLToPath(text));
  if (scheme === 's3' || scheme === 's3a') {
    const rest = text.slice(scheme.length + 3);
    const slash = rest.indexOf('/');
    const bucket = slash < 0 ? rest : rest.slice(0, slash);
    const prefix = slash < 0 ? '' : rest.slice(slash + 1);
    if (bucket === '') throw new Error(`No bucket in S3 location '${text}' (expected s3://bucket/prefix)`);
    if (/[?#]/.test(prefix)) throw new Error(`S3 location '${text}' has a query or fragment; expected s3://bucket/prefix`);
    return new S3Storage({ bucket, prefix, client: options.s3Client });
  }
  throw new Error(`Unsupported table location '${text}': scheme '${scheme}://' (supported: s3://, s3a://, file://, or a local path)`);
}
