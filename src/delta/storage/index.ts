// Storage entry point: the interface and its implementations.

export type { FileMeta, Storage } from './storage.ts';
export { LocalStorage } from './local-storage.ts';
export { MemoryStorage } from './memory-storage.ts';
