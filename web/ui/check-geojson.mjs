// check-geojson.mjs reads GeoJSON texts on stdin, separated by NUL bytes,
// and prints the issues that @placemarkio/check-geojson finds in them, one
// a line ("document N: ..."), exiting 1 when there are any. The Go tests
// run it over the server's GeoJSON answers (web/geojsontest).
import { createRequire } from 'node:module';
import fs from 'node:fs';

const { getIssues } = createRequire(import.meta.url)('@placemarkio/check-geojson');
let failed = false;
fs.readFileSync(0, 'utf8').split('\0').forEach((doc, n) => {
  const issues = getIssues(doc);
  failed ||= issues.length > 0;
  for (const i of issues.slice(0, 20)) console.log(`document ${n}: ${i.severity ?? 'error'}: ${i.message} (characters ${i.from}-${i.to})`);
  if (issues.length > 20) console.log(`document ${n}: ... and ${issues.length - 20} more`);
});
process.exit(failed ? 1 : 0);
