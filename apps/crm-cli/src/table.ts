/**
 * A cell as it is printed: on one line, control characters by their code, so a value (a key's name made before the
 * CLI checked it, a text from the log) can neither start a row of its own nor send the terminal an escape.
 */
export function cellText(value: string): string {
  return value.replace(LINE_BREAK, ' ⏎ ').replace(CONTROL, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const LINE_BREAK = /\r\n|[\n\r\u2028\u2029\u0085]/g;
// Control characters, and the bidi embeddings, overrides and isolates: invisible, they reorder what a terminal shows
// around them (a line read in another order than it is). Persian text needs none of them (ZWNJ and the marks stay).
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Columns padded to their widest cell; the last column is not padded. Cells are printed as `cellText` shows them. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows].map((row) => row.map(cellText));
  const widths = header.map((_, column) => Math.max(...all.map((row) => (row[column] ?? '').length)));
  return all
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
