// Runs the tools a pipeline stage uses (docker, cosign, crane, helm, pnpm) and returns what
// they printed; a failure throws with their output, so a stage fails with the real reason.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { repositoryRoot } from './workspace.ts';

export interface CommandResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function tool(name: string): string {
  const local = `${repositoryRoot}.tools/bin/${name}`;
  return existsSync(local) ? local : name;
}

export function run(
  command: string,
  args: string[],
  options: { env?: Record<string, string | undefined>; allowFailure?: boolean; input?: string } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: repositoryRoot, env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    // A child that exits without reading its input closes the pipe first; its exit status says why.
    child.stdin.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') reject(error);
    });
    child.stdin.end(options.input);
    child.on('close', (status) => {
      const result = { status: status ?? -1, stdout, stderr };
      if (status !== 0 && !options.allowFailure)
        reject(new Error(`${command} ${args.join(' ')} exited ${status}:\n${(stderr || stdout).trim().split('\n').slice(-15).join('\n')}`));
      else resolve(result);
    });
  });
}
