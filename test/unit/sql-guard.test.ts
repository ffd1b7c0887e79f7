/**
 * The destructive-SQL guard on PostgreSQL's own parser: a labelled corpus (what each statement is
 * judged, and why), the statement text it reports, alembic's own offline output, and SQL far longer
 * than the old 256 KiB cut.
 */
import { destructiveStatements } from '../../packages/shared/src/migrate/sql';

const kindsOf = async (sql: string) => (await destructiveStatements(sql)).map((found) => found.kind);

// [label, SQL, the kinds expected (empty: safe)]
const CORPUS: readonly (readonly [string, string, readonly string[]])[] = [
  // DROP of any kind of object, with or without CASCADE
  ['drop table', 'DROP TABLE items;', ['DROP TABLE']],
  ['drop tables, if exists, cascade', 'DROP TABLE IF EXISTS a, b CASCADE;', ['DROP TABLE']],
  ['drop index', 'DROP INDEX ix_items_name;', ['DROP INDEX']],
  ['drop index concurrently', 'DROP INDEX CONCURRENTLY IF EXISTS ix_items_name;', ['DROP INDEX']],
  ['drop type cascade', 'DROP TYPE mood CASCADE;', ['DROP TYPE']],
  ['drop view', 'DROP VIEW recent_items;', ['DROP VIEW']],
  ['drop materialized view', 'DROP MATERIALIZED VIEW totals;', ['DROP MATERIALIZED VIEW']],
  ['drop function', 'DROP FUNCTION touch(integer);', ['DROP FUNCTION']],
  ['drop schema cascade', 'DROP SCHEMA old CASCADE;', ['DROP SCHEMA']],
  ['drop extension', 'DROP EXTENSION pg_trgm;', ['DROP EXTENSION']],
  ['drop sequence', 'DROP SEQUENCE items_id_seq;', ['DROP SEQUENCE']],
  ['drop trigger', 'DROP TRIGGER touch ON items;', ['DROP TRIGGER']],
  ['drop database (its own node type)', 'DROP DATABASE app;', ['DROP DATABASE']],
  ['drop owned (its own node type)', 'DROP OWNED BY app_user;', ['DROP OWNED']],
  [
    'drop of the version table with CASCADE is not bookkeeping',
    'DROP TABLE alembic_version CASCADE;',
    ['DROP TABLE'],
  ],
  // ALTER TABLE … DROP, retype
  ['drop column', 'ALTER TABLE items DROP COLUMN note;', ['DROP COLUMN']],
  ['drop column without the COLUMN keyword', 'ALTER TABLE items DROP note;', ['DROP COLUMN']],
  ['drop constraint', 'ALTER TABLE items DROP CONSTRAINT items_pkey;', ['DROP CONSTRAINT']],
  ['add and drop in one ALTER', 'ALTER TABLE items ADD COLUMN a int, DROP COLUMN b;', ['DROP COLUMN']],
  [
    'two destructive subcommands in one ALTER',
    'ALTER TABLE items DROP COLUMN a, ALTER COLUMN b TYPE bigint;',
    ['DROP COLUMN', 'ALTER COLUMN TYPE'],
  ],
  ['alter column type', 'ALTER TABLE items ALTER COLUMN name TYPE VARCHAR(10);', ['ALTER COLUMN TYPE']],
  [
    'set data type using',
    'ALTER TABLE items ALTER name SET DATA TYPE text USING name::text;',
    ['ALTER COLUMN TYPE'],
  ],
  [
    'alter domain drop constraint',
    'ALTER DOMAIN positive DROP CONSTRAINT positive_check;',
    ['DROP CONSTRAINT'],
  ],
  // renames and moves
  ['rename table', 'ALTER TABLE items RENAME TO things;', ['RENAME TABLE']],
  ['rename column', 'ALTER TABLE items RENAME COLUMN name TO title;', ['RENAME COLUMN']],
  ['rename index', 'ALTER INDEX ix_items_name RENAME TO ix_items_title;', ['RENAME INDEX']],
  ['rename constraint', 'ALTER TABLE items RENAME CONSTRAINT a TO b;', ['RENAME CONSTRAINT']],
  ['rename enum value', "ALTER TYPE mood RENAME VALUE 'sad' TO 'blue';", ['RENAME ENUM VALUE']],
  ['move to another schema', 'ALTER TABLE items SET SCHEMA archive;', ['ALTER TABLE SET SCHEMA']],
  // TRUNCATE, UPDATE/DELETE without WHERE, wherever they sit
  ['truncate', 'TRUNCATE items;', ['TRUNCATE']],
  ['truncate several, cascade', 'TRUNCATE TABLE a, b RESTART IDENTITY CASCADE;', ['TRUNCATE']],
  ['delete without where', 'DELETE FROM items;', ['DELETE without WHERE']],
  ['delete using, without where', 'DELETE FROM items USING owners;', ['DELETE without WHERE']],
  ['update without where', "UPDATE items SET name = '';", ['UPDATE without WHERE']],
  [
    'update in a CTE of a SELECT',
    "WITH x AS (UPDATE items SET name = 'x' RETURNING id) SELECT count(*) FROM x;",
    ['UPDATE without WHERE'],
  ],
  [
    'delete in a CTE of a SELECT',
    'WITH d AS (DELETE FROM items RETURNING *) SELECT count(*) FROM d;',
    ['DELETE without WHERE'],
  ],
  [
    'delete in a CTE of an INSERT',
    'WITH d AS (DELETE FROM items RETURNING id) INSERT INTO archive (id) SELECT id FROM d;',
    ['DELETE without WHERE'],
  ],
  [
    'delete in a CTE nested in a CTE',
    'WITH a AS (WITH b AS (DELETE FROM items RETURNING 1) SELECT * FROM b) SELECT * FROM a;',
    ['DELETE without WHERE'],
  ],
  [
    'update in the CTE of an UPDATE that has a WHERE',
    "WITH u AS (UPDATE owners SET name = '' RETURNING id) UPDATE items SET owner = NULL WHERE owner IN (SELECT id FROM u);",
    ['UPDATE without WHERE'],
  ],
  ['delete under EXPLAIN ANALYZE', 'EXPLAIN ANALYZE DELETE FROM items;', ['DELETE without WHERE']],
  ['delete inside COPY', 'COPY (DELETE FROM items RETURNING *) TO STDOUT;', ['DELETE without WHERE']],
  // comments before a statement
  ['block comment before', '/* note */ DROP TABLE x;', ['DROP TABLE']],
  ['nested block comments before', '/* a /* b; DROP TABLE y; */ c */ DROP TABLE x;', ['DROP TABLE']],
  ['line comment before', '-- cleanup\nDROP TABLE x;', ['DROP TABLE']],
  // cannot prove safe
  ['DO block', "DO $$ BEGIN EXECUTE 'DROP TABLE items'; END $$;", ['DO block (cannot prove safe)']],
  ['harmless-looking DO block', "DO $$ BEGIN RAISE NOTICE 'hi'; END $$;", ['DO block (cannot prove safe)']],
  ['CALL of a procedure', 'CALL purge_items();', ['CALL (cannot prove safe)']],
  ['SELECT of a user function', 'SELECT purge_items();', ['call of purge_items() (cannot prove safe)']],
  [
    'a built-in name in another schema',
    'SELECT public.lower(name) FROM items;',
    ['call of public.lower() (cannot prove safe)'],
  ],
  [
    'a user function in an INSERT',
    'INSERT INTO log (n) SELECT purge_items();',
    ['call of purge_items() (cannot prove safe)'],
  ],
  [
    'a user function as a column default for existing rows',
    'ALTER TABLE items ADD COLUMN n int DEFAULT compute_n();',
    ['call of compute_n() (cannot prove safe)'],
  ],
  [
    'COPY to a program',
    "COPY items TO PROGRAM 'gzip > /tmp/items.gz';",
    ['COPY … PROGRAM (cannot prove safe)'],
  ],
  ['LOAD of a library', "LOAD 'auto_explain';", ['LOAD (cannot prove safe)']],
  [
    'PREPARE of a delete, then EXECUTE',
    'PREPARE wipe AS DELETE FROM items; EXECUTE wipe;',
    ['DELETE without WHERE', 'EXECUTE (cannot prove safe)'],
  ],
  ['garbage', 'this is not sql at all;', ['unparseable SQL (cannot prove safe)']],
  ['an unterminated string', "SELECT 'unterminated;", ['unparseable SQL (cannot prove safe)']],
  ['an unterminated dollar quote', 'SELECT $x$ DROP TABLE items;', ['unparseable SQL (cannot prove safe)']],
  ['a NUL character', 'SELECT 1;\0DROP TABLE items;', ['unparseable SQL (cannot prove safe)']],

  // safe: creating, adding, bounded changes
  ['create table', 'CREATE TABLE items (id serial PRIMARY KEY, name text NOT NULL);', []],
  [
    'create table whose default calls a function (runs only for later rows)',
    'CREATE TABLE t (n int DEFAULT compute_n());',
    [],
  ],
  ['create index on an expression', 'CREATE INDEX ix_items_lower ON items (lower(name));', []],
  [
    'create partial unique index',
    'CREATE UNIQUE INDEX CONCURRENTLY ix ON items (name) WHERE name IS NOT NULL;',
    [],
  ],
  ['add column', 'ALTER TABLE items ADD COLUMN note TEXT;', []],
  [
    'add column with a built-in default',
    'ALTER TABLE items ADD COLUMN uid uuid DEFAULT gen_random_uuid() NOT NULL;',
    [],
  ],
  ['insert', "INSERT INTO items (name) VALUES ('a'), ('b');", []],
  ['insert of text that mentions DROP', "INSERT INTO notes VALUES ('DROP TABLE items; TRUNCATE x');", []],
  [
    'insert … on conflict do update',
    "INSERT INTO items (id, name) VALUES (1, 'a') ON CONFLICT (id) DO UPDATE SET name = excluded.name;",
    [],
  ],
  ['delete with where', 'DELETE FROM items WHERE id = 1;', []],
  ['update with where, built-in calls', 'UPDATE items SET name = upper(trim(name)) WHERE id > 10;', []],
  [
    'update with where in a CTE',
    "WITH x AS (UPDATE items SET name = 'x' WHERE id = 1 RETURNING id) SELECT count(*) FROM x;",
    [],
  ],
  [
    'SQL syntax the grammar turns into calls',
    "UPDATE items SET y = EXTRACT(year FROM now() AT TIME ZONE 'UTC') WHERE true;",
    [],
  ],
  ['setval after a data copy', "SELECT setval('items_id_seq', (SELECT max(id) FROM items));", []],
  [
    'merge (its ON condition bounds it, as a WHERE does)',
    'MERGE INTO items t USING incoming s ON t.id = s.id WHEN MATCHED THEN UPDATE SET name = s.name WHEN NOT MATCHED THEN INSERT (id, name) VALUES (s.id, s.name);',
    [],
  ],
  ['drop default', 'ALTER TABLE items ALTER COLUMN name DROP DEFAULT;', []],
  [
    'set a default calling a user function (runs only for later rows)',
    'ALTER TABLE items ALTER COLUMN n SET DEFAULT compute_n();',
    [],
  ],
  [
    'a check calling a user function (runs now, on every row)',
    'ALTER TABLE items ADD CONSTRAINT n_ok CHECK (n_is_ok(n));',
    ['call of n_is_ok() (cannot prove safe)'],
  ],
  ['drop not null', 'ALTER TABLE items ALTER COLUMN name DROP NOT NULL;', []],
  ['drop identity', 'ALTER TABLE items ALTER COLUMN id DROP IDENTITY IF EXISTS;', []],
  ['drop expression', 'ALTER TABLE items ALTER COLUMN total DROP EXPRESSION;', []],
  ['create and extend an enum', "CREATE TYPE mood AS ENUM ('a', 'b'); ALTER TYPE mood ADD VALUE 'c';", []],
  ['a line comment that says DROP', '-- DROP TABLE items;\nSELECT 1;', []],
  ['a block comment that says DROP', '/* DROP TABLE items; TRUNCATE items; */ SELECT 1;', []],
  [
    'identifiers and literals that say DROP',
    'SELECT \'DROP TABLE x\' AS "DROP TABLE y" FROM "truncate";',
    [],
  ],
  ['a quoted table name that says DROP', 'CREATE TABLE "drop table items; --" (id int);', []],
  ['a comment on an object', "COMMENT ON TABLE items IS 'drop me later';", []],
  [
    'creating a plpgsql function that deletes (creating it destroys nothing)',
    'CREATE FUNCTION purge() RETURNS void LANGUAGE plpgsql AS $$ BEGIN DELETE FROM items; DROP TABLE x; END $$;',
    [],
  ],
  [
    'creating a procedure with a SQL-standard body that deletes',
    'CREATE PROCEDURE purge() LANGUAGE sql BEGIN ATOMIC DELETE FROM items; END;',
    [],
  ],
  ['creating a view that calls a user function', 'CREATE VIEW v AS SELECT purge_items();', []],
  [
    'creating a trigger',
    'CREATE TRIGGER t BEFORE DELETE ON items FOR EACH ROW EXECUTE FUNCTION touch();',
    [],
  ],
  ['transaction and settings', "BEGIN; SET lock_timeout = '5s'; COMMIT;", []],
  ['grant', 'GRANT SELECT ON items TO reader;', []],
  [
    'alembic deleting its own version row',
    "DELETE FROM alembic_version WHERE alembic_version.version_num = '0001';",
    [],
  ],
  ['alembic dropping its version table at base', 'DROP TABLE alembic_version;', []],
  ['empty', '', []],
  ['only a comment', '-- nothing to do\n', []],
];

