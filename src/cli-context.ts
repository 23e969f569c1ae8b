/** What commands may touch of the outside world: injected so commands stay testable in-process. */
export interface CliContext {
  stdout: (text: string) => void;
  stderr: (line: string) => void;
  /** Transient status on a TTY stderr ('' clears it). */
  progress: (line: string) => void;
  stderrIsTTY: boolean;
  signal: AbortSignal;
  exitCode: number;
}
