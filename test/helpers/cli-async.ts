import { spawn } from 'node:child_process';
import { CLI, ROOT } from './paths.js';
import type { CliRun } from './cli.js';

/**
 * The built bin, spawned asynchronously: commands that re-run real tokenizers take seconds, and a synchronous
 * spawn blocks the test worker long enough for vitest's own heartbeat to time out.
 */
export function tokbenchAsync(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  return nodeAsync([CLI, ...args], options);
}

/** `node <args>` spawned asynchronously, its output captured (for the CLI and for the scripts in scripts/). */
export function nodeAsync(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: options.cwd ?? ROOT, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
