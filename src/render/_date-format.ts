import { tz } from '@date-fns/tz';
import type { format as Format } from 'date-fns/format';

let format: typeof Format | undefined;

/**
 * Load date-fns' `format` (about 40 modules). Done by loadTemplates, not at import: a build whose
 * email comes from the render cache renders nothing and never needs it.
 */
export async function loadDateFormat(): Promise<void> {
  format ??= (await import('date-fns/format')).format;
}

/** `ms` in `zone` after a date-fns pattern; loadDateFormat must have run (templates are loaded first). */
export function formatDate(ms: number, pattern: string, zone: string): string {
  if (!format) throw new Error('internal error: formatDate before loadDateFormat (load the templates first)');
  return format(ms, pattern, { in: tz(zone) });
}
