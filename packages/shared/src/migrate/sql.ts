/**
 * Classifies migration SQL with PostgreSQL's own parser (libpg-query, WebAssembly): the statements
 * that drop, truncate, delete or update every row, retype or rename, and every statement whose effect
 * the guard cannot read from the SQL itself. Decisions are made on the parse tree, never on text, so
 * comments, string literals, dollar-quoted bodies and identifiers that merely mention DROP are inert.
 *
 * The rules, as the tests in test/unit/sql-guard.test.ts hold them:
 * - DROP of any object (any Drop*Stmt), except `DROP TABLE alembic_version` (no CASCADE), which is
 *   alembic's own bookkeeping when downgrading to base.
 * - ALTER TABLE … DROP [COLUMN] / DROP CONSTRAINT / ALTER … TYPE, ALTER DOMAIN … DROP CONSTRAINT,
 *   ALTER OPERATOR FAMILY … DROP. DROP DEFAULT, DROP NOT NULL, DROP IDENTITY, DROP EXPRESSION keep the
 *   data and are not destructive.
 * - TRUNCATE; UPDATE or DELETE without WHERE, wherever it sits (data-modifying WITH, EXPLAIN, COPY,
 *   PREPARE). Any WHERE counts as bounding it, whatever it says; so does MERGE's ON condition.
 * - Renames (any RenameStmt, and ALTER TYPE … RENAME VALUE) and moves to another schema (ALTER …
 *   SET SCHEMA): the running release loses the name it uses.
 * - Cannot prove safe: DO blocks, EXECUTE of a prepared statement, CALL, COPY … PROGRAM, LOAD, SQL the
 *   parser rejects, and a call of any function outside a short list of built-ins without side effects
 *   on data (`SELECT purge_items()` may delete anything).
 * - Creating code that runs later is not destructive now and is not looked into: CREATE FUNCTION or
 *   PROCEDURE (plpgsql or SQL bodies), VIEW, RULE, TRIGGER, POLICY, and CREATE TABLE or SET DEFAULT
 *   (whose defaults and checks only apply to rows inserted later). Calling such code is the "cannot
 *   prove safe" case; so is a default, check, index or USING expression of an existing table that
 *   calls a function off the list, since those run now on every row.
 * What triggers, rules and functions already in the database do when the SQL runs is beyond any
 * reading of the SQL; the backup taken before applying is the answer to that.
 */
import type { ParseResult } from 'libpg-query';
import { errorMessage } from '../errors';

export interface DestructiveStatement {
  /** A short label: "DROP TABLE", "UPDATE without WHERE", "DO block (cannot prove safe)". */
  readonly kind: string;
  /** The statement as the parser delimits it, whitespace collapsed (cut at MAX_STATEMENT_CHARS). */
  readonly statement: string;
}

type Json = null | boolean | number | string | Json[] | { readonly [key: string]: Json };
type Fields = { readonly [key: string]: Json };

/** What a node of the parse tree means for the guard: a finding, and whether to look inside it. */
interface Verdict {
  readonly kind?: string;
  readonly descend: boolean;
}

const MAX_STATEMENT_CHARS = 2000;
const UNPARSEABLE = 'unparseable SQL (cannot prove safe)';

