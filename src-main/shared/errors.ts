/**
 * Structured errors that cross every boundary (IPC, HTTP, CLI) as {code, message, details}.
 * Pure TypeScript: imported by the main process and the renderer alike.
 */
export type ErrorCode =
  | 'BAD_REQUEST' // parameters failed validation at the boundary
  | 'BAD_INPUT' // a file or argument the user gave is unusable
  | 'NOT_FOUND' // a project, model, sample … that does not exist
  | 'CONFLICT' // the thing exists already, or the state forbids the action
  | 'UNSUPPORTED' // asked of an engine or format that cannot do it
  | 'CANCELLED' // a job was cancelled by the user
  | 'UNAUTHORIZED'
  | 'INTERNAL';

export interface ErrorPayload {
  code: ErrorCode;
  message: string;
  details?: unknown;
}

export class MarginError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;
  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'MarginError';
    this.code = code;
    this.details = details;
  }
  toPayload(): ErrorPayload {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/** Shorthand for the most common error: an argument that is out of its domain. */
export function badInput(message: string, details?: unknown): MarginError {
  return new MarginError('BAD_INPUT', message, details);
}

/** Any thrown value as a payload; unknown errors become INTERNAL with their message kept. */
export function toErrorPayload(err: unknown): ErrorPayload {
  if (err instanceof MarginError) return err.toPayload();
  if (err && typeof err === 'object' && 'code' in err && 'message' in err) {
    const e = err as { code: unknown; message: unknown; details?: unknown };
    if (typeof e.code === 'string' && typeof e.message === 'string' && isErrorCode(e.code)) {
      return { code: e.code, message: e.message, details: e.details };
    }
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message };
}

/** `details.kind` of the CONFLICT for an output file that exists (the workbench asks before replacing it). */
export const OUTPUT_EXISTS = 'output-exists';

/** The path of an existing output when `err` is that refusal, else undefined. */
export function existingOutputPath(err: unknown): string | undefined {
  const e = err as { code?: unknown; details?: { kind?: unknown; path?: unknown } } | null;
  return e && e.code === 'CONFLICT' && e.details?.kind === OUTPUT_EXISTS && typeof e.details.path === 'string' ? e.details.path : undefined;
}

const CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'BAD_REQUEST', 'BAD_INPUT', 'NOT_FOUND', 'CONFLICT', 'UNSUPPORTED', 'CANCELLED', 'UNAUTHORIZED', 'INTERNAL',
]);
export function isErrorCode(s: string): s is ErrorCode {
  return CODES.has(s);
}

/**
 * The workbench's wording of an error: `details.ui` when the error carries one (the same problem
 * told with UI actions instead of the CLI commands of `message`), else the message itself.
 */
export function uiMessageOf(err: { message: string; details?: unknown }): string {
  const d = err.details as { ui?: unknown } | null | undefined;
  return d && typeof d === 'object' && typeof d.ui === 'string' && d.ui !== '' ? d.ui : err.message;
}
