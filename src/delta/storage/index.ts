// Storage entry point: the interface and its implementations.

export type { FileMeta, Storage } from './storage.ts';
export { LocalStorage } from './local-storage.ts';
export { MemoryStorage } from './memory-storage.ts';
export { S3Storage, type S3StorageOptions } from './s3-storage.ts';
export { openStorage, type OpenStorageOptions } from './open-storage.ts';
