import { main } from '../../src/cli/main.js';

/**
 * `digest serve ARGS` in-process with an abort signal, as bin/digest.js runs it; resolves once it
 * prints its URL, and throws with its stderr if it exits first. `stop` aborts it; `exit` is its code.
 */
export async function startServe(cwd: string, args: string[], env: Record<string, string>) {
  const controller = new AbortController();
  let stdout = '';
  let stderr = '';
  let resolveUrl: (url: string) => void = () => {};
  const url = new Promise<string>((resolve) => {
    resolveUrl = resolve;
  });
  const exit = main(['serve', ...args], {
    cwd,
    env,
    stdout: {
      write: (s: string) => {
        stdout += s;
        const line = /^(http:\/\/\S+)\n/m.exec(stdout);
        if (line) resolveUrl(line[1] as string);
      },
    },
    stderr: { write: (s: string) => (stderr += s) },
    isTTY: false,
    now: () => new Date(),
    signal: controller.signal,
  });
  const first = await Promise.race([url, exit.then((code) => ({ code }))]);
  if (typeof first !== 'string') throw new Error(`serve exited ${first.code}: ${stderr}`);
  return { url: first, exit, stop: () => controller.abort(), stdout: () => stdout, stderr: () => stderr };
}
