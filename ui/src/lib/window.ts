import { getCurrentWindow } from "@tauri-apps/api/window";

/**
 * Shows the main window once the first frame is ready. A no-op outside Tauri (browser dev) and when the window
 * is already visible; needs the `core:window:allow-show` permission in the app's capability.
 */
export async function showMainWindow(): Promise<void> {
  if (!("__TAURI_INTERNALS__" in window) || import.meta.env.VITE_MOCK_IPC === "1") return;
  try {
    await getCurrentWindow().show();
  } catch (e) {
    console.warn("could not show the main window", e);
  }
}
