/** Blank input counts as absent: forms send '' for fields the user left empty. */
export function present(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}
