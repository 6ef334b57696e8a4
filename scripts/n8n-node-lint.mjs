#!/usr/bin/env node
// `npm run lint` / `npm run lint:fix`: n8n's own linter, `n8n-node lint [--fix]`, in strict mode
// (package.json n8n.strict: eslint.config.mjs must be n8n's template, unchanged).
//
// The tool lints every file under its working directory (`eslint .`, only dist/ ignored) with
// n8n Cloud's runtime rules, which are meant for the package's code: at this checkout's root it
// would also lint test/, sandbox/, bench/ and scripts/ (jest globals, process, console...).
// So it runs on the layout of n8n's starter (n8n-io/n8n-nodes-starter) holding this package's
// files: tools/n8n-node-cli/package-view/ with package.json, eslint.config.mjs, tsconfig.json,
// gulpfile.js, index.js, nodes/ and credentials/, rebuilt on every run as hard links of the
// checkout's files, so `--fix` edits the real files. Findings are reported under that folder:
// tools/n8n-node-cli/package-view/nodes/... is nodes/... here.
// Module resolution from the view: '@n8n/node-cli/eslint', eslint and typescript come from
// tools/n8n-node-cli/node_modules (the parent folder); n8n-workflow, the nodes' only import, is
// linked from the root node_modules for the import rules.
import { spawnSync } from 'node:child_process';
import { linkSync, mkdirSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { NODE_CLI_DIR } from './ensure-node-cli.mjs';

const root = path.resolve(NODE_CLI_DIR, '..', '..');
const view = path.join(NODE_CLI_DIR, 'package-view');
const STARTER_LAYOUT = ['package.json', 'eslint.config.mjs', 'tsconfig.json', 'gulpfile.js', 'index.js', 'nodes', 'credentials'];

function hardLinkTree(from, to) {
	if (statSync(from).isDirectory()) {
		mkdirSync(to);
		for (const name of readdirSync(from)) hardLinkTree(path.join(from, name), path.join(to, name));
	} else {
		linkSync(from, to);
	}
}

rmSync(view, { recursive: true, force: true });
mkdirSync(path.join(view, 'node_modules'), { recursive: true });
for (const name of STARTER_LAYOUT) hardLinkTree(path.join(root, name), path.join(view, name));
symlinkSync(path.join(root, 'node_modules', 'n8n-workflow'), path.join(view, 'node_modules', 'n8n-workflow'), 'dir');

const bin = path.join(NODE_CLI_DIR, 'node_modules', '.bin', 'n8n-node');
const r = spawnSync(bin, ['lint', ...process.argv.slice(2)], { cwd: view, stdio: 'inherit' });
process.exit(r.status ?? 1);
