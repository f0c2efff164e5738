/**
 * The backend's reason for a failed call (the ResponseError body), not just
 * "Request failed with 403"; the error's own message for anything else.
 */
export function backendErrorMessage(error: unknown): string {
  const body = (error as { body?: { error?: { message?: string } } }).body;
  return body?.error?.message ?? (error as Error).message;
}
