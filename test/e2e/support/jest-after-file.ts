// Runs after each e2e file's own hooks (jest.config.js: setupFilesAfterEnv of the e2e project). jest
// runs the e2e files one after another in one process and does not cancel a hook that timed out: an
// n8n, a database or a registry started by it would still run, holding its ports, during the next
// files. The modules here are the file's own instances (the same module registry as the file).
import { afterAll } from '@jest/globals';

import { killLeftoverN8n } from './n8n';
import { killLeftoverDaemons } from './queue';
import { killLeftoverRegistries } from './registry';

afterAll(() => {
	for (const kill of [killLeftoverN8n, killLeftoverDaemons, killLeftoverRegistries]) {
		kill();
		// This file's instance of the module is done: its exit listener need not pile up with the next files'.
		process.off('exit', kill);
	}
});
