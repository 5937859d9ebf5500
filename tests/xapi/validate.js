// Validate xAPI statements, one JSON object a line on stdin, with Learning Locker's
// xapi-validation (tests/xapi/package.json). Prints one line per invalid statement; exit 1.
'use strict';
const path = require('path');
const lib = require(path.join(__dirname, 'node_modules', 'xapi-validation'));
const lines = require('fs').readFileSync(0, 'utf8').split('\n').filter((l) => l);
let bad = 0;
lines.forEach((line, i) => {
  try {
    lib.default(JSON.parse(line));
  } catch (e) {
    bad++;
    if (bad <= 5) {
      const warnings = e.warnings ? JSON.stringify(e.warnings).slice(0, 400) : String(e);
      console.log(`line ${i + 1}: ${warnings}`);
    }
  }
});
console.log(`${lines.length - bad} of ${lines.length} statements valid`);
process.exit(bad ? 1 : 0);
