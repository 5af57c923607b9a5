// Storage on Amazon S3 (or an S3-compatible server). Commits rely on S3's
// conditional write: PutObject with `If-None-Match: *` creates the object only
// if the key is free, and every other writer racing for it gets 412, so one
// commit wins per version without an external lock (as delta-rs and Delta's
// S3 "conditional put" log store do). The SDK is an optional dependency, loaded
// on first use, so users who never touch S3 do not need it installed.

import type {
  S3Client,
  S3ClientConfig,
  CompletedPart,
  ListObjectsV2CommandOutput,
} from '@aws-sdk/client-s3';
import type { FileMeta, Storage } from './storage.ts';
import { forEachLimit } from '../for-each-limit.ts';

type S3Sdk = typeof import('@aws-sdk/client-s3');

/** Options of {@link S3Storage}. */
export interface S3StorageOptions {
  bucket: string;
  /** Key prefix of the table ("warehouse/orders"); leading and trailing slashes are ignored. */
  prefix?: string;
  /**
   * A client to share, or the configuration of one to create. When a
   * configuration names an `endpoint` (or `AWS_ENDPOINT_URL_S3` /
   * `AWS_ENDPOINT_URL` is set) path-style addressing is the default, because
   * S3-compatible servers (MinIO, moto, Ceph) expect it.
   */
  client?: S3Client | S3ClientConfig;
  /** Bodies larger than this go up as a multipart upload (default 32 MiB). */
  multipartThreshold?: number;
  /** Size of each multipart part (default 16 MiB; S3's minimum is 5 MiB). */
  partSize?: number;
  /** Keys per ListObjectsV2 request (default 1000, S3's maximum; some compatible servers allow fewer). */
  listPageSize?: number;
}

const MiB = 1024 * 1024;
/** S3 rejects multipart parts below 5 MiB (all but the last). */
const MIN_PART_SIZE = 5 * MiB;
/** Parts uploaded at once: enough to fill a link without holding many parts in flight. */
const PART_CONCURRENCY = 4;
/** Keys per DeleteObjects request: S3's limit. */
const DELETE_BATCH = 1000;
/** Attempts of a conditional put that S3 answers with 409 ConditionalRequestConflict. */
const CONFLICT_ATTEMPTS = 8;

let sdkPromise: Promise<S3Sdk> | null = null;

/** Loads `@aws-sdk/client-s3` once; a missing package becomes an error telling how to install it. */
function loadSdk(root: string): Promise<S3Sdk> {
  sdkPromise ??= import('@aws-sdk/client-s3').catch((err: unknown) => {
    sdkPromise = null;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new Error(
        `S3 storage (${root}) needs the optional package @aws-sdk/client-s3, which is not installed: run \`npm install @aws-sdk/client-s3\``,
        { cause: err },
      );
    }
    throw err;
  });
  return sdkPromise;
}

/**
 * A {@link Storage} on an S3 bucket, under a key prefix. Paths are relative
 * to the prefix and '/'-separated.
 *
 * @example
 * const storage = new S3Storage({ bucket: 'lake', prefix: 'orders', client: { region: 'eu-west-1' } });
 * const table = await DeltaTable.open(storage);
 */
export class S3Storage implements Storage {
  readonly root: string;
  readonly bucket: string;
  /** The key prefix ('' or ending in '/'). */
  readonly keyPrefix: string;
  private readonly clientOption: S3Client | S3ClientConfig | undefined;
  private clientPromise: Promise<{ sdk: S3Sdk; client: S3Client }> | null = null;
  /** Whether this storage created its client (and so may destroy it). */
  private ownsClient = false;
  private readonly multipartThreshold: number;
  private readonly partSize: number;
  private readonly listPageSize: number | undefined;

  constructor(options: S3StorageOptions) {
    const { bucket } = options;
    // Loose on purpose: legacy us-east-1 buckets and S3-compatible servers allow more than today's AWS rules.
    if (typeof bucket !== 'string' || !/^[A-Za-z0-9._-]{1,255}$/.test(bucket)) {
      throw new Error(`Invalid S3 bucket name '${String(bucket)}': expected letters, digits, '.', '_' or '-'`);
    }
    const prefix = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
    this.bucket = bucket;
    this.keyPrefix = prefix === '' ? '' : `${prefix}/`;
    this.root = prefix === '' ? `s3://${bucket}` : `s3://${bucket}/${prefix}`;
    this.clientOption = options.client;
    this.partSize = Math.max(options.partSize ?? 16 * MiB, MIN_PART_SIZE);
    this.multipartThreshold = Math.max(options.multipartThreshold ?? 32 * MiB, this.partSize);
    this.listPageSize = options.listPageSize;
  }

