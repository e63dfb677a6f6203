// check-geojson.mjs reads one GeoJSON text on stdin and prints the issues
// that @placemarkio/check-geojson finds in it, one a line, exiting 1 when
// there are any. The Go tests run it over the server's GeoJSON answers
// (web/geojsontest).
import { createRequire } from 'node:module';
import fs from 'node:fs';

const { getIssues } = createRequire(import.meta.url)('@placemarkio/check-geojson');
const issues = getIssues(fs.readFileSync(0, 'utf8'));
for (const i of issues.slice(0, 20)) console.log(`${i.severity ?? 'error'}: ${i.message} (characters ${i.from}-${i.to})`);
if (issues.length > 20) console.log(`... and ${issues.length - 20} more`);
process.exit(issues.length ? 1 : 0);
