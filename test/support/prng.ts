// The seeded PRNG the tests share with the benches (bench/lib/prng.ts), so a
// randomized test that fails can be replayed with the same seed.
export { prng } from '../../bench/lib/prng.ts';