  /** Closes the client's connections, if this storage created the client. */
  async destroy(): Promise<void> {
    if (!this.clientPromise) return;
    // A failed SDK load left no client behind.
    const loaded = await this.clientPromise.catch(() => null);
    if (loaded && this.ownsClient) loaded.client.destroy();
  }

  async read(path: string): Promise<Uint8Array | null> {
    const key = this.key(path);
    const { sdk, client } = await this.s3();
    try {
      const out = await client.send(new sdk.GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return await bodyBytes(out.Body, this.url(key));
    } catch (err) {
      if (isNotFound(err)) return null;
      throw this.error('GetObject', key, err);
    }
  }

  async readRange(path: string, start: number, end: number): Promise<Uint8Array> {
    const key = this.key(path);
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start) {
      throw new Error(`Invalid byte range [${start}, ${end}) for ${this.url(key)}`);
    }
    if (start === end) {
      // HTTP cannot express an empty range; still fail like a read would for a missing object or an offset past the end.
      const meta = await this.head(path);
      if (!meta) throw new Error(`No object at ${this.url(key)}`);
      if (start > meta.size) throw new Error(`Byte range [${start}, ${end}) is past the end of ${this.url(key)} (${meta.size} bytes)`);
      return new Uint8Array(0);
    }
    const { sdk, client } = await this.s3();
    let bytes: Uint8Array;
    try {
      const out = await client.send(
        new sdk.GetObjectCommand({ Bucket: this.bucket, Key: key, Range: `bytes=${start}-${end - 1}` }),
      );
      bytes = await bodyBytes(out.Body, this.url(key));
    } catch (err) {
      if (statusOf(err) === 416) {
        throw new Error(`Byte range [${start}, ${end}) is past the end of ${this.url(key)}`, { cause: err });
      }
      if (isNotFound(err)) throw new Error(`No object at ${this.url(key)}`, { cause: err });
      throw this.error('GetObject', key, err);
    }
    // S3 clips a range that runs past the end instead of failing.
    if (bytes.length !== end - start) {
      throw new Error(`Byte range [${start}, ${end}) is past the end of ${this.url(key)} (read ${bytes.length} bytes)`);
    }
    return bytes;
  }

