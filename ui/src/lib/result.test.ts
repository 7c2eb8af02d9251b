import { describe, expect, it } from "vitest";
import { ApiException, toApiException, unwrap } from "./result";

describe("unwrap", () => {
  it("returns the data of an ok result", async () => {
    await expect(unwrap(Promise.resolve({ status: "ok", data: [1, 2] }))).resolves.toEqual([1, 2]);
  });

  it("throws an ApiException carrying the backend's code and message", async () => {
    const error = await unwrap(
      Promise.resolve({ status: "error", error: { code: "keychain", message: "The keychain is locked" } }),
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiException);
    expect(error).toMatchObject({ code: "keychain", message: "The keychain is locked" });
  });

  it("turns a thrown Error (no Tauri runtime) into an internal ApiException", async () => {
    const error = await unwrap(Promise.reject(new TypeError("window.__TAURI_INTERNALS__ is undefined"))).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: "internal", message: "window.__TAURI_INTERNALS__ is undefined" });
  });
});

describe("toApiException", () => {
  it("keeps a bare string rejection (unknown command) as the message", () => {
    expect(toApiException("command runs_start not found")).toMatchObject({
      code: "internal",
      message: "command runs_start not found",
    });
  });

  it("does not trust an object whose code is not a known ErrorCode", () => {
    const e = toApiException({ code: "teapot", message: "short and stout" });
    expect(e.code).toBe("internal");
  });

  it("returns the same instance for an ApiException", () => {
    const original = new ApiException({ code: "auth", message: "no" });
    expect(toApiException(original)).toBe(original);
  });
});
