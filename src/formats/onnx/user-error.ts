// Messages quote names taken from the model file, which may hold any bytes: escape control and
// line-separator characters so a user error always stays on one line.
import { HeteroError } from '../../errors.js';

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

export function onnxError(where: string, problem: string): HeteroError {
  const clean = problem.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return new HeteroError(where.replace(UNPRINTABLE, '?'), clean);
}
