/** Classifies migration SQL: the statements that drop, truncate, delete everything, retype or rename. */

export interface DestructiveStatement {
  readonly kind: string;
  readonly statement: string;
}

const RULES: readonly (readonly [string, RegExp])[] = [
  ['DROP TABLE', /^DROP\s+TABLE\b/i],
  ['DROP SCHEMA', /^DROP\s+SCHEMA\b/i],
  ['DROP INDEX', /^DROP\s+INDEX\b/i],
  ['DROP CONSTRAINT', /^ALTER\s+TABLE\b[\s\S]*\bDROP\s+CONSTRAINT\b/i],
  ['DROP COLUMN', /^ALTER\s+TABLE\b[\s\S]*\bDROP\s+(?!DEFAULT\b|NOT\b|IDENTITY\b|EXPRESSION\b)/i],
  ['TRUNCATE', /^TRUNCATE\b/i],
  ['DELETE without WHERE', /^DELETE\s+FROM\b(?![\s\S]*\bWHERE\b)/i],
  ['ALTER ... TYPE', /^ALTER\s+TABLE\b[\s\S]*\bALTER\s+(COLUMN\s+)?\S+\s+(SET\s+DATA\s+)?TYPE\b/i],
  ['RENAME', /^ALTER\s+(TABLE|INDEX|SEQUENCE|VIEW)\b[\s\S]*\bRENAME\b/i],
];

/** The statements of a SQL script, comments removed (quoted text is kept whole). */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (let i = 0; i < sql.length; i++) {
    const char = sql[i];
    if (quote !== undefined) {
      current += char;
      if (char === quote) quote = undefined;
    } else if (char === "'" || char === '"') {
      quote = char;
      current += char;
    } else if (char === '-' && sql[i + 1] === '-') {
      while (i < sql.length && sql[i] !== '\n') i++;
      current += '\n';
    } else if (char === ';') {
      statements.push(current.trim());
      current = '';
    } else current += char;
  }
  statements.push(current.trim());
  return statements.filter((statement) => statement !== '');
}

export function destructiveStatements(sql: string): DestructiveStatement[] {
  const found: DestructiveStatement[] = [];
  for (const statement of splitStatements(sql)) {
    const rule = RULES.find(([, pattern]) => pattern.test(statement));
    if (rule) found.push({ kind: rule[0], statement: statement.replace(/\s+/g, ' ') });
  }
  return found;
}