/** Object types as SQL spells them, where `OBJECT_X_Y` is not simply "X Y". */
const OBJECT_WORDS: Readonly<Record<string, string>> = {
  OBJECT_MATVIEW: 'MATERIALIZED VIEW',
  OBJECT_TABCONSTRAINT: 'CONSTRAINT',
  OBJECT_DOMCONSTRAINT: 'DOMAIN CONSTRAINT',
  OBJECT_FDW: 'FOREIGN DATA WRAPPER',
  OBJECT_FOREIGN_SERVER: 'SERVER',
  OBJECT_LARGEOBJECT: 'LARGE OBJECT',
  OBJECT_OPCLASS: 'OPERATOR CLASS',
  OBJECT_OPFAMILY: 'OPERATOR FAMILY',
  OBJECT_STATISTIC_EXT: 'STATISTICS',
  OBJECT_TSCONFIGURATION: 'TEXT SEARCH CONFIGURATION',
  OBJECT_TSDICTIONARY: 'TEXT SEARCH DICTIONARY',
  OBJECT_TSPARSER: 'TEXT SEARCH PARSER',
  OBJECT_TSTEMPLATE: 'TEXT SEARCH TEMPLATE',
};
const objectWords = (type: Json): string =>
  typeof type !== 'string'
    ? 'OBJECT'
    : (OBJECT_WORDS[type] ?? type.replace(/^OBJECT_/, '').replaceAll('_', ' '));

/** The statements with a node of their own besides DropStmt (DROP TABLE, INDEX, TYPE… are DropStmt). */
const OTHER_DROPS: Readonly<Record<string, string>> = {
  DropdbStmt: 'DROP DATABASE',
  DropRoleStmt: 'DROP ROLE',
  DropOwnedStmt: 'DROP OWNED',
  DropTableSpaceStmt: 'DROP TABLESPACE',
  DropSubscriptionStmt: 'DROP SUBSCRIPTION',
  DropUserMappingStmt: 'DROP USER MAPPING',
};

/** ALTER TABLE subcommands that lose data or a guarantee (AlterTableCmd.subtype). */
const ALTER_TABLE_DESTRUCTIVE: Readonly<Record<string, string>> = {
  AT_DropColumn: 'DROP COLUMN',
  AT_DropConstraint: 'DROP CONSTRAINT',
  AT_AlterColumnType: 'ALTER COLUMN TYPE',
};

/** Definitions of code or of new, empty tables: nothing inside them runs now. */
const DEFINITIONS = new Set([
  'CreateFunctionStmt',
  'ViewStmt',
  'RuleStmt',
  'CreateTrigStmt',
  'CreatePolicyStmt',
  'AlterPolicyStmt',
  'CreateStmt',
  'CreateDomainStmt',
]);

/**
 * Built-in functions with no effect on stored data, callable in a migration without a finding. Any
 * other function (including these names in a schema other than pg_catalog) cannot be proven safe.
 */
const SAFE_FUNCTIONS = new Set(
  [
    // aggregates and window functions
    'count sum avg min max bool_and bool_or every array_agg string_agg json_agg jsonb_agg',
    'json_object_agg jsonb_object_agg row_number rank dense_rank lag lead first_value last_value',
    // text
    'lower upper initcap length char_length octet_length substr substring left right trim btrim',
    'ltrim rtrim lpad rpad concat concat_ws replace regexp_replace regexp_match regexp_matches',
    'regexp_split_to_array split_part string_to_array array_to_string format md5 encode decode',
    'strpos starts_with repeat reverse translate quote_ident quote_literal quote_nullable',
    'to_char to_number to_date to_timestamp',
    // numbers, time
    'abs ceil ceiling floor round trunc mod power sqrt random now clock_timestamp statement_timestamp',
    'transaction_timestamp date_trunc date_part age make_date make_time make_timestamp',
    'make_timestamptz make_interval',
    // json, arrays
    'to_json to_jsonb row_to_json json_build_object jsonb_build_object json_build_array',
    'jsonb_build_array jsonb_set jsonb_insert jsonb_strip_nulls jsonb_typeof json_typeof',
    'jsonb_array_length json_array_length json_extract_path json_extract_path_text',
    'jsonb_extract_path jsonb_extract_path_text json_array_elements jsonb_array_elements',
    'json_array_elements_text jsonb_array_elements_text json_each jsonb_each json_each_text',
    'jsonb_each_text json_object_keys jsonb_object_keys array_length cardinality unnest',
    'array_append array_prepend array_cat array_remove array_replace array_position generate_series',
    // identifiers, sequences, settings
    'gen_random_uuid uuid_generate_v1 uuid_generate_v4 nextval currval setval pg_get_serial_sequence',
    'current_setting set_config',
  ]
    .join(' ')
    .split(' '),
);

