// Regenerates the generated parts of README.md (config reference) from the schema. `npm run docs`.
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';

const ref = execFileSync(process.execPath, ['bin/logship.js', 'config-doc'], { encoding: 'utf8' });
const body = ref.replace(/^# logship configuration reference\n\n/, '');
const readme = fs.readFileSync('README.md', 'utf8');
const start = '<!-- config-reference:start -->';
const end = '<!-- config-reference:end -->';
const i = readme.indexOf(start);
const j = readme.indexOf(end);
if (i === -1 || j === -1) throw new Error('README.md lacks the config-reference markers');
fs.writeFileSync('README.md', readme.slice(0, i + start.length) + '\n' + body + readme.slice(j));
fs.writeFileSync('docs/CONFIG.md', ref);
console.log('README.md and docs/CONFIG.md updated');
