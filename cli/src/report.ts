/**
 * The end of a run in a terminal: the step's outputs (read back from the file @actions/core writes
 * them to) and its job summary, turned from the summary's Markdown and HTML into aligned text.
 */
import { withoutControls, type Style } from './terminal';

/**
 * The outputs written to GITHUB_OUTPUT: `name<<DELIMITER`, the value's lines, then `DELIMITER` (as
 * @actions/core writes them, with a random delimiter no value contains), or `name=value` lines.
 */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const heredoc = /^([^<=]+)<<(.+)$/.exec(lines[index]);
    if (heredoc !== null) {
      const end = lines.indexOf(heredoc[2], index + 1);
      if (end === -1) break;
      outputs[heredoc[1]] = lines.slice(index + 1, end).join('\n');
      index = end;
    } else if (lines[index].includes('=')) {
      const at = lines[index].indexOf('=');
      outputs[lines[index].slice(0, at)] = lines[index].slice(at + 1);
    }
  }
  return outputs;
}

const ENTITIES: Readonly<Record<string, string>> = {
  '&lt;': '<',
  '&gt;': '>',
  '&#91;': '[',
  '&#93;': ']',
  '&#124;': '|',
  '&quot;': '"',
  '&#39;': "'",
  '&amp;': '&',
};

function unescapeHtml(text: string): string {
  return text.replace(/&(?:lt|gt|quot|amp|#91|#93|#124|#39);/g, (entity) => ENTITIES[entity]);
}

/** Markdown and inline HTML to what a person reads: tags and emphasis go, entities come back. */
function plainText(markdown: string): string {
  return unescapeHtml(
    markdown
      .replace(/<br\s*\/?>/gi, ' / ')
      .replace(/<[^>]*>/g, '')
      .replace(/\*\*([^*]+)\*\*/g, '$1')
      .replace(/`([^`]*)`/g, '$1'),
  );
}

function tableText(rows: readonly string[], style: Style): string[] {
  const cells = rows
    .filter((row) => !/^\|[\s:|-]+\|$/.test(row))
    .map((row) =>
      row
        .replace(/^\|/, '')
        .replace(/\|$/, '')
        .split('|')
        .map((cell) => withoutControls(plainText(cell.trim()))),
    );
  const widths: number[] = [];
  for (const row of cells)
    row.forEach((cell, column) => (widths[column] = Math.max(widths[column] ?? 0, [...cell].length)));
  return cells.map((row, index) => {
    const text =
      `  ${row.map((cell, column) => cell + ' '.repeat(widths[column] - [...cell].length)).join('  ')}`.trimEnd();
    return index === 0 ? style.bold(text) : text;
  });
}

/**
 * A job summary as text. Its ```mermaid blocks (pictures the terminal cannot draw) are left out:
 * the caller prints the same timeline as text. Escaped server text is shown unescaped, with its
 * control characters removed.
 */
export function summaryText(markdown: string, style: Style): string {
  const out: string[] = [];
  const lines = markdown.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index];
    if (line.startsWith('```mermaid')) {
      while (index + 1 < lines.length && lines[index + 1] !== '```') index++;
      index++;
      continue;
    }
    if (line.startsWith('|')) {
      const rows: string[] = [];
      while (index < lines.length && lines[index].startsWith('|')) rows.push(lines[index++]);
      index--;
      out.push(...tableText(rows, style));
      continue;
    }
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    if (heading !== null) {
      out.push('', style.bold(withoutControls(plainText(heading[1]))));
      continue;
    }
    if (line.startsWith('```')) continue;
    out.push(withoutControls(plainText(line)));
  }
  // Runs of empty lines (left where tags were) become one.
  return out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