const names = (list: Json): string[] =>
  Array.isArray(list)
    ? list.map((item) => {
        const value = fields(item)?.String;
        const sval = fields(value)?.sval;
        return typeof sval === 'string' ? sval : '';
      })
    : [];

function fields(node: Json | undefined): Fields | undefined {
  return node !== null && typeof node === 'object' && !Array.isArray(node) ? (node as Fields) : undefined;
}

function functionCall(call: Fields): Verdict {
  // EXTRACT, SUBSTRING … FROM, AT TIME ZONE… : SQL syntax the grammar turns into pg_catalog calls.
  if (call.funcformat === 'COERCE_SQL_SYNTAX') return { descend: true };
  const path = names(call.funcname);
  const name = path.at(-1) ?? '';
  const schema = path.at(-2);
  const safe = (schema === undefined || schema === 'pg_catalog') && SAFE_FUNCTIONS.has(name);
  return safe
    ? { descend: true }
    : { kind: `call of ${path.join('.')}() (cannot prove safe)`, descend: true };
}

/** DROP TABLE alembic_version: what `alembic downgrade …:base` ends with. */
function isVersionTableDrop(drop: Fields): boolean {
  const objects = Array.isArray(drop.objects) ? drop.objects : [];
  if (drop.removeType !== 'OBJECT_TABLE' || drop.behavior === 'DROP_CASCADE' || objects.length !== 1)
    return false;
  return names(fields(fields(objects[0])?.List)?.items ?? null).at(-1) === 'alembic_version';
}

function judge(type: string, node: Fields): Verdict {
  if (DEFINITIONS.has(type)) return { descend: false };
  switch (type) {
    case 'DropStmt':
      return isVersionTableDrop(node)
        ? { descend: false }
        : { kind: `DROP ${objectWords(node.removeType)}`, descend: false };
    case 'AlterTableCmd':
      // SET DEFAULT only applies to rows inserted later: its expression does not run now.
      return {
        kind: ALTER_TABLE_DESTRUCTIVE[String(node.subtype)],
        descend: node.subtype !== 'AT_ColumnDefault',
      };
    case 'AlterDomainStmt':
      // subtype 'X': DROP CONSTRAINT; 'T': SET or DROP DEFAULT (runs later); 'N', 'O': NOT NULL.
      return { kind: node.subtype === 'X' ? 'DROP CONSTRAINT' : undefined, descend: node.subtype !== 'T' };
    case 'AlterOpFamilyStmt':
      return { kind: node.isDrop === true ? 'ALTER OPERATOR FAMILY … DROP' : undefined, descend: false };
    case 'TruncateStmt':
      return { kind: 'TRUNCATE', descend: false };
    case 'UpdateStmt':
      return { kind: node.whereClause === undefined ? 'UPDATE without WHERE' : undefined, descend: true };
    case 'DeleteStmt':
      return { kind: node.whereClause === undefined ? 'DELETE without WHERE' : undefined, descend: true };
    case 'RenameStmt':
      return { kind: `RENAME ${objectWords(node.renameType)}`, descend: false };
    case 'AlterEnumStmt':
      // ALTER TYPE … RENAME VALUE (ADD VALUE has no oldVal and keeps every value).
      return { kind: node.oldVal === undefined ? undefined : 'RENAME ENUM VALUE', descend: false };
    case 'AlterObjectSchemaStmt':
      return { kind: `ALTER ${objectWords(node.objectType)} SET SCHEMA`, descend: false };
    case 'DoStmt':
      return { kind: 'DO block (cannot prove safe)', descend: false };
    case 'ExecuteStmt':
      return { kind: 'EXECUTE (cannot prove safe)', descend: false };
    case 'CallStmt':
      return { kind: 'CALL (cannot prove safe)', descend: false };
    case 'LoadStmt':
      return { kind: 'LOAD (cannot prove safe)', descend: false };
    case 'CopyStmt':
      return {
        kind: node.is_program === true ? 'COPY … PROGRAM (cannot prove safe)' : undefined,
        descend: true,
      };
    case 'FuncCall':
      return functionCall(node);
  }
  if (OTHER_DROPS[type] !== undefined) return { kind: OTHER_DROPS[type], descend: false };
  if (/^Drop\w*Stmt$/.test(type)) return { kind: `DROP (${type})`, descend: false };
  return { descend: true };
}

