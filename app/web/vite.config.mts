import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

// The API paths the UI calls; in `vite` dev mode they are proxied to a locally running `case-assigner serve`.
// (Probes and /metrics are on its operations listener, :9464, not the API port: nothing to proxy for them.)
const API_PATHS = ['/cases', '/stats', '/engineers'];
const API_TARGET = 'http://localhost:8000';

export default defineConfig({
  plugins: [vue()],
  // Relative asset URLs: the same build works at `/` (serve, nginx) and behind an Ingress path prefix.
  base: './',
  build: { outDir: 'dist', emptyOutDir: true },
  server: {
    port: 5173,
    proxy: Object.fromEntries(API_PATHS.map((path) => [path, { target: API_TARGET, changeOrigin: false }])),
  },
});
