// Generates src/protocol.ts — the TypeScript types of what the lanes server sends — from
// ../protocol.schema.json, which the server's test suite keeps equal to `lanes::protocol::schema`.
// `node scripts/protocol.mjs` writes the file; `--check` fails when it is out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from 'json-schema-to-typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const schemaFile = join(root, '..', 'protocol.schema.json');
const target = join(root, 'src', 'protocol.ts');

// A `$ref` with siblings (schemars puts a field's doc beside it) would become a copy of the
// referenced type (Lane1, Lane2…): keep the reference alone.
function bareRefs(node) {
  if (Array.isArray(node)) return node.map(bareRefs);
  if (node === null || typeof node !== 'object') return node;
  if (typeof node.$ref === 'string') return { $ref: node.$ref };
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, bareRefs(v)]));
}

const schema = bareRefs(JSON.parse(readFileSync(schemaFile, 'utf8')));
const text = await compile(schema, 'LanesProtocol', {
  bannerComment:
    '// Generated from editors/protocol.schema.json by `npm run protocol`; do not edit.\n' +
    '// The lanes server checks that schema against its wire types, so these cannot drift.',
  unreachableDefinitions: true,
  additionalProperties: false,
  cwd: dirname(schemaFile),
  style: { singleQuote: true, printWidth: 120 },
});

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {}
  if (current !== text) {
    console.error('src/protocol.ts is out of date: run `npm run protocol` in editors/vscode and commit it');
    process.exit(1);
  }
} else {
  writeFileSync(target, text);
}
