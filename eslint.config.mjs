// n8n's community-node rules (the ones its verification scanner applies), on the published code.
import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';
import * as jsoncParser from 'jsonc-eslint-parser';
import tseslint from 'typescript-eslint';

export default [
	{ ignores: ['dist/**', 'node_modules/**', 'sandbox/**', 'test/**', 'bench/**', 'e2e/**', 'examples/**', 'gulpfile.js', 'index.js'] },
	{
		files: ['**/*.ts'],
		languageOptions: { parser: tseslint.parser, parserOptions: { sourceType: 'module' } },
	},
	{ files: ['package.json'], languageOptions: { parser: jsoncParser } },
	n8nCommunityNodesPlugin.configs.recommended,
];
