import { describe, expect, it } from "vitest";
import { resources } from "./i18n";

type Tree = { [key: string]: string | Tree };

function flatten(tree: Tree, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === "string") out.set(path, value);
    else for (const [k, v] of flatten(value, path)) out.set(k, v);
  }
  return out;
}

const placeholders = (text: string) => [...text.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]).sort();

const flat = Object.fromEntries(
  Object.entries(resources).map(([lang, { translation }]) => [lang, flatten(translation as Tree)]),
) as Record<keyof typeof resources, Map<string, string>>;
const english = flat.en;

describe.each(["fa", "ar", "tr"] as const)("locales/%s.json", (lang) => {
  const other = flat[lang];

  it("has exactly the keys of en.json", () => {
    expect([...other.keys()].sort()).toEqual([...english.keys()].sort());
  });

  it("uses the same {{placeholders}} as English in every string", () => {
    for (const [key, text] of english) {
      expect({ key, vars: placeholders(other.get(key) ?? "") }).toEqual({ key, vars: placeholders(text) });
    }
  });
});

describe.each(["en", "fa", "ar", "tr"] as const)("locales/%s.json values", (lang) => {
  it("has no empty or whitespace-only value", () => {
    const empty = [...flat[lang]].filter(([, v]) => v.trim() === "").map(([k]) => k);
    expect(empty).toEqual([]);
  });
});

describe("translations", () => {
  it("are really translated, not copies of English (beyond names and codes)", () => {
    for (const lang of ["fa", "ar", "tr"] as const) {
      const same = [...english].filter(([key, text]) => flat[lang].get(key) === text).map(([key]) => key);
      // Product names, language names in their own script and pure placeholders may stay as they are.
      const allowed = /^(app\.|connections\.kinds\.|settings\.languages\.)/;
      expect(same.filter((k) => !allowed.test(k))).toEqual([]);
    }
  });
});
