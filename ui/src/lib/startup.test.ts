import { describe, expect, it, vi } from "vitest";
import { fail, installMockBackend } from "@/dev/mockBackend";
import { settings } from "@/dev/fixtures";
import { cacheAppearance } from "./appearance";
import i18n from "./i18n";
import { createQueryClient } from "./queryClient";
import { applyCachedAppearance, loadStartupAppearance } from "./startup";

describe("startup appearance", () => {
  it("applies the cached appearance synchronously, then the stored settings", async () => {
    cacheAppearance({ language: "ar", theme: "dark" });
    const cached = applyCachedAppearance();
    expect(document.documentElement).toHaveAttribute("dir", "rtl");
    expect(document.documentElement).toHaveClass("dark");

    installMockBackend({ settings_get: () => ({ ...settings, language: "tr", theme: "light" }) });
    await loadStartupAppearance(createQueryClient(), cached);
    expect(document.documentElement).toHaveAttribute("lang", "tr");
    expect(document.documentElement).toHaveAttribute("dir", "ltr");
    expect(document.documentElement).not.toHaveClass("dark");
    expect(i18n.language).toBe("tr");
  });

  it("keeps the cached appearance when settings_get fails, and still starts", async () => {
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    cacheAppearance({ language: "fa", theme: "dark" });
    const cached = applyCachedAppearance();
    installMockBackend({ settings_get: () => fail("internal", "database is locked") });
    // No retries at startup: a broken backend must not hold the window back.
    await expect(loadStartupAppearance(createQueryClient(), cached)).resolves.toEqual({
      language: "fa",
      theme: "dark",
    });
    expect(document.documentElement).toHaveAttribute("dir", "rtl");
    expect(i18n.language).toBe("fa");
  });
});
