import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import "@fontsource-variable/inter";
import "@fontsource-variable/vazirmatn";
import "./index.css";
import { App } from "./app/App";
import { createAppRouter } from "./app/router";
import { createQueryClient } from "./lib/queryClient";
import { applyCachedAppearance, loadStartupAppearance } from "./lib/startup";

async function start() {
  // 1. What we showed last time, synchronously, so the first frame already has the right theme and direction.
  const cached = applyCachedAppearance();

  // Browser-only development without the Rust side: `npm run dev:mock`. Tree-shaken out of production builds.
  if (import.meta.env.DEV && import.meta.env.VITE_MOCK_IPC === "1") {
    const { installDemoBackend } = await import("./dev/demoBackend");
    installDemoBackend();
  }

  // 2. The stored settings (SQLite, via the backend) before the first React render.
  const queryClient = createQueryClient();
  await loadStartupAppearance(queryClient, cached);

  const router = createAppRouter(queryClient);
  const root = document.getElementById("root");
  if (!root) throw new Error("#root is missing from index.html");
  createRoot(root).render(
    <StrictMode>
      <App queryClient={queryClient} router={router} />
    </StrictMode>,
  );
  // The window may be created hidden (tauri.conf.json `visible: false`) so nothing unstyled is ever seen.
}

void start();
