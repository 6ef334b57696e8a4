// Shared checks for the hostile corpus: no secret form anywhere, no prototype written, every
// input item out once. Each hostile test file imports these so every case asserts the same way.
import assert from 'node:assert/strict';

import { Container } from '@n8n/di';
import { Logger } from '@n8n/backend-common';
import { LoggerProxy } from 'n8n-workflow';

import type { RunResult } from '../harness/run-workflow';
import { builtinPrototypeProps } from '../support/prototypes';

/**
 * Every form a secret can take in text: as is (any case: K2's SCIM token is a GUID, and GUIDs
 * are case-insensitive), URL-encoded, and base64 / base64url of each case variant.
 */
export function secretForms(secret: string): { anyCase: string[]; exact: string[] } {
	const variants = [...new Set([secret, secret.toLowerCase(), secret.toUpperCase()])];
	const anyCase = [...new Set([secret, encodeURIComponent(secret)])];
	const exact = new Set<string>();
	for (const variant of variants) {
		const b64 = Buffer.from(variant).toString('base64');
		exact.add(b64);
		exact.add(b64.replace(/=+$/, ''));
		exact.add(Buffer.from(variant).toString('base64url'));
	}
	return { anyCase, exact: [...exact] };
}

/** Text of anything a user or a log could see: JSON, and an Error's own fields (stack, cause, ...). */
export function visibleText(value: unknown, seen = new Set<unknown>()): string {
	if (value === null || value === undefined) return '';
	if (typeof value !== 'object') return String(value);
	if (seen.has(value)) return '';
	seen.add(value);
	const parts: string[] = [];
	if (value instanceof Error) {
		for (const key of Object.getOwnPropertyNames(value)) {
			parts.push(visibleText((value as unknown as Record<string, unknown>)[key], seen));
		}
		parts.push(value.message, value.stack ?? '');
	}
	if (Array.isArray(value)) {
		for (const entry of value) parts.push(visibleText(entry, seen));
	} else {
		for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
			parts.push(key, visibleText(entry, seen));
		}
	}
	return parts.join('\n');
}

/** Fails, naming where and which form, if any form of any secret appears in `value`. */
export function assertNoSecrets(value: unknown, secrets: Array<string | undefined>, where: string): void {
	const text = visibleText(value);
	const lower = text.toLowerCase();
	for (const secret of secrets) {
		if (typeof secret !== 'string' || secret.length < 6) continue;
		const forms = secretForms(secret);
		for (const form of forms.anyCase) {
			assert.ok(!lower.includes(form.toLowerCase()), `${where}: a secret appears (any case, form ${form.slice(0, 4)}…)`);
		}
		for (const form of forms.exact) {
			assert.ok(!text.includes(form), `${where}: a base64 form of a secret appears (${form.slice(0, 4)}…)`);
		}
	}
}

/** The built-in prototypes' own properties before any test ran in this process (test/support/jest-setup.ts). */
const BUILTIN_PROPS = builtinPrototypeProps();

/** Fails if anything wrote to a built-in prototype (e.g. through `__proto__` in user input). */
export function assertPrototypesClean(where: string): void {
	for (const [proto, names] of BUILTIN_PROPS) {
		assert.deepEqual(Object.getOwnPropertyNames(proto).sort(), names, `${where}: a built-in prototype gained a property`);
	}
	const probe: Record<string, unknown> = {};
	for (const key of ['polluted', 'isAdmin', 'toString2']) {
		assert.equal(probe[key], undefined, `${where}: ({}).${key} is set`);
	}
}

/**
 * For a Continue On Fail run of per-item operations: each input item produced output (results
 * or exactly one error item), and nothing paired with an item that does not exist.
 */
export function assertEachItemOnce(result: RunResult, itemCount: number, where: string): void {
	assert.ok(result.output, `${where}: the node failed instead of emitting items: ${result.error?.message}`);
	const byItem = new Map<number, number>();
	const errors = new Map<number, number>();
	for (const entry of result.output!) {
		const paired = entry.pairedItem as { item: number } | undefined;
		assert.ok(paired && typeof paired.item === 'number', `${where}: an output item has no pairedItem`);
		assert.ok(paired.item >= 0 && paired.item < itemCount, `${where}: pairedItem ${paired.item} is not an input item`);
		byItem.set(paired.item, (byItem.get(paired.item) ?? 0) + 1);
		if (entry.json.error !== undefined) errors.set(paired.item, (errors.get(paired.item) ?? 0) + 1);
	}
	for (let item = 0; item < itemCount; item++) {
		assert.ok(byItem.has(item), `${where}: input item ${item} produced nothing`);
		if (errors.has(item)) {
			assert.equal(byItem.get(item), 1, `${where}: input item ${item} has an error and other output`);
		}
	}
}

export interface CapturedLog {
	level: string;
	message: string;
	meta?: unknown;
}

/**
 * Replaces n8n's logger (the one nodes reach as this.logger, and n8n-workflow's LoggerProxy) with
 * one that records every call at every level, debug included. Returns the records and a restore.
 */
export function captureLogs(): { records: CapturedLog[]; restore: () => void } {
	const records: CapturedLog[] = [];
	const previous = Container.has(Logger) ? Container.get(Logger) : undefined;
	const record = (level: string) => (message: unknown, meta?: unknown) => {
		records.push({ level, message: String(message), meta });
	};
	const capture = {
		error: record('error'),
		warn: record('warn'),
		info: record('info'),
		debug: record('debug'),
		verbose: record('verbose'),
		scoped: () => capture,
	};
	Container.set(Logger, capture as unknown as Logger);
	LoggerProxy.init(capture as never);
	return {
		records,
		restore: () => {
			if (previous) {
				Container.set(Logger, previous);
				LoggerProxy.init(previous as never);
			}
		},
	};
}
