import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The real-libvirt suite drives a daemon and the host's huge page pools: `npm run test:libvirt`.
    exclude: ['test/libvirt/**', 'node_modules/**'],
    testTimeout: 20000,
  },
});
