import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Values the rules share are frozen under the tests, so one that writes to them throws (src/domain/per-document.ts).
    env: { KVMXML_FREEZE_SHARED: '1' },
    include: ['test/**/*.test.ts'],
    // The real-libvirt suite drives a daemon and the host's huge page pools: `npm run test:libvirt`.
    exclude: ['test/libvirt/**', 'node_modules/**'],
    testTimeout: 20000,
  },
});
