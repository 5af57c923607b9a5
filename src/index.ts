// Tributary's public API. Each layer is also importable on its own:
// `tributary/parquet`, `tributary/delta`, `tributary/reactive`, `tributary/cdc`.
export * from './parquet/index.ts';
export * from './delta/index.ts';
export * from './reactive/index.ts';
export * from './cdc/index.ts';
