import { afterEach, describe, expect, it, vi } from "vitest";
import { applyAppearance, applyTheme, readCachedAppearance, watchSystemTheme } from "./appearance";

function fakeMedia(initiallyDark: boolean) {
  let dark = initiallyDark;
  const listeners = new Set<() => void>();
  vi.spyOn(window, "matchMedia").mockImplementation(
    (query: string) =>
      ({
        get matches() {
          return dark;
        },
        media: query,
        addEventListener: (_: string, l: () => void) => listeners.add(l),
        removeEventListener: (_: string, l: () => void) => listeners.delete(l),
      }) as unknown as MediaQueryList,
  );
  return {
    setDark(value: boolean) {
      dark = value;
      listeners.forEach((l) => l());
    },
    listenerCount: () => listeners.size,
  };
}

afterEach(() => vi.restoreAllMocks());

describe("appearance", () => {
  it("sets lang and dir for right-to-left languages", () => {
    applyAppearance({ language: "ar", theme: "light" });
    expect(document.documentElement).toHaveAttribute("dir", "rtl");
    expect(document.documentElement).toHaveAttribute("lang", "ar");
    applyAppearance({ language: "tr", theme: "light" });
    expect(document.documentElement).toHaveAttribute("dir", "ltr");
  });

  it("follows the OS theme live while the setting is system", () => {
    const media = fakeMedia(false);
    applyTheme("system");
    expect(document.documentElement).not.toHaveClass("dark");
    const stop = watchSystemTheme(() => applyTheme("system"));
    media.setDark(true);
    expect(document.documentElement).toHaveClass("dark");
    stop();
    expect(media.listenerCount()).toBe(0);
  });

  it("remembers the last appearance for the next start and ignores a corrupt cache", () => {
    applyAppearance({ language: "fa", theme: "dark" });
    expect(readCachedAppearance()).toEqual({ language: "fa", theme: "dark" });
    window.localStorage.setItem("syncflow.appearance", '{"language":"xx","theme":"dark"}');
    expect(readCachedAppearance()).toBeNull();
    window.localStorage.setItem("syncflow.appearance", "{not json");
    expect(readCachedAppearance()).toBeNull();
  });
});
