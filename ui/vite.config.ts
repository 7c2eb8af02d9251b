/// <reference types="vitest/config" />
import { fileURLToPath, URL } from "node:url";
import tailwindcss from "@tailwindcss/vite";
import react from "@vitejs/plugin-react";
import { defineConfig, searchForWorkspaceRoot } from "vite";

// Translations live outside ui/ (top-level locales/) so the Rust side and tools can read them too.
const localesDir = fileURLToPath(new URL("../locales", import.meta.url));

export default defineConfig({
  plugins: [react(), tailwindcss()],
  resolve: {
    alias: {
      "@locales": localesDir,
      "@": fileURLToPath(new URL("./src", import.meta.url)),
    },
  },
  // Tauri prints its own output; keep Vite's visible.
  clearScreen: false,
  server: {
    port: 1420,
    strictPort: true,
    fs: { allow: [searchForWorkspaceRoot(process.cwd()), localesDir] },
    watch: { ignored: ["**/src-tauri/**", "**/target/**"] },
  },
  envPrefix: ["VITE_", "TAURI_ENV_"],
  build: {
    // WebKitGTK 2.4x on Linux, WKWebView on macOS 12+, WebView2 (Chromium) on Windows.
    target: ["safari15", "chrome105"],
    sourcemap: false,
    // Loaded from disk by the web view, not over a network: one larger main chunk costs nothing noticeable.
    chunkSizeWarningLimit: 800,
  },
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test/setup.ts"],
    css: false,
    restoreMocks: true,
    // Whole-app renders with user-event are slow on a loaded 2-core machine; a timeout is not an assertion.
    testTimeout: 20_000,
  },
});
