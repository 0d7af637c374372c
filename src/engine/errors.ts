// One error type for every user-facing validation failure, so callers (the CLI
// in particular) can tell "your input is wrong" apart from bugs, and branch on
// a stable `code` instead of parsing messages. It sits at the base of the host
// so every layer can throw it.

/** An argument error's message starts with the parameter it names ("lr: …", "p/q: …"). */
const PARAM = /^([A-Za-z][A-Za-z0-9]*)(?:\/[A-Za-z][A-Za-z0-9]*)*[: ]/;

export class ShrinkError extends Error {
  /** Stable machine-readable identifier, e.g. "E_IDX_MAGIC". */
  readonly code: string;
  /**
   * For argument errors (E_ARG): the library parameter or config field the
   * message names first (e.g. "weightDecay"), so a front end can say it in
   * its own terms (the CLI prints --weight-decay).
   */
  readonly param: string | undefined;

  constructor(code: string, message: string, options?: { cause?: unknown; param?: string }) {
    super(message, options);
    this.name = "ShrinkError";
    this.code = code;
    this.param = options?.param ?? (code === "E_ARG" ? PARAM.exec(message)?.[1] : undefined);
  }
}
