/** The fields of a form post (application/x-www-form-urlencoded); none for any other body. */
export function formFields(body: Buffer | undefined, contentType: string | undefined): URLSearchParams {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (!body || type !== 'application/x-www-form-urlencoded') return new URLSearchParams();
  return new URLSearchParams(body.toString('utf8'));
}

/**
 * The topics a form chose: repeated `topics` fields (checkboxes) or one `a, b; c` list, kept
 * only when offered (a form is not a way to invent topics), in the offered order.
 */
export function chosenTopics(form: URLSearchParams, offered: readonly string[]): string[] {
  const given = new Set(
    form
      .getAll('topics')
      .flatMap((value) => value.split(/[;,]/))
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean),
  );
  return offered.filter((t) => given.has(t.toLowerCase()));
}
