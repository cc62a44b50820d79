/**
 * Help text laid out by us, not re-wrapped mid-sentence by commander:
 * paragraphs filled to a width, and two-column lists whose descriptions
 * wrap under their own column. Commander keeps lines that already fit.
 */

/** Commander wraps at the terminal width, or 80 when there is none: fill to that or less. */
export function helpWidth(): number {
  const columns = process.stdout.isTTY === true ? process.stdout.columns : undefined;
  return Math.max(40, Math.min(80, columns ?? 80));
}

/** Fills words into lines of at most `width` characters, every line after the first indented. */
export function fill(text: string, width: number, indent = ''): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    const prefix = lines.length === 0 ? '' : indent;
    if (line !== '' && prefix.length + line.length + 1 + word.length > width) {
      lines.push(prefix + line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push((lines.length === 0 ? '' : indent) + line);
  return lines;
}

/** Paragraphs (separated by blank lines) filled to `width`. */
export function paragraphs(text: string, width: number): string {
  return text
    .split(/\n\s*\n/)
    .map((paragraph) => fill(paragraph, width).join('\n'))
    .join('\n\n');
}

/** "  name  description" rows, the descriptions wrapped under their column. */
export function twoColumns(rows: readonly (readonly [string, string])[], width: number): string {
  const nameWidth = Math.max(...rows.map(([name]) => name.length));
  const indent = ' '.repeat(2 + nameWidth + 2);
  return rows
    .flatMap(([name, description]) => {
      const [first = '', ...rest] = fill(description, width - indent.length);
      return [`  ${name.padEnd(nameWidth)}  ${first}`, ...rest.map((line) => indent + line)];
    })
    .join('\n');
}
