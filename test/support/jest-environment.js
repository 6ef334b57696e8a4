// The environment every test file runs in: the process's own realm (jest-environment-node-single-context,
// see jest.config.js), plus two checks node:test made and jest does not. A file fails when, after its
// tests ended, an error is thrown or a promise is rejected (asynchronous activity it left behind), or
// when it leaves a server or a child process running (node:test waited for them: the run hung).
const SingleContextEnvironment = require('jest-environment-node-single-context');

/** Active handles that mean a file left a server or a child process behind. */
const LEAKS = ['TCPServerWrap', 'ProcessWrap', 'PipeServerWrap'];
const activeLeaks = () => process.getActiveResourcesInfo().filter((kind) => LEAKS.includes(kind));

class TestEnvironment extends SingleContextEnvironment {
	async setup() {
		await super.setup();
		this.lateErrors = [];
		// jest-circus swaps these listeners for its own while tests run (an error then fails that test)
		// and puts them back afterwards.
		this.recordLateError = (error) => this.lateErrors.push(error);
		process.on('uncaughtException', this.recordLateError);
		process.on('unhandledRejection', this.recordLateError);
		this.leaksAtStart = activeLeaks().length;
	}

	async teardown() {
		// A closed server or a killed child may still have to report its end (later on a loaded
		// machine): up to 2 s, and at least 200 ms for late errors to show.
		const earliest = Date.now() + 200;
		const latest = Date.now() + 2000;
		const settled = () => Date.now() >= earliest && activeLeaks().length <= this.leaksAtStart;
		while (!settled() && Date.now() < latest) await new Promise((resolve) => setTimeout(resolve, 100));
		process.off('uncaughtException', this.recordLateError);
		process.off('unhandledRejection', this.recordLateError);
		const leaks = activeLeaks();
		await super.teardown();
		if (this.lateErrors.length) {
			const first = this.lateErrors[0];
			throw new Error(`After its tests ended, this file threw or left a rejected promise (${this.lateErrors.length}): ${first?.stack ?? String(first)}`);
		}
		if (leaks.length > this.leaksAtStart) {
			throw new Error(`This file left a server or a child process running (${leaks.join(', ')}): stop it in an afterAll hook.`);
		}
	}
}

module.exports = TestEnvironment;