  async head(path: string): Promise<FileMeta | null> {
    const key = this.key(path);
    const { sdk, client } = await this.s3();
    try {
      const out = await client.send(new sdk.HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { path, size: out.ContentLength ?? 0, modificationTime: out.LastModified?.getTime() ?? 0 };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw this.error('HeadObject', key, err);
    }
  }

  async write(path: string, data: Uint8Array): Promise<void> {
    await this.put(this.key(path), data, false);
  }

  async putIfAbsent(path: string, data: Uint8Array): Promise<boolean> {
    const key = this.key(path);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.put(key, data, true);
        return true;
      } catch (err) {
        const cause = (err as Error).cause ?? err;
        if (statusOf(cause) === 412) {
          // The SDK retries requests whose answer it lost (a timeout, a reset); if
          // our first try went through, the retry finds our own object. Only then
          // compare bytes: commit bodies are unique (timestamps, file UUIDs).
          if (attemptsOf(cause) > 1 && (await this.sameBytes(key, data))) return true;
          return false;
        }
        // 409: another conditional write to the key was in flight; S3 asks to retry.
        if (statusOf(cause) === 409 && attempt < CONFLICT_ATTEMPTS) {
          await sleep(Math.min(1000, 20 * 2 ** attempt) * (0.5 + Math.random()));
          continue;
        }
        throw err;
      }
    }
  }

  async list(prefix: string): Promise<FileMeta[]> {
    const out: FileMeta[] = [];
    await this.listKeys({ Prefix: this.keyPrefix + prefix }, (path) => path.startsWith(prefix), out);
    return sortByPath(out);
  }

  async listFrom(dir: string, startAfter: string): Promise<FileMeta[]> {
    const d = dir.replace(/\/+$/, '');
    const dirPath = d === '' ? '' : `${d}/`;
    const base = this.keyPrefix + dirPath;
    // S3's StartAfter is exclusive and ours inclusive: start just below
    // `startAfter` and drop the few keys between that bound and it.
    const bound = keyBelow(startAfter);
    const out: FileMeta[] = [];
    await this.listKeys(
      { Prefix: base, Delimiter: '/', ...(bound === '' ? {} : { StartAfter: base + bound }) },
      (path) => path.slice(dirPath.length) >= startAfter,
      out,
    );
    return sortByPath(out);
  }

  async delete(path: string): Promise<void> {
    const key = this.key(path);
    const { sdk, client } = await this.s3();
    try {
      // S3 answers 204 for a missing key too, matching the contract.
      await client.send(new sdk.DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (err) {
      if (isNotFound(err)) return;
      throw this.error('DeleteObject', key, err);
    }
  }

  async deleteMany(paths: readonly string[], concurrency = 4): Promise<void> {
    const keys = paths.map((p) => this.key(p)); // refuses bad paths before anything is deleted
    if (keys.length === 0) return;
    const { sdk, client } = await this.s3();
    const batches: string[][] = [];
    for (let i = 0; i < keys.length; i += DELETE_BATCH) batches.push(keys.slice(i, i + DELETE_BATCH));
    const failed: string[] = [];
    await forEachLimit(batches, concurrency, async (batch) => {
      try {
        // Quiet: the answer lists only the keys that failed (a missing key is deleted, as for DeleteObject).
        const r = await client.send(new sdk.DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }));
        for (const e of r.Errors ?? []) failed.push(`${this.url(e.Key ?? '?')}: ${e.Code ?? 'Error'} ${e.Message ?? ''}`.trim());
      } catch (err) {
        const e = this.error('DeleteObjects', batch[0], err);
        failed.push(...batch.map((k) => `${this.url(k)}: ${e.message}`));
      }
    });
    if (failed.length > 0) throw new Error(`S3 could not delete ${failed.length} of ${keys.length} object(s): ${failed.slice(0, 5).join('; ')}`);
  }

  // ---------------------------------------------------------------------------

  private s3(): Promise<{ sdk: S3Sdk; client: S3Client }> {
    this.clientPromise ??= loadSdk(this.root).then((sdk) => {
      const option = this.clientOption;
      if (option instanceof sdk.S3Client || isClient(option)) return { sdk, client: option as S3Client };
      this.ownsClient = true;
      return { sdk, client: new sdk.S3Client(clientConfig(option)) };
    });
    return this.clientPromise;
  }

  /** The object key of a storage path; refuses paths that would leave the prefix. */
  private key(path: string): string {
    if (typeof path !== 'string' || path === '' || path.startsWith('/') || path.split('/').some((s) => s === '..' || s === '.')) {
      throw new Error(`Invalid path '${String(path)}' for S3 storage ${this.root}: must be relative, without '.' or '..' segments`);
    }
    return this.keyPrefix + path;
  }

  private url(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }

  private error(op: string, key: string, err: unknown): Error {
    const e = err as { name?: string; message?: string };
    const status = statusOf(err);
    return new Error(
      `S3 ${op} of ${this.url(key)} failed: ${e.name ?? 'Error'}${status ? ` (HTTP ${status})` : ''}: ${e.message ?? String(err)}`,
      { cause: err },
    );
  }

  /** PutObject, or a multipart upload for large bodies; `ifAbsent` makes either conditional. */
  private async put(key: string, data: Uint8Array, ifAbsent: boolean): Promise<void> {
    if (data.length > this.multipartThreshold) return this.putMultipart(key, data, ifAbsent);
    const { sdk, client } = await this.s3();
    try {
      await client.send(
        new sdk.PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: data,
          ContentLength: data.length,
          ...(ifAbsent ? { IfNoneMatch: '*' } : {}),
        }),
      );
    } catch (err) {
      throw this.error('PutObject', key, err);
    }
  }

  /**
   * Uploads parts in parallel and completes the upload: the object appears
   * (or is replaced) only at completion, so a failure leaves the key as it was.
   */
  private async putMultipart(key: string, data: Uint8Array, ifAbsent: boolean): Promise<void> {
    const { sdk, client } = await this.s3();
    const Bucket = this.bucket;
    let uploadId: string | undefined;
    try {
      const created = await client.send(new sdk.CreateMultipartUploadCommand({ Bucket, Key: key }));
      uploadId = created.UploadId;
      if (!uploadId) throw new Error('no UploadId in the CreateMultipartUpload answer');
      const count = Math.ceil(data.length / this.partSize);
      const parts: CompletedPart[] = new Array(count);
      await forEachLimit(Array.from({ length: count }, (_, i) => i), PART_CONCURRENCY, async (i) => {
        const body = data.subarray(i * this.partSize, Math.min(data.length, (i + 1) * this.partSize));
        const r = await client.send(
          new sdk.UploadPartCommand({ Bucket, Key: key, UploadId: uploadId, PartNumber: i + 1, Body: body, ContentLength: body.length }),
        );
        // Echo any checksum the SDK sent: S3 requires it on completion when the upload has one.
        parts[i] = {
          PartNumber: i + 1,
          ETag: r.ETag,
          ...(r.ChecksumCRC32 ? { ChecksumCRC32: r.ChecksumCRC32 } : {}),
          ...(r.ChecksumCRC32C ? { ChecksumCRC32C: r.ChecksumCRC32C } : {}),
          ...(r.ChecksumCRC64NVME ? { ChecksumCRC64NVME: r.ChecksumCRC64NVME } : {}),
          ...(r.ChecksumSHA1 ? { ChecksumSHA1: r.ChecksumSHA1 } : {}),
          ...(r.ChecksumSHA256 ? { ChecksumSHA256: r.ChecksumSHA256 } : {}),
        };
      });
      await client.send(
        new sdk.CompleteMultipartUploadCommand({
          Bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts },
          ...(ifAbsent ? { IfNoneMatch: '*' } : {}),
        }),
      );
    } catch (err) {
      if (uploadId) {
        // Best effort: parts of an abandoned upload are billed until aborted.
        await client.send(new sdk.AbortMultipartUploadCommand({ Bucket, Key: key, UploadId: uploadId })).catch(() => undefined);
      }
      throw this.error('multipart upload', key, err);
    }
  }

  /** Pages through ListObjectsV2, keeping objects whose path passes `keep`. */
  private async listKeys(
    input: { Prefix: string; Delimiter?: string; StartAfter?: string },
    keep: (path: string) => boolean,
    out: FileMeta[],
  ): Promise<void> {
    const { sdk, client } = await this.s3();
    let token: string | undefined;
    do {
      let page: ListObjectsV2CommandOutput;
      try {
        page = await client.send(
          new sdk.ListObjectsV2Command({
            Bucket: this.bucket,
            ...input,
            ...(this.listPageSize ? { MaxKeys: this.listPageSize } : {}),
            ...(token ? { ContinuationToken: token } : {}),
          }),
        );
      } catch (err) {
        throw this.error('ListObjectsV2', input.Prefix, err);
      }
      for (const o of page.Contents ?? []) {
        if (!o.Key || !o.Key.startsWith(this.keyPrefix)) continue;
        const path = o.Key.slice(this.keyPrefix.length);
        // Keys ending in '/' are folder markers some tools create, not files.
        if (path === '' || path.endsWith('/') || !keep(path)) continue;
        out.push({ path, size: o.Size ?? 0, modificationTime: o.LastModified?.getTime() ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  private async sameBytes(key: string, data: Uint8Array): Promise<boolean> {
    const { sdk, client } = await this.s3();
    try {
      const out = await client.send(new sdk.GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const bytes = await bodyBytes(out.Body, this.url(key));
      return bytes.length === data.length && bytes.every((b, i) => b === data[i]);
    } catch (err) {
      throw this.error('GetObject', key, err);
    }
  }
}

/** The configuration of a client this storage creates: path style when an endpoint is set. */
function clientConfig(config: S3ClientConfig | undefined): S3ClientConfig {
  const c: S3ClientConfig = { ...(config ?? {}) };
  const endpoint = c.endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
  if (endpoint !== undefined && c.forcePathStyle === undefined) c.forcePathStyle = true;
  return c;
}

/** A client from another copy of the SDK fails `instanceof`; recognise it by shape. */
function isClient(x: unknown): boolean {
  return typeof x === 'object' && x !== null && typeof (x as { send?: unknown }).send === 'function' && 'config' in x;
}

/**
 * A string that sorts below `s` but above every string that sorts below `s`
 * and does not share its prefix: `s` with its last character decremented
 * (when ASCII, where UTF-8 and UTF-16 orders agree) or dropped.
 */
function keyBelow(s: string): string {
  if (s === '') return '';
  const last = s.charCodeAt(s.length - 1);
  return last > 0 && last < 0x80 ? s.slice(0, -1) + String.fromCharCode(last - 1) : s.slice(0, -1);
}

async function bodyBytes(body: unknown, url: string): Promise<Uint8Array> {
  const b = body as { transformToByteArray?: () => Promise<Uint8Array> } | undefined;
  if (!b?.transformToByteArray) throw new Error(`S3 returned no body for ${url}`);
  return b.transformToByteArray();
}

function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

function attemptsOf(err: unknown): number {
  return (err as { $metadata?: { attempts?: number } } | null)?.$metadata?.attempts ?? 1;
}

/** A missing object; a missing bucket is an error worth reporting, not an absent table. */
function isNotFound(err: unknown): boolean {
  const name = (err as { name?: string } | null)?.name;
  if (name === 'NoSuchBucket') return false;
  return statusOf(err) === 404 || name === 'NoSuchKey' || name === 'NotFound';
}

function sortByPath(files: FileMeta[]): FileMeta[] {
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
