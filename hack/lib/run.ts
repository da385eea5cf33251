// Child processes for the cluster scripts: the tools are separate binaries (kwokctl, kubectl), and
// their own error text is what a person needs to see when one fails.
import { spawn } from "node:child_process";

export interface RunOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
  /** Stream the child's output to ours (for long builds) instead of capturing it. */
  inherit?: boolean;
}

export class CommandError extends Error {
  readonly command: string;
  readonly exitCode: number | null;
  readonly stderr: string;

  constructor(command: string, exitCode: number | null, stderr: string) {
    super(`${command} failed (exit ${exitCode ?? "signal"})${stderr ? `:\n${stderr.trim()}` : ""}`);
    this.command = command;
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: { ...process.env, ...opts.env },
      stdio: [
        opts.input === undefined ? "ignore" : "pipe",
        opts.inherit ? "inherit" : "pipe",
        opts.inherit ? "inherit" : "pipe",
      ],
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", (err) => reject(new CommandError(`${cmd} ${args.join(" ")}`, null, err.message)));
    child.on("close", (code) => {
      if (code === 0) resolve(stdout);
      else reject(new CommandError(`${cmd} ${args.join(" ")}`, code, stderr || stdout));
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}
