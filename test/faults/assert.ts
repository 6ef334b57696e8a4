import assert from 'node:assert/strict';

import { formatTable, runScenario } from './scenario';
import type { ScenarioOptions } from './scenario';
import type { K2Fixture } from '../support/fixture';

/** Runs the scenario, prints its table, and holds it to the suite's promises. */
export async function assertScenario(k2: K2Fixture, title: string, options: ScenarioOptions): Promise<void> {
	const result = await runScenario(k2, options);
	console.log(`\n${formatTable(title, options, result)}\n`);
	const injected = result.rows.reduce((sum, row) => sum + Object.values(row.faults).reduce((a, b) => a + b, 0), 0);
	assert.ok(injected > 0, 'faults were injected');
	assert.ok(result.rows[0].retries > 0, 'the transport retried');
	for (const route of ['POST /Users', 'PATCH /Users/:id', 'DELETE /Users/:id', 'POST /Groups', 'PATCH /Groups/:id']) {
		assert.ok(result.rows[0].faultedWrites[route] > 0, `run 1 faulted ${route}`);
	}
	for (const row of result.rows) {
		const where = `run ${row.run}`;
		assert.equal(row.duplicates, 0, `${where}: duplicates`);
		assert.equal(row.lost, 0, `${where}: lost (wanted, absent and not reported)`);
		assert.equal(row.wronglyDeprovisioned, 0, `${where}: wrongly deprovisioned`);
		assert.equal(row.unreported, 0, `${where}: every gap K2 shows after the run is in that run's errors`);
	}
	assert.ok(result.runsToConverge !== undefined && result.runsToConverge <= options.maxRuns, `converged within ${options.maxRuns} runs`);
	assert.deepEqual(result.final.gaps, [], 'K2 is exactly the desired state');
	assert.equal(result.final.lost, 0);
	assert.equal(result.cleanRunWrites, 0, 'then a clean run sends 0 writes');
}
