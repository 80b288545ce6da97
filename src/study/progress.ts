// The study's progress bar with ETA on stderr (cli-progress); silent when stderr is not a terminal
// (CI logs, tests), where a redrawn bar is noise.
import { SingleBar } from 'cli-progress';

export interface Progress {
  start(total: number, done: number): void;
  tick(label: string): void;
  stop(): void;
  /** A step before the cells start (e.g. calibrating the host). */
  phase(label: string): void;
}

export const silentProgress: Progress = {
  start: () => undefined,
  tick: () => undefined,
  stop: () => undefined,
  phase: () => undefined,
};

export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!stream.isTTY) return silentProgress;
  const bar = new SingleBar({
    stream,
    format: 'study [{bar}] {value}/{total} cells | {percentage}% | ETA {eta_formatted} | {label}',
    hideCursor: true,
    etaBuffer: 50,
    fps: 5,
  });
  let value = 0;
  return {
    start(total, done) {
      value = done;
      bar.start(total, done, { label: '' });
    },
    tick(label) {
      bar.update(++value, { label: label.length > 60 ? `${label.slice(0, 57)}...` : label });
    },
    stop() {
      bar.stop();
    },
    phase(label) {
      stream.write(`${label}\n`);
    },
  };
}
