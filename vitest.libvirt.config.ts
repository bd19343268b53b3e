import { defineConfig } from 'vitest/config';

// The real-libvirt suite (`npm run test:libvirt`): it drives one libvirtd and the host's huge
// page pools, so everything runs in one worker, one test at a time, in file order.
export default defineConfig({
  test: {
    // Values the rules share are frozen under the tests, so one that writes to them throws (src/domain/per-document.ts).
    env: { KVMXML_FREEZE_SHARED: '1' },
    include: ['test/libvirt/**/*.test.ts'],
    globalSetup: ['test/libvirt/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    sequence: { concurrent: false, shuffle: false },
    // a case may apply a host (pools, mounts, a libvirtd restart) and start a guest
    testTimeout: 180_000,
    // setup may install packages with apt-get
    hookTimeout: 900_000,
    teardownTimeout: 300_000,
  },
});
