/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

// The build lands inside the Python package, which serves it at / (src/core_monitor/api/spa.py).
const outDir = fileURLToPath(new URL('../src/core_monitor/ui/dist', import.meta.url));
const backend = process.env.COREMON_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir,
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1200,
  },
  server: {
    proxy: {
      '/api': { target: backend, changeOrigin: false },
      '/healthz': backend,
    },
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    css: false,
    // @rjsf/mantine imports dayjs plugins without their extension, which bundlers accept and
    // node's ESM loader does not: let vite resolve it.
    server: { deps: { inline: ['@rjsf/mantine'] } },
  },
});
