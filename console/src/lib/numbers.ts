/** A whole number typed in a form, or undefined when empty; NaN when it is not one. */
export function wholeNumber(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  return /^\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
}

/** A list typed as words separated by spaces, commas or new lines. */
export function wordList(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter(Boolean))];
}
