// Reading tensors stored outside the .onnx file (data_location = EXTERNAL). The model names a file by a
// relative location; we only ever read inside the model's own folder, whatever the model says.
import { closeSync, fstatSync, openSync, readSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { onnxError } from './user-error.js';

/** Returns `lengthBytes` bytes (or the rest of the file when undefined) of `location` from `offsetBytes`. */
export type ExternalDataReader = (
  location: string,
  offsetBytes: number,
  lengthBytes: number | undefined,
  tensorName: string,
) => Uint8Array;

function isInside(dir: string, target: string): boolean {
  const rel = path.relative(dir, target);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/**
 * A reader confined to `baseDir`. `where` names the model file in errors. Absolute locations, locations
 * that climb out of the folder and symlinks that lead out of it are refused.
 */
export function folderExternalDataReader(where: string, baseDir: string): ExternalDataReader {
  let baseReal: string | undefined;
  return (location, offsetBytes, lengthBytes, tensorName) => {
    const fail = (problem: string): never => {
      throw onnxError(where, `tensor "${tensorName}": external data location "${location}" ${problem}`);
    };
    // Windows drive letters and UNC paths are absolute too, wherever we run.
    if (path.isAbsolute(location) || /^[a-zA-Z]:/.test(location) || location.startsWith('\\')) {
      fail('is an absolute path; only paths inside the model folder are allowed');
    }
    if (location.includes('\0')) fail('contains a NUL byte');
    try {
      baseReal ??= realpathSync(baseDir);
    } catch {
      throw onnxError(where, `model folder "${baseDir}" cannot be resolved`);
    }
    const target = path.resolve(baseReal, location);
    if (!isInside(baseReal, target)) fail('escapes the model folder');
    let targetReal = '';
    try {
      targetReal = realpathSync(target);
    } catch {
      fail('does not exist');
    }
    if (!isInside(baseReal, targetReal)) fail('resolves (through a symlink) outside the model folder');

    let fd: number | undefined;
    try {
      fd = openSync(targetReal, 'r');
    } catch {
      fail('cannot be opened');
    }
    try {
      const stat = fstatSync(fd!);
      if (!stat.isFile()) fail('is not a regular file');
      const sizeBytes = stat.size;
      const length = lengthBytes ?? sizeBytes - offsetBytes;
      if (offsetBytes > sizeBytes || length < 0 || offsetBytes + length > sizeBytes) {
        fail(`range offset ${offsetBytes} + length ${length} exceeds the file size ${sizeBytes}`);
      }
      const out = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        let n = 0;
        try {
          n = readSync(fd!, out, done, length - done, offsetBytes + done);
        } catch {
          fail('cannot be read');
        }
        if (n <= 0) fail('ended before the declared length');
        done += n;
      }
      return out;
    } finally {
      closeSync(fd!);
    }
  };
}
