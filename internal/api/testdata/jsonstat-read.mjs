// Reads json-stat2 answers with jsonstat-toolkit, the JSON-stat reference
// client, and prints what it makes of each: its class, label, source,
// notes, roles, dimensions with their categories (labels and units) and
// every cell's value and status, as JSON on stdout. Input: a JSON array
// of json-stat2 objects on stdin. Used by TestPxWebJSONStatToolkit.
import JSONstat from "jsonstat-toolkit";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const out = [];
for (const j of JSON.parse(input)) {
  const ds = JSONstat(j);
  if (ds.class !== "dataset" || ds.error) {
    out.push({ error: ds.error || "class " + ds.class });
    continue;
  }
  const dims = ds.id.map((id) => {
    const d = ds.Dimension(id);
    return {
      id,
      label: d.label,
      role: d.role,
      categories: d.id.map((c) => {
        const cat = d.Category(c);
        return { id: c, label: cat.label, unit: cat.unit ? cat.unit.label : null };
      }),
    };
  });
  const cells = [];
  for (let i = 0; i < ds.n; i++) {
    const d = ds.Data(i);
    cells.push({ value: d.value, status: d.status });
  }
  out.push({ class: ds.class, label: ds.label, source: ds.source, note: ds.note, n: ds.n, size: ds.size, dims, cells });
}
process.stdout.write(JSON.stringify(out));
