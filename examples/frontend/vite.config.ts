import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/**
 * Build-time settings, read in src/main.tsx:
 *   VITE_GATEWAY_URL         the gateway's /graphql (default http://localhost:4000/graphql)
 *   VITE_TRUSTED_DOCUMENTS   true: send operations by hash alone, for a gateway that loads this
 *                            app's manifest (TRUSTED_DOCUMENTS_FILE); otherwise as plain text
 */
// Vite reads its configuration from the default export.
export default defineConfig({
  plugins: [react()],
  build: { sourcemap: true },
});
