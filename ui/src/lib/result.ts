// Turns tauri-specta's `Result<T, ApiError>` into a value or a thrown `ApiException`, so TanStack Query sees a
// rejected promise and every screen can branch on `error.code`.
import type { ApiError, ErrorCode } from "@/bindings";

/** The shape every generated command resolves to. */
export type Result<T, E> = { status: "ok"; data: T } | { status: "error"; error: E };

const ERROR_CODES: readonly ErrorCode[] = [
  "network",
  "auth",
  "rate_limited",
  "validation",
  "conflict",
  "keychain",
  "not_found",
  "internal",
];

export class ApiException extends Error {
  readonly code: ErrorCode;

  constructor(error: ApiError) {
    super(error.message);
    this.name = "ApiException";
    this.code = error.code;
  }
}

function isApiError(value: unknown): value is ApiError {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.message === "string" && typeof v.code === "string" && (ERROR_CODES as readonly string[]).includes(v.code)
  );
}

/**
 * Anything the IPC layer rejected with, as an `ApiException`. Tauri rejects with a bare string when a command is
 * missing or its arguments do not deserialize; those are `internal` errors carrying the string as message.
 */
export function toApiException(error: unknown): ApiException {
  if (error instanceof ApiException) return error;
  if (isApiError(error)) return new ApiException(error);
  if (error instanceof Error) return new ApiException({ code: "internal", message: error.message });
  return new ApiException({ code: "internal", message: typeof error === "string" ? error : JSON.stringify(error) });
}

export async function unwrap<T>(call: Promise<Result<T, ApiError>>): Promise<T> {
  let result: Result<T, ApiError>;
  try {
    result = await call;
  } catch (e) {
    // tauri-specta rethrows real `Error`s (e.g. no Tauri runtime at all).
    throw toApiException(e);
  }
  if (result.status === "ok") return result.data;
  throw toApiException(result.error);
}