/** The findings in one statement's tree. Nodes are `{ "TypeName": { fields } }`; fields are lower case. */
function inspect(tree: Json, kinds: Set<string>): void {
  if (Array.isArray(tree)) {
    for (const item of tree) inspect(item, kinds);
    return;
  }
  const object = fields(tree);
  if (object === undefined) return;
  for (const [key, value] of Object.entries(object)) {
    const node = fields(value);
    if (/^[A-Z]/.test(key) && node !== undefined) {
      const verdict = judge(key, node);
      if (verdict.kind !== undefined) kinds.add(verdict.kind);
      if (!verdict.descend) continue;
    }
    inspect(value, kinds);
  }
}

function collapse(text: string): string {
  const collapsed = text.replace(/\s+/g, ' ').trim();
  return collapsed.length <= MAX_STATEMENT_CHARS ? collapsed : `${collapsed.slice(0, MAX_STATEMENT_CHARS)}…`;
}

/** The text around a parse error, from the `;` before it to the one after (for the message only). */
function around(sql: string, position: number): string {
  const start = sql.lastIndexOf(';', Math.max(0, position - 1)) + 1;
  const end = sql.indexOf(';', position);
  return collapse(sql.slice(start, end === -1 ? undefined : end + 1).slice(0, 400));
}

type Parser = typeof import('libpg-query');
let parser: Promise<Parser> | undefined;

/** libpg-query and its WebAssembly, loaded on the first classification only (not at start-up). */
function loadParser(): Promise<Parser> {
  parser ??= import('libpg-query').then(async (pg) => {
    await pg.loadModule();
    return pg;
  });
  return parser;
}

/** Every statement of `sql` that is destructive or cannot be proven safe, in order, one per kind. */
export async function destructiveStatements(sql: string): Promise<DestructiveStatement[]> {
  if (sql.trim() === '') return [];
  // The parser reads a C string: it would stop at a NUL and judge only what comes before.
  if (sql.includes('\0'))
    return [{ kind: UNPARSEABLE, statement: 'the SQL contains a NUL character, which PostgreSQL refuses' }];
  let parsed: ParseResult;
  let pg: Parser;
  try {
    pg = await loadParser();
  } catch (error) {
    throw new Error(`the SQL parser (libpg-query) could not be loaded: ${errorMessage(error)}`, {
      cause: error,
    });
  }
  try {
    parsed = await pg.parse(sql);
  } catch (error) {
    const message = errorMessage(error);
    const position = pg.hasSqlDetails(error) ? error.sqlDetails?.cursorPosition : undefined;
    return [
      {
        kind: UNPARSEABLE,
        statement: position === undefined ? message : `${message}: ${around(sql, position)}`,
      },
    ];
  }
  // Locations are byte offsets into the UTF-8 text.
  const bytes = Buffer.from(sql, 'utf8');
  const found: DestructiveStatement[] = [];
  for (const raw of parsed.stmts ?? []) {
    const kinds = new Set<string>();
    inspect((raw.stmt ?? null) as Json, kinds);
    if (kinds.size === 0) continue;
    const start = raw.stmt_location ?? 0;
    const end = raw.stmt_len ? start + raw.stmt_len : bytes.length;
    const statement = collapse(bytes.subarray(start, end).toString('utf8'));
    for (const kind of kinds) found.push({ kind, statement });
  }
  return found;
}
