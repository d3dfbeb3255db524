/** The resolve hook of swap-transport.ts: one module URL answered with another. */
interface Swap {
  target: string;
  replacement: string;
}

type Resolved = { url: string; format?: string | null; shortCircuit?: boolean };
type NextResolve = (specifier: string, context: { parentURL?: string }) => Promise<Resolved>;

let swap: Swap | undefined;

export function initialize(data: Swap): void {
  swap = data;
}

export async function resolve(
  specifier: string,
  context: { parentURL?: string },
  next: NextResolve,
): Promise<Resolved> {
  const resolved = await next(specifier, context);
  // The replacement itself may import the module it replaces (layer-public wraps it).
  if (swap && resolved.url === swap.target && context.parentURL !== swap.replacement)
    return { ...resolved, url: swap.replacement };
  return resolved;
}
