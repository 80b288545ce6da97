// A user error: bad file, bad flag, bad spec. The CLI prints `message` on one line and exits 2.
// Anything else that escapes is a bug and keeps its stack trace.
export class HeteroError extends Error {
  override readonly name = 'HeteroError';
  /** The file, flag or field the problem is in, e.g. "model.onnx" or "--input". */
  readonly where: string;

  constructor(where: string, problem: string) {
    super(`${where}: ${problem}`);
    this.where = where;
  }
}

export function isHeteroError(e: unknown): e is HeteroError {
  return e instanceof HeteroError;
}