describe('the destructive-SQL guard', () => {
  it('has a corpus of at least 40 labelled statements', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(40);
  });

  it.each(CORPUS)('%s', async (_label, sql, kinds) => {
    expect(await kindsOf(sql)).toEqual(kinds);
  });

  it('reports the statement as the parser delimits it, whitespace collapsed, comments before it left out', async () => {
    expect(await destructiveStatements('SELECT 1;\n/* note */ DROP\n   TABLE\tx;\n')).toEqual([
      { kind: 'DROP TABLE', statement: 'DROP TABLE x' },
    ]);
    expect(await destructiveStatements('ALTER TABLE items\n  DROP COLUMN a,\n  ALTER b TYPE int;')).toEqual([
      { kind: 'DROP COLUMN', statement: 'ALTER TABLE items DROP COLUMN a, ALTER b TYPE int' },
      { kind: 'ALTER COLUMN TYPE', statement: 'ALTER TABLE items DROP COLUMN a, ALTER b TYPE int' },
    ]);
  });

  it('stays in step after a dollar-quoted string holding "; DROP TABLE x;"', async () => {
    const sql = 'SELECT $tag$ ; DROP TABLE x; $tag$;\nCREATE TABLE t (id int);\nDELETE FROM t;\n';
    expect(await destructiveStatements(sql)).toEqual([
      { kind: 'DELETE without WHERE', statement: 'DELETE FROM t' },
    ]);
  });

  it('finds the statement text by bytes, after multi-byte characters', async () => {
    const sql = "INSERT INTO items (name) VALUES ('héllo wörld ☃ 🚀');\nDELETE FROM items;";
    expect(await destructiveStatements(sql)).toEqual([
      { kind: 'DELETE without WHERE', statement: 'DELETE FROM items' },
    ]);
  });

  it('says where unparseable SQL stops', async () => {
    const [found] = await destructiveStatements(
      'SELECT 1;\nCREATE TABLE ok (id int);\nDROPP TABLE items;\nSELECT 2;',
    );
    expect(found.kind).toBe('unparseable SQL (cannot prove safe)');
    expect(found.statement).toBe('syntax error at or near "DROPP": DROPP TABLE items;');
  });

  it('cuts a very long statement for the report', async () => {
    const [found] = await destructiveStatements(`DO $$ BEGIN ${'PERFORM 1; '.repeat(1000)} END $$;`);
    expect(found.statement.length).toBeLessThanOrEqual(2001);
    expect(found.statement.endsWith('…')).toBe(true);
  });

  // Captured from `python3 -m alembic upgrade head --sql` (alembic 1.8.1) on the fixture app, with a
  // second migration adding a column.
  const ALEMBIC_FROM_BASE = `BEGIN;

CREATE TABLE alembic_version (
    version_num VARCHAR(32) NOT NULL, 
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);

-- Running upgrade  -> 0001

CREATE TABLE items (
    id SERIAL NOT NULL, 
    name TEXT NOT NULL, 
    PRIMARY KEY (id)
);

INSERT INTO alembic_version (version_num) VALUES ('0001') RETURNING alembic_version.version_num;

-- Running upgrade 0001 -> 0002

ALTER TABLE items ADD COLUMN note TEXT;

UPDATE alembic_version SET version_num='0002' WHERE alembic_version.version_num = '0001';

COMMIT;

`;
  // Captured from `python3 -m alembic downgrade 0002:base --sql` where 0002's downgrade drops a column
  // default and 0001's downgrade is `pass`: alembic deletes its version row and drops its table.
  const ALEMBIC_TO_BASE = `BEGIN;

-- Running downgrade 0002 -> 0001

ALTER TABLE items ALTER COLUMN note DROP DEFAULT;

UPDATE alembic_version SET version_num='0001' WHERE alembic_version.version_num = '0002';

-- Running downgrade 0001 -> 

DELETE FROM alembic_version WHERE alembic_version.version_num = '0001';

DROP TABLE alembic_version;

COMMIT;

`;

  it("does not flag alembic's own bookkeeping (version table, its INSERT, UPDATE … WHERE, DELETE … WHERE)", async () => {
    expect(await destructiveStatements(ALEMBIC_FROM_BASE)).toEqual([]);
    expect(await destructiveStatements(ALEMBIC_TO_BASE)).toEqual([]);
  });

  it('flags what a migration does inside alembic output', async () => {
    const sql = ALEMBIC_FROM_BASE.replace(
      'ALTER TABLE items ADD COLUMN note TEXT;',
      'ALTER TABLE items ADD COLUMN note TEXT;\n\n/* data fix */ DELETE FROM items;',
    );
    expect(await destructiveStatements(sql)).toEqual([
      { kind: 'DELETE without WHERE', statement: 'DELETE FROM items' },
    ]);
  });

  it('reads SQL far beyond 256 KiB whole: the destructive statement at the very end is found', async () => {
    const insert = "INSERT INTO items (name) VALUES ('a row that is perfectly safe to insert, é');\n";
    const sql = `BEGIN;\n${insert.repeat(Math.ceil((300 * 1024) / insert.length))}TRUNCATE items;\nCOMMIT;\n`;
    expect(Buffer.byteLength(sql)).toBeGreaterThan(256 * 1024);
    expect(await destructiveStatements(sql)).toEqual([{ kind: 'TRUNCATE', statement: 'TRUNCATE items' }]);
  });
});

describe('loading the parser', () => {
  it('does not load libpg-query until SQL is classified', async () => {
    let loads = 0;
    await jest.isolateModulesAsync(async () => {
      jest.doMock('libpg-query', () => {
        loads++;
        return jest.requireActual('libpg-query');
      });
      const { destructiveStatements: classify } = await import('../../packages/shared/src/migrate/sql');
      expect(loads).toBe(0);
      expect(await classify('')).toEqual([]);
      expect(loads).toBe(0);
      expect(await classify('DROP TABLE x;')).toHaveLength(1);
      expect(await classify('TRUNCATE x;')).toHaveLength(1);
      expect(loads).toBe(1);
    });
    jest.dontMock('libpg-query');
  });
});
