// Moved to bench/lib/orders.ts (shared by the benches). This re-export only keeps
// bench/ingest and bench/maintenance working until they import bench/lib directly.
export { arrowByteLength, generateOrders } from '../lib/orders.ts';
export { prng } from '../lib/prng.ts';
