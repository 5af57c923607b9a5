// Loads the compiled addon (built by node-gyp on `npm install`). Everything
// native is reached through this one module, so the boundary stays thin.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function load(): NativeAddon {
  const candidates = ['../../build/Release/tributary.node', '../../build/Debug/tributary.node'];
  let lastError: unknown;
  for (const c of candidates) {
    try {
      return require(c) as NativeAddon;
    } catch (e) {
      lastError = e;
    }
  }
  throw new Error(`tributary: the native addon is not built (run \`npm install\` or \`npm run build:native\`): ${String(lastError)}`);
}

/** The addon's exports; each native module adds its functions here. */
export interface NativeAddon {
  [name: string]: unknown;
  /** native/codec: compresses one block; `codecId` is Parquet's CompressionCodec value, `level` -1/absent = codec default. */
  compress(codecId: number, data: Uint8Array, level?: number): Buffer;
  /** native/codec: decompresses one block that must decode to exactly `uncompressedSize` bytes. */
  decompress(codecId: number, data: Uint8Array, uncompressedSize: number): Buffer;
}

export const native: NativeAddon = load();
