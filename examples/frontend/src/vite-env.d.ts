/// <reference types="vite/client" />

/** The build-time settings (see vite.config.ts). */
interface ImportMetaEnv {
  readonly VITE_GATEWAY_URL?: string;
  readonly VITE_TRUSTED_DOCUMENTS?: string;
}
