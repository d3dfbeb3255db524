import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** What the sink received since the last report. */
export interface SinkReport {
  messages: number;
  bytes: number;
  firstMs: number;
  lastMs: number;
}

/** The SMTP sink process (sink.ts) and its line protocol. */
export interface Sink {
  port: number;
  report(): Promise<SinkReport>;
  close(): Promise<void>;
}

/** Start `node sinkScript` and wait for its port (at most 10 s). */
export function startSink(sinkScript: string): Promise<Sink> {
  const child = spawn(process.execPath, [sinkScript], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  const nextLine = (timeoutMs: number) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the SMTP sink did not answer')), timeoutMs);
      waiting.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
    });
  return nextLine(10_000).then((first) => {
    const { port } = JSON.parse(first) as { port: number };
    return {
      port,
      async report() {
        const answer = nextLine(10_000);
        child.stdin.write('report\n');
        return JSON.parse(await answer) as SinkReport;
      },
      close() {
        return new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            child.kill('SIGKILL');
            resolve();
          }, 5000);
          child.on('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          child.stdin.write('quit\n');
        });
      },
    };
  });
}
