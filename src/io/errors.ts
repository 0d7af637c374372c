// One error type for every user-facing validation failure, so callers (the CLI
// in particular) can tell "your input is wrong" apart from bugs, and branch on
// a stable `code` instead of parsing messages.
export class ShrinkError extends Error {
  /** Stable machine-readable identifier, e.g. "E_IDX_MAGIC". */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ShrinkError";
    this.code = code;
  }
}
