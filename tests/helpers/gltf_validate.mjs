// Reads a GLB from stdin, runs the Khronos glTF validator on it and prints the JSON report.
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const validator = require("gltf-validator");

const chunks = [];
for await (const chunk of process.stdin) {
  chunks.push(chunk);
}
const bytes = new Uint8Array(Buffer.concat(chunks));

try {
  const report = await validator.validateBytes(bytes, { maxIssues: 0, writeTimestamp: false });
  process.stdout.write(JSON.stringify(report));
} catch (error) {
  process.stderr.write(`validator rejected the input: ${error}\n`);
  process.exit(2);
}
