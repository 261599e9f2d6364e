// Builds the front end (web/) into dist/web, where the console's server serves it from.
// Preact's JSX through Vite's own transform: no Babel, no plugin.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('./web/', import.meta.url)),
  // Relative to the root: the server serves dist/web at /.
  base: '/',
  build: {
    outDir: fileURLToPath(new URL('./dist/web/', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // The polyfill would be an inline script, which the page's Content-Security-Policy forbids.
    modulePreload: { polyfill: false },
    reportCompressedSize: false,
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  // The workspace packages' sources, not their compiled dist/ (built or not, and server-side).
  resolve: { conditions: ['browser', 'module', 'import', 'default'] },
  server: { proxy: { '/api': 'http://127.0.0.1:8086', '/config.json': 'http://127.0.0.1:8086', '/dev': 'http://127.0.0.1:8086' } },
});
