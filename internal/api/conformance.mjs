// The API as graphql-js (the GraphQL reference implementation) sees it:
// TestGraphQLJS (conformance_test.go) runs this script with Node.js from
// the repository root, where npm installs graphql (package.json), and
// sends on its standard input
//
//   {"url": "http://127.0.0.1:PORT/graphql", "sdl": "<schema/api.graphql>",
//    "documents": [{"name": "…", "query": "…", "variables": {…}, "operationName": "…"}]}
//
// It prints one JSON object:
//
//   {"schema": {"served": "…", "servedAllOptions": "…", "committed": "…"},
//    "documents": [{"name": "…", "problems": ["…"]}]}
//
// schema: the schema buildClientSchema builds from the served
// introspection (graphql-js's own introspection query, as it is and with
// every option of the current spec: specifiedByURL, isRepeatable, the
// schema's description, deprecated input values) and the committed SDL,
// each sorted by lexicographicSortSchema and printed by printSchema.
// documents: for each document, what does not conform: errors of
// graphql-js's validation against the served schema, errors in the
// answer, and every object of the answer whose keys are not in the order
// of graphql-js's CollectFields (collectFields, collectSubfields: the
// spec's algorithm, through fragments, @skip and @include).

import {
  buildClientSchema,
  buildSchema,
  getIntrospectionQuery,
  getNamedType,
  getNullableType,
  getOperationAST,
  isListType,
  isObjectType,
  isLeafType,
  lexicographicSortSchema,
  parse,
  printSchema,
  validate,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  TypeNameMetaFieldDef,
} from 'graphql/index.mjs';
import { collectFields, collectSubfields } from 'graphql/execution/collectFields.mjs';
import { getVariableValues } from 'graphql/execution/values.mjs';

const input = JSON.parse(await readStdin());

async function readStdin() {
  const chunks = [];
  for await (const c of process.stdin) chunks.push(c);
  return Buffer.concat(chunks).toString('utf8');
}

// post sends a request as a GraphQL client does and returns the answer's
// text as it came, so that the order of its keys is the server's.
async function post(query, variables, operationName) {
  const res = await fetch(input.url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ query, variables, operationName }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`status ${res.status}: ${text.slice(0, 500)}`);
  return text;
}

const allOptions = {
  descriptions: true,
  specifiedByUrl: true,
  directiveIsRepeatable: true,
  schemaDescription: true,
  inputValueDeprecation: true,
};

async function introspect(options) {
  const answer = JSON.parse(await post(getIntrospectionQuery(options)));
  if (answer.errors) {
    throw new Error('introspection failed: ' + JSON.stringify(answer.errors));
  }
  return buildClientSchema(answer.data);
}

const served = await introspect();
const print = (schema) => printSchema(lexicographicSortSchema(schema));
const out = {
  schema: {
    served: print(served),
    servedAllOptions: print(await introspect(allOptions)),
    committed: print(buildSchema(input.sdl)),
  },
  documents: [],
};

const introspectionDocs = [
  { name: 'graphql-js introspection query', query: getIntrospectionQuery() },
  { name: 'graphql-js introspection query, all options', query: getIntrospectionQuery(allOptions) },
];
for (const d of [...introspectionDocs, ...input.documents]) {
  const problems = await check(d);
  if (problems.length > 12) problems.splice(10, problems.length - 10, `… and ${problems.length - 10} more`);
  out.documents.push({ name: d.name, problems });
}
process.stdout.write(JSON.stringify(out));

// check validates a document against the served schema, asks the server
// for its answer and compares the answer's key order with CollectFields.
async function check(d) {
  const problems = [];
  let doc;
  try {
    doc = parse(d.query);
  } catch (e) {
    return [`graphql-js cannot parse it: ${e.message}`];
  }
  for (const e of validate(served, doc)) problems.push(`graphql-js: ${e.message}`);
  if (problems.length > 0) return problems;
  const answer = JSON.parse(await post(d.query, d.variables, d.operationName));
  for (const e of answer.errors ?? []) problems.push(`error in the answer: ${e.message}`);
  if (answer.data == null) return [...problems, 'no data'];
  const op = getOperationAST(doc, d.operationName);
  const fragments = Object.create(null);
  for (const def of doc.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments[def.name.value] = def;
  }
  const vars = getVariableValues(served, op.variableDefinitions ?? [], d.variables ?? {});
  if (vars.errors) return vars.errors.map((e) => `variables: ${e.message}`);
  const query = served.getQueryType();
  const fields = collectFields(served, fragments, vars.coerced, query, op.selectionSet);
  checkObject(answer.data, query, fields, 'data', problems, { fragments, vars: vars.coerced });
  return problems;
}

// checkObject compares an object's keys with the response names
// CollectFields gives for its type, in order, and goes on into its values.
function checkObject(value, type, fields, path, problems, ctx) {
  const want = [...fields.keys()];
  const got = Object.keys(value);
  if (want.join(',') !== got.join(',')) {
    problems.push(`${path}: keys ${got.join(', ')}; the selection set's order is ${want.join(', ')}`);
  }
  for (const [key, nodes] of fields) {
    if (!(key in value)) continue;
    const def = fieldDef(type, nodes[0].name.value);
    if (!def) {
      problems.push(`${path}.${key}: ${type.name} has no field ${nodes[0].name.value}`);
      continue;
    }
    checkValue(value[key], def.type, nodes, `${path}.${key}`, problems, ctx);
  }
}

function checkValue(value, type, nodes, path, problems, ctx) {
  if (value === null) return;
  type = getNullableType(type);
  if (isListType(type)) {
    value.forEach((x, i) => checkValue(x, type.ofType, nodes, `${path}[${i}]`, problems, ctx));
    return;
  }
  if (isLeafType(getNamedType(type))) return;
  if (!isObjectType(type)) {
    problems.push(`${path}: a value of the abstract type ${type.name}, which this check does not follow`);
    return;
  }
  const fields = collectSubfields(served, ctx.fragments, ctx.vars, type, nodes);
  checkObject(value, type, fields, path, problems, ctx);
}

// fieldDef is the definition of a field of type, meta-fields included.
function fieldDef(type, name) {
  if (name === TypeNameMetaFieldDef.name) return TypeNameMetaFieldDef;
  if (type === served.getQueryType()) {
    if (name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
    if (name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
  }
  return type.getFields()[name];
}
